// Invocations: newest first and live; filter by function, status and text; details on the right.

import { api, query, stream } from "./api.js";
import { traceBlock } from "./trace.js";
import { dateTime, debounce, duration, el, jsonBlock, shortName, statusBadge, time } from "./util.js";
import { VirtualList } from "./vlist.js";

const state = { items: [], filters: { function: "", status: "all", q: "" }, view: null, ctx: null, loading: null };

function accepts(summary) {
  const f = state.filters;
  if (f.function && summary.function !== f.function) return false;
  if (f.status === "ok" && summary.error) return false;
  if (f.status === "error" && !summary.error) return false;
  return true;
}

async function reload() {
  const f = state.filters;
  const token = {};
  state.loading = token;
  const data = await api(`/api/invocations${query({ function: f.function, status: f.status, q: f.q })}`);
  if (state.loading !== token) return;
  state.items = data.items;
  if (state.view) state.view.update();
}

const reloadSoon = debounce(() => reload().catch(() => {}), 150);

export function startInvocations(ctx) {
  state.ctx = ctx;
  reload().catch(() => {});
  stream("/api/invocations/stream", (summary) => {
    if (state.filters.q) { reloadSoon(); return; }
    if (!accepts(summary) || state.items.some((i) => i.requestId === summary.requestId)) return;
    let index = 0;
    while (index < state.items.length && state.items[index].at > summary.at) index++;
    state.items.splice(index, 0, summary);
    if (state.view) state.view.update();
  });
}


function decodedBody(event) {
  if (!event || typeof event !== "object" || !event.isBase64Encoded || typeof event.body !== "string") return null;
  let text;
  try { text = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(atob(event.body), (c) => c.charCodeAt(0))); }
  catch { return null; }
  return el("div", {}, el("h3", {}, "Request body (decoded)"), jsonBlock(text, "invocation-body"));
}

async function showDetail(pane, summary) {
  pane.replaceChildren(el("div", { class: "muted" }, "loading…"));
  let record;
  try { record = await api(`/api/invocations/${encodeURIComponent(summary.requestId)}`); }
  catch (error) { pane.replaceChildren(el("div", { class: "error-text" }, error.message)); return; }
  const response = record.response;
  const failure = record.error && response && typeof response === "object" ? response : null;
  const responseBody = response && typeof response === "object" && typeof response.body === "string" && response.body
    ? el("div", {}, el("h3", {}, "Response body"), jsonBlock(response.body, "invocation-response-body")) : null;
  pane.replaceChildren(...[
    el("div", { class: "kv", "data-testid": "invocation-meta" },
      el("div", { class: "k" }, "Function"), el("div", {}, record.function),
      el("div", { class: "k" }, "Request id"), el("div", { class: "mono" }, record.requestId),
      el("div", { class: "k" }, "Started"), el("div", {}, dateTime(record.at)),
      el("div", { class: "k" }, "Duration"), el("div", {}, duration(record.durationMs), " ", el("span", { class: "badge cold" }, record.cold ? "cold" : "warm")),
      el("div", { class: "k" }, "Status"), el("div", {}, statusBadge(summary.status ? summary : { ...record, status: record.error ? "error" : "ok" })),
      summary.caller ? el("div", { class: "k" }, "Caller") : null,
      summary.caller ? el("div", { "data-testid": "invocation-caller" }, summary.caller) : null,
      record.refusal ? el("div", { class: "k" }, "Refused") : null,
      record.refusal ? el("div", { class: "error-text", "data-testid": "invocation-refusal" }, record.refusal) : null,
    ),
    failure ? el("div", { "data-testid": "invocation-error" }, el("h3", {}, "Error"),
      traceBlock(`${failure.errorType || record.errorType || "Error"}: ${failure.errorMessage || ""}`, record.trace, "invocation-trace")) : null,
    el("div", {}, el("h3", {}, "Request"), jsonBlock(record.event, "invocation-request")),
    decodedBody(record.event),
    el("div", {}, el("h3", {}, "Response"), jsonBlock(response, "invocation-response")),
    responseBody,
    el("div", {}, el("h3", {}, "Logs"), el("pre", { class: "json", "data-testid": "invocation-logs" }, record.logs || "(no output)")),
  ].filter(Boolean));
}

export function invocationsPage(root, ctx, args) {
  // #/invocations/FUNCTION, or #/invocations/FUNCTION/REQUEST_ID from an issue: that invocation, open.
  if (args[0] !== undefined) state.filters.function = args[0];
  if (args[1]) state.filters.q = args[1];
  const f = state.filters;
  const fnSelect = el("select", { "data-testid": "filter-function", onchange: (e) => { f.function = e.target.value; reload(); } },
    el("option", { value: "" }, "All functions"),
    ...ctx.functions.map((fn) => el("option", { value: fn.name, selected: fn.name === f.function }, fn.logicalId)));
  const statusSelect = el("select", { "data-testid": "filter-status", onchange: (e) => { f.status = e.target.value; reload(); } },
    ...["all", "ok", "error"].map((s) => el("option", { value: s, selected: s === f.status }, s === "all" ? "Any status" : s === "ok" ? "Succeeded" : "Failed")));
  const text = el("input", { type: "search", placeholder: "Search request, response, logs…", value: f.q, "data-testid": "filter-text", style: "width:280px",
    oninput: debounce((e) => { f.q = e.target.value; reload(); }, 200) });
  const count = el("span", { class: "status", "data-testid": "invocation-count" });
  const listBox = el("div", { "data-testid": "invocation-list" });
  const detail = el("div", { class: "panel detail", "data-testid": "invocation-detail" }, el("div", { class: "empty" }, "Select an invocation to see its request, response and logs."));
  root.append(
    el("div", { class: "toolbar" }, el("h2", {}, "Invocations"), fnSelect, statusSelect, text, count),
    el("div", { class: "split" }, el("div", { class: "col" }, listBox), detail),
  );
  const list = new VirtualList(listBox, { rowHeight: 30, onSelect: (item) => showDetail(detail, item), render: (item) => el("div", { "data-testid": "invocation-row", "data-request-id": item.requestId },
    el("span", { class: "cell t" }, time(item.at)),
    el("span", { class: "cell fn" }, shortName(item.function, ctx.stage.app, ctx.stage.stage)),
    el("span", { class: "cell st" }, statusBadge(item)),
    el("span", { class: "cell title" }, item.caller ? `${item.title} · ${item.caller}` : item.title),
    el("span", { class: "cell dur" }, duration(item.durationMs)),
    item.cold ? el("span", { class: "badge cold" }, "cold") : null,
  ) });
  state.view = {
    update: () => {
      list.setItems(state.items);
      count.textContent = `${state.items.length.toLocaleString()} invocation${state.items.length === 1 ? "" : "s"}`;
    },
  };
  state.view.update();
  reload().catch(() => {});
  if (args[1]) showDetail(detail, { requestId: args[1], error: true });
  return () => { state.view = null; };
}

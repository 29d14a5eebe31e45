// Invoke: send an event (JSON, or a sample for the function's trigger) and see the response and logs.

import { api, query } from "./api.js";
import { el, jsonBlock, pretty } from "./util.js";

const KIND_LABELS = { api: "API Gateway (HTTP, payload 2.0)", sqs: "SQS message", s3: "S3 notification", sns: "SNS notification", schedule: "Schedule", dynamodb: "DynamoDB stream", empty: "Empty object" };
const remembered = {};

export function invokePage(root, ctx, args) {
  if (!ctx.functions.length) { root.append(el("div", { class: "empty" }, "This stage has no functions.")); return null; }
  let current = ctx.functions.find((f) => f.logicalId === args[0]) || ctx.functions[0];
  const fnSelect = el("select", { "data-testid": "invoke-function", onchange: (e) => { current = ctx.functions.find((f) => f.logicalId === e.target.value); kind.value = current.sampleKind; loadSample(); } },
    ...ctx.functions.map((f) => el("option", { value: f.logicalId, selected: f === current }, `${f.logicalId} — ${f.triggers.map((t) => t.label).join(", ") || "direct"}`)));
  const kind = el("select", { "data-testid": "invoke-sample", onchange: () => loadSample() },
    ...ctx.stage.sampleKinds.map((k) => el("option", { value: k }, KIND_LABELS[k] || k)));
  kind.value = current.sampleKind;
  const editor = el("textarea", { rows: 22, spellcheck: "false", "data-testid": "invoke-event" });
  const status = el("span", { class: "status", "data-testid": "invoke-status" });
  const result = el("div", { class: "detail", "data-testid": "invoke-result" }, el("div", { class: "empty" }, "The response and logs appear here."));
  const button = el("button", { "data-testid": "invoke-button", onclick: () => run() }, "Invoke");

  let ticket = 0;
  let edits = 0;
  async function loadSample() {
    const mine = ++ticket;
    const editsBefore = edits;
    const saved = remembered[`${current.logicalId}:${kind.value}`];
    if (saved) { editor.value = saved; editor.readOnly = false; return; }
    // read-only while the sample is on its way: an edit begun now would be cut in two by its arrival
    editor.readOnly = true;
    try {
      const data = await api(`/api/functions/${encodeURIComponent(current.logicalId)}/sample${query({ kind: kind.value })}`);
      // a later choice, or the person typing meanwhile, wins over this answer
      if (mine === ticket && edits === editsBefore) editor.value = pretty(data.event);
    } catch (error) { status.textContent = error.message; }
    finally { if (mine === ticket) editor.readOnly = false; }
  }
  editor.addEventListener("input", () => { edits++; remembered[`${current.logicalId}:${kind.value}`] = editor.value; });

  async function run() {
    let event;
    try { event = JSON.parse(editor.value || "{}"); }
    catch (error) { status.textContent = `The event is not JSON: ${error.message}`; status.classList.add("error-text"); return; }
    status.classList.remove("error-text");
    status.textContent = "invoking…";
    button.disabled = true;
    try {
      const data = await api(`/api/functions/${encodeURIComponent(current.logicalId)}/invoke`, { method: "POST", body: event });
      status.textContent = `${data.error ? "failed" : "done"} in ${data.elapsedMs} ms`;
      result.replaceChildren(
        el("div", {}, el("h3", {}, data.error ? `Error (${data.error})` : "Response"), jsonBlock(data.response, "invoke-response")),
        el("div", {}, el("h3", {}, "Logs"), el("pre", { class: "json", "data-testid": "invoke-logs" }, data.logs || "(no output)")),
      );
    } catch (error) {
      status.textContent = error.message;
      status.classList.add("error-text");
    } finally { button.disabled = false; }
  }

  root.append(
    el("div", { class: "toolbar" }, el("h2", {}, "Invoke"), fnSelect, kind, button, status),
    el("div", { class: "split" },
      el("div", { class: "col panel" }, el("h3", {}, "Event"), editor),
      el("div", { class: "col panel" }, result)),
  );
  loadSample();
  return null;
}

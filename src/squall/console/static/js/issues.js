// Issues: failed invocations grouped by error type and innermost user frame; resolve, ignore, reopen.

import { api, query } from "./api.js";
import { traceBlock } from "./trace.js";
import { dateTime, el, shortName, time } from "./util.js";

const SVG = "http://www.w3.org/2000/svg";

function sparkline(counts) {
  const svg = document.createElementNS(SVG, "svg");
  const width = 96, height = 22, bar = width / counts.length;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("class", "spark");
  svg.dataset.testid = "issue-spark";
  const top = Math.max(1, ...counts);
  counts.forEach((count, index) => {
    const rect = document.createElementNS(SVG, "rect");
    const h = count ? Math.max(2, (count / top) * height) : 1;
    rect.setAttribute("x", String(index * bar + 0.5));
    rect.setAttribute("y", String(height - h));
    rect.setAttribute("width", String(Math.max(1, bar - 1)));
    rect.setAttribute("height", String(h));
    if (!count) rect.setAttribute("class", "zero");
    svg.append(rect);
  });
  return svg;
}

function statusBadge(status) {
  return el("span", { class: `badge issue-${status}`, "data-testid": "issue-status" }, status);
}

async function showIssue(pane, ctx, id, refresh) {
  let issue;
  try { issue = await api(`/api/issues/${encodeURIComponent(id)}`); }
  catch (error) { pane.replaceChildren(el("div", { class: "error-text" }, error.message)); return; }
  const decide = (status) => async () => {
    await api(`/api/issues/${encodeURIComponent(id)}`, { method: "POST", body: { status } });
    refresh();
    showIssue(pane, ctx, id, refresh);
  };
  const short = (name) => shortName(name, ctx.stage.app, ctx.stage.stage);
  pane.replaceChildren(
    el("div", { class: "toolbar" },
      el("h2", { "data-testid": "issue-title" }, issue.errorType), statusBadge(issue.status),
      issue.status !== "resolved" ? el("button", { "data-testid": "issue-resolve", onclick: decide("resolved") }, "Resolve") : null,
      issue.status !== "ignored" ? el("button", { class: "secondary", "data-testid": "issue-ignore", onclick: decide("ignored") }, "Ignore") : null,
      issue.status !== "open" ? el("button", { class: "secondary", "data-testid": "issue-reopen", onclick: decide("open") }, "Reopen") : null),
    el("div", { class: "kv", "data-testid": "issue-meta" },
      el("div", { class: "k" }, "Message"), el("div", { class: "mono" }, issue.message || "–"),
      el("div", { class: "k" }, "Where"), el("div", { class: "mono" }, issue.where || "(no frame of your code)"),
      el("div", { class: "k" }, "Occurrences"), el("div", { "data-testid": "issue-detail-count" }, String(issue.count)),
      el("div", { class: "k" }, "First seen"), el("div", {}, dateTime(issue.firstSeen)),
      el("div", { class: "k" }, "Last seen"), el("div", {}, dateTime(issue.lastSeen)),
      el("div", { class: "k" }, "Functions"), el("div", {}, ...issue.functions.map((f) => el("span", { class: "badge" }, short(f)))),
      el("div", { class: "k" }, "Last 24 h"), el("div", {}, sparkline(issue.spark))),
    el("div", {}, el("h3", {}, "Latest stack trace"), traceBlock(`${issue.errorType}: ${issue.message}`, issue.trace, "issue-trace")),
    el("div", {}, el("h3", {}, "Invocations"),
      el("div", { class: "links", "data-testid": "issue-invocations" }, ...issue.invocations.map((i) => el("a", {
        href: `#/invocations/${encodeURIComponent(i.function)}/${encodeURIComponent(i.requestId)}`, class: "mono", "data-testid": "issue-invocation",
      }, `${dateTime(i.at)} · ${short(i.function)} · ${i.requestId}`)))),
  );
}

export function issuesPage(root, ctx, args) {
  let status = "open";
  let selected = args[0] || null;
  let stopped = false;
  let timer = null;
  const body = el("tbody", { "data-testid": "issues-body" });
  const count = el("span", { class: "status", "data-testid": "issue-count" });
  const detail = el("div", { class: "panel detail", "data-testid": "issue-detail" }, el("div", { class: "empty" }, "Select an issue to see its stack trace and invocations."));
  const select = el("select", { "data-testid": "issue-filter", onchange: (e) => { status = e.target.value; refresh(); } },
    ...[["open", "Open"], ["resolved", "Resolved"], ["ignored", "Ignored"], ["all", "All"]].map(([v, t]) => el("option", { value: v }, t)));
  root.append(
    el("div", { class: "toolbar" }, el("h2", {}, "Issues"), select, count),
    el("div", { class: "split" },
      el("div", { class: "panel", style: "overflow:auto" }, el("table", { class: "grid issues", "data-testid": "issues-table" },
        el("thead", {}, el("tr", {}, el("th", {}, "Error"), el("th", { class: "num" }, "Events"), el("th", {}, "Last 24 h"), el("th", {}, "Last seen"))), body)),
      detail),
  );
  const draw = (issues) => {
    count.textContent = `${issues.length} issue${issues.length === 1 ? "" : "s"}`;
    body.replaceChildren(...issues.map((issue) => el("tr", {
      class: "clickable" + (issue.id === selected ? " selected" : ""), "data-testid": "issue-row", "data-issue": issue.id,
      onclick: () => { selected = issue.id; history.replaceState(null, "", `#/issues/${issue.id}`); showIssue(detail, ctx, issue.id, refresh); draw(issues); },
    },
      el("td", { class: "issue-cell" },
        el("div", { class: "badges" }, el("span", { class: "badge err", "data-testid": "issue-type" }, issue.errorType), statusBadge(issue.status)),
        el("div", { class: "mono muted clip", title: issue.message }, issue.message),
        el("div", { class: "muted small clip", title: issue.where }, issue.where || "", " · ", issue.functions.map((f) => shortName(f, ctx.stage.app, ctx.stage.stage)).join(", "))),
      el("td", { class: "num", "data-testid": "issue-count-cell" }, String(issue.count)),
      el("td", {}, sparkline(issue.spark)),
      el("td", { class: "muted small", title: dateTime(issue.lastSeen) }, time(issue.lastSeen)),
    )));
    if (!issues.length) body.append(el("tr", {}, el("td", { colspan: 4, class: "empty" }, status === "open" ? "No open issues." : "None.")));
  };
  async function refresh() {
    clearTimeout(timer);
    try { draw((await api(`/api/issues${query({ status })}`)).issues); } catch { /* keep the last list */ }
    if (!stopped) timer = setTimeout(refresh, 1500);
  }
  refresh();
  if (selected) showIssue(detail, ctx, selected, refresh);
  return () => { stopped = true; clearTimeout(timer); };
}

// Functions: each function with its triggers, invocation count, errors and p50/p99 duration.

import { api } from "./api.js";
import { duration, el, shortName, triggerBadges } from "./util.js";

export function functionsPage(root, ctx) {
  const body = el("tbody", { "data-testid": "functions-body" });
  root.append(
    el("div", { class: "toolbar" }, el("h2", {}, "Functions"), el("span", { class: "muted" }, `${ctx.functions.length} in this stage`)),
    el("div", { class: "panel", style: "overflow:auto" },
      el("table", { class: "grid", "data-testid": "functions-table" },
        el("thead", {}, el("tr", {},
          el("th", {}, "Function"), el("th", {}, "Trigger"), el("th", {}, "Handler"),
          el("th", { class: "num" }, "Invocations"), el("th", { class: "num" }, "Errors"),
          el("th", { class: "num" }, "p50"), el("th", { class: "num" }, "p99"))),
        body)),
  );
  const draw = (functions) => {
    ctx.functions = functions;
    body.replaceChildren(...functions.map((f) => el("tr", {
      class: "clickable", "data-testid": "function-row", "data-function": f.logicalId,
      onclick: () => { location.hash = `#/invocations/${encodeURIComponent(f.name)}`; },
    },
      el("td", {}, el("div", {}, f.logicalId), el("div", { class: "muted", style: "font-size:12px" }, shortName(f.name, ctx.stage.app, ctx.stage.stage) === f.logicalId ? f.owner : f.name)),
      el("td", {}, triggerBadges(f.triggers)),
      el("td", { class: "mono muted" }, f.handler),
      el("td", { class: "num", "data-testid": "function-invocations" }, String(f.stats.invocations)),
      el("td", { class: "num" + (f.stats.errors ? " error-text" : "") }, String(f.stats.errors)),
      el("td", { class: "num" }, duration(f.stats.p50)),
      el("td", { class: "num" }, duration(f.stats.p99)),
    )));
    if (!functions.length) body.append(el("tr", {}, el("td", { colspan: 7, class: "empty" }, "This stage has no functions.")));
  };
  draw(ctx.functions);
  let stopped = false;
  const refresh = async () => {
    if (stopped) return;
    try { draw((await api("/api/functions")).functions); } catch { /* keep the last numbers */ }
    if (!stopped) timer = setTimeout(refresh, 2000);
  };
  let timer = setTimeout(refresh, 0);
  return () => { stopped = true; clearTimeout(timer); };
}

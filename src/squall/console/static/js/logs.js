// Logs: a live tail of every function of the stage (server-sent events), optionally one function only.

import { query, stream } from "./api.js";
import { el, shortName, time } from "./util.js";
import { VirtualList } from "./vlist.js";

const MAX_LINES = 20000;

export function logsPage(root, ctx) {
  let lines = [];
  let close = null;
  let wanted = "";
  const count = el("span", { class: "status", "data-testid": "log-count" });
  const box = el("div", { class: "logs", "data-testid": "log-lines" });
  const list = new VirtualList(box, {
    rowHeight: 24,
    render: (line) => el("div", { "data-testid": "log-line" },
      el("span", { class: "cell t" }, time(line.at)),
      el("span", { class: "cell fn" }, shortName(line.function, ctx.stage.app, ctx.stage.stage)),
      el("span", { class: `cell msg${/^(START|END|REPORT) RequestId/.test(line.message) ? " report" : ""}${/Error|Traceback|Task timed out/.test(line.message) ? " error" : ""}` }, line.message)),
  });
  const pending = [];
  let frame = null;
  const flush = () => {
    frame = null;
    const follow = list.atBottom() || lines.length === 0;
    lines = lines.concat(pending.splice(0));
    if (lines.length > MAX_LINES) lines = lines.slice(lines.length - MAX_LINES);
    list.setItems(lines);
    count.textContent = `${lines.length.toLocaleString()} lines`;
    if (follow) list.scrollToBottom();
  };
  const connect = () => {
    if (close) close();
    lines = [];
    list.setItems(lines);
    close = stream(`/api/logs/stream${query({ function: wanted })}`, (line) => {
      pending.push(line);
      if (!frame) frame = requestAnimationFrame(flush);
    });
  };
  const select = el("select", { "data-testid": "log-function", onchange: (e) => { wanted = e.target.value; connect(); } },
    el("option", { value: "" }, "All functions"),
    ...ctx.functions.map((fn) => el("option", { value: fn.name }, fn.logicalId)));
  root.append(
    el("div", { class: "toolbar" }, el("h2", {}, "Logs"), select,
      el("button", { class: "secondary", onclick: () => { lines = []; list.setItems(lines); count.textContent = "0 lines"; } }, "Clear"), count),
    box,
  );
  connect();
  return () => { if (close) close(); if (frame) cancelAnimationFrame(frame); };
}

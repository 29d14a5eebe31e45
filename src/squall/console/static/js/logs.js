// Logs: every function of the stage as one stream in time order, live (server-sent events) or searched
// with CloudWatch's filter-pattern syntax; jump to a time; a record of several lines shows as several rows.

import { api, query, stream } from "./api.js";
import { el, shortName, time } from "./util.js";
import { VirtualList } from "./vlist.js";

const MAX_LINES = 20000;
const key = (line) => `${line.at}|${line.function}|${line.message}`;

function rowsOf(records) {
  const rows = [];
  for (const record of records) {
    const parts = record.message.split(/\r\n|\r|\n/);
    parts.forEach((text, index) => rows.push({ record, text, first: index === 0 }));
  }
  return rows;
}

function messageClass(record) {
  let name = "cell msg";
  if (/^(START|END|REPORT) RequestId/.test(record.message)) name += " report";
  if (/\[ERROR\]|Error|Traceback|Task timed out/.test(record.message)) name += " error";
  return name;
}

export function logsPage(root, ctx) {
  let records = [];
  let seen = new Set();
  let close = null;
  let generation = 0;
  const wanted = { function: "", q: "", start: "" };
  const count = el("span", { class: "status", "data-testid": "log-count" });
  const problem = el("span", { class: "error-text", "data-testid": "log-error" });
  const box = el("div", { class: "logs", "data-testid": "log-lines" });
  const list = new VirtualList(box, {
    rowHeight: 24,
    render: (row) => el("div", { "data-testid": row.first ? "log-line" : "log-continuation", "data-function": row.record.function },
      el("span", { class: "cell t" }, row.first ? time(row.record.at) : ""),
      el("span", { class: "cell fn" }, row.first ? shortName(row.record.function, ctx.stage.app, ctx.stage.stage) : ""),
      el("span", { class: messageClass(row.record) + (row.first ? "" : " continued") }, row.text)),
  });
  const pending = [];
  let frame = null;
  const draw = (follow) => {
    if (records.length > MAX_LINES) records = records.slice(records.length - MAX_LINES);
    list.setItems(rowsOf(records));
    count.textContent = `${records.length.toLocaleString()} line${records.length === 1 ? "" : "s"}`;
    if (follow) list.scrollToBottom();
  };
  const add = (line) => {
    const k = key(line);
    if (seen.has(k)) return;
    seen.add(k);
    let index = records.length;
    while (index > 0 && records[index - 1].at > line.at) index--;
    records.splice(index, 0, line);
  };
  const flush = () => {
    frame = null;
    const follow = followBox.checked && (list.atBottom() || records.length === 0);
    pending.splice(0).forEach(add);
    draw(follow);
  };
  const connect = async () => {
    const mine = ++generation;
    if (close) { close(); close = null; }
    records = []; seen = new Set(); pending.length = 0;
    problem.textContent = "";
    draw(false);
    const searching = wanted.q || wanted.start;
    if (searching) {
      try {
        const start = wanted.start ? new Date(wanted.start).getTime() : undefined;
        const found = await api(`/api/logs${query({ q: wanted.q, function: wanted.function, start })}`);
        if (mine !== generation) return;
        found.lines.forEach(add);
        draw(!wanted.start);
      } catch (error) {
        if (mine === generation) problem.textContent = error.message;
        return;
      }
    }
    if (mine !== generation || (wanted.start && !followBox.checked)) return;
    close = stream(`/api/logs/stream${query({ function: wanted.function, q: wanted.q })}`, (line) => {
      pending.push(line);
      if (!frame) frame = requestAnimationFrame(flush);
    });
  };
  const select = el("select", { "data-testid": "log-function", onchange: (e) => { wanted.function = e.target.value; connect(); } },
    el("option", { value: "" }, "All functions"),
    ...ctx.functions.map((fn) => el("option", { value: fn.name }, fn.logicalId)));
  const search = el("input", { type: "search", placeholder: 'Filter pattern: ERROR -health "a phrase" { $.level = "ERROR" }', "data-testid": "log-search", class: "grow",
    onkeydown: (e) => { if (e.key === "Enter") { wanted.q = e.target.value.trim(); connect(); } },
    onsearch: (e) => { wanted.q = e.target.value.trim(); connect(); } });
  const jump = el("input", { type: "datetime-local", step: "1", "data-testid": "log-jump", title: "Show lines from this time on",
    onchange: (e) => { wanted.start = e.target.value; if (wanted.start) followBox.checked = false; connect(); } });
  const followBox = el("input", { type: "checkbox", checked: true, "data-testid": "log-follow",
    onchange: () => { if (followBox.checked) { wanted.start = ""; jump.value = ""; connect(); } } });
  root.append(
    el("div", { class: "toolbar" }, el("h2", {}, "Logs"), select, search, jump,
      el("label", { class: "check" }, followBox, "Follow live"),
      el("button", { class: "secondary", onclick: () => { records = []; seen = new Set(); draw(false); } }, "Clear"), count, problem),
    box,
  );
  connect();
  return () => { generation++; if (close) close(); if (frame) cancelAnimationFrame(frame); };
}

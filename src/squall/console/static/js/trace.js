// A Python traceback with library frames folded: each run of them is one expandable "… N library frames".

import { el } from "./util.js";

function frameLines(frame) {
  return el("div", { class: "frame" + (frame.library ? " library" : ""), "data-testid": "trace-frame" },
    el("div", {}, `File "${frame.file}", line ${frame.line}, in ${frame.name}`),
    frame.code ? el("div", { class: "code" }, frame.code) : null);
}

export function traceBlock(header, entries, testid) {
  const block = el("div", { class: "trace", "data-testid": testid || "trace" }, header ? el("div", { class: "trace-head" }, header) : null);
  for (const entry of entries || []) {
    if (entry.folded) {
      const count = entry.folded.length;
      block.append(el("details", { class: "folded", "data-testid": "trace-folded" },
        el("summary", {}, `… ${count} library frame${count === 1 ? "" : "s"}`),
        ...entry.folded.map(frameLines)));
    } else block.append(frameLines(entry));
  }
  if (!(entries || []).length) block.append(el("div", { class: "muted" }, "(no stack trace)"));
  return block;
}

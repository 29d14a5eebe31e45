// Deploys: each deploy and remove of the stage (who, when, command, how long) and what it changed.

import { api } from "./api.js";
import { dateTime, el } from "./util.js";

const ORDER = ["created", "updated", "replaced", "deleted"];

function counts(entry) {
  const parts = ORDER.filter((k) => entry.counts[k]).map((k) => el("span", { class: `badge change-${k}` }, `${entry.counts[k]} ${k}`));
  return parts.length ? parts : [el("span", { class: "muted" }, "no changes")];
}

function value(v) {
  if (v === null || v === undefined) return "–";
  return typeof v === "string" ? v : JSON.stringify(v);
}

function showDeploy(pane, entry) {
  pane.replaceChildren(
    el("div", { class: "kv", "data-testid": "deploy-meta" },
      el("div", { class: "k" }, "Command"), el("div", { class: "mono" }, entry.command),
      el("div", { class: "k" }, "By"), el("div", {}, `${entry.user}@${entry.host}`),
      el("div", { class: "k" }, "Started"), el("div", {}, dateTime(entry.started * 1000)),
      el("div", { class: "k" }, "Duration"), el("div", {}, `${entry.duration.toFixed(1)} s`),
      el("div", { class: "k" }, "Result"), el("div", {}, entry.status === "failed" ? el("span", { class: "error-text" }, `failed: ${entry.error}`) : "succeeded")),
    el("h3", {}, `Changes (${entry.changes.length})`),
    entry.changes.length ? el("table", { class: "grid", "data-testid": "deploy-changes" },
      el("thead", {}, el("tr", {}, el("th", {}, "Change"), el("th", {}, "Resource"), el("th", {}, "Property: before → after"))),
      el("tbody", {}, ...entry.changes.flatMap((c) => {
        const props = Object.entries(c.properties || {});
        const head = [el("td", {}, el("span", { class: `badge change-${c.action}` }, c.action)),
          el("td", {}, el("div", {}, c.logicalId), el("div", { class: "muted small" }, c.type.replace("AWS::", "")))];
        if (!props.length) return [el("tr", { "data-testid": "deploy-change" }, ...head, el("td", { class: "muted" }, c.physicalName || ""))];
        return [el("tr", { "data-testid": "deploy-change" }, ...head, el("td", {}, ...props.map(([name, diff]) => el("div", { class: "diff" },
          el("div", { class: "mono diff-name" }, name),
          el("div", { class: "mono diff-from" }, value(diff.from)),
          el("div", { class: "mono diff-to" }, value(diff.to))))))];
      }))) : el("div", { class: "muted" }, "Nothing changed."),
  );
}

export function deploysPage(root) {
  const body = el("tbody", { "data-testid": "deploys-body" });
  const detail = el("div", { class: "panel detail", "data-testid": "deploy-detail" }, el("div", { class: "empty" }, "Select a deploy to see what it changed."));
  root.append(
    el("div", { class: "toolbar" }, el("h2", {}, "Deploys")),
    el("div", { class: "split" },
      el("div", { class: "panel", style: "overflow:auto" }, el("table", { class: "grid", "data-testid": "deploys-table" },
        el("thead", {}, el("tr", {}, el("th", {}, "When"), el("th", {}, "What"), el("th", {}, "Changes"), el("th", { class: "num" }, "Took"))), body)),
      detail),
  );
  api("/api/deploys").then(({ deploys }) => {
    body.replaceChildren(...deploys.map((entry) => el("tr", { class: "clickable", "data-testid": "deploy-row", "data-deploy": entry.id, onclick: () => showDeploy(detail, entry) },
      el("td", { class: "nowrap" }, dateTime(entry.started * 1000)),
      el("td", {}, el("span", { class: `badge ${entry.status === "failed" ? "err" : entry.kind === "remove" ? "warn" : "ok"}` }, entry.kind), " ", el("span", { class: "muted small" }, `${entry.user}`)),
      el("td", {}, ...counts(entry)),
      el("td", { class: "num" }, `${entry.duration.toFixed(1)} s`))));
    if (!deploys.length) body.append(el("tr", {}, el("td", { colspan: 4, class: "empty" }, "No deploys recorded yet.")));
  }).catch((error) => body.replaceChildren(el("tr", {}, el("td", { colspan: 4, class: "error-text" }, error.message))));
  return null;
}

// Small DOM and formatting helpers shared by the pages.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

// A time of day, with the date in front when it is not today (lists that cross a day stay readable).
export function time(ms) {
  if (!ms) return "";
  const d = new Date(ms);
  const clock = d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
  return sameDay(d, new Date()) ? clock : `${d.toLocaleDateString([], { month: "short", day: "numeric" })} ${clock}`;
}

export function dateTime(ms) {
  return ms ? new Date(ms).toLocaleString([], { hour12: false }) : "";
}

export function duration(ms) {
  if (ms === null || ms === undefined) return "–";
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 2 : 1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function pretty(value) {
  if (typeof value === "string") {
    try { return JSON.stringify(JSON.parse(value), null, 2); } catch { return value; }
  }
  return JSON.stringify(value, null, 2);
}

export function jsonBlock(value, testid) {
  return el("pre", { class: "json", "data-testid": testid }, pretty(value));
}

export function shortName(name, app, stage) {
  const prefix = `${app}-${stage}-`;
  return name && name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

export function debounce(fn, ms) {
  let handle = null;
  return (...args) => { clearTimeout(handle); handle = setTimeout(() => fn(...args), ms); };
}

// An invocation's outcome: errors and 5xx in red, 4xx in amber (the caller's mistake), the rest green.
export function statusBadge(item) {
  if (item.error) return el("span", { class: "badge err", title: item.errorType || "error" }, item.errorType || "error");
  const code = Number(item.status);
  if (code >= 500) return el("span", { class: "badge err" }, item.status);
  if (code >= 400) return el("span", { class: "badge warn" }, item.status);
  return el("span", { class: "badge ok" }, item.status);
}

export function triggerBadges(triggers) {
  if (!triggers || !triggers.length) return [el("span", { class: "badge" }, "direct")];
  return triggers.map((t) => el("span", { class: `badge ${t.kind}`, title: t.kind }, t.label));
}

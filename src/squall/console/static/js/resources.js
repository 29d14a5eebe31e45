// Resources: the stage's resources and outputs, secrets (names only), and explorers for tables,
// buckets and queues.

import { api, query } from "./api.js";
import { el, jsonBlock } from "./util.js";
import { VirtualList } from "./vlist.js";

const GROUPS = [["table", "Tables"], ["bucket", "Buckets"], ["queue", "Queues"], ["api", "APIs"], ["function", "Functions"], ["topic", "Topics"], ["schedule", "Schedules"]];

export function resourcesPage(root, ctx, args) {
  const listPane = el("div", { class: "panel res-list", "data-testid": "resource-list" });
  const main = el("div", { class: "panel explorer", "data-testid": "explorer" });
  root.append(el("div", { class: "toolbar" }, el("h2", {}, "Resources")), el("div", { class: "res-layout" }, listPane, main));

  const resources = ctx.stage.resources;
  const open = (kind, id) => { location.hash = `#/resources/${kind}/${encodeURIComponent(id)}`; };
  listPane.append(el("div", { class: "item", "data-testid": "resource-overview", onclick: () => { location.hash = "#/resources"; } }, "Overview: outputs & secrets"));
  for (const [kind, title] of GROUPS) {
    const members = resources.filter((r) => r.kind === kind);
    if (!members.length) continue;
    listPane.append(el("h3", { class: "group" }, title));
    for (const r of members) {
      const explorable = ["table", "bucket", "queue"].includes(kind);
      listPane.append(el("div", {
        class: "item" + (args[1] === r.logicalId ? " active" : ""), "data-testid": "resource-item", "data-resource": r.logicalId,
        onclick: explorable ? () => open(kind, r.logicalId) : undefined, title: r.physicalName || "",
      }, el("span", {}, r.logicalId), explorable ? null : el("span", { class: "muted", style: "font-size:11px" }, r.type.replace("AWS::", "")),
        r.dlq ? el("span", { class: "badge relation", "data-testid": "queue-dlq", title: "dead-letter queue" }, `DLQ → ${r.dlq}`) : null,
        r.dlqFor ? el("span", { class: "badge relation", "data-testid": "queue-dlq-for", title: "this is the dead-letter queue of" }, `DLQ of ${r.dlqFor}`) : null));
    }
  }

  const [kind, id] = args;
  if (kind === "table") tableExplorer(main, id);
  else if (kind === "bucket") bucketExplorer(main, id);
  else if (kind === "queue") queueExplorer(main, id);
  else overview(main, ctx);
  return null;
}

async function overview(main, ctx) {
  const outputs = el("div", { "data-testid": "outputs" }, el("span", { class: "muted" }, "loading…"));
  const secrets = el("div", { "data-testid": "secrets" }, el("span", { class: "muted" }, "loading…"));
  const all = el("tbody", {}, ...ctx.stage.resources.map((r) => el("tr", {},
    el("td", {}, r.logicalId), el("td", { class: "muted" }, r.type), el("td", { class: "mono" }, r.physicalName || "–"))));
  main.style.overflow = "auto";
  main.append(
    el("h3", {}, "Outputs"), outputs,
    el("h3", {}, "Secrets"), secrets,
    el("h3", {}, `All resources (${ctx.stage.resources.length})`),
    el("table", { class: "grid", "data-testid": "all-resources" }, el("thead", {}, el("tr", {}, el("th", {}, "Logical id"), el("th", {}, "Type"), el("th", {}, "Physical name"))), all),
  );
  api("/api/outputs").then((data) => {
    const entries = Object.entries(data.outputs || {});
    outputs.replaceChildren(entries.length
      ? el("div", { class: "kv" }, ...entries.flatMap(([k, v]) => [el("div", { class: "k" }, k), el("div", { class: "mono" }, String(v))]))
      : el("span", { class: "muted" }, data.note || "No outputs."));
  }).catch((e) => outputs.replaceChildren(el("span", { class: "error-text" }, e.message)));
  api("/api/secrets").then((data) => {
    secrets.replaceChildren(data.secrets.length
      ? el("table", { class: "grid" }, el("thead", {}, el("tr", {}, el("th", {}, "Name"), el("th", {}, "This stage"), el("th", {}, "Fallback"), el("th", {}, "Declared"))),
        el("tbody", {}, ...data.secrets.map((s) => el("tr", { "data-testid": "secret-row" }, el("td", { class: "mono" }, s.name),
          el("td", {}, s.stage ? "set" : "–"), el("td", {}, s.fallback ? "set" : "–"), el("td", {}, s.declared ? "yes" : "no")))))
      : el("span", { class: "muted" }, "No secrets."));
  }).catch((e) => secrets.replaceChildren(el("span", { class: "error-text" }, e.message)));
}

function cellText(value) {
  if (value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

async function tableExplorer(main, id) {
  const base = `/api/tables/${encodeURIComponent(id)}`;
  const status = el("span", { class: "status", "data-testid": "table-status" });
  let schema;
  try { schema = await api(base); } catch (e) { main.append(el("div", { class: "error-text" }, e.message)); return; }
  const keys = [schema.partitionKey, schema.sortKey].filter(Boolean);
  let items = [];
  let cursor = null;
  let columns = [];
  const gridBox = el("div", { class: "itemgrid", "data-testid": "table-items" });
  let grid = null;
  const COL = 200;

  const draw = () => {
    const seen = new Set(keys);
    const rest = [];
    for (const item of items.slice(0, 500)) for (const k of Object.keys(item)) if (!seen.has(k)) { seen.add(k); rest.push(k); }
    columns = [...keys, ...rest.sort()];
    const width = columns.length * COL + 90;
    gridBox.replaceChildren();
    const header = el("div", { class: "head", style: `width:${width}px` }, el("div", { class: "cell", style: "width:90px" }, ""),
      ...columns.map((c) => el("div", { class: "cell", style: `width:${COL}px` }, c + (c === schema.partitionKey ? " (partition key)" : c === schema.sortKey ? " (sort key)" : ""))));
    grid = new VirtualList(gridBox, {
      rowHeight: 30, header, width,
      render: (item) => el("div", { "data-testid": "table-row" },
        el("div", { class: "cell", style: "width:90px" },
          el("button", { class: "danger small", title: "Delete this item", onclick: (e) => { e.stopPropagation(); remove(item); } }, "delete")),
        ...columns.map((c) => el("div", { class: "cell", style: `width:${COL}px`, title: cellText(item[c]) }, cellText(item[c])))),
    });
    grid.setItems(items, { keepScroll: false });
    status.textContent = `${items.length.toLocaleString()} item${items.length === 1 ? "" : "s"}${cursor ? " (more available)" : ""}`;
    more.disabled = !cursor;
  };

  const pageSize = el("select", { "data-testid": "table-page-size" }, ...[100, 1000, 10000].map((n) => el("option", { value: n }, `${n} per page`)));
  const scan = async (append) => {
    status.textContent = "loading…";
    try {
      const page = await api(`${base}/items${query({ limit: pageSize.value, cursor: append ? cursor : "" })}`);
      items = append ? items.concat(page.items) : page.items;
      cursor = page.cursor;
      draw();
    } catch (e) { status.textContent = e.message; }
  };
  const more = el("button", { class: "secondary", "data-testid": "table-more", onclick: () => scan(true) }, "Next page");
  const pk = el("input", { placeholder: schema.partitionKey, "data-testid": "query-partition" });
  const sk = schema.sortKey ? el("input", { placeholder: schema.sortKey, "data-testid": "query-sort" }) : null;
  const runQuery = async () => {
    if (!pk.value) { scan(false); return; }
    try {
      const value = schema.types[schema.partitionKey] === "N" ? Number(pk.value) : pk.value;
      const page = await api(`${base}/query`, { method: "POST", body: { partition: value, sort: sk ? sk.value : null } });
      items = page.items; cursor = null; draw();
    } catch (e) { status.textContent = e.message; }
  };
  const editor = el("textarea", { rows: 4, "data-testid": "item-editor", placeholder: `{"${schema.partitionKey}": "..."}` });
  const put = async () => {
    try {
      await api(`${base}/items`, { method: "PUT", raw: editor.value, headers: { "content-type": "application/json" } });
      status.textContent = "item saved"; editor.value = ""; scan(false);
    } catch (e) { status.textContent = e.message; }
  };
  const remove = async (item) => {
    const key = Object.fromEntries(keys.map((k) => [k, item[k]]));
    try { await api(`${base}/delete`, { method: "POST", body: key }); items = items.filter((i) => i !== item); draw(); status.textContent = "item deleted"; }
    catch (e) { status.textContent = e.message; }
  };
  main.append(
    el("div", { class: "toolbar" }, el("h2", {}, id), el("span", { class: "muted mono" }, schema.table), status),
    el("div", { class: "toolbar" }, el("button", { class: "secondary", "data-testid": "table-scan", onclick: () => scan(false) }, "Scan"), pageSize, more,
      el("span", { class: "muted" }, "Query by key:"), pk, sk, el("button", { "data-testid": "table-query", onclick: runQuery }, "Query")),
    gridBox,
    el("div", { class: "toolbar", style: "align-items:flex-start" }, el("div", { style: "flex:1" }, editor), el("button", { "data-testid": "item-put", onclick: put }, "Put item")),
  );
  scan(false);
}

async function bucketExplorer(main, id) {
  const base = `/api/buckets/${encodeURIComponent(id)}`;
  const status = el("span", { class: "status", "data-testid": "bucket-status" });
  const body = el("tbody", { "data-testid": "bucket-objects" });
  const prefix = el("input", { placeholder: "prefix", "data-testid": "bucket-prefix" });
  const pageSize = el("select", { "data-testid": "bucket-page-size" }, ...[1000, 100, 10].map((n) => el("option", { value: n }, `${n} per page`)));
  let cursor = null;
  const load = async (append) => {
    try {
      const page = await api(`${base}/objects${query({ prefix: prefix.value, limit: pageSize.value, cursor: append ? cursor : "" })}`);
      cursor = page.token;
      if (!append) body.replaceChildren();
      for (const o of page.objects) {
        body.append(el("tr", { "data-testid": "bucket-object" },
          el("td", { class: "mono" }, el("a", { href: `${base}/object${query({ key: o.key })}`, download: o.key.split("/").pop() }, o.key)),
          el("td", { class: "num" }, o.size.toLocaleString()), el("td", { class: "muted" }, new Date(o.lastModified).toLocaleString([], { hour12: false })),
          el("td", {}, el("button", { class: "danger", onclick: async () => { await api(`${base}/object${query({ key: o.key })}`, { method: "DELETE" }); load(false); } }, "delete"))));
      }
      status.textContent = `${body.children.length} object${body.children.length === 1 ? "" : "s"}${cursor ? " (more available)" : ""}`;
      more.disabled = !cursor;
    } catch (e) { status.textContent = e.message; }
  };
  const more = el("button", { class: "secondary", "data-testid": "bucket-more", onclick: () => load(true) }, "More");
  const file = el("input", { type: "file", "data-testid": "bucket-file" });
  const upload = async () => {
    const chosen = file.files[0];
    if (!chosen) { status.textContent = "choose a file first"; return; }
    const key = (prefix.value || "") + chosen.name;
    try { await api(`${base}/object${query({ key })}`, { method: "PUT", raw: chosen, headers: { "content-type": chosen.type || "application/octet-stream" } }); status.textContent = `uploaded ${key}`; load(false); }
    catch (e) { status.textContent = e.message; }
  };
  main.style.overflow = "auto";
  main.append(
    el("div", { class: "toolbar" }, el("h2", {}, id), status),
    el("div", { class: "toolbar" }, prefix, el("button", { class: "secondary", onclick: () => load(false) }, "List"), pageSize, more, file, el("button", { "data-testid": "bucket-upload", onclick: upload }, "Upload")),
    el("table", { class: "grid" }, el("thead", {}, el("tr", {}, el("th", {}, "Key"), el("th", { class: "num" }, "Size"), el("th", {}, "Modified"), el("th", {}, ""))), body),
  );
  load(false);
}

async function queueExplorer(main, id) {
  const base = `/api/queues/${encodeURIComponent(id)}`;
  const counts = el("div", { class: "kv", "data-testid": "queue-counts" });
  const messages = el("div", { "data-testid": "queue-messages" });
  const status = el("span", { class: "status" });
  const refresh = async () => {
    try {
      const q = await api(base);
      counts.replaceChildren(el("div", { class: "k" }, "Visible"), el("div", {}, String(q.counts.ApproximateNumberOfMessages)),
        el("div", { class: "k" }, "In flight"), el("div", {}, String(q.counts.ApproximateNumberOfMessagesNotVisible)),
        el("div", { class: "k" }, "Delayed"), el("div", {}, String(q.counts.ApproximateNumberOfMessagesDelayed)),
        el("div", { class: "k" }, "URL"), el("div", { class: "mono" }, q.url));
    } catch (e) { counts.replaceChildren(el("span", { class: "error-text" }, e.message)); }
  };
  const peek = async () => {
    try {
      const data = await api(`${base}/peek`, { method: "POST" });
      messages.replaceChildren(...(data.messages.length ? data.messages.map((m) => el("div", {}, el("div", { class: "muted mono" }, m.messageId), jsonBlock(m.body))) : [el("div", { class: "muted" }, "No visible messages.")]));
    } catch (e) { status.textContent = e.message; }
  };
  const editor = el("textarea", { rows: 5, "data-testid": "queue-body" }, '{"hello": "world"}');
  const send = async () => {
    try { const r = await api(`${base}/send`, { method: "POST", body: { body: editor.value } }); status.textContent = `sent ${r.messageId}`; refresh(); }
    catch (e) { status.textContent = e.message; }
  };
  main.style.overflow = "auto";
  main.append(
    el("div", { class: "toolbar" }, el("h2", {}, id), el("button", { class: "secondary", onclick: refresh }, "Refresh"), el("button", { class: "secondary", onclick: peek }, "Peek"), status),
    counts, el("h3", {}, "Send a message"), editor, el("div", {}, el("button", { onclick: send }, "Send")), el("h3", {}, "Messages"), messages,
  );
  refresh();
}

// The console's shell: stage header, hash routing between pages, the live indicator.

import { api, onLiveChange } from "./api.js";
import { functionsPage } from "./functions.js";
import { invocationsPage, startInvocations } from "./invocations.js";
import { logsPage } from "./logs.js";
import { resourcesPage } from "./resources.js";
import { invokePage } from "./invoke.js";
import { issuesPage } from "./issues.js";
import { deploysPage } from "./deploys.js";
import { el } from "./util.js";

const pages = { functions: functionsPage, issues: issuesPage, invocations: invocationsPage, logs: logsPage, resources: resourcesPage, invoke: invokePage, deploys: deploysPage };
const ctx = { stage: null, functions: [], cleanup: null };

function route() {
  const [name, ...rest] = (location.hash.replace(/^#\/?/, "") || "functions").split("/");
  const page = pages[name] ? name : "functions";
  for (const link of document.querySelectorAll(".tabs a")) link.classList.toggle("active", link.dataset.page === page);
  if (ctx.cleanup) { ctx.cleanup(); ctx.cleanup = null; }
  const root = document.getElementById("page");
  root.replaceChildren();
  root.dataset.page = page;
  ctx.cleanup = pages[page](root, ctx, rest.map(decodeURIComponent)) || null;
}

async function boot() {
  const url = new URL(location.href);
  if (url.searchParams.has("token")) {
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  onLiveChange((on) => {
    const live = document.querySelector(".live");
    live.classList.toggle("on", on);
    live.querySelector(".label").textContent = on ? "live" : "reconnecting";
  });
  try {
    ctx.stage = await api("/api/stage");
    ctx.functions = (await api("/api/functions")).functions;
  } catch (error) {
    document.getElementById("page").replaceChildren(el("div", { class: "empty error-text" }, String(error.message || error)));
    return;
  }
  const stageLabel = document.querySelector(".stage");
  stageLabel.textContent = `${ctx.stage.app} / ${ctx.stage.stage} · ${ctx.stage.target} · ${ctx.stage.region}`;
  stageLabel.title = stageLabel.textContent;
  document.title = `${ctx.stage.app}/${ctx.stage.stage} · squall console`;
  startInvocations(ctx);
  window.addEventListener("hashchange", route);
  route();
}

boot();

// connectd web console: the connectors, a connector's detail and actions, live rates, and the create
// form. A client of the public REST API only (see api.js); the page itself holds no data.

import { api, ApiError, authorization, setUnauthorizedHandler, signIn, signOut } from "./api.js";
import { fill, h, seg, stateBadge } from "./dom.js";
import { openCreateForm } from "./form.js";
import { RateTracker } from "./metrics.js";

const REFRESH_MS = 2000;
const METRICS_MS = 3000;

const $ = (id) => document.getElementById(id);
const rates = new RateTracker();
const ui = {
  connectors: {}, // name -> {status, info}, from the last listing
  selected: null, // the connector whose detail is open
  creating: false,
  signedOut: false, // a 401 was seen: polling waits for the sign-in form
};

// --- notices and sign-in ------------------------------------------------------------------------

let noticeTimer = null;

function notify(message, kind = "error") {
  const box = $("notice");
  box.className = kind;
  fill(box, message);
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    box.hidden = true;
  }, 8000);
}

function showSignIn() {
  if (ui.signedOut) return; // several calls may be refused at once: one form, one message
  ui.signedOut = true;
  $("sign-in").hidden = false;
  $("main").hidden = true;
  $("sign-out").hidden = true;
  const hadCredentials = authorization() !== null;
  fill($("sign-in-error"), hadCredentials ? "Those credentials were refused." : "");
  signOut();
  $("sign-in-form").elements.user.focus();
}

function hideSignIn() {
  ui.signedOut = false;
  $("sign-in").hidden = true;
  $("main").hidden = false;
  $("sign-out").hidden = authorization() === null;
}

setUnauthorizedHandler(showSignIn);

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target.elements;
  signIn({ user: form.user.value, password: form.password.value, token: form.token.value });
  form.password.value = "";
  form.token.value = "";
  hideSignIn();
  await loadWorkerInfo();
  await refresh();
});

$("sign-out").addEventListener("click", () => {
  signOut();
  showSignIn();
  fill($("sign-in-error"));
});

// --- the connector list ---------------------------------------------------------------------------

async function refresh() {
  if (ui.signedOut) return;
  let listing;
  try {
    listing = await api("GET", "/connectors?expand=status&expand=info");
  } catch (err) {
    if (err.status !== 401) notify(`Cannot list the connectors: ${err.message}`);
    return;
  }
  ui.connectors = listing ?? {};
  renderList();
  if (ui.selected !== null) await renderDetail();
}

function renderList() {
  const names = Object.keys(ui.connectors).sort();
  fill($("connector-count"), `(${names.length})`);
  $("empty").hidden = names.length > 0;
  fill(
    $("connectors").tBodies[0],
    names.map((name) => {
      const { status, info } = ui.connectors[name];
      const type = status?.type ?? info?.type ?? "";
      return h(
        "tr",
        { class: name === ui.selected ? "selected" : null, dataset: { connector: name } },
        h("td", {}, h("button", { type: "button", class: "link name", onclick: () => select(name) }, name)),
        h("td", {}, type),
        h("td", { class: "connector-state" }, stateBadge(status?.connector?.state)),
        h("td", { class: "worker muted" }, status?.connector?.worker_id ?? ""),
        h("td", { class: "tasks" }, (status?.tasks ?? []).map(taskCell)),
        h("td", { class: "rate num" }, rates.format(name)),
      );
    }),
  );
}

function worker(instance) {
  return instance?.worker_id ? h("span", { class: "worker muted" }, ` @ ${instance.worker_id}`) : null;
}

function taskCell(task) {
  return h(
    "div",
    { class: "task", dataset: { task: String(task.id) } },
    h("span", { class: "task-id" }, `${task.id} `, stateBadge(task.state)),
    worker(task),
  );
}

// --- a connector's detail -------------------------------------------------------------------------

function select(name) {
  ui.selected = name;
  ui.creating = false;
  $("create").hidden = true;
  history.replaceState(null, "", `#connector=${seg(name)}`);
  renderList();
  renderDetail();
}

function closeDetail() {
  ui.selected = null;
  $("detail").hidden = true;
  delete $("detail").dataset.shown;
  history.replaceState(null, "", "#");
  renderList();
}

async function renderDetail() {
  const name = ui.selected;
  const panel = $("detail");
  let config, status, topics;
  try {
    [config, status, topics] = await Promise.all([
      api("GET", `/connectors/${seg(name)}/config`),
      api("GET", `/connectors/${seg(name)}/status`),
      api("GET", `/connectors/${seg(name)}/topics`).catch((err) => ({ error: err.message })),
    ]);
  } catch (err) {
    if (err.status === 404) {
      notify(`Connector ${name} no longer exists.`, "info");
      closeDetail();
    } else if (err.status !== 401) {
      notify(`Cannot read ${name}: ${err.message}`);
    }
    return;
  }
  if (ui.selected !== name) return; // another connector was opened meanwhile
  // Redrawn only when something changed, so a refresh never undoes what the user is doing (an armed
  // Delete, a selection in the trace).
  const shown = JSON.stringify([name, config, status, topics]);
  if (!panel.hidden && panel.dataset.shown === shown) return;
  panel.dataset.shown = shown;
  const keepOpen = [...panel.querySelectorAll("details[open]")].map((d) => d.dataset.part);
  panel.hidden = false;
  fill(
    panel,
    h(
      "div",
      { class: "detail-head" },
      h("h2", { id: "detail-name" }, name),
      stateBadge(status.connector?.state),
      h("span", { class: "muted" }, ` ${status.type ?? ""}`, worker(status.connector)),
      h("span", { class: "spacer" }),
      h("button", { type: "button", class: "link", onclick: closeDetail }, "Close"),
    ),
    actions(name, status),
    h("h3", {}, "Status"),
    statusTable(status),
    h("h3", {}, "Topics"),
    topicList(name, topics),
    h("h3", {}, "Config"),
    configTable(config),
  );
  for (const part of keepOpen) panel.querySelector(`details[data-part="${CSS.escape(part)}"]`)?.setAttribute("open", "");
}

function actions(name, status) {
  const state = status.connector?.state;
  const act = (label, method, path, done) =>
    h(
      "button",
      {
        type: "button",
        dataset: { action: label.toLowerCase().split(" ")[0] },
        onclick: async (event) => {
          event.target.disabled = true;
          try {
            await api(method, `/connectors/${seg(name)}${path}`);
            notify(done, "info");
          } catch (err) {
            if (err.status !== 401) notify(`${label} ${name}: ${err.message}`);
          } finally {
            event.target.disabled = false;
          }
          await refresh();
        },
      },
      label,
    );
  // Delete asks once more, in the page: a second click on the same spot confirms.
  const remove = h("button", { type: "button", class: "danger", dataset: { action: "delete" } }, "Delete");
  remove.addEventListener("click", async () => {
    if (remove.dataset.armed !== "yes") {
      remove.dataset.armed = "yes";
      fill(remove, "Really delete?");
      return;
    }
    try {
      await api("DELETE", `/connectors/${seg(name)}`);
      notify(`Deleted ${name}.`, "info");
      closeDetail();
    } catch (err) {
      if (err.status !== 401) notify(`Delete ${name}: ${err.message}`);
    }
    await refresh();
  });
  return h(
    "div",
    { class: "actions" },
    act("Pause", "PUT", "/pause", `Pausing ${name}.`),
    act("Resume", "PUT", "/resume", `Resuming ${name}.`),
    act("Stop", "PUT", "/stop", `Stopping ${name}.`),
    act("Restart with tasks", "POST", "/restart?includeTasks=true", `Restarting ${name} and its tasks.`),
    remove,
    state === "FAILED" ? h("span", { class: "error" }, " The connector failed: see the trace below.") : null,
  );
}

function statusTable(status) {
  const rows = [{ label: "connector", ...status.connector }, ...(status.tasks ?? []).map((t) => ({ label: `task ${t.id}`, ...t }))];
  return h(
    "table",
    { class: "status" },
    h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", {}, "State"), h("th", {}, "Worker"), h("th", {}, "Trace"))),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h(
          "tr",
          { dataset: { instance: row.label } },
          h("td", {}, row.label),
          h("td", {}, stateBadge(row.state)),
          h("td", {}, row.worker_id ?? ""),
          h(
            "td",
            {},
            row.trace
              ? h(
                  "details",
                  { class: "trace", open: row.state === "FAILED", dataset: { part: `trace-${row.label}` } },
                  // A Python trace ends with the exception: the line worth seeing folded.
                  h("summary", {}, lastLine(row.trace)),
                  h("pre", {}, row.trace),
                )
              : "",
          ),
        ),
      ),
    ),
  );
}

function lastLine(text) {
  const lines = text.split("\n").filter((line) => line.trim());
  return lines.length ? lines[lines.length - 1] : text;
}

function topicList(name, topics) {
  if (topics?.error) return h("p", { class: "muted" }, topics.error);
  const names = topics?.[name]?.topics ?? [];
  if (!names.length) return h("p", { class: "muted", id: "topics" }, "None yet.");
  return h("ul", { class: "topics", id: "topics" }, names.map((t) => h("li", {}, h("code", {}, t))));
}

function configTable(config) {
  const keys = Object.keys(config ?? {}).sort();
  return h(
    "table",
    { class: "config", id: "config" },
    h("tbody", {}, keys.map((key) => h("tr", { dataset: { key } }, h("th", {}, key), h("td", {}, h("code", {}, config[key] ?? "null"))))),
  );
}

// --- new connector --------------------------------------------------------------------------------

function openCreate() {
  ui.creating = true;
  closeDetail();
  const panel = $("create");
  panel.hidden = false;
  history.replaceState(null, "", "#new");
  openCreateForm(panel, {
    onCreated: async (name) => {
      panel.hidden = true;
      ui.creating = false;
      notify(`Created ${name}.`, "info");
      await refresh();
      select(name);
    },
    onCancel: () => {
      panel.hidden = true;
      ui.creating = false;
      history.replaceState(null, "", "#");
    },
    showError: notify,
  });
}

$("new-connector").addEventListener("click", openCreate);

// --- live rates -----------------------------------------------------------------------------------

async function scrapeMetrics() {
  if (ui.signedOut) return;
  let text;
  try {
    text = await api("GET", "/metrics", undefined, { accept: "text/plain" });
  } catch (err) {
    rates.reset();
    // 404: this server has no /metrics; rates stay "—".
    fill($("metrics-state"), err instanceof ApiError && err.status === 404 ? "rates: no /metrics" : "rates: unavailable");
    return;
  }
  const found = rates.update(text, performance.now());
  fill($("metrics-state"), found ? "rates from /metrics" : "rates: no task counters in /metrics");
  renderList();
}

// --- start ----------------------------------------------------------------------------------------

/** The worker's version line; false when the API refused us (the sign-in form is up). */
async function loadWorkerInfo() {
  try {
    const info = await api("GET", "/");
    fill($("worker-info"), `Kafka Connect ${info.version} · ${info.commit}`);
  } catch (err) {
    if (err.status === 401) return false;
    notify(`Cannot reach the REST API: ${err.message}`);
  }
  return true;
}

async function start() {
  // Refused: the sign-in form is up, and its submit loads the rest.
  if (!(await loadWorkerInfo())) return;
  $("sign-out").hidden = authorization() === null;
  const hash = location.hash;
  if (hash.startsWith("#connector=")) ui.selected = decodeURIComponent(hash.slice("#connector=".length));
  await refresh();
  if (hash === "#new") openCreate();
}

document.body.dataset.ready = "starting";
start().finally(() => {
  document.body.dataset.ready = "yes";
});
setInterval(refresh, REFRESH_MS);
setInterval(scrapeMetrics, METRICS_MS);
scrapeMetrics();

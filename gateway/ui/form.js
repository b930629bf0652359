// "New connector": pick a plugin, fill the form generated from config/validate, create.

import { api } from "./api.js";
import { fill, h, seg } from "./dom.js";

// Groups shown open; the others (transforms, error handling, ...) are folded unless they hold an error.
const OPEN_GROUPS = new Set(["Common", ""]);
// The plugin's own keys come without a group; they are shown right after "Common".
const PLUGIN_GROUP = "";

/**
 * Renders the form into `root`; `onCreated(name)` is called after a successful POST /connectors.
 * `onCancel()` closes it.
 */
export async function openCreateForm(root, { onCreated, onCancel, showError }) {
  const state = { plugin: null, values: {}, infos: null, generalErrors: [] };
  const select = h("select", { id: "plugin", name: "plugin", required: true }, h("option", { value: "" }, "Choose a plugin…"));
  const fields = h("div", { id: "create-fields" });
  const general = h("p", { class: "error", id: "create-error", role: "alert" });
  const submit = h("button", { type: "submit", id: "create-submit", disabled: true }, "Validate and create");
  const form = h(
    "form",
    { id: "create-form", novalidate: true },
    h("label", { class: "plugin-pick" }, "Plugin ", select),
    fields,
    general,
    h(
      "div",
      { class: "actions" },
      submit,
      h("button", { type: "button", class: "link", onclick: () => onCancel() }, "Cancel"),
    ),
  );
  fill(root, h("h2", {}, "New connector"), form);

  let plugins;
  try {
    plugins = await api("GET", "/connector-plugins");
  } catch (err) {
    showError(`Cannot list the plugins: ${err.message}`);
    return;
  }
  for (const plugin of plugins) {
    const short = plugin.class.split(".").pop();
    const about = [plugin.type, plugin.version].filter(Boolean).join(", ");
    select.appendChild(h("option", { value: plugin.class }, `${short} (${about})`));
  }

  select.addEventListener("change", async () => {
    state.plugin = select.value || null;
    state.values = {};
    state.infos = null;
    fill(general);
    fill(fields);
    submit.disabled = !state.plugin;
    if (!state.plugin) return;
    // An empty validation gives every definition (framework and plugin); its errors are not shown yet.
    await validate(state, general);
    renderFields(fields, state, false);
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!state.plugin) return;
    submit.disabled = true;
    try {
      const infos = await validate(state, general);
      if (!infos) return;
      renderFields(fields, state, true);
      if (infos.error_count > 0) {
        const first = fields.querySelector(".field.invalid input, .field.invalid select");
        if (first) first.focus();
        fill(general, `${infos.error_count} configuration error(s): see the fields marked below.`);
        return;
      }
      const config = configOf(state);
      const created = await api("POST", "/connectors", { name: config.name, config });
      onCreated(created.name);
    } catch (err) {
      fill(general, err.message);
    } finally {
      submit.disabled = false;
    }
  });
}

/** The config the form describes: the plugin class and every non-empty value. */
function configOf(state) {
  const config = {};
  for (const [key, value] of Object.entries(state.values)) {
    if (value !== "") config[key] = value;
  }
  config["connector.class"] = state.plugin;
  return config;
}

async function validate(state, general) {
  fill(general);
  try {
    state.infos = await api("PUT", `/connector-plugins/${seg(state.plugin)}/config/validate`, configOf(state));
  } catch (err) {
    // A 400 (say, an unknown class) concerns the request as a whole.
    fill(general, err.message);
    state.infos = null;
  }
  return state.infos;
}

/** Fields grouped by definition group, in the server's order; errors next to their field. */
function renderFields(root, state, showErrors) {
  const groups = new Map();
  const loose = [];
  for (const entry of state.infos?.configs ?? []) {
    const def = entry.definition;
    const value = entry.value;
    if (!def) {
      // An error without a definition (no field to show it next to): listed under the form.
      if (value?.errors?.length) loose.push(...value.errors.map((e) => `${value.name}: ${e}`));
      continue;
    }
    if (def.name === "connector.class" || value?.visible === false) continue;
    const group = def.group ?? PLUGIN_GROUP;
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push({ def, value });
  }
  const order = ["Common", PLUGIN_GROUP, ...(state.infos?.groups ?? [])];
  const names = [...new Set([...order, ...groups.keys()])].filter((g) => groups.has(g));
  fill(
    root,
    names.map((group) => {
      const entries = groups.get(group).sort((a, b) => (a.def.order ?? 0) - (b.def.order ?? 0));
      const rendered = entries.map(({ def, value }) => field(def, value, state, showErrors));
      const invalid = showErrors && entries.some(({ value }) => value?.errors?.length);
      const title = group === PLUGIN_GROUP ? pluginTitle(state.plugin) : group;
      return h(
        "details",
        { class: "group", open: OPEN_GROUPS.has(group) || invalid, dataset: { group: title } },
        h("summary", {}, title),
        rendered,
      );
    }),
    loose.length ? h("ul", { class: "error" }, loose.map((e) => h("li", {}, e))) : null,
  );
}

function pluginTitle(plugin) {
  return `${plugin.split(".").pop()} settings`;
}

function field(def, value, state, showErrors) {
  const id = `cfg-${def.name}`;
  const current = state.values[def.name] ?? "";
  const placeholder = def.default_value ?? "";
  const recommended = value?.recommended_values ?? [];
  const listId = recommended.length && def.type !== "BOOLEAN" ? `${id}-values` : null;
  let input;
  if (def.type === "BOOLEAN") {
    input = h(
      "select",
      { id, name: def.name },
      h("option", { value: "" }, placeholder ? `default (${placeholder})` : "default"),
      ["true", "false"].map((v) => h("option", { value: v, selected: current === v }, v)),
    );
  } else {
    input = h("input", {
      id,
      name: def.name,
      type: def.type === "PASSWORD" ? "password" : "text",
      placeholder,
      list: listId,
      autocomplete: "off",
    });
    input.value = current; // a property, not markup
  }
  const remember = () => {
    state.values[def.name] = input.value;
  };
  input.addEventListener("input", remember);
  input.addEventListener("change", remember);
  const errors = showErrors ? (value?.errors ?? []) : [];
  if (errors.length) input.setAttribute("aria-invalid", "true");
  return h(
    "div",
    { class: errors.length ? "field invalid" : "field", dataset: { key: def.name } },
    h(
      "label",
      { for: id },
      def.display_name || def.name,
      def.required ? h("span", { class: "required", title: "required" }, " *") : null,
      h("code", { class: "key" }, def.name),
    ),
    input,
    listId ? h("datalist", { id: listId }, recommended.map((v) => h("option", { value: v }))) : null,
    errors.length ? h("ul", { class: "field-errors" }, errors.map((e) => h("li", {}, e))) : null,
    def.documentation ? h("small", { class: "doc" }, def.documentation) : null,
  );
}

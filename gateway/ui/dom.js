// DOM helpers. Every piece of data (connector names, configs, traces, error messages) is user input:
// it only ever becomes a text node or an attribute value, never markup (no innerHTML anywhere).

/** h("tag", {attr: value, onclick: fn}, child, ...): children are nodes, strings (as text), or arrays. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A state badge: the class is chosen from a fixed list, the text is the state as received. */
export function stateBadge(state) {
  const known = ["RUNNING", "PAUSED", "STOPPED", "FAILED", "UNASSIGNED", "RESTARTING"];
  const cls = known.includes(state) ? state.toLowerCase() : "unknown";
  return h("span", { class: `state ${cls}` }, state || "UNKNOWN");
}

/** The URL path segment of a connector or plugin name. */
export function seg(name) {
  return encodeURIComponent(name);
}

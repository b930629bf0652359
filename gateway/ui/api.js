// The console's only way to the server: the public REST API, with the credentials the user signed in
// with (if the API asks for any).

const STORAGE_KEY = "connectd.console.authorization";

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

// Called on a 401: the console shows its sign-in form. Set by console.js.
let onUnauthorized = () => {};

export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

export function authorization() {
  return sessionStorage.getItem(STORAGE_KEY);
}

/** Keep credentials for this tab only (sessionStorage): gone when the tab closes. */
export function signIn({ user, password, token }) {
  let value;
  if (token) {
    value = `Bearer ${token}`;
  } else {
    // btoa takes Latin-1 only: encode the UTF-8 bytes first, as the server decodes UTF-8.
    const bytes = new TextEncoder().encode(`${user}:${password}`);
    value = `Basic ${btoa(String.fromCharCode(...bytes))}`;
  }
  sessionStorage.setItem(STORAGE_KEY, value);
}

export function signOut() {
  sessionStorage.removeItem(STORAGE_KEY);
}

/**
 * One REST call; resolves to the parsed JSON body (null when empty), rejects with ApiError.
 * `credentials: "omit"`: the browser adds no cookies or cached HTTP credentials of its own and, per
 * the Fetch standard, shows no native login dialog on a 401 (our own form asks instead).
 */
export async function api(method, path, body, { accept = "application/json" } = {}) {
  const headers = { Accept: accept };
  const auth = authorization();
  if (auth) headers.Authorization = auth;
  const init = { method, headers, credentials: "omit", cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, `Cannot reach the REST API (${err.message})`, null);
  }
  const text = await response.text();
  if (response.status === 401) onUnauthorized();
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    let parsed = null;
    try {
      parsed = JSON.parse(text);
      if (parsed && typeof parsed.message === "string") message = parsed.message;
    } catch {
      if (text) message = `${message}: ${text.slice(0, 200)}`;
    }
    throw new ApiError(response.status, message, parsed);
  }
  if (accept !== "application/json") return text;
  return text ? JSON.parse(text) : null;
}

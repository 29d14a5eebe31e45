// Talking to the console's server: JSON calls and server-sent event streams. The token is in a cookie;
// every change also carries the session value the server embedded in this page, which no other page can read.

export class ApiError extends Error {}

const session = document.querySelector('meta[name="squall-session"]')?.content || "";

export async function api(path, { method = "GET", body, raw, headers } = {}) {
  const init = { method, credentials: "same-origin", headers: { ...(headers || {}) } };
  if (method !== "GET" && method !== "HEAD") init.headers["x-squall-session"] = session;
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!response.ok) throw new ApiError((data && data.error) || text || `HTTP ${response.status}`);
  return data;
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

const listeners = new Set();

export function onLiveChange(fn) { listeners.add(fn); }

export function stream(path, onItem) {
  const source = new EventSource(path, { withCredentials: true });
  source.onopen = () => listeners.forEach((fn) => fn(true));
  source.onerror = () => listeners.forEach((fn) => fn(false));
  source.onmessage = (message) => onItem(JSON.parse(message.data));
  return () => source.close();
}

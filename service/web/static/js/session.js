// Signing in with a key: the key stays in this tab's sessionStorage (gone when the tab closes, or on sign out)
// and goes out as "Authorization: Bearer <key>" on the editor's requests only; the page's reads send no key.
// The page learns what the key may do from GET /keys/me (see learnRole).

const STORAGE = "commitments.key";

/** The roles, weakest first: each may do what the ones before it may. */
export const ROLES = ["reader", "editor", "reviewer", "admin"];

/** True when ``role`` may do what ``needed`` may. */
export function atLeast(role, needed) {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

export function storedKey() {
  return window.sessionStorage.getItem(STORAGE);
}

export function keep(key) {
  window.sessionStorage.setItem(STORAGE, key);
}

export function forget() {
  window.sessionStorage.removeItem(STORAGE);
}

/** A refusal the service answered with problem JSON: its status, detail and field faults. */
export class Refused extends Error {
  constructor(status, problem) {
    super(problem.detail || `the service answered ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/**
 * A request with the key. ``body``: an object (sent as JSON) or {text, type} (sent as is).
 * Answers the decoded JSON of a success; throws Refused with the problem otherwise.
 */
export async function send(method, path, { key = storedKey(), body } = {}) {
  const headers = { Accept: "application/json" };
  if (key) headers.Authorization = `Bearer ${key}`;
  let payload;
  if (body && typeof body.text === "string") {
    headers["Content-Type"] = body.type;
    payload = body.text;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text.slice(0, 200) };
  }
  if (!response.ok) throw new Refused(response.status, data || {});
  return data;
}

/** What ``key`` may do: its role, as ``GET /keys/me`` says it (a 401 is an unknown or revoked key). */
export async function learnRole(key) {
  try {
    const holder = await send("GET", "/keys/me", { key });
    return ROLES.includes(holder.role) ? holder.role : "reader";
  } catch (error) {
    if (error instanceof Refused && error.status === 401) {
      throw new Refused(401, { detail: "The service does not know this key (or it was revoked)." });
    }
    throw error;
  }
}

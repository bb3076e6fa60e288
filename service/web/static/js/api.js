// The page's only data path: the service's own JSON API, same origin.

/** A read the service refused because reads need the token (private mode, see docs/ui.md). */
export class PrivateService extends Error {}

/** GET a JSON document; problem JSON answers become errors carrying the problem's detail. */
export async function getJSON(path, { signal } = {}) {
  const response = await fetch(path, { headers: { Accept: "application/json" }, signal });
  if (response.status === 401) {
    throw new PrivateService("This service is private: its reads need the bearer token, which this page does not send.");
  }
  if (!response.ok) {
    let detail = response.statusText;
    try {
      detail = (await response.json()).detail || detail;
    } catch {
      // not problem JSON: keep the status text
    }
    throw new Error(`${path}: ${response.status} ${detail}`);
  }
  return response.json();
}

/** A query string from the defined values only; a list repeats its parameter (``actor=a&actor=b``). */
export function query(path, parameters) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (Array.isArray(value)) value.forEach((item) => search.append(name, item));
    else if (value !== null && value !== undefined) search.set(name, value);
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

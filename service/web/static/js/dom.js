// Building elements from data. Text always goes in through textContent, never innerHTML:
// summaries, outlets and ids come from whoever appended the events.

import { inWords } from "./dates.js";

/** An element with attributes (null/false ones skipped) and children (strings become text). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** Replace everything inside ``element``. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A topic id as words: "troops-in-ukraine" -> "troops in ukraine" (lets the header wrap). */
export function words(id) {
  return String(id).replaceAll("-", " ");
}

/** An outlet name, linked to its URL when the source has one (http(s) only). */
export function sourceLink(source) {
  const label = source.published ? `${source.outlet} (${inWords(source.published)})` : source.outlet;
  if (source.url && /^https?:\/\//i.test(source.url)) {
    return h("a", { href: source.url, target: "_blank", rel: "noopener noreferrer" }, label);
  }
  return h("span", { class: "outlet" }, label);
}

// The live panel: the browser's EventSource on /feed. Each "stance-change" message carries one
// change record (the same JSON as GET /changes); it is listed at the top, newest first.

import { h, sourceLink, words } from "./dom.js";

const KEEP = 50; // older entries drop off the list; /changes has them all

const STATES = {
  connecting: "Connecting…",
  live: "Live: connected",
  reconnecting: "Connection lost, reconnecting…",
  closed: "Disconnected (reload the page to retry)",
  unsupported: "This browser cannot follow the feed",
};

function state(element, name, extra = "") {
  element.dataset.state = name;
  element.textContent = STATES[name] + extra;
}

/** A change record in words: "Netherlands · troops in ukraine: undecided → declined (active)". */
export function describeChange(change, names) {
  const actor = change.actor ? names.get(change.actor) || change.actor : "—";
  const topic = change.topic ? words(change.topic) : "";
  const before = change.before.stance || "no stance";
  const after = change.after.stance || "no stance";
  const status = change.after.status ? ` (${change.after.status})` : "";
  return `${actor} · ${topic}: ${before} → ${after}${status}`;
}

function entry(change, names) {
  return h("li", { class: `change kind-${change.kind}`, dataset: { seq: change.seq, event: change.event_id || "" } },
    h("p", {}, h("span", { class: "badge" }, change.kind), " ", h("time", {}, change.effective), " ",
      h("strong", {}, describeChange(change, names))),
    change.summary ? h("p", {}, change.summary) : null,
    change.sources && change.sources.length
      ? h("p", { class: "sources" }, "Sources: ", change.sources.flatMap((s, i) => (i ? [", ", sourceLink(s)] : [sourceLink(s)])))
      : null,
    change.event_id ? h("p", {}, h("a", { href: `/events/${encodeURIComponent(change.event_id)}` }, "event record")) : null);
}

/**
 * Follow the feed from just after change ``after`` (the changes the page loaded with are
 * already in the matrix). ``onChange(change)`` runs for each new record.
 */
export function follow({ after, list, empty, status, names, onChange }) {
  if (!("EventSource" in window)) {
    state(status, "unsupported");
    return null;
  }
  const seen = new Set();
  const source = new EventSource(`/feed?after=${after}`);
  state(status, "connecting");
  source.addEventListener("open", () => state(status, "live"));
  source.addEventListener("error", () => state(status, source.readyState === EventSource.CLOSED ? "closed" : "reconnecting"));
  source.addEventListener("stance-change", (message) => {
    const change = JSON.parse(message.data);
    if (seen.has(change.seq)) return; // a reconnect may resend what we have
    seen.add(change.seq);
    list.prepend(entry(change, names));
    while (list.children.length > KEEP) list.lastElementChild.remove();
    empty.hidden = true;
    onChange(change);
  });
  return source;
}

// The details of one matrix cell: stance, commitment status, each condition with its status
// and description, and the evidence (event summaries, sources linked, the event's JSON record).

import { inWords } from "./dates.js";
import { fill, h, sourceLink, words } from "./dom.js";

function conditionItem(state, conditions) {
  const known = conditions.get(state.id);
  return h("li", {},
    h("span", { class: `badge condition-${state.status}` }, state.status), " ",
    h("strong", {}, state.id),
    known ? [": ", known.description, known.deadline ? ` (deadline ${inWords(known.deadline)})` : null] : null);
}

function evidenceItem(evidence, entries, onCorrect) {
  const entry = entries.get(evidence.event_id);
  return h("li", { class: "evidence", dataset: { event: evidence.event_id } },
    h("p", {},
      entry ? h("strong", {}, entry.headline) : null,
      entry ? h("span", { class: "muted" }, ` (${inWords(entry.date)}) `) : null,
      h("a", { href: `/events/${encodeURIComponent(evidence.event_id)}`, class: "record" }, "event record"),
      onCorrect ? [" ", h("button", { type: "button", class: "correct", onclick: () => onCorrect(evidence.event_id) },
        "Correct this event")] : null),
    evidence.summary ? h("p", {}, evidence.summary) : null,
    evidence.sources.length
      ? h("p", { class: "sources" }, "Sources: ", evidence.sources.flatMap((s, i) => (i ? [", ", sourceLink(s)] : [sourceLink(s)])))
      : null);
}

function quantity(row) {
  if (!row.quantity) return null;
  const period = row.period ? ` for ${inWords(row.period)}` : "";
  return h("p", {}, `Quantity: ${row.quantity.amount.toLocaleString("en")} ${row.quantity.unit}${period}`);
}

/** One version of a disputed stance, with its evidence: the answer or an alternative. */
function versionItem(version, label, { conditions, entries, onCorrect }) {
  return h("li", { class: "version" },
    h("p", {}, h("strong", {}, label), " ",
      h("span", { class: `badge stance-${version.stance}` }, version.stance),
      version.status ? [" ", h("span", { class: "badge" }, `commitment ${version.status}`)] : null,
      ` dated ${inWords(version.since_text)}`),
    version.conditions.length
      ? h("ul", { class: "plain" }, version.conditions.map((c) => conditionItem(c, conditions))) : null,
    h("ul", { class: "plain" }, version.evidence.map((e) => evidenceItem(e, entries, onCorrect))));
}

function disputeSection(row, context) {
  if (!row.disputed) return null;
  return [
    h("h4", {}, "Sources disagree"),
    h("p", { class: "muted" },
      "Competing reports of this position stand. The answer above is the most cautious of them; an editor can settle",
      " the dispute with a dispute.settled event."),
    h("ol", { class: "versions" },
      versionItem(row, "Shown:", context),
      row.alternatives.map((version) => versionItem(version, "Also reported:", context))),
  ];
}

/**
 * Show ``row`` (a /stances row) in ``container``. ``conditions`` maps condition ids to the
 * /conditions answer of the same day; ``entries`` maps event ids to native timeline entries; ``onCorrect(eventId)``,
 * given to editors, puts a "Correct this event" button by each piece of evidence.
 */
export function renderDetails(container, row, { actorName, conditions, entries, day, onCorrect = null }) {
  if (!row) {
    fill(container, h("p", { class: "muted" }, `No stance on ${day}. Select another cell.`));
    return;
  }
  fill(container,
    h("h3", {}, `${actorName} · ${words(row.topic)}`),
    h("p", {},
      h("span", { class: `badge stance-${row.stance}` }, row.stance),
      row.status ? [" ", h("span", { class: "badge" }, `commitment ${row.status}`)] : null,
      h("span", { class: "since", dataset: { date: row.since_text, precision: row.precision } },
        ` dated ${inWords(row.since_text)}`), row.certain ? null : " (date uncertain on this day)",
      row.disputed ? [" ", h("span", { class: "badge disputed-badge" }, "disputed")] : null),
    quantity(row),
    row.conditions.length
      ? [h("h4", {}, "Conditions"), h("ul", { class: "plain" }, row.conditions.map((c) => conditionItem(c, conditions)))]
      : h("p", { class: "muted" }, "No conditions."),
    h("h4", {}, "Evidence"),
    h("ul", { class: "plain evidence-list" }, row.evidence.map((e) => evidenceItem(e, entries, onCorrect))),
    disputeSection(row, { conditions, entries, onCorrect }));
}

// The stance matrix: a real <table>, actors in rows and topics in columns, one cell per
// (actor, topic) on the chosen day. Cells with a stance are buttons that open the details.

import { fill, h, words } from "./dom.js";
import { STANCES, abbreviation } from "./stances.js";

/** The legend: the ordinal scale, each colour with its abbreviation and its word. */
export function renderLegend(list) {
  fill(list, STANCES.map(({ stance, abbr }) =>
    h("li", { class: `swatch stance-${stance}`, dataset: { stance, abbr } },
      h("span", { class: "abbr" }, abbr), " ", h("span", { class: "word" }, stance))));
}

function describe(row, actorName) {
  const status = row.status ? `, ${row.status}` : "";
  const conditions = row.conditions.map((c) => `${c.id} (${c.status})`).join(", ");
  const disputed = row.disputed
    ? `; disputed: sources also report ${row.alternatives.map((a) => a.stance).join(", ")}` : "";
  return `${actorName} on ${words(row.topic)}: ${row.stance}${status}` +
    (conditions ? `; conditions: ${conditions}` : "") + `; since ${row.since_text}${disputed}`;
}

function cell(row, actor, topic, actorName, onSelect) {
  if (!row) {
    return h("td", { class: "empty", dataset: { actor, topic } }, h("span", { "aria-hidden": "true" }, "·"));
  }
  const label = describe(row, actorName);
  const marks = row.conditions.length ? h("span", { class: "conds" }, `${row.conditions.length} cond.`) : null;
  const disputed = row.disputed ? h("span", { class: "disputed-mark" }, "disputed") : null;
  return h("td", {
    class: `stance-${row.stance}${row.disputed ? " disputed" : ""}`,
    dataset: { actor, topic, stance: row.stance, disputed: row.disputed ? "true" : "false" },
  },
    h("button", {
      type: "button", class: "cell", title: label, "aria-label": label,
      onclick: () => onSelect(row),
    },
    h("span", { class: "abbr" }, abbreviation(row.stance)),
    row.status ? h("span", { class: "status" }, row.status) : null,
    marks, disputed));
}

/**
 * Draw the table. ``actors`` are {id, name} in row order, ``topics`` the column ids,
 * ``rows`` the /stances answer's rows; ``selected`` is "actor/topic" of the open cell.
 */
export function renderMatrix(table, { actors, topics, rows, day, selected, onSelect }) {
  const byKey = new Map(rows.map((row) => [`${row.actor}/${row.topic}`, row]));
  const head = h("thead", {}, h("tr", {},
    h("th", { scope: "col", class: "corner" }, "Actor \\ topic"),
    topics.map((topic) => h("th", { scope: "col", title: topic }, h("span", { class: "topic" }, words(topic))))));
  const body = h("tbody", {}, actors.map((actor) => h("tr", {},
    h("th", { scope: "row", title: actor.id }, actor.name),
    topics.map((topic) => cell(byKey.get(`${actor.id}/${topic}`), actor.id, topic, actor.name, onSelect)))));
  fill(table, h("caption", { class: "visually-hidden" },
    `Stance of each actor (rows) on each topic (columns) on ${day}`), head, body);
  if (selected) {
    const [actor, topic] = selected.split("/");
    table.querySelector(`td[data-actor="${CSS.escape(actor)}"][data-topic="${CSS.escape(topic)}"]`)
      ?.classList.add("selected");
  }
}

// The stance matrix: a real <table>, actors in rows and topics in columns, one cell per
// (actor, topic) on the chosen day. Cells with a stance are buttons that open the details.
//
// A large matrix (hundreds of actors) draws only the rows in its scroll box, and a few more above and
// below: spacer rows stand for the others, so the scroll bar and the sticky headers behave as if every
// row were there. The cells of the rows drawn are loaded for the day as they come into view
// (/stances/cells with their actors), never the whole matrix with its evidence.

import { inWords } from "./dates.js";
import { fill, h, words } from "./dom.js";
import { STANCES, abbreviation } from "./stances.js";

/** A matrix with more actors or topics than this scrolls in its own box, under sticky headers, with filters. */
export const LARGE = 20;
/** A matrix with more actors than this draws only its rows in view, and loads only their cells. */
export const VIRTUAL = 60;
/** Rows drawn above and below those in view, so that a short scroll shows them at once. */
const MARGIN_ROWS = 4;
/** A row's height before one is measured (the large matrix's rows all have the height its style gives). */
const ROW_PX = 56;

/** The legend: the ordinal scale, each colour with its abbreviation and its word. */
export function renderLegend(list) {
  fill(list, STANCES.map(({ stance, abbr }) =>
    h("li", { class: `swatch stance-${stance}`, dataset: { stance, abbr } },
      h("span", { class: "abbr" }, abbr), " ", h("span", { class: "word" }, stance))));
}

function describe(cell, actorName) {
  const status = cell.status ? `, ${cell.status}` : "";
  const conditions = cell.conditions.map((c) => `${c.id} (${c.status})`).join(", ");
  const disputed = cell.disputed ? `; disputed: sources also report ${cell.also.join(", ")}` : "";
  return `${actorName} on ${words(cell.topic)}: ${cell.stance}${status}` +
    (conditions ? `; conditions: ${conditions}` : "") + `; dated ${inWords(cell.since_text)}${disputed}`;
}

function cellElement(cell, actor, topic, actorName, onSelect) {
  if (cell === undefined) return h("td", { class: "loading", dataset: { actor, topic } });
  if (!cell) return h("td", { class: "empty", dataset: { actor, topic } }, h("span", { "aria-hidden": "true" }, "·"));
  const label = describe(cell, actorName);
  const marks = cell.conditions.length ? h("span", { class: "conds" }, `${cell.conditions.length} cond.`) : null;
  const disputed = cell.disputed ? h("span", { class: "disputed-mark" }, "disputed") : null;
  return h("td", {
    class: `stance-${cell.stance}${cell.disputed ? " disputed" : ""}`,
    dataset: { actor, topic, stance: cell.stance, disputed: cell.disputed ? "true" : "false" },
  },
    h("button", { type: "button", class: "cell", title: label, "aria-label": label, onclick: () => onSelect(cell) },
      h("span", { class: "abbr" }, abbreviation(cell.stance)),
      cell.status ? h("span", { class: "status" }, cell.status) : null,
      marks, disputed));
}

function matches(typed, ...texts) {
  return !typed || texts.some((text) => String(text).toLowerCase().includes(typed));
}

export class Matrix {
  /**
   * ``load(day, actors, signal)`` resolves with the /stances/cells cells of ``day`` (of ``actors`` only, or all
   * when null); ``onSelect(cell)`` opens a cell; ``onError`` hears what failed.
   */
  constructor(table, { load, onSelect, onError }) {
    this.table = table;
    this.scroller = table.closest(".table-scroll");
    this.load = load;
    this.onSelect = onSelect;
    this.onError = onError;
    this.actors = []; // [{id, name}] in row order
    this.topics = [];
    this.typed = { actor: "", topic: "" };
    this.day = null;
    this.cells = new Map(); // "actor/topic" -> cell, for the loaded actors of ``day``
    this.loaded = new Set(); // actors whose cells of ``day`` are in ``cells``
    this.asked = new Set(); // actors being loaded
    this.selected = null; // "actor/topic"
    this.request = null;
    this.rowPx = ROW_PX;
    this.measured = false; // rowPx measured on a drawn row (once: measuring forces a layout of the page)
    this.drawn = null; // {first, last} of the rows drawn
    this.scrolling = false;
    this.scroller?.addEventListener("scroll", () => {
      if (this.scrolling || !this.virtual) return;
      this.scrolling = true;
      requestAnimationFrame(() => {
        this.scrolling = false;
        this.follow();
      });
    }, { passive: true });
  }

  /** Whether the matrix is large: it then scrolls in its box and has filters. */
  get large() {
    return this.actors.length > LARGE || this.topics.length > LARGE;
  }

  /** Whether the matrix draws (and loads) only its rows in view. */
  get virtual() {
    return this.actors.length > VIRTUAL;
  }

  /** The rows and columns (every actor and topic, in order); drawn again with the next ``show``. */
  setAxes(actors, topics) {
    this.actors = actors;
    this.topics = topics;
  }

  /** The actors and topics the filters keep. */
  shown() {
    if (!this.large) return { actors: this.actors, topics: this.topics };
    return {
      actors: this.actors.filter((a) => matches(this.typed.actor, a.name, a.id)),
      topics: this.topics.filter((t) => matches(this.typed.topic, t, words(t))),
    };
  }

  /** The loaded cells of the day (every cell of a small matrix). */
  rows() {
    return [...this.cells.values()];
  }

  /** Load and draw ``day``; resolves once the rows in view are drawn (the table's data-day says which day). */
  async show(day, signal) {
    const actors = this.virtual ? this.wanted() : null;
    const cells = await this.load(day, actors && actors.map((a) => a.id), signal);
    this.day = day;
    this.cells = new Map();
    this.loaded = new Set();
    this.asked = new Set();
    this.request?.abort();
    this.take(cells, actors || this.actors);
    this.draw();
    this.table.dataset.day = day; // tells readers (and the browser tests) which day the table shows
  }

  /** Keep the rows and columns whose names contain what the reader typed. */
  filter(actor, topic) {
    this.typed = { actor: actor.trim().toLowerCase(), topic: topic.trim().toLowerCase() };
    this.draw();
    this.follow();
  }

  /** Mark ``key`` ("actor/topic") as the open cell. */
  select(key) {
    this.selected = key;
    this.table.querySelectorAll("td.selected").forEach((td) => td.classList.remove("selected"));
    if (!key) return;
    const [actor, topic] = key.split("/");
    this.table.querySelector(`td[data-actor="${CSS.escape(actor)}"][data-topic="${CSS.escape(topic)}"]`)
      ?.classList.add("selected");
  }

  take(cells, actors) {
    for (const cell of cells) this.cells.set(`${cell.actor}/${cell.topic}`, cell);
    for (const actor of actors) this.loaded.add(actor.id ?? actor);
  }

  /** The rows in view (and the margins) of the filtered actors: [first, last) and their actors. */
  range() {
    const { actors } = this.shown();
    if (!this.scroller) return { first: 0, last: actors.length, actors };
    const head = this.table.tHead?.offsetHeight || 0;
    const top = Math.max(0, this.scroller.scrollTop - head);
    const height = this.scroller.clientHeight || 800;
    const first = Math.max(0, Math.floor(top / this.rowPx) - MARGIN_ROWS);
    const last = Math.min(actors.length, Math.ceil((top + height) / this.rowPx) + MARGIN_ROWS);
    return { first, last, actors };
  }

  /** The actors of the rows to draw now. */
  wanted() {
    const { first, last, actors } = this.range();
    return actors.slice(first, last);
  }

  /** After a scroll or a filter: draw the rows now in view, then load those not loaded yet. */
  follow() {
    if (!this.virtual || this.day === null) return;
    const { first, last } = this.range();
    if (!this.drawn || first < this.drawn.first || last > this.drawn.last) this.draw();
    const missing = this.wanted().filter((a) => !this.loaded.has(a.id) && !this.asked.has(a.id));
    if (!missing.length) return;
    const day = this.day;
    const request = (this.request = new AbortController());
    missing.forEach((a) => this.asked.add(a.id));
    this.load(day, missing.map((a) => a.id), request.signal).then((cells) => {
      if (day !== this.day) return;
      this.take(cells, missing);
      this.draw();
    }).catch((error) => {
      missing.forEach((a) => this.asked.delete(a.id));
      if (error.name !== "AbortError") this.onError(error);
    });
  }

  /** Draw the table: every row, or those in view between spacers (``virtual``). */
  draw() {
    const large = this.virtual;
    this.scroller?.classList.toggle("large", this.large);
    this.scroller?.classList.toggle("virtual", large);
    const { actors, topics } = this.shown();
    const { first, last } = large ? this.range() : { first: 0, last: actors.length };
    const row = (actor, index) => h("tr", { "aria-rowindex": large ? index + 2 : null },
      h("th", { scope: "row", title: actor.id }, actor.name),
      topics.map((topic) => {
        const key = `${actor.id}/${topic}`;
        const cell = this.loaded.has(actor.id) ? this.cells.get(key) || null : undefined;
        return cellElement(cell, actor.id, topic, actor.name, (c) => this.onSelect(c));
      }));
    const spacer = (rows) => (rows > 0
      ? h("tr", { class: "spacer", "aria-hidden": "true" },
        h("td", { colspan: topics.length + 1, style: `height: ${rows * this.rowPx}px` }))
      : null);
    // The header row stays while the columns do (a scroll draws other rows only).
    const columns = `${large}/${topics.join("/")}`;
    const head = this.columns === columns && this.table.tHead ? this.table.tHead
      : h("thead", {}, h("tr", { "aria-rowindex": large ? 1 : null },
        h("th", { scope: "col", class: "corner" }, "Actor \\ topic"),
        topics.map((topic) => h("th", { scope: "col", title: topic }, h("span", { class: "topic" }, words(topic))))));
    this.columns = columns;
    const body = h("tbody", {}, spacer(first), actors.slice(first, last).map((a, i) => row(a, first + i)),
      spacer(actors.length - last));
    // A keyboard reader's focus stays on its cell when the rows are drawn again (a scroll, a new day).
    const focused = this.table.contains(document.activeElement) ? document.activeElement.closest("td") : null;
    const refocus = focused && { actor: focused.dataset.actor, topic: focused.dataset.topic };
    fill(this.table, h("caption", { class: "visually-hidden" },
      `Stance of each actor (rows) on each topic (columns) on ${this.day}`), head, body);
    if (large) this.table.setAttribute("aria-rowcount", String(actors.length + 1));
    else this.table.removeAttribute("aria-rowcount");
    this.drawn = { first, last };
    const drawnRow = body.querySelector("tr:not(.spacer)");
    if (large && !this.measured && drawnRow?.offsetHeight) {
      this.rowPx = drawnRow.offsetHeight;
      this.measured = true;
    }
    this.select(this.selected);
    if (refocus) {
      this.table.querySelector(`td[data-actor="${CSS.escape(refocus.actor)}"][data-topic="${CSS.escape(refocus.topic)}"]`)
        ?.querySelector("button")?.focus({ preventScroll: true });
    }
  }
}

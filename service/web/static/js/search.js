// The search box: GET /search, the hits with their matched words marked, and facets that filter as you click.
// A hit opens its day on the page (onPick); a pinned view (cite.js) searches the log as it stood then.

import { getJSON, query } from "./api.js";
import { h } from "./dom.js";

const FACETS = ["type", "actor", "topic", "month"];

/** The snippet's text with each <mark>…</mark> as a mark element; everything else stays text (never HTML). */
function snippetNodes(snippet) {
  const nodes = [];
  snippet.split(/<mark>(.*?)<\/mark>/s).forEach((part, index) => {
    if (index % 2) nodes.push(h("mark", {}, part));
    else if (part) nodes.push(document.createTextNode(part));
  });
  return nodes;
}

/** The first and last day of a YYYY-MM month. */
function monthRange(month) {
  const [year, number] = month.split("-").map(Number);
  const last = new Date(Date.UTC(year, number, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, "0")}` };
}

export class SearchBox {
  /** ``parts``: the form, its input, the count, the facets list and the hits list (by element). */
  constructor(parts, { onPick, position, names }) {
    Object.assign(this, parts);
    this.onPick = onPick;
    this.position = position; // () => the pinned log position, or null
    this.names = names; // () => Map of actor id -> name
    this.filters = {};
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.filters = {};
      this.run();
    });
  }

  /** The text searched for now (the permalink keeps it). */
  get text() {
    return this.input.value.trim();
  }

  async run() {
    if (!this.text) return;
    const month = this.filters.month ? monthRange(this.filters.month) : {};
    const path = query("/search", {
      q: this.text, type: this.filters.type, actor: this.filters.actor, topic: this.filters.topic,
      from: month.from, to: month.to, as_of_position: this.position(), limit: 20,
    });
    try {
      const answer = await getJSON(path);
      this.show(answer);
    } catch (error) {
      this.count.textContent = error.message.replace(/^[^:]*: \d+ /, ""); // the problem's detail names the fault
      this.facets.replaceChildren();
      this.hits.replaceChildren();
    }
  }

  show(answer) {
    this.count.textContent = `${answer.total} found` + (answer.total > answer.hits.length ? `, the first ${answer.hits.length} shown` : "");
    this.facets.replaceChildren(...FACETS.flatMap((facet) => this.facetButtons(facet, answer.facets[facet])));
    this.hits.replaceChildren(...answer.hits.map((hit) => {
      const open = h("button", { type: "button", class: "hit" }, `${hit.occurred} · ${hit.type}`);
      open.addEventListener("click", () => this.onPick(hit));
      return h("li", { "data-event": hit.id }, open, h("p", { class: "snippet" }, ...snippetNodes(hit.snippet)));
    }));
  }

  facetButtons(facet, counts) {
    return Object.entries(counts).slice(0, 8).map(([value, count]) => {
      const chosen = this.filters[facet] === value;
      const label = facet === "actor" ? this.names().get(value) || value : value;
      const button = h("button", {
        type: "button", class: "facet", "aria-pressed": String(chosen), "data-facet": facet, "data-value": value,
      }, `${label} (${count})`);
      button.addEventListener("click", () => {
        if (chosen) delete this.filters[facet];
        else this.filters[facet] = value;
        this.run();
      });
      return button;
    });
  }
}

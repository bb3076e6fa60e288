// Filters for a large matrix (hundreds of actors, dozens of topics): keep the rows whose actor and
// the columns whose topic contain what the reader typed. Shown only when the matrix is that large.

/** A matrix with more actors or topics than this gets the filters, and scrolls under sticky headers. */
export const LARGE = 20;

function matches(text, typed) {
  return !typed || text.toLowerCase().includes(typed);
}

export class MatrixFilter {
  /** ``form`` holds the inputs #filter-actor and #filter-topic and the output #filter-count. */
  constructor(form, table) {
    this.form = form;
    this.table = table;
    this.actor = form.querySelector("#filter-actor");
    this.topic = form.querySelector("#filter-topic");
    this.count = form.querySelector("#filter-count");
    form.addEventListener("input", () => this.apply());
    form.addEventListener("submit", (event) => event.preventDefault());
  }

  /** Show the filters when the matrix is large, and hide what they leave out (after every redraw). */
  apply() {
    const rows = [...this.table.querySelectorAll("tbody tr")];
    const columns = [...this.table.querySelectorAll("thead th[scope='col']:not(.corner)")];
    const large = rows.length > LARGE || columns.length > LARGE;
    this.form.hidden = !large;
    this.table.closest(".table-scroll")?.classList.toggle("large", large);
    if (!large) return;
    const actor = this.actor.value.trim().toLowerCase();
    const topic = this.topic.value.trim().toLowerCase();
    let shownRows = 0;
    for (const row of rows) {
      const head = row.querySelector("th");
      row.hidden = !(matches(head.textContent, actor) || matches(head.title, actor));
      if (!row.hidden) shownRows += 1;
    }
    const hidden = new Set(columns.filter((th) => !matches(th.title, topic) && !matches(th.textContent, topic))
      .map((th) => th.title));
    columns.forEach((th) => th.classList.toggle("filtered", hidden.has(th.title)));
    this.table.querySelectorAll("td[data-topic]").forEach((td) => td.classList.toggle("filtered", hidden.has(td.dataset.topic)));
    this.count.textContent = `${shownRows} of ${rows.length} actors, ${columns.length - hidden.size} of ${columns.length} topics`;
  }
}

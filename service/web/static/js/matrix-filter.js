// Filters for a large matrix (hundreds of actors, dozens of topics): keep the rows whose actor and
// the columns whose topic contain what the reader typed. Shown only when the matrix is that large.

export class MatrixFilter {
  /** ``form`` holds the inputs #filter-actor and #filter-topic and the output #filter-count; ``matrix`` draws. */
  constructor(form, matrix) {
    this.form = form;
    this.matrix = matrix;
    this.actor = form.querySelector("#filter-actor");
    this.topic = form.querySelector("#filter-topic");
    this.count = form.querySelector("#filter-count");
    form.addEventListener("input", () => {
      matrix.filter(this.actor.value, this.topic.value);
      this.update();
    });
    form.addEventListener("submit", (event) => event.preventDefault());
  }

  /** Show the filters when the matrix is large, and say how much they keep (after every redraw). */
  update() {
    this.form.hidden = !this.matrix.large;
    if (!this.matrix.large) return;
    const { actors, topics } = this.matrix.shown();
    this.count.textContent = `${actors.length} of ${this.matrix.actors.length} actors, ` +
      `${topics.length} of ${this.matrix.topics.length} topics`;
  }
}

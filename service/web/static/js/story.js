// The story: TimelineJS3, one slide per event of /timeline?format=timelinejs. Built only when
// its tab is first shown, because TimelineJS measures its container and a hidden one has no size.
//
// No request leaves this service: script_path points at the local copy (TimelineJS derives
// its font, theme and language URLs from it), ``font: null`` loads no web font at all, the
// built-in English needs no language file, analytics stay off, and no slide has media to embed.

export const OPTIONS = {
  script_path: "/static/vendor/timelinejs/js/",
  font: null,
  theme: null,
  language: "en",
  ga_property_id: null,
  ga_measurement_id: null,
  soundcite: false,
  hash_bookmark: false,
  timenav_position: "bottom",
  timenav_height_percentage: 30,
  initial_zoom: 1,
};

export class Story {
  /** ``onSlide(eventId)`` is called when the reader moves to an event's slide. */
  constructor(container, onSlide) {
    this.container = container;
    this.onSlide = onSlide;
    this.doc = null;
    this.built = null; // the document the current TimelineJS instance shows
    this.visible = false;
    this.pointed = false;
    container.addEventListener("pointerdown", () => { this.pointed = true; });
    document.addEventListener("pointerdown", (event) => { if (!container.contains(event.target)) this.pointed = false; });
  }

  /** Keep the document to show; rebuild at once if the story is on screen. */
  update(doc) {
    this.doc = doc;
    if (this.visible) this.build();
  }

  setVisible(visible) {
    this.visible = visible;
    if (visible && this.doc && this.built !== this.doc) this.build();
    else if (visible && this.timeline) this.timeline.updateDisplay();
  }

  build() {
    this.container.replaceChildren();
    this.built = this.doc;
    if (!this.doc.events.length) { // TimelineJS shows an error for a timeline without events
      this.container.textContent = "No events in the log yet.";
      this.timeline = null;
      return;
    }
    this.timeline = new window.TL.Timeline(this.container, structuredClone(this.doc), OPTIONS);
    // TimelineJS follows the arrow keys anywhere on the page (its listener is on document), so a
    // reader moving the date slider would also move the story. Only a slide the reader chose
    // inside the story (focus or pointer there) picks the date.
    this.timeline.on("change", (event) => {
      if (this.visible && (this.container.contains(document.activeElement) || this.pointed)) this.onSlide(event.unique_id);
    });
  }
}

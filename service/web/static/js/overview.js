// The overview: vis-timeline with one row per actor, each stance interval a bar coloured by
// stance (class "stance-<stance>" from /timeline?format=vis), each event a dot. A red line
// marks the chosen day; dragging it or clicking an item picks a new day.

const MARKER = "at";
const DAY_MS = 86_400_000;
// Most of the story happens within weeks: open on the four weeks before the day and ten days after.
const AROUND_DAYS = 38;
const AFTER_DAYS = 10;

function localDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// vis-timeline reads "YYYY-MM-DD" as local midnight; the marker is placed the same way.
function localDate(day) {
  return new Date(`${day}T00:00:00`);
}

export class Overview {
  /** ``onPick(day)`` is called when the reader picks a day on the timeline. */
  constructor(container, onPick) {
    this.container = container;
    this.onPick = onPick;
    this.timeline = null;
    this.grouped = true; // items drawn in the actors' rows (false while counts are shown)
    this.panned = false; // the pointer pressed now has dragged the view
    this.range = null;
    this.day = null;
  }

  /** Draw (or redraw, keeping the reader's zoom) the /timeline?format=vis document. */
  show(doc, range, day) {
    this.range = range;
    this.day = day;
    if (this.timeline) {
      this.items.clear();
      this.items.add(doc.items);
      this.groups.clear();
      this.groups.add(doc.groups);
      this.mark(day);
      return;
    }
    this.items = new window.vis.DataSet(doc.items);
    this.groups = new window.vis.DataSet(doc.groups);
    this.timeline = new window.vis.Timeline(this.container, this.items, this.groups, {
      ...this.around(day),
      stack: true,
      maxHeight: 440,
      verticalScroll: true,
      zoomKey: "ctrlKey", // the mouse wheel keeps scrolling the page
      orientation: "top", // axis and items at the top, so the first actors show first
      showCurrentTime: false,
      selectable: true,
      margin: { item: { horizontal: 2, vertical: 3 } },
      tooltip: { followMouse: true, overflowMethod: "cap" },
    });
    this.timeline.addCustomTime(localDate(day), MARKER);
    this.timeline.on("timechanged", (event) => event.id === MARKER && this.onPick(localDay(event.time)));
    // vis-timeline also reports a click where a drag ends: a drag pans, it picks nothing.
    this.timeline.on("mouseDown", () => { this.panned = false; });
    this.timeline.on("rangechange", ({ byUser }) => { if (byUser) this.panned = true; });
    this.timeline.on("click", (event) => {
      if (this.panned) return;
      const item = event.item === null || event.item === undefined ? null : this.items.get(event.item);
      if (item && String(item.id).startsWith("density/")) this.timeline.setWindow(localDate(item.start), localDate(item.end));
      else if (item) this.onPick(String(item.start).slice(0, 10));
    });
  }

  /** Call ``onRange(byUser)`` whenever the view has moved (once the move ends): ``byUser`` when the reader moved it. */
  onRange(onRange) {
    this.timeline?.on("rangechanged", ({ byUser }) => onRange(Boolean(byUser)));
  }

  /** The first and last day in view. */
  visibleDays() {
    const { start, end } = this.timeline.getWindow();
    return { from: localDay(start), to: localDay(end) };
  }

  /**
   * Show the items of one window (a /timeline?format=vis page), in the actors' rows, keeping the view. Items already
   * drawn stay as they are (an event's item is the same in every window that holds it): only those that left the
   * window go, and only the new ones are drawn and measured. ``fresh``: draw every item again (the log changed).
   */
  async showWindow(doc, fresh = false) {
    if (!this.grouped || fresh) {
      this.items.clear();
      this.timeline.setOptions({ stack: true });
      this.timeline.setGroups(this.groups);
    }
    this.grouped = true;
    const added = doc.groups.filter((group) => this.groups.get(group.id) === null);
    if (added.length) {
      // New rows are laid out first (vis draws in the next animation frame): then vis draws and measures the items
      // of the rows in view only, instead of every item of rows it has not placed yet.
      this.groups.add(added);
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
    const kept = new Set(doc.items.map((item) => item.id));
    this.items.remove(this.items.getIds({ filter: (item) => !kept.has(item.id) }));
    this.items.add(doc.items.filter((item) => this.items.get(item.id) === null));
  }

  /** Show counts instead of items (a window too dense to draw): one box per period, darker where denser. */
  showDensity(periods) {
    const top = Math.max(1, ...periods.map((p) => p.count));
    this.timeline.setOptions({ stack: false }); // one row of periods side by side
    this.timeline.setGroups(null);
    this.grouped = false;
    this.items.clear();
    this.items.add(periods.map((p) => ({
      id: `density/${p.period}`, start: p.start, end: p.end, type: "range",
      content: p.count.toLocaleString("en"), title: `${p.count.toLocaleString("en")} events in ${p.period}`,
      className: `density density-${Math.ceil((p.count / top) * 4)}`,
    })));
  }

  /** How many events and stance intervals the timeline holds (the page says it in words too). */
  counts() {
    const events = this.items.get({ filter: (item) => /(^| )event( |$)/.test(item.className) }).length;
    return { events, stances: this.items.length - events };
  }

  /** A few weeks around ``day``, not running far past the data's end nor before its start. */
  around(day) {
    let end = localDate(day).getTime() + AFTER_DAYS * DAY_MS;
    if (this.range) end = Math.min(end, localDate(this.range.last).getTime() + 5 * DAY_MS);
    end = Math.max(end, localDate(day).getTime() + 2 * DAY_MS);
    let start = end - AROUND_DAYS * DAY_MS;
    if (this.range && start < localDate(this.range.first).getTime() - 5 * DAY_MS) {
      start = Math.min(localDate(this.range.first).getTime() - 5 * DAY_MS, localDate(day).getTime() - 2 * DAY_MS);
      end = start + AROUND_DAYS * DAY_MS;
    }
    return { start: new Date(start), end: new Date(end) };
  }

  zoomAround() {
    const window_ = this.around(this.day);
    this.timeline?.setWindow(window_.start, window_.end);
  }

  zoomAll() {
    if (!this.timeline || !this.range) return;
    const first = localDate(this.range.first).getTime();
    const last = localDate(this.range.last).getTime();
    const margin = Math.max((last - first) * 0.02, DAY_MS);
    this.timeline.setWindow(new Date(first - margin), new Date(last + margin));
  }

  zoom(factor) {
    if (factor < 1) this.timeline?.zoomIn(1 - factor);
    else this.timeline?.zoomOut(factor - 1);
  }

  /** Move the red line to ``day``, and the view with it when the line would leave the view (unless ``move`` is
   * false: the page moves it once the day's matrix is drawn). */
  mark(day, move = true) {
    this.day = day;
    if (!this.timeline) return;
    this.timeline.setCustomTime(localDate(day), MARKER);
    this.timeline.setCustomTimeTitle(`Shown: ${day}`, MARKER);
    if (!move) return;
    const { start, end } = this.timeline.getWindow();
    const at = localDate(day);
    if (at < start || at > end) this.timeline.moveTo(at, { animation: false });
  }
}

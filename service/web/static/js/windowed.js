// A log too large to load whole: the overview holds only the window in view, fetched again
// (/timeline?format=vis&from=&to=) each time the reader pans or zooms. A window with more events
// than one page is drawn as counts per day or month (/timeline/counts) instead of as items.

import { getJSON, query } from "./api.js";
import { fromNumber, toNumber } from "./days.js";

/** A log of at most this many timeline events is loaded whole (one /timeline page). */
export const SMALL_LOG = 1000;
/** The most events one window draws as items. */
const PAGE = 1000;
/** Wider windows are counted per month, narrower ones per day. */
const DAYS_COUNTED_BY_DAY = 400;
/** Pans and zooms arrive in bursts: fetch for the one the reader stops at. */
const SETTLE_MS = 120;

/** The periods of a /timeline/counts answer with the first and the day after the last day each covers. */
export function periods(counts) {
  return counts.counts.map(({ period, count }) => {
    if (period.length === 10) return { period, count, start: period, end: fromNumber(toNumber(period) + 1) };
    const [year, month] = period.split("-").map(Number);
    const next = month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, "0")}`;
    return { period, count, start: `${period}-01`, end: `${next}-01` };
  });
}

/** Whether a vis item is an event (not a stance interval). */
function isEvent(item) {
  return /(^| )event( |$)/.test(item.className);
}

export class WindowedTimeline {
  /** ``overview`` draws; ``days`` are the whole log's /timeline/counts per day (its periods and counts);
   * ``onShown({from, to, total, counted})`` hears what each window holds, ``onError`` what failed. */
  constructor(overview, { days, onShown, onError }) {
    this.overview = overview;
    this.onShown = onShown;
    this.onError = onError;
    this.request = null;
    this.timer = null;
    this.moved = -Infinity; // when the view last moved (performance.now())
    this.shown = null; // "from/to" of the window drawn
    this.gate = Promise.resolve(); // what the windows of the page's own moves wait for
    this.setDays(days);
  }

  /** The whole log's counts per day (again after appends). */
  setDays(days) {
    this.days = days.map((c) => c.period);
    this.upTo = [0]; // this.upTo[i]: the events of the first i days
    days.forEach((c, i) => { this.upTo[i + 1] = this.upTo[i] + c.count; });
  }

  /** How many events start in [from, to], by the day counts the page already holds (no request). */
  starting(from, to) {
    const index = (day) => { // the first day index not before ``day``
      let low = 0;
      let high = this.days.length;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (this.days[middle] < day) low = middle + 1;
        else high = middle;
      }
      return low;
    };
    return this.upTo[index(fromNumber(toNumber(to) + 1))] - this.upTo[index(from)];
  }

  /** Draw the window in view now, then follow the reader's pans and zooms. */
  async start() {
    this.overview.onRange((byUser) => this.soon(byUser));
    await this.load();
  }

  /** The windows of the page's own moves (with a new date) load once ``ready`` settles (the day's matrix drawn). */
  waitFor(ready) {
    this.gate = ready.catch(() => {});
  }

  /** The view moved: the reader's first move loads at once; the moves of a burst (a wheel zoom) once they settle;
   * those the page makes (a new date, the zoom buttons) once the page's work of the day is done. */
  soon(byUser) {
    clearTimeout(this.timer);
    const now = performance.now();
    const settled = now - this.moved > SETTLE_MS;
    this.moved = now;
    const load = () => this.load().catch(this.onError);
    if (byUser && settled) load();
    else if (byUser) this.timer = setTimeout(load, SETTLE_MS);
    else {
      const gate = this.gate;
      gate.then(() => {
        if (gate === this.gate) this.timer = setTimeout(load, 0);
      });
    }
  }

  /** Fetch and draw the window in view; a newer window wins over a slower older answer. ``fresh``: the log changed,
   * so the items drawn before are drawn again. */
  async load(fresh = false) {
    const { from, to } = this.overview.visibleDays();
    // Drawn already, and nothing else on its way (vis also reports views that did not move).
    if (!fresh && !this.request && this.shown === `${from}/${to}`) return;
    this.request?.abort();
    const request = (this.request = new AbortController());
    const { signal } = request;
    try {
      // The day counts say whether the window's items may be few enough to draw: then one request for them (a
      // window also holds the longer events that started before it, so a full page still means counts).
      let total = null;
      if (this.starting(from, to) <= PAGE) {
        const doc = await getJSON(query("/timeline", { format: "vis", from, to, limit: PAGE }), { signal });
        if (!doc.next_cursor) {
          if (signal.aborted) return;
          await this.overview.showWindow(doc, fresh);
          total = doc.items.filter(isEvent).length;
        }
      }
      const counted = total === null;
      if (counted) {
        const group = toNumber(to) - toNumber(from) > DAYS_COUNTED_BY_DAY ? "month" : "day";
        const counts = await getJSON(query("/timeline/counts", { group, from, to }), { signal });
        this.overview.showDensity(periods(counts));
        total = counts.total;
      }
      if (signal.aborted) return;
      this.shown = `${from}/${to}`;
      this.overview.container.dataset.window = this.shown; // tells readers (and tests) what is drawn
      this.onShown({ from, to, total, counted });
    } catch (error) {
      if (error.name !== "AbortError") throw error;
    } finally {
      if (this.request === request) this.request = null;
    }
  }
}

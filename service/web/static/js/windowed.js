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

export class WindowedTimeline {
  /** ``overview`` draws; ``onShown({from, to, total, counted})`` hears what each window holds, ``onError`` what
   * failed. */
  constructor(overview, { onShown, onError }) {
    this.overview = overview;
    this.onShown = onShown;
    this.onError = onError;
    this.request = null;
    this.timer = null;
  }

  /** Draw the window in view now, then follow the reader's pans and zooms. */
  async start() {
    this.overview.onRange(() => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.load().catch(this.onError), SETTLE_MS);
    });
    await this.load();
  }

  /** Fetch and draw the window in view; a newer window wins over a slower older answer. */
  async load() {
    const { from, to } = this.overview.visibleDays();
    this.request?.abort();
    const request = (this.request = new AbortController());
    const { signal } = request;
    try {
      // The counts first: they are small, and say whether the window's items are few enough to draw.
      const group = toNumber(to) - toNumber(from) > DAYS_COUNTED_BY_DAY ? "month" : "day";
      const counts = await getJSON(query("/timeline/counts", { group, from, to }), { signal });
      const counted = counts.total > PAGE;
      if (counted) {
        this.overview.showDensity(periods(counts));
      } else {
        this.overview.showWindow(await getJSON(query("/timeline", { format: "vis", from, to, limit: PAGE }), { signal }));
      }
      this.overview.container.dataset.window = `${from}/${to}`; // tells readers (and tests) what is drawn
      this.onShown({ from, to, total: counts.total, counted });
    } catch (error) {
      if (error.name !== "AbortError") throw error;
    }
  }
}

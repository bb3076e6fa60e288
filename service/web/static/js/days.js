// Days as "YYYY-MM-DD" strings, computed in UTC so that no time zone shifts a date by one.

const MS_PER_DAY = 86_400_000;
// The service's markers for open dates ("../2025-03", "2025-12/.."): not real days.
const OPEN_START = "0001-01-01";
const OPEN_END = "9999-12-31";

export function toNumber(day) {
  return Date.parse(`${day}T00:00:00Z`) / MS_PER_DAY;
}

export function fromNumber(number) {
  return new Date(number * MS_PER_DAY).toISOString().slice(0, 10);
}

export function isDay(text) {
  return /^\d{4}-\d{2}-\d{2}$/.test(text || "") && !Number.isNaN(toNumber(text));
}

/** The first and last known day of the native timeline's events (open ends ignored). */
export function span(events) {
  const days = [];
  for (const event of events) {
    if (event.earliest > OPEN_START) days.push(event.earliest);
    if (event.latest < OPEN_END) days.push(event.latest);
  }
  days.sort();
  return days.length ? { first: days[0], last: days[days.length - 1] } : null;
}

/** The days on which events start, sorted and unique: the stops of "previous/next event". */
export function eventDays(events) {
  return [...new Set(events.map((e) => (e.earliest > OPEN_START ? e.earliest : e.latest)))].sort();
}

/**
 * The date the page opens on: ``?at=`` when given; else the service's today when it lies
 * inside the data's span; else the span's last day (the latest state of the story).
 */
export function defaultDay(requested, today, range) {
  if (isDay(requested)) return requested;
  if (!range) return today;
  return today >= range.first && today <= range.last ? today : range.last;
}

// One formatter for every call: making one per call (toLocaleDateString with options) costs about a millisecond,
// and the charts' tables say thousands of days.
const LONG_DAY = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

/** "2026-01-07" -> "7 January 2026", for headings. */
export function longDay(day) {
  return LONG_DAY.format(new Date(`${day}T00:00:00Z`));
}

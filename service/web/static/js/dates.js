// EDTF dates in words, as service/formats.py's human_date says them (tests/test_web_browser.py compares the two):
// "spring 2025", "some year in the 2010s", "on or about 6 January 2026", "from 2025 until an unknown date".
// The texts come from the service, which accepted them (docs/dates.md); anything else is shown as written.

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
  "November", "December"];
const SEASONS = { 21: "spring", 22: "summer", 23: "autumn", 24: "winter" };
const QUALIFIERS = { "?": "uncertain", "~": "approximate", "%": "uncertain-approximate" };
const DATE = /^(\d{4}|\d{3}X|\d{2}XX)(?:-(\d{2}|XX)(?:-(\d{2}|XX))?)?([?~%])?$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}(?::\d{2})?)?$/;

const pad = (n) => String(n).padStart(2, "0");

/** A date-time in UTC: its day's parts and the second of that day. */
function instant(match) {
  const [, y, m, d, hh, mm, ss, zone] = match;
  let offset = 0;
  if (zone && zone !== "Z") {
    const [hours, minutes = "0"] = zone.slice(1).split(":");
    offset = (Number(hours) * 60 + Number(minutes)) * (zone[0] === "-" ? -1 : 1);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(Number(y), Number(m) - 1, Number(d));
  utc.setUTCHours(Number(hh), Number(mm) - offset, Number(ss), 0);
  return { year: utc.getUTCFullYear(), month: utc.getUTCMonth() + 1, day: utc.getUTCDate(),
    second: utc.getUTCHours() * 3600 + utc.getUTCMinutes() * 60 + utc.getUTCSeconds() };
}

/** A single date (no interval) in words, or null when it is not one the service accepts. */
function single(text) {
  const time = DATETIME.exec(text);
  if (time) {
    const { year, month, day, second } = instant(time);
    const clock = `${pad(Math.floor(second / 3600))}:${pad(Math.floor(second / 60) % 60)}` +
      (second % 60 ? `:${pad(second % 60)}` : "");
    return { plain: `${day} ${MONTHS[month - 1]} ${year}, ${clock} UTC`, day: false, qualifier: null };
  }
  const match = DATE.exec(text);
  if (!match) return null;
  const [, year, month, day, mark] = match;
  const qualifier = mark ? QUALIFIERS[mark] : null;
  const y = Number(year.replace(/X/g, "0"));
  let plain;
  if (year.endsWith("XX")) plain = `some year from ${Math.max(y, 1)} to ${y + 99}`;
  else if (year.endsWith("X")) plain = `some year in the ${y}s`;
  else if (month === undefined) plain = String(y);
  else if (month === "XX") plain = day === undefined ? `some month in ${y}` : `some day in ${y}`;
  else if (SEASONS[month]) {
    plain = month === "24" ? `winter ${y}/${String(y + 1).slice(-2)}` : `${SEASONS[month]} ${y}`;
  } else if (day === undefined) plain = `${MONTHS[Number(month) - 1]} ${y}`;
  else if (day === "XX") plain = `some day in ${MONTHS[Number(month) - 1]} ${y}`;
  else plain = `${Number(day)} ${MONTHS[Number(month) - 1]} ${y}`;
  return { plain, day: day !== undefined && day !== "XX", qualifier };
}

function words(parsed) {
  const { plain, day, qualifier } = parsed;
  if (!qualifier) return plain;
  const about = day ? `on or about ${plain}` : `about ${plain}`;
  if (qualifier === "approximate") return about;
  if (qualifier === "uncertain") return `possibly ${plain}`;
  return `possibly ${about}`;
}

/** An EDTF date (a single date or an interval) in words; a text it cannot read comes back as written. */
export function inWords(text) {
  if (!text) return "";
  if (!text.includes("/")) {
    const parsed = single(text);
    return parsed ? words(parsed) : text;
  }
  const [start, end] = text.split("/");
  const first = start === "" || start === ".." ? null : single(start);
  const last = end === "" || end === ".." ? null : single(end);
  if ((start !== "" && start !== ".." && !first) || (end !== "" && end !== ".." && !last)) return text;
  if (!first && !last) return text;
  if (!first) return start === ".." ? `until ${words(last)}` : `from an unknown date until ${words(last)}`;
  if (!last) return end === ".." ? `from ${words(first)} onwards` : `from ${words(first)} until an unknown date`;
  return `${words(first)} – ${words(last)}`;
}

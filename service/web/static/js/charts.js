// Two charts of stances over time, drawn with Observable Plot (window.Plot, on window.d3):
// one actor's stance on each topic as steps on the ordinal scale, and one topic's count of
// actors at each stance as a stacked area. Each has a caption in words and its data as a
// table one click away. They follow the page's day (a red rule), the charts' "as known at"
// instant, and the live feed (the page calls reload()).

import { getJSON, query } from "./api.js";
import { inWords } from "./dates.js";
import { fromNumber, isDay, longDay, toNumber } from "./days.js";
import { renderDetails } from "./details.js";
import { fill, h, words } from "./dom.js";
import { STANCES } from "./stances.js";

const SCALE = STANCES.map((s) => s.stance);
const OPEN_START = "0001-01-01"; // the service's marker for a stance held since an unknown day
const INK = "#1d1f24";
const DISPUTED = "#c2410c";
const DAY_RULE = "#d62728";
const KNOWN_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/; // what a datetime-local field gives

function stanceColour(stance) {
  return getComputedStyle(document.documentElement).getPropertyValue(`--stance-${stance}`).trim() || "#888";
}

const utc = (day) => new Date(`${day}T00:00:00Z`);
const later = (a, b) => (a > b ? a : b);

/** The whole story's span: the data's first day to its last day, or today when that is later. */
function span(context) {
  const { range, today, day } = context;
  const first = range ? range.first : day;
  const last = range ? later(range.last, today || range.last) : later(day, today || day);
  return { first, last: last > first ? last : fromNumber(toNumber(first) + 1) };
}

/**
 * Where a chart's time axis runs: from a little before its first dated change (most of a story happens in its
 * last months, which the whole span would squeeze into a sliver) to the story's end; the whole story instead
 * when the page's day lies before that, so the day's rule is always on the chart.
 */
function axis(context, dates) {
  const whole = span(context);
  const dated = dates.filter((d) => d !== OPEN_START && d >= whole.first).sort();
  const start = dated.length ? dated[0] : whole.first;
  const pad = Math.max(14, Math.round((toNumber(whole.last) - toNumber(start)) * 0.06));
  const first = later(whole.first, fromNumber(toNumber(start) - pad));
  return { first: context.day < first ? whole.first : first, last: later(whole.last, context.day) };
}

/** A stance interval's first day on the chart: an open start begins with the axis. */
function shownFrom(text, first) {
  return text === OPEN_START || text < first ? first : text;
}

/** Whether a stance interval is in force on ``day`` (its end is exclusive). */
function holds(interval, day) {
  return interval.valid_from <= day && (!interval.valid_to || day < interval.valid_to);
}

function headlines(interval, entries) {
  return interval.evidence.map((e) => entries.get(e.event_id)?.headline || e.event_id);
}

function stanceText(interval) {
  const conditions = interval.conditions.length ? ` on condition of ${interval.conditions.join(", ")}` : "";
  return `${interval.stance}${conditions}${interval.disputed ? " (disputed: sources disagree)" : ""}`;
}

/** The figure around a chart: a heading with its picker, the drawing, a caption, the data table. */
function figure(kind, label, picker, legend = null) {
  const heading = `${kind}-chart-heading`;
  return h("figure", { id: `${kind}-chart`, class: "chart", "aria-labelledby": heading },
    h("div", { class: "chart-head" },
      h("h3", { id: heading }, label),
      h("label", { for: `${kind}-chart-pick` }, kind === "actor" ? "Actor" : "Topic"),
      picker),
    legend,
    h("div", { class: "plot", id: `${kind}-chart-plot` }),
    // Not a live region: a slider's drag rewrites the caption many times a second.
    h("figcaption", { id: `${kind}-chart-caption` }),
    h("details", { class: "chart-data", id: `${kind}-chart-data` },
      h("summary", {}, "The chart's data as a table"),
      h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": `${label}: the data` },
        h("table", { class: "chart-table" }))));
}

/** A data table with more rows than this is built when its disclosure opens (a large log's hold thousands). */
const LAZY_ROWS = 500;

/** Whether a table of ``rows`` rows waits for its disclosure ``details`` to open (and forget the one built). */
function waits(details, rows) {
  return rows > LAZY_ROWS && !details.open;
}

/**
 * Mark the rows of ``table``'s body that ``isCurrent(index)`` picks as the day's, without drawing them again; with
 * ``only``, the one row that can be current (the others marked before are unmarked).
 */
function markRows(table, isCurrent, only = null) {
  const rows = table.tBodies[0]?.rows || [];
  const mark = (row, on) => {
    row.classList.toggle("current", on);
    if (on) row.setAttribute("aria-current", "true");
    else row.removeAttribute("aria-current");
  };
  if (only === null) {
    [...rows].forEach((row, i) => mark(row, isCurrent(i)));
    return;
  }
  table.querySelectorAll("tbody tr.current").forEach((row) => mark(row, false));
  if (only >= 0 && rows[only]) mark(rows[only], true);
}

export class Charts {
  /**
   * ``context()`` gives the page's state: day, today, range {first, last}, actors [{id, name}],
   * names (id -> name), topics (ids in column order), entries (event id -> native timeline entry),
   * rows (the day's /stances rows). ``details`` is the page's details panel.
   */
  constructor(section, { context, details }) {
    this.section = section;
    this.context = context;
    this.details = details;
    this.actor = null;
    this.topic = null;
    this.knownAt = null; // an RFC 3339 instant, or null: as the log stands now
    this.actorData = null;
    this.topicData = null;
    this.requests = { actor: null, topic: null };
    this.drawn = { actor: null, topic: null }; // what each chart shows, for moving its day without drawing again
    this.tabled = { actor: null, topic: null }; // the data each table holds: a new day only moves its marks
    this.failures = { actor: null, topic: null }; // why a chart's series could not be loaded, said in its caption
  }

  /** Build the section and draw both charts for the first actor and topic with stances on the day. */
  async start() {
    const context = this.context();
    const requested = new URL(window.location.href).searchParams.get("known_at");
    this.knownAt = requested && !Number.isNaN(Date.parse(requested)) ? requested : null;
    const withStance = new Set(context.rows.map((row) => row.actor));
    this.actor = context.actors.find((a) => withStance.has(a.id))?.id || context.actors[0]?.id || null;
    this.topic = context.topics[0] || null;
    this.build(context);
    window.addEventListener("resize", () => {
      clearTimeout(this.resizing);
      this.resizing = setTimeout(() => this.draw(), 200);
    });
    // A cell of the matrix picks the charts' actor and topic too (the page's own handler opens its details).
    document.getElementById("matrix")?.addEventListener("click", (event) => {
      const cell = event.target.closest("td[data-actor][data-stance]");
      if (cell) this.pick(cell.dataset.actor, cell.dataset.topic);
    });
    await this.reload();
  }

  build(context) {
    const actorPick = h("select", { id: "actor-chart-pick", onchange: (e) => this.pick(e.target.value, null) });
    const topicPick = h("select", { id: "topic-chart-pick", onchange: (e) => this.pick(null, e.target.value) });
    const knownAt = h("input", {
      type: "datetime-local", id: "charts-known-at", step: "1",
      value: this.knownAt ? new Date(this.knownAt).toISOString().slice(0, 19) : null, // said in UTC
      onchange: (e) => this.setKnownAt(e.target.value),
    });
    const now = () => {
      knownAt.value = "";
      this.setKnownAt("");
    };
    const missing = window.Plot && window.d3 ? null
      : "The chart library is missing: run `make install` (it runs npm ci in service/web). The tables still work.";
    fill(this.section,
      h("div", { class: "section-head" },
        h("h2", { id: "charts-heading" }, "Stances over time"),
        h("form", { class: "charts-known-at", onsubmit: (e) => e.preventDefault() },
          h("label", { for: "charts-known-at" }, "As known at (UTC)"), knownAt,
          h("button", { type: "button", id: "charts-known-now", onclick: now }, "As known now"))),
      h("p", { class: "hint" },
        "Dots are the events that set a stance: click one (or press Enter on it) for its details. A dashed line is",
        " a stance held on conditions, an orange band a stance whose sources disagree, the red line the chosen day."),
      missing ? h("p", { class: "notice" }, missing) : null,
      h("p", { id: "charts-notice", class: "notice", role: "alert", hidden: true }),
      h("div", { class: "charts" },
        figure("actor", "One actor's stance on each topic", actorPick),
        figure("topic", "How many actors hold each stance on a topic", topicPick,
          h("ul", { class: "legend charts-legend", "aria-label": "The colours of the stances, bottom to top" },
            STANCES.map(({ stance }) => h("li", { class: `swatch stance-${stance}` }, stance))))));
    this.pickers(context);
    for (const kind of ["actor", "topic"]) {
      document.getElementById(`${kind}-chart-data`).addEventListener("toggle", (event) => {
        const context_ = this.context();
        if (event.target.open && this.drawn[kind] && isDay(context_.day)) {
          if (kind === "actor") this.actorTable(this.drawn.actor.name, this.drawn.actor.segments, context_);
          else this.topicTable(this.drawn.topic.steps, context_.day);
        }
      });
    }
  }

  /** The pickers' choices: the page's actors and topics (the live feed may have brought new ones). */
  pickers(context) {
    const actors = document.getElementById("actor-chart-pick");
    const topics = document.getElementById("topic-chart-pick");
    if (actors.options.length !== context.actors.length) {
      fill(actors, context.actors.map((a) => h("option", { value: a.id, selected: a.id === this.actor }, a.name)));
    }
    if (topics.options.length !== context.topics.length) {
      fill(topics, context.topics.map((t) => h("option", { value: t, selected: t === this.topic }, words(t))));
    }
  }

  notice(message) {
    const element = document.getElementById("charts-notice");
    element.textContent = message || "";
    element.hidden = !message;
  }

  /** Show another actor and/or topic (null keeps the current one). */
  pick(actor, topic) {
    if (actor && actor !== this.actor) {
      this.actor = actor;
      document.getElementById("actor-chart-pick").value = actor;
      this.load("actor");
    }
    if (topic && topic !== this.topic) {
      this.topic = topic;
      document.getElementById("topic-chart-pick").value = topic;
      this.load("topic");
    }
  }

  setKnownAt(value) {
    if (value && !KNOWN_AT.test(value)) return; // the field is only half typed
    this.knownAt = value ? `${value.length === 16 ? `${value}:00` : value}Z` : null;
    const url = new URL(window.location.href);
    if (this.knownAt) url.searchParams.set("known_at", this.knownAt);
    else url.searchParams.delete("known_at");
    window.history.replaceState(null, "", url);
    this.reload();
  }

  /** Fetch both series again (the log moved, or the known_at instant did). */
  async reload() {
    this.pickers(this.context());
    await Promise.all([this.load("actor"), this.load("topic")]);
  }

  async load(kind) {
    const id = kind === "actor" ? this.actor : this.topic;
    if (!id) return;
    this.requests[kind]?.abort(); // a newer choice wins over a slower older answer
    const request = (this.requests[kind] = new AbortController());
    const path = kind === "actor" ? `/history/${encodeURIComponent(id)}` : `/topics/${encodeURIComponent(id)}/counts`;
    try {
      const data = await getJSON(query(path, { known_at: this.knownAt }), { signal: request.signal });
      this.failures[kind] = null;
      if (kind === "actor") this.actorData = data;
      else this.topicData = data;
    } catch (error) {
      if (error.name === "AbortError") return;
      // Said in the chart's caption (a known_at before the log knew the actor is a 404 with the reason).
      this.failures[kind] = `Could not load the chart: ${error.message}`;
      if (kind === "actor") this.actorData = null;
      else this.topicData = null;
    }
    this.draw(kind);
  }

  /** The page's day moved: move the rules, and say the captions and the tables' current rows again (no request,
   * no drawing: a slider sends many days). */
  setDay() {
    const context = this.context();
    if (!isDay(context.day)) return;
    if (this.drawn.actor) this.sayActor(context);
    if (this.drawn.topic) this.sayTopic(context);
  }

  draw(kind = null) {
    const context = this.context();
    if (!isDay(context.day)) return;
    if (kind !== "topic") this.drawActor(context);
    if (kind !== "actor") this.drawTopic(context);
  }

  // --- one actor, each topic ------------------------------------------------------------------

  drawActor(context) {
    const element = document.getElementById("actor-chart");
    const data = this.actorData;
    const name = context.names.get(this.actor) || this.actor;
    const lines = data ? data.topics.filter((line) => line.intervals.length) : [];
    const dates = lines.flatMap((line) => line.intervals.map((i) => i.valid_from));
    const { first, last } = axis(context, dates);
    const segments = lines.flatMap((line) => line.intervals.map((interval, i) => ({
      topic: line.topic, interval, previous: i ? line.intervals[i - 1].stance : null,
      from: shownFrom(interval.valid_from, first), to: interval.valid_to || last,
    })));
    const chart = this.plot("actor", () => this.actorPlot(segments, lines, context, first, last), segments.length);
    this.drawn.actor = { name, lines, segments, chart, dates, first, last };
    Object.assign(element.dataset, { actor: this.actor || "", knownAt: this.knownAt || "", ready: String(!!data) });
    this.sayActor(context);
  }

  /** The actor chart's day: its rule, caption and table. */
  sayActor(context) {
    const { name, lines, segments, chart, dates, first, last } = this.drawn.actor;
    const now = axis(context, dates);
    if (chart && (now.first !== first || now.last !== last)) return this.drawActor(context); // the day left the axis
    this.rule(chart, context.day);
    this.actorCaption(name, lines, context.day);
    this.actorTable(name, segments, context);
    document.getElementById("actor-chart").dataset.day = context.day;
  }

  actorPlot(segments, lines, context, first, last) {
    const { Plot } = window;
    const topics = lines.map((line) => line.topic);
    const width = document.getElementById("actor-chart-plot").clientWidth || 640;
    // A stance taken before the axis starts (or since an unknown day) is a line from its left edge, without a point.
    const points = segments.filter((s) => s.interval.valid_from >= first && s.from <= last);
    const chart = Plot.plot({
      width, height: 40 + topics.length * 104, marginLeft: 82, marginRight: 12, marginTop: 22,
      style: { fontSize: "11px", background: "transparent" },
      x: { type: "utc", domain: [utc(first), utc(last)], label: null, grid: true },
      y: { type: "point", domain: SCALE, reverse: true, label: null, padding: 0.4 },
      fy: { domain: topics, axis: null, padding: 0.28 },
      marks: [
        Plot.frame({ stroke: "#d5d8de" }),
        Plot.text(lines, {
          fy: "topic", text: (d) => words(d.topic), frameAnchor: "top-left", dy: -16, fontWeight: "bold", fill: INK,
        }),
        Plot.ruleY(segments, {
          filter: (s) => s.interval.disputed, fy: "topic", y: (s) => s.interval.stance,
          x1: (s) => utc(s.from), x2: (s) => utc(s.to), clip: true,
          stroke: DISPUTED, strokeWidth: 11, strokeOpacity: 0.35,
        }),
        Plot.ruleY(segments, {
          filter: (s) => !s.interval.conditions.length, fy: "topic", y: (s) => s.interval.stance,
          x1: (s) => utc(s.from), x2: (s) => utc(s.to), stroke: INK, strokeWidth: 2.5, clip: true,
        }),
        Plot.ruleY(segments, {
          filter: (s) => s.interval.conditions.length, fy: "topic", y: (s) => s.interval.stance,
          x1: (s) => utc(s.from), x2: (s) => utc(s.to), clip: true,
          stroke: INK, strokeWidth: 2.5, strokeDasharray: "6 3",
        }),
        Plot.ruleX(segments, {
          filter: (s) => s.previous && s.previous !== s.interval.stance, fy: "topic", x: (s) => utc(s.from),
          y1: "previous", y2: (s) => s.interval.stance, stroke: INK, strokeWidth: 1.5,
        }),
        Plot.dot(points, {
          fy: "topic", x: (s) => utc(s.from), y: (s) => s.interval.stance, r: 6,
          symbol: (s) => (s.interval.disputed ? "diamond" : "circle"),
          fill: (s) => stanceColour(s.interval.stance), stroke: INK, strokeWidth: 1.5,
          title: (s) => this.pointLabel(s, context),
          render: (index, scales, values, dimensions, plotContext, next) => {
            const g = next(index, scales, values, dimensions, plotContext);
            [...g.children].forEach((shape, i) => this.clickable(shape, points[index[i]], context));
            return g;
          },
        }),
      ],
    });
    return chart;
  }

  pointLabel(segment, context) {
    const { interval } = segment;
    const line = `${words(segment.topic)}: ${stanceText(interval)}, from ${inWords(interval.date_text)}`;
    return [line, ...headlines(segment.interval, context.entries)].join("\n");
  }

  /** A point opens its event's details in the page's details panel, by click or by keyboard. */
  clickable(shape, segment, context) {
    const eventId = segment.interval.evidence[0]?.event_id || "";
    shape.setAttribute("tabindex", "0");
    shape.setAttribute("role", "button");
    shape.setAttribute("aria-label", `${this.pointLabel(segment, context).split("\n")[0]}. Open its details.`);
    shape.classList.add("chart-point");
    Object.assign(shape.dataset, { topic: segment.topic, date: segment.interval.valid_from, event: eventId });
    shape.addEventListener("click", () => this.open(segment));
    shape.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      this.open(segment);
    });
  }

  /** The details of the stance a point set, as the matrix cell shows them on that point's day. */
  async open(segment) {
    const context = this.context();
    const day = shownFrom(segment.interval.valid_from, span(context).first);
    const asked = { at: day, known_at: this.knownAt };
    try {
      const [stances, conditions] = await Promise.all([
        getJSON(query("/stances", { ...asked, actor: this.actor, topic: segment.topic })),
        getJSON(query("/conditions", asked)),
      ]);
      renderDetails(this.details, stances.rows[0], {
        actorName: context.names.get(this.actor) || this.actor,
        conditions: new Map(conditions.conditions.map((c) => [c.id, c])), entries: context.entries, day,
      });
      this.notice(null);
      this.details.closest("section")?.scrollIntoView({ block: "nearest" });
    } catch (error) {
      this.notice(`Could not load the details: ${error.message}`);
    }
  }

  actorCaption(name, lines, day) {
    const caption = document.getElementById("actor-chart-caption");
    if (!this.actorData) return fill(caption, this.failures.actor || "Loading…");
    if (!lines.length) return fill(caption, `${name} has held no stance on any topic${this.asKnown()}.`);
    const onDay = lines.map((line) => {
      const held = line.intervals.find((i) => holds(i, day));
      return `${words(line.topic)}: ${held ? stanceText(held) : "no stance"}`;
    });
    const changes = lines.reduce((n, line) => n + line.intervals.length, 0);
    return fill(caption,
      `${name}'s stance on ${lines.length} topic${lines.length > 1 ? "s" : ""} over time, on the scale from hostile`,
      ` to delivered (${changes} stated stance${changes > 1 ? "s" : ""}${this.asKnown()}). On ${longDay(day)}: `,
      `${onDay.join("; ")}.`);
  }

  actorTable(name, segments, context) {
    const table = document.querySelector("#actor-chart-data table");
    const current = (s) => holds(s.interval, context.day);
    if (this.tabled.actor === segments) return markRows(table, (i) => current(segments[i]));
    if (waits(table.closest("details"), segments.length)) {
      this.tabled.actor = null;
      return fill(table, h("caption", {}, `${name}: ${segments.length} stance intervals, listed when opened`));
    }
    this.tabled.actor = segments;
    fill(table,
      h("caption", {}, `${name}: every stance interval, by topic`),
      h("thead", {}, h("tr", {}, ["Topic", "From", "Until", "Stance", "Conditions", "Disputed", "Events"]
        .map((label) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, segments.map((s) => h("tr", {
        class: current(s) ? "current" : null, "aria-current": current(s) ? "true" : null,
        dataset: { topic: s.topic, from: s.interval.valid_from },
      },
        h("th", { scope: "row" }, words(s.topic)),
        h("td", {}, inWords(s.interval.date_text)),
        h("td", {}, s.interval.valid_to ? longDay(s.interval.valid_to) : "now"),
        h("td", {}, h("span", { class: `badge stance-${s.interval.stance}` }, s.interval.stance)),
        h("td", {}, s.interval.conditions.join(", ") || "none"),
        h("td", {}, s.interval.disputed ? "yes" : "no"),
        h("td", {}, h("button", { type: "button", class: "link", onclick: () => this.open(s) },
          headlines(s.interval, context.entries).join("; ") || "details"))))));
  }

  // --- one topic, every actor -----------------------------------------------------------------

  drawTopic(context) {
    const element = document.getElementById("topic-chart");
    const data = this.topicData;
    const dates = data ? data.steps.map((step) => step.date) : [];
    const { first, last } = axis(context, dates);
    // Steps before the axis starts (open starts) are summed up by the last of them, drawn from the axis's first day.
    const steps = data ? data.steps.filter((step, i, all) => step.date >= first || !(all[i + 1]?.date <= first)) : [];
    const shown = steps.map((step) => ({ ...step, from: shownFrom(step.date, first) }));
    const chart = this.plot("topic", () => this.topicPlot(shown, first, last), shown.length);
    this.drawn.topic = { steps: shown, chart, dates, first, last };
    Object.assign(element.dataset, { topic: this.topic || "", knownAt: this.knownAt || "", ready: String(!!data) });
    this.sayTopic(context);
  }

  /** The topic chart's day: its rule, caption and table. */
  sayTopic(context) {
    const { steps, chart, dates, first, last } = this.drawn.topic;
    const now = axis(context, dates);
    if (chart && (now.first !== first || now.last !== last)) return this.drawTopic(context); // the day left the axis
    this.rule(chart, context.day);
    this.topicCaption(steps, context.day);
    this.topicTable(steps, context.day);
    document.getElementById("topic-chart").dataset.day = context.day;
  }

  topicPlot(steps, first, last) {
    const { Plot } = window;
    const width = document.getElementById("topic-chart-plot").clientWidth || 640;
    const ends = [...steps, { ...steps[steps.length - 1], from: last }]; // the last step holds until the axis ends
    const rows = ends.flatMap((step) => SCALE.map((stance) => ({
      date: utc(step.from), stance, count: step.counts[stance] || 0,
    })));
    return Plot.plot({
      width, height: 300, marginLeft: 44, marginRight: 12,
      style: { fontSize: "11px", background: "transparent" },
      x: { type: "utc", domain: [utc(first), utc(last)], label: null, grid: true },
      y: { label: "actors", grid: true, tickFormat: "d" },
      color: { domain: SCALE, range: SCALE.map(stanceColour) },
      marks: [
        Plot.areaY(rows, {
          x: "date", y: "count", z: "stance", fill: "stance", curve: "step-after", order: SCALE,
          stroke: "#fff", strokeWidth: 0.5,
        }),
        Plot.ruleY([0], { stroke: INK }),
      ],
    });
  }

  topicCaption(steps, day) {
    const caption = document.getElementById("topic-chart-caption");
    const topic = words(this.topic || "");
    if (!this.topicData) return fill(caption, this.failures.topic || "Loading…");
    if (!steps.length) return fill(caption, `No actor has held a stance on ${topic}${this.asKnown()}.`);
    const now = steps.filter((step) => step.from <= day).pop();
    const peak = Math.max(...steps.map((s) => s.total));
    const said = now
      ? `${now.total} actor${now.total === 1 ? "" : "s"}: ` +
        SCALE.filter((s) => now.counts[s]).map((s) => `${now.counts[s]} ${s}`).join(", ") +
        (now.disputed ? `; ${now.disputed} of them disputed` : "")
      : "no actor yet";
    return fill(caption,
      `The number of actors at each stance on ${topic} over time, stacked from hostile (bottom) to delivered (top);`,
      ` ${steps.length} change${steps.length > 1 ? "s" : ""}, at most ${peak} actors${this.asKnown()}.`,
      ` On ${longDay(day)}: ${said}.`);
  }

  topicTable(steps, day) {
    const table = document.querySelector("#topic-chart-data table");
    const current = steps.filter((step) => step.from <= day).pop();
    if (this.tabled.topic === steps) return markRows(table, (i) => steps[i] === current, steps.indexOf(current));
    if (waits(table.closest("details"), steps.length)) {
      this.tabled.topic = null;
      return fill(table, h("caption", {}, `${steps.length} steps of the counts, listed when opened`));
    }
    this.tabled.topic = steps;
    fill(table,
      h("caption", {}, `Actors at each stance on ${words(this.topic || "")}, from each date until the next`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "From"),
        SCALE.map((stance) => h("th", { scope: "col" }, stance)),
        h("th", { scope: "col" }, "total"), h("th", { scope: "col" }, "disputed"))),
      h("tbody", {}, steps.map((step) => h("tr", {
        class: step === current ? "current" : null, "aria-current": step === current ? "true" : null,
        dataset: { date: step.date, total: step.total },
      },
      h("th", { scope: "row" }, step.date === OPEN_START ? "an unknown day" : longDay(step.date)),
      SCALE.map((stance) => h("td", { dataset: { stance } }, String(step.counts[stance] || 0))),
      h("td", {}, String(step.total)), h("td", {}, String(step.disputed))))));
  }

  // --- shared -----------------------------------------------------------------------------------

  asKnown() {
    return this.knownAt ? `, as the log stood at ${this.knownAt}` : "";
  }

  /** Draw one chart with Plot (when it is loaded and there is data), with a rule for the day; null otherwise. */
  plot(kind, make, count) {
    const holder = document.getElementById(`${kind}-chart-plot`);
    if (!window.Plot || !window.d3 || !count) {
      fill(holder);
      return null;
    }
    const chart = make();
    // The topic's areas are said by the caption and the table; the actor's points stay reachable (they open details).
    if (kind === "topic") chart.setAttribute("aria-hidden", "true");
    const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
    Object.entries({ y1: 4, y2: Number(chart.getAttribute("height")) - 20, stroke: DAY_RULE, "stroke-width": 2,
      class: "day-rule", "pointer-events": "none" }).forEach(([name, value]) => line.setAttribute(name, String(value)));
    chart.append(line);
    fill(holder, chart);
    return chart;
  }

  /** Put a chart's rule on ``day`` (hidden when the day is off its axis). */
  rule(chart, day) {
    const line = chart?.querySelector("line.day-rule");
    if (!line) return;
    const x = chart.scale("x");
    const position = x.apply(utc(day));
    line.setAttribute("x1", String(position));
    line.setAttribute("x2", String(position));
    line.dataset.day = day;
    line.style.display = position >= x.range[0] - 0.5 && position <= x.range[1] + 0.5 ? "" : "none";
  }
}

// The page: loads the API's documents, keeps the chosen day (in the URL as ?at=), and keeps
// the timeline, the matrix, the details, the pending conditions and the live panel in step.

import { PrivateService, getJSON, query } from "./api.js";
import { setupAccount } from "./account.js";
import { eventTypes, registeredIds, resolver } from "./catalogue.js";
import { Charts } from "./charts.js";
import { renderConditions } from "./conditions.js";
import { renderDetails } from "./details.js";
import { defaultDay, eventDays, fromNumber, isDay, longDay, span, toNumber } from "./days.js";
import { Editor } from "./editor.js";
import { renderLegend, renderMatrix } from "./matrix.js";
import { MatrixFilter } from "./matrix-filter.js";
import { follow } from "./live.js";
import { pinnedPosition, pinnedSearch, setupCite } from "./cite.js";
import { SearchBox } from "./search.js";
import { Overview } from "./overview.js";
import { ReviewQueue } from "./review.js";
import { atLeast, send } from "./session.js";
import { Story } from "./story.js";
import { setupTabs } from "./tabs.js";
import { SMALL_LOG, WindowedTimeline } from "./windowed.js";

const $ = (id) => document.getElementById(id);

const KIND_ORDER = { coalition: 0, organisation: 1, state: 2 };
const pinned = pinnedPosition(); // a "cite this view" permalink: every answer as the log stood then

const state = {
  day: null,
  today: null, // the service's today (its clock may be frozen: COMMITMENTS_CLOCK)
  range: null, // {first, last} of the events
  stops: [], // days with events, for previous/next
  actors: [], // [{id, name}] in row order
  names: new Map(),
  topics: [],
  entries: new Map(), // event id -> native timeline entry (a small log's)
  slideDays: new Map(), // a large log's story: event id -> the day its slide starts
  storyWindow: null, // a large log's story: the {from, to} it should tell
  rows: [],
  conditions: new Map(),
  selected: null, // "actor/topic"
  request: null, // the AbortController of the day being loaded
  role: null, // the signed-in key's role, or null
  position: null, // the log position the day's answers were read at
};

let editor = null;
let queue = null;
/** A large log's story tells the overview's window, its first events only. */
const STORY_EVENTS = 200;

const overview = new Overview($("overview-timeline"), (day) => setDay(day));
const charts = new Charts($("charts-section"), { context: () => state, details: $("details-body") });
const story = new Story($("story-timeline"), (eventId) => showEvent(eventId));

/** Go to the day of a dated event (the story's slides and the search's hits name events). */
function showEvent(eventId) {
  const entry = state.entries.get(eventId);
  if (entry) setDay(entry.earliest > "0001-01-01" ? entry.earliest : entry.latest);
  else if (state.slideDays.has(eventId)) setDay(state.slideDays.get(eventId));
}
const matrixFilter = new MatrixFilter($("matrix-filter"), $("matrix"));
// A log larger than SMALL_LOG: the overview is loaded window by window, the story for the window.
let windowed = null;

function notice(message) {
  const element = $("notice");
  element.textContent = message;
  element.hidden = !message;
}

function failed(error) {
  if (error.name === "AbortError") return;
  notice(error instanceof PrivateService ? `${error.message} See docs/ui.md.` : `Could not load the data: ${error.message}`);
  console.warn(error); // a warning, not an error: the notice already tells the reader
}

// --- the timeline documents (events, span, topics) ----------------------------------------

async function loadTimeline() {
  const days = await getJSON(query("/timeline/counts", { group: "day" }));
  if (days.total > SMALL_LOG) return loadWindows(days);
  const native = await getJSON(query("/timeline", { format: "native", as_of_position: pinned }));
  state.entries = new Map(native.events.map((entry) => [entry.id, entry]));
  state.range = span(native.events);
  state.stops = eventDays(native.events);
  state.topics = topicOrder(native.events, state.topics);
  state.day ??= defaultDay(new URL(window.location.href).searchParams.get("at"), state.today, state.range);
  setupControls();
  // Open stance intervals run to vis's `to`: the data's last day, or today when that is later.
  const end = state.range && state.range.last > state.today ? state.range.last : state.today;
  const [visDoc, storyDoc] = await Promise.all([
    window.vis ? getJSON(query("/timeline", { format: "vis", to: end, as_of_position: pinned })) : null,
    window.TL ? getJSON(query("/timeline", { format: "timelinejs", as_of_position: pinned })) : null,
  ]);
  if (visDoc) {
    overview.show(visDoc, state.range, state.day);
    const { events, stances } = overview.counts();
    $("overview-count").textContent = `${events} events and ${stances} stance intervals.`;
  }
  if (storyDoc) story.update(storyDoc);
}

/** A large log: its span and stops from the day counts; the overview and the story window by window. */
async function loadWindows(days) {
  const starts = days.counts.map((c) => c.period);
  state.range = starts.length ? { first: starts[0], last: starts[starts.length - 1] } : null;
  state.stops = starts;
  state.day ??= defaultDay(new URL(window.location.href).searchParams.get("at"), state.today, state.range);
  setupControls();
  if (!window.vis) return;
  if (windowed) return windowed.load();
  overview.show({ items: [], groups: [] }, state.range, state.day);
  $("overview").querySelector(".hint").textContent = "Dots are events, in the rows of the actors they name; a " +
    "window of more than 1,000 events shows how many fall in each day or month (click one to zoom in). Click an " +
    "event or drag the red line to pick the date; ctrl + wheel zooms, dragging pans.";
  windowed = new WindowedTimeline(overview, { onShown: shownWindow, onError: failed });
  windowed.start().catch(failed); // not awaited: the matrix of the day loads meanwhile
}

function shownWindow({ from, to, total, counted }) {
  const events = `${total.toLocaleString("en")} events from ${longDay(from)} to ${longDay(to)}`;
  $("overview-count").textContent = counted ? `${events}, counted per period: zoom in to see each.` : `${events}.`;
  state.storyWindow = { from, to };
}

/** A large log's story: the first STORY_EVENTS events of the overview's window (its title slide says so). */
async function loadStory() {
  if (!state.storyWindow || !window.TL) return;
  const doc = await getJSON(query("/timeline", { format: "timelinejs", ...state.storyWindow, limit: STORY_EVENTS }));
  const pad = (n) => String(n).padStart(2, "0");
  state.slideDays = new Map(doc.events.map(({ unique_id: id, start_date: d }) =>
    [id, `${d.year}-${pad(d.month || 1)}-${pad(d.day || 1)}`]));
  story.update(doc);
}

/**
 * The matrix's columns, the same on every day so that moving the date does not move them:
 * the topics the events name, most-discussed first (then by name), then any others seen.
 */
function topicOrder(events, seen) {
  const count = new Map();
  events.forEach((entry) => entry.topics.forEach((topic) => count.set(topic, (count.get(topic) || 0) + 1)));
  const named = [...count.keys()].sort((a, b) => count.get(b) - count.get(a) || a.localeCompare(b));
  return [...named, ...seen.filter((topic) => !count.has(topic))];
}

async function loadActors() {
  const { actors } = await getJSON("/actors");
  actors.sort((a, b) => (KIND_ORDER[a.kind] ?? 9) - (KIND_ORDER[b.kind] ?? 9) || a.name.localeCompare(b.name));
  state.actors = actors;
  actors.forEach((actor) => state.names.set(actor.id, actor.name));
}

// --- the chosen day ---------------------------------------------------------------------------

function setupControls() {
  const { first, last } = state.range || { first: state.day, last: state.day };
  const slider = $("at-slider");
  slider.max = String(toNumber(last) - toNumber(first));
  $("at-date").min = first;
  $("at-date").max = last;
  $("span-label").textContent = `(${first} to ${last})`;
}

function showControls(day) {
  const first = state.range ? state.range.first : day;
  const offset = toNumber(day) - toNumber(first);
  $("at-slider").value = String(offset);
  $("at-slider").setAttribute("aria-valuetext", longDay(day));
  $("at-date").value = day;
  for (const id of ["matrix-date", "conditions-date"]) {
    $(id).textContent = longDay(day);
    $(id).dateTime = day;
  }
  const url = new URL(window.location.href);
  url.searchParams.set("at", day);
  window.history.replaceState(null, "", url);
  overview.mark(day);
  charts.setDay(day);
}

/** Show ``day``: controls at once, the day's documents as soon as they arrive. */
async function setDay(day) {
  if (!isDay(day)) return;
  state.day = day;
  showControls(day);
  state.request?.abort(); // a newer day wins over a slower older answer
  const request = (state.request = new AbortController());
  try {
    const [stances, conditions] = await Promise.all([
      getJSON(query("/stances", { at: day, as_of_position: pinned }), { signal: request.signal }),
      getJSON(query("/conditions", { at: day, as_of_position: pinned }), { signal: request.signal }),
    ]);
    state.position = stances.position;
    state.rows = stances.rows;
    state.conditions = new Map(conditions.conditions.map((c) => [c.id, c]));
    const extra = stances.rows.map((row) => row.topic).filter((topic) => !state.topics.includes(topic));
    state.topics = [...state.topics, ...new Set(extra)];
    renderDay(day, conditions.conditions);
  } catch (error) {
    failed(error);
  }
}

function renderDay(day, conditions) {
  const table = $("matrix");
  renderMatrix(table, {
    actors: state.actors, topics: state.topics, rows: state.rows, day, selected: state.selected,
    onSelect: (row) => select(row),
  });
  matrixFilter.apply();
  renderConditions($("conditions"), conditions, state.names);
  if (state.selected) showSelected();
  table.dataset.day = day; // tells readers (and the browser tests) which day the table shows
}

function select(row) {
  state.selected = `${row.actor}/${row.topic}`;
  $("matrix").querySelectorAll("td.selected").forEach((td) => td.classList.remove("selected"));
  $("matrix").querySelector(`td[data-actor="${CSS.escape(row.actor)}"][data-topic="${CSS.escape(row.topic)}"]`)
    ?.classList.add("selected");
  showSelected();
}

function showSelected() {
  const row = state.rows.find((r) => `${r.actor}/${r.topic}` === state.selected);
  const actor = state.selected.split("/")[0];
  renderDetails($("details-body"), row, {
    actorName: state.names.get(actor) || actor, conditions: state.conditions, entries: state.entries, day: state.day,
    onCorrect: editor && atLeast(state.role, "editor") ? correctEvent : null,
  });
}

function step(direction) {
  const stops = direction > 0 ? state.stops.filter((d) => d > state.day) : state.stops.filter((d) => d < state.day);
  if (stops.length) setDay(direction > 0 ? stops[0] : stops[stops.length - 1]);
}

// --- editing (docs/editing.md) ----------------------------------------------------------------

async function correctEvent(eventId) {
  try {
    editor.correct(await send("GET", `/events/${encodeURIComponent(eventId)}`));
  } catch (error) {
    failed(error);
  }
}

/** The event types' JSON Schemas (the API's description), fetched when an editor first signs in: readers never need it. */
let openapi = null;

/** Show what the signed-in key's role allows: the editor (editor and up), the review queue (reviewer and up). */
async function showRole(role) {
  state.role = role;
  const edits = Boolean(role) && atLeast(role, "editor");
  if (edits && !editor) {
    openapi ??= await getJSON("/schema/openapi.json");
    editor = new Editor(eventTypes(openapi), {
      resolve: resolver(openapi), ids: await registeredIds(), names: state.names, today: state.today,
    });
  }
  $("editor-section").hidden = !edits;
  const reviews = Boolean(role) && atLeast(role, "reviewer");
  $("review-section").hidden = !reviews;
  if (reviews) {
    queue ??= new ReviewQueue($("proposals"), $("proposals-empty"), state.names);
    await queue.refresh();
    queue.follow();
  } else {
    queue?.stop();
  }
  if (state.selected) showSelected(); // the "Correct this event" buttons come and go with the role
}

async function setupEditing() {
  await setupAccount((role) => showRole(role).catch(failed));
}

// --- live changes -----------------------------------------------------------------------------

let refreshTimer = null;

/** A change arrived: reload the timeline and the day, once for a burst of changes. */
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    try {
      await Promise.all([loadTimeline(), loadActors()]);
      await Promise.all([setDay(state.day), charts.reload()]);
      if (editor) editor.setIds(await registeredIds()); // a new actor, topic or condition can be picked now
      if (queue && !$("review-section").hidden) await queue.refresh();
    } catch (error) {
      failed(error);
    }
  }, 300);
}

// --- start ------------------------------------------------------------------------------------

function wireControls() {
  let sliding = null;
  $("at-slider").addEventListener("input", (event) => {
    if (!state.range) return; // an empty log has no span to slide over
    const day = fromNumber(toNumber(state.range.first) + Number(event.target.value));
    showControls(day);
    clearTimeout(sliding);
    sliding = setTimeout(() => setDay(day), 120); // a drag sends many values: load the one it stops at
  });
  $("at-date").addEventListener("change", (event) => setDay(event.target.value));
  $("when").addEventListener("submit", (event) => {
    event.preventDefault();
    setDay($("at-date").value);
  });
  $("prev-event").addEventListener("click", () => step(-1));
  $("next-event").addEventListener("click", () => step(1));
  $("zoom-date").addEventListener("click", () => overview.zoomAround());
  $("zoom-all").addEventListener("click", () => overview.zoomAll());
  $("zoom-in").addEventListener("click", () => overview.zoom(0.5));
  $("zoom-out").addEventListener("click", () => overview.zoom(2));
}

async function start() {
  renderLegend($("legend"));
  setupTabs($("timeline-tabs"), (panel) => {
    story.setVisible(panel === "story");
    if (panel === "story" && windowed) loadStory().catch(failed);
  });
  wireControls();
  const search = new SearchBox(
    { form: $("search"), input: $("search-q"), count: $("search-count"), facets: $("search-facets"), hits: $("search-hits") },
    { onPick: (hit) => showEvent(hit.id), position: () => pinned, names: () => state.names },
  );
  setupCite($("cite"), $("cite-link"), () => ({ day: state.day, position: state.position, q: search.text }));
  if (!window.vis || !window.TL) {
    notice("The timeline libraries are missing: run `make install` (it runs npm ci in service/web).");
  }
  try {
    // /stances without ?at= answers for the service's today: its "at" is that day (only the disputed rows are
    // asked for, the smallest answer that says it: a large log's whole matrix is megabytes).
    const [health, today] = await Promise.all([getJSON("/health"), getJSON("/stances?disputed=true"), loadActors()]);
    state.today = today.at;
    await loadTimeline(); // also picks the day to open on, which needs the data's span
    await setDay(state.day);
    if (pinnedSearch()) {
      $("search-q").value = pinnedSearch();
      await search.run();
    }
    await charts.start();
    follow({
      after: health.last_change, list: $("live"), empty: $("live-empty"), status: $("feed-state"),
      names: state.names, onChange: refreshSoon,
    });
    await setupEditing();
    document.body.dataset.ready = "true";
  } catch (error) {
    failed(error);
  }
}

start();

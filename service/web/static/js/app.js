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
import { Matrix, renderLegend } from "./matrix.js";
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
  rows: [], // the day's loaded matrix cells (/stances/cells)
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
const matrix = new Matrix($("matrix"), { load: loadCells, onSelect: (cell) => select(cell), onError: failed });
const matrixFilter = new MatrixFilter($("matrix-filter"), matrix);
/** The pending conditions wait this long after the matrix is drawn: the days a reader moves through ask nothing
 * more. */
const CONDITIONS_AFTER_MS = 150;
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

/** The timelines, the span and the stops; ``counts``: the /timeline/counts per day, when already asked for. */
async function loadTimeline(counts = null) {
  const days = await (counts || getJSON(query("/timeline/counts", { group: "day" })));
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
  const topics = definedTopics(state.topics); // asked for while the overview loads its window
  if (windowed) {
    windowed.setDays(days.counts);
    windowed.load(true).catch(failed);
  } else if (window.vis) {
    overview.show({ items: [], groups: [] }, state.range, state.day);
    $("overview").querySelector(".hint").textContent = "Dots are events, in the rows of the actors they name; a " +
      "window of more than 1,000 events shows how many fall in each day or month (click one to zoom in). Click an " +
      "event or drag the red line to pick the date; ctrl + wheel zooms, dragging pans.";
    windowed = new WindowedTimeline(overview, { days: days.counts, onShown: shownWindow, onError: failed });
    windowed.start().catch(failed); // not awaited: the matrix of the day loads meanwhile
  }
  state.topics = await topics;
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

/** A large log's matrix columns: the topics it defines, by id (then any others seen), known before any cell loads. */
async function definedTopics(seen) {
  const found = [];
  const limit = 1000;
  for (let after = 0; ;) {
    const page = await getJSON(query("/events", { type: "topic.defined", after, limit }));
    page.events.forEach((event) => found.push(event.topic));
    if (!page.next_after || page.events.length < limit) break;
    after = page.next_after;
  }
  const named = [...new Set(found)].sort();
  return [...named, ...seen.filter((topic) => !named.includes(topic))];
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
  overview.mark(day, false); // the line at once; the view follows once the day's matrix is drawn (setDay)
  charts.setDay(day);
}

/** The matrix cells of ``day`` (of ``actors`` only, when given); a topic not seen before becomes a column. */
async function loadCells(day, actors, signal) {
  const answer = await getJSON(query("/stances/cells", { at: day, actor: actors, as_of_position: pinned }), { signal });
  state.position = answer.position;
  const extra = answer.cells.map((cell) => cell.topic).filter((topic) => !state.topics.includes(topic));
  if (extra.length) {
    state.topics = [...state.topics, ...new Set(extra)];
    matrix.setAxes(state.actors, state.topics);
  }
  return answer.cells;
}

function pause(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("a newer day", "AbortError"));
    });
  });
}

/** Show ``day``: controls at once, the matrix's rows in view as soon as they arrive, then the pending conditions. */
async function setDay(day) {
  if (!isDay(day)) return;
  state.day = day;
  showControls(day);
  state.request?.abort(); // a newer day wins over a slower older answer
  const request = (state.request = new AbortController());
  const { signal } = request;
  try {
    matrix.setAxes(state.actors, state.topics);
    const drawn = matrix.show(day, signal);
    windowed?.waitFor(drawn); // a window the page's own moves ask for loads after the matrix
    await drawn;
    state.rows = matrix.rows();
    matrixFilter.update();
    overview.mark(day);
    await pause(CONDITIONS_AFTER_MS, signal);
    const conditions = await getJSON(query("/conditions", { at: day, as_of_position: pinned }), { signal });
    state.conditions = new Map(conditions.conditions.map((c) => [c.id, c]));
    renderConditions($("conditions"), conditions.conditions, state.names);
    $("conditions").dataset.day = day; // tells readers (and the tests) which day the list shows
    if (state.selected) await showSelected();
  } catch (error) {
    failed(error);
  }
}

function select(cell) {
  state.selected = `${cell.actor}/${cell.topic}`;
  matrix.select(state.selected);
  showSelected().catch(failed);
}

let detailsRequest = null;

/** The open cell's details: its full answer (evidence, the versions of a dispute), fetched for it alone. */
async function showSelected() {
  const [actor, topic] = state.selected.split("/");
  const day = state.day;
  detailsRequest?.abort();
  const request = (detailsRequest = new AbortController());
  const answer = await getJSON(query("/stances", { at: day, actor, topic, as_of_position: pinned }),
    { signal: request.signal }).catch((error) => {
    if (error.name === "AbortError") return null;
    throw error;
  });
  if (!answer || request !== detailsRequest) return;
  renderDetails($("details-body"), answer.rows[0], {
    actorName: state.names.get(actor) || actor, conditions: state.conditions, entries: state.entries, day,
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
  if (state.selected) await showSelected(); // the "Correct this event" buttons come and go with the role
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
    // The day counts are asked for at once; the matrix without ?at= answers for the service's today: its "at" is
    // that day (one actor's cells are asked for, the smallest answer that says it).
    const counts = getJSON(query("/timeline/counts", { group: "day" }));
    counts.catch(() => {}); // awaited below: a refusal is reported there, once
    const [health, today] = await Promise.all([getJSON("/health"), loadActors().then(() =>
      getJSON(query("/stances/cells", { actor: state.actors.slice(0, 1).map((a) => a.id) })))]);
    state.today = today.at;
    await loadTimeline(counts); // also picks the day to open on, which needs the data's span
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

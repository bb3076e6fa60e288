// The editor: draft an event of any catalogue type in a form built from its JSON Schema, preview what it would
// change (a dry run of POST /events), then propose it for review (POST /proposals) or append it at once (POST
// /events: refused with 403 when the service requires review). "Correct this event" opens the form as an
// event.corrected of a stored event. A CSV file in the spreadsheet template's columns (docs/events-template.csv)
// becomes a proposal too.

import { fill, h } from "./dom.js";
import { eventForm, objectFields } from "./form.js";
import { renderPreview } from "./preview.js";
import { Refused, send } from "./session.js";

const $ = (id) => document.getElementById(id);
/** The fields of a stored event that are the log's, not the event's: left out of a correction. */
const STORED_ONLY = new Set(["id", "type", "position", "recorded", "recorded_by", "proposed_by"]);

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** The fields of ``edited`` whose value differs from ``original`` (a correction's replacement merges them). */
function changedFields(original, edited) {
  const names = new Set([...Object.keys(original), ...Object.keys(edited)]);
  const out = {};
  for (const name of names) {
    if (STORED_ONLY.has(name)) continue;
    if (!same(original[name], edited[name]) && edited[name] !== undefined) out[name] = edited[name];
  }
  return Object.keys(out).length ? out : undefined;
}

export class Editor {
  /** ``types``: catalogue.eventTypes(); ``context``: {resolve, ids, names, today}. */
  constructor(types, context) {
    this.types = types;
    this.context = context;
    this.form = null;
    this.previewed = null; // the JSON of the last draft whose preview was clean: the one that may be sent
    this.faultsUnder = null;
    const select = $("event-type");
    fill(select, types.map((t) => h("option", { value: t.type }, t.type)));
    select.addEventListener("change", () => this.draft(select.value));
    $("editor").addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendDraft("propose");
    });
    $("append-button").addEventListener("click", () => this.sendDraft("append"));
    $("preview-button").addEventListener("click", () => this.preview());
    $("discard").addEventListener("click", () => this.draft($("event-type").value));
    $("editor").addEventListener("input", () => this.changed());
    $("editor").addEventListener("change", () => this.changed());
    $("upload").addEventListener("submit", (event) => {
      event.preventDefault();
      this.upload();
    });
    this.draft(types.some((t) => t.type === "stance.stated") ? "stance.stated" : types[0].type);
  }

  /** Refresh the registered ids the pickers offer (after an append) without losing the draft. */
  setIds(ids) {
    this.context.ids = ids;
  }

  /** Start a new draft of ``type``, from ``value`` when given. */
  draft(type, value = {}, overrides = {}) {
    const entry = this.types.find((t) => t.type === type);
    $("event-type").value = type;
    $("event-type-doc").textContent = entry.description;
    const start = { occurred: this.context.today, ...value };
    this.form = eventForm(entry.schema, { resolve: this.context.resolve, ids: this.context.ids, value: start, overrides });
    this.faultsUnder = overrides.replacement ? "replacement" : null;
    fill($("event-form"), this.form.element);
    fill($("editor-preview"), h("p", { class: "muted" }, "Preview the draft to see what it would change."));
    fill($("editor-elsewhere"));
    this.status("");
    this.previewed = null;
    this.changed();
  }

  /** "Correct this event": the form of an event.corrected of ``stored``, its fields as they stand to edit. */
  correct(stored) {
    const original = Object.fromEntries(Object.entries(stored).filter(([name]) => !STORED_ONLY.has(name)));
    const type = this.types.find((t) => t.type === stored.type);
    const { resolve, ids } = this.context;
    const replacement = ({ path }) => {
      const group = objectFields(type.schema, { path, resolve, ids, value: original });
      const element = h("fieldset", { class: "form-group", dataset: { path, field: "replacement" } },
        h("legend", {}, `Replacement: the fields of ${stored.id} (${stored.type}) as they should read`),
        h("p", { class: "hint" }, "Change what is wrong; only the fields you change are sent."), group.element);
      return { element, read: () => changedFields(original, group.read(false)) };
    };
    this.draft("event.corrected", { corrects: stored.id, summary: "", sources: [{}] }, { replacement });
    $("editor-section").scrollIntoView({ block: "start" });
    $("editor-heading").focus();
  }

  status(message, kind = "info") {
    $("editor-status").textContent = message;
    $("editor-status").dataset.kind = kind;
  }

  /** The draft changed: what was previewed is no longer what would be sent. */
  changed() {
    const current = this.form ? JSON.stringify(this.form.read()) : null;
    const unchecked = current !== this.previewed;
    $("send-button").disabled = unchecked;
    $("append-button").disabled = unchecked;
  }

  showFaults(problems) {
    const elsewhere = this.form.showFaults(problems, { alsoUnder: this.faultsUnder });
    fill($("editor-elsewhere"), elsewhere.length
      ? h("ul", { class: "problems" }, elsewhere.map((p) => h("li", { class: "fault" }, h("code", {}, p.pointer), " ", p.message)))
      : null);
  }

  /** Ask the service what the draft would do; show it beside the form and the faults by their fields. */
  async preview() {
    const draft = this.form.read();
    fill($("editor-preview"), h("p", { class: "muted" }, "Asking the service what this would change…"));
    this.status("");
    try {
      const preview = await send("POST", "/events?dry_run=true", { body: [draft] });
      fill($("editor-preview"), renderPreview(preview, this.context.names));
      this.showFaults(preview.problems);
      this.previewed = preview.problems.length ? null : JSON.stringify(draft);
      this.status(preview.problems.length ? "Mend the faults shown by their fields, then preview again."
        : "Checked. Propose it for review (or append it now) when it says what you mean.",
      preview.problems.length ? "fault" : "info");
    } catch (error) {
      this.refused(error);
    }
    this.changed();
  }

  refused(error) {
    if (!(error instanceof Refused)) throw error;
    if (error.problem.errors?.length) this.showFaults(error.problem.errors);
    this.status(`Refused (${error.status}): ${error.message}`, "fault");
  }

  /** Propose the previewed draft for review (``how`` "propose"), or append it at once ("append"). */
  async sendDraft(how) {
    const draft = this.form.read();
    if (JSON.stringify(draft) !== this.previewed) {
      await this.preview(); // what is sent is always what was previewed
      return;
    }
    try {
      if (how === "propose") {
        const note = $("note").value.trim();
        const path = note ? `/proposals?note=${encodeURIComponent(note)}` : "/proposals";
        const proposal = await send("POST", path, { body: [draft] });
        this.draft($("event-type").value);
        fill($("editor-preview"), h("p", { class: "sent", dataset: { proposal: proposal.id } },
          `Proposed for review as ${proposal.id}.`), renderPreview(proposal.preview, this.context.names));
        $("note").value = "";
        this.status(`Proposal ${proposal.id} is open: a reviewer will accept or reject it.`);
      } else {
        const result = await send("POST", "/events", { body: [draft] });
        this.draft($("event-type").value);
        const positions = result.appended.map((e) => e.position).join(", ");
        this.status(`Appended${positions ? ` at position ${positions}` : ""}.`);
      }
    } catch (error) {
      this.refused(error);
    }
  }

  /** Send the chosen CSV file as a proposal and show its preview (or its rows' faults). */
  async upload() {
    const file = $("csv-file").files[0];
    if (!file) return;
    const result = $("upload-result");
    fill(result, h("p", {}, `Sending ${file.name}…`));
    try {
      const text = await file.text();
      const proposal = await send("POST", "/proposals", { body: { text, type: "text/csv" } });
      fill(result, h("p", { class: "sent", dataset: { proposal: proposal.id } },
        `${file.name} is proposal ${proposal.id}, open for review.`), renderPreview(proposal.preview, this.context.names));
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      fill(result, h("div", { class: "preview refused" }, h("p", {}, `${file.name} was refused: ${error.message}`),
        error.problem.errors?.length
          ? h("ul", { class: "problems" }, error.problem.errors.map((p) => h("li", {}, h("code", {}, p.pointer), " ", p.message)))
          : null));
    }
  }
}

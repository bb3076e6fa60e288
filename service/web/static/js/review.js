// The review queue: the open proposals (GET /proposals?status=open), each with its events beside a fresh preview
// of what accepting it would change, and Accept / Reject (with a reason) for reviewers. The queue follows
// GET /proposals/feed (polled while it is shown), so proposals made or decided elsewhere come and go.

import { inWords } from "./dates.js";
import { fill, h } from "./dom.js";
import { renderPreview } from "./preview.js";
import { Refused, send } from "./session.js";

/** One proposed event in a few words: its type, date and the fields that say what it is. */
function eventItem(event) {
  const fields = Object.entries(event)
    .filter(([name]) => !["type", "occurred", "sources", "summary", "id"].includes(name))
    .map(([name, value]) => `${name}: ${typeof value === "object" ? JSON.stringify(value) : value}`);
  return h("li", { class: "proposed-event" },
    h("p", {}, h("strong", {}, event.type), ` · ${inWords(event.occurred)}`, event.id ? h("span", { class: "muted" }, ` · ${event.id}`) : null),
    fields.length ? h("p", { class: "fields" }, fields.join(" · ")) : null,
    event.summary ? h("p", {}, event.summary) : null,
    event.sources?.length ? h("p", { class: "muted" }, "Sources: ", event.sources.map((s) => s.outlet).join(", ")) : null);
}

export class ReviewQueue {
  /** ``list``: the <ol> of proposals; ``names``: actor ids to names. */
  constructor(list, empty, names) {
    this.list = list;
    this.empty = empty;
    this.names = names;
    this.seen = 0; // the last /proposals/feed record the queue reflects
    this.timer = null;
  }

  /** Poll the proposals' feed every ``seconds`` and reload the queue when a proposal was made or decided. */
  follow(seconds = 5) {
    this.stop();
    const poll = async () => {
      try {
        const page = await send("GET", `/proposals/feed?after=${this.seen}&limit=1000`);
        if (page.changes.length) {
          this.seen = page.next_after;
          await this.refresh();
        }
        this.timer = setTimeout(poll, seconds * 1000);
      } catch (error) {
        this.timer = null; // a revoked key or a lost service: the next sign-in or reload starts again
        if (!(error instanceof Refused) && !(error instanceof TypeError)) throw error;
      }
    };
    this.timer = setTimeout(poll, seconds * 1000);
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
  }

  /** Load the open proposals again (each with a preview against the log as it is now). */
  async refresh() {
    if (!this.seen) this.seen = (await send("GET", "/proposals/feed?after=0&limit=1000")).next_after;
    const answer = await send("GET", "/proposals?status=open");
    const proposals = Array.isArray(answer) ? answer : answer.proposals;
    const full = await Promise.all(proposals.map((p) => (p.preview && p.events ? p : send("GET", `/proposals/${encodeURIComponent(p.id)}`))));
    fill(this.list, full.map((proposal) => this.item(proposal)));
    this.empty.hidden = full.length > 0;
  }

  item(proposal) {
    const reasonId = `reason-${proposal.id}`;
    const outcome = h("p", { class: "outcome", role: "status" });
    const reason = h("input", { type: "text", id: reasonId, maxlength: 2000 });
    const decide = async (action) => {
      const body = action === "reject" ? { reason: reason.value.trim() } : undefined;
      try {
        await send("POST", `/proposals/${encodeURIComponent(proposal.id)}/${action}`, { body });
        outcome.textContent = action === "accept" ? "Accepted: appended to the log." : "Rejected.";
        li.dataset.decided = action;
        setTimeout(() => this.refresh().catch(() => {}), 800);
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        const faults = (error.problem.errors || []).map((p) => `${p.pointer}: ${p.message}`).join("; ");
        outcome.textContent = `Refused (${error.status}): ${error.message}${faults && !error.message.includes(faults) ? ` (${faults})` : ""}`;
      }
    };
    const li = h("li", { class: "proposal", dataset: { proposal: proposal.id } },
      h("h3", {}, `Proposal ${proposal.id}`),
      h("p", { class: "muted" }, `by ${proposal.proposed_by} · ${inWords(proposal.created.replace(/\.\d+/, ""))}`),
      proposal.note ? h("p", { class: "note" }, `Note: ${proposal.note}`) : null,
      h("div", { class: "side-by-side" },
        h("div", {}, h("h4", {}, "Proposed"), h("ol", { class: "plain" }, (proposal.events || []).map(eventItem))),
        h("div", {}, h("h4", {}, "What accepting it would change"), renderPreview(proposal.preview, this.names))),
      h("div", { class: "decide" },
        h("button", { type: "button", class: "accept", onclick: () => decide("accept") }, "Accept"),
        h("label", { for: reasonId }, "Reason to reject"), reason,
        h("button", { type: "button", class: "reject", onclick: () => decide("reject") }, "Reject")),
      outcome);
    return li;
  }
}

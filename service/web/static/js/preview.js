// What a write would do, as the service's dry run answers it ({would_append, changes, problems}): the events with
// the positions they would get, which stances change and from when, and the faults that would refuse it.

import { inWords } from "./dates.js";
import { h } from "./dom.js";
import { describeChange } from "./live.js";

/** The preview of ``preview`` (a dry run's answer) as elements; ``names`` maps actor ids to names. */
export function renderPreview(preview, names) {
  const { would_append: events = [], changes = [], problems = [] } = preview || {};
  if (problems.length) {
    return h("div", { class: "preview refused", dataset: { state: "refused" } },
      h("p", {}, h("strong", {}, "The service would refuse this: "),
        `${problems.length} fault${problems.length === 1 ? "" : "s"}.`),
      h("ul", { class: "problems" }, problems.map((problem) =>
        h("li", { dataset: { pointer: problem.pointer } }, h("code", {}, problem.pointer), " ", problem.message))));
  }
  return h("div", { class: "preview clean", dataset: { state: "clean" } },
    h("p", {}, h("strong", {}, "The service would accept this. "),
      events.length
        ? `It would append ${events.length} event${events.length === 1 ? "" : "s"} (position ${events.map((e) => e.position).join(", ")}).`
        : "Every event is already in the log: nothing would be appended."),
    changes.length
      ? [h("p", {}, `${changes.length} change${changes.length === 1 ? "" : "s"} of stance:`),
        h("ul", { class: "changes" }, changes.map((change) =>
          h("li", { class: `change kind-${change.kind}`, dataset: { actor: change.actor || "", topic: change.topic || "" } },
            h("span", { class: "badge" }, change.kind), " ", describeChange(change, names),
            h("span", { class: "muted" }, ` from ${inWords(change.effective)}`))))]
      : h("p", { class: "muted" }, "No stance changes."));
}

// The conditions still pending on the chosen day, each with the commitments that wait on it.

import { inWords } from "./dates.js";
import { fill, h, words } from "./dom.js";
import { abbreviation } from "./stances.js";

// The earliest day of an open start ("../2026-01-05"): the condition's start is not known.

/** ``conditions``: the /conditions answer's list for the day; only the pending ones are shown. */
export function renderConditions(list, conditions, names) {
  const pending = conditions.filter((c) => c.status === "pending");
  if (!pending.length) {
    fill(list, h("li", { class: "muted" }, "None."));
    return;
  }
  fill(list, pending.map((condition) => h("li", { class: "condition", dataset: { condition: condition.id } },
    h("p", {}, h("strong", {}, condition.id),
      h("span", { class: "muted" }, ` · ${condition.kind} · pending since ${inWords(condition.since_text)}`),
      condition.deadline ? h("span", {}, ` · deadline ${inWords(condition.deadline)}`) : null,
      condition.overdue ? h("span", { class: "overdue", title: `still pending after its deadline (${condition.deadline})` },
        ` · overdue since ${inWords(condition.overdue_since)}`) : null),
    h("p", {}, condition.description),
    condition.dependents.length
      ? h("details", { open: condition.dependents.length <= 5 },
        h("summary", {}, `${condition.dependents.length} commitment${condition.dependents.length === 1 ? "" : "s"} wait on it`),
        h("ul", { class: "dependents" }, condition.dependents.map((d) => h("li", {},
          h("span", { class: `badge stance-${d.stance}`, title: d.stance }, abbreviation(d.stance)), " ",
          names.get(d.actor) || d.actor, " · ", words(d.topic)))))
      : h("p", { class: "muted" }, "Nothing waits on it."))));
}

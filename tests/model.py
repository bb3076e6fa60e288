"""An independent, deliberately naive model of the projection semantics, for property tests.

It keeps the whole log in memory and answers every question by scanning it from
scratch, sharing no code with ``events.projections``: if both agree on random logs, the
incremental, bitemporal tables are right.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from events.model.dates import parse
from events.model.inbound import corrected


@dataclass
class Model:
    """The log as a list of appends; each append is (recorded day, [events with ids])."""

    appends: list[tuple[dt.date, list[Any]]] = field(default_factory=list)

    def add(self, recorded: dt.date, events: list[Any]) -> None:
        self.appends.append((recorded, list(events)))

    def effective(self, upto: int) -> list[tuple[int, Any]]:
        """(position, effective version) of every non-correction event in the first ``upto`` appends."""
        versions: dict[str, tuple[int, Any] | None] = {}
        position = 0
        for _recorded, events in self.appends[:upto]:
            for event in events:
                position += 1
                if event.type == "event.corrected":
                    pos, current = versions[event.corrects]
                    versions[event.corrects] = (pos, None) if event.retracted else (pos, corrected(current, event))
                else:
                    versions[event.id] = (position, event)
        return [(pos, ev) for pos, ev in versions.values() if ev is not None]

    def _facts(self, upto: int, key: tuple[str, ...], kind: str) -> list[tuple[Any, ...]]:
        facts = []
        for pos, ev in self.effective(upto):
            date = parse(ev.occurred)
            found = []
            if kind == "stance":
                if ev.type == "stance.stated" and (ev.actor, ev.topic) == key:
                    found.append((ev.stance, tuple(ev.conditions)))
                elif ev.type == "declaration.signed":
                    for provision in ev.provisions:
                        if key[0] in ev.signatories and provision.topic == key[1]:
                            found.append((provision.stance, tuple(provision.conditions)))
                elif ev.type == "warning.issued" and ev.topic is not None and (ev.actor, ev.topic) == key:
                    found.append(("hostile", ()))
            elif kind == "condition":
                if ev.type == "condition.declared" and ev.condition == key[0]:
                    found.append(("pending",))
                elif ev.type == "condition.changed" and ev.condition == key[0]:
                    found.append((ev.status,))
            for index, value in enumerate(found):
                facts.append((date.earliest, pos, index, date, value, ev.id))
        return facts

    def _in_effect(self, facts: list[tuple[Any, ...]], day: dt.date) -> tuple[Any, ...] | None:
        candidates = [f for f in facts if f[0] <= day]
        return max(candidates, key=lambda f: f[:3]) if candidates else None

    def condition_status(self, upto: int, condition: str, day: dt.date) -> str:
        fact = self._in_effect(self._facts(upto, (condition,), "condition"), day)
        return fact[4][0] if fact else "pending"

    def _rulings(self, upto: int, actor: str, topic: str) -> list[tuple[str, str, str]]:
        """(kind, first, second) of the rulings on a key in the first ``upto`` appends, current versions."""
        found = []
        for _pos, ev in self.effective(upto):
            if ev.type == "dispute.settled" and (ev.actor, ev.topic) == (actor, topic):
                found.extend(("settled", ev.stands, other) for other in ev.over)
            elif ev.type == "change.confirmed" and (ev.actor, ev.topic) == (actor, topic):
                found.append(("change", ev.earlier, ev.later))
        return found

    def _answer_fact(self, upto: int, actor: str, topic: str, day: dt.date) -> tuple[Any, list[Any]] | None:
        """The fact a key answers with on ``day``, and whether competing versions stand (written from the rule in
        docs/as-of.md, not from the projection's code)."""
        facts = self._facts(upto, (actor, topic), "stance")
        main = self._in_effect(facts, day)
        if main is None:
            return None
        rivals = [f for f in facts if f[:3] < main[:3] and f[3].latest >= main[0] and f[5] != main[5]
                  and f[4] != main[4]]
        if not rivals:
            return main, []
        rulings = self._rulings(upto, actor, topic)
        changes = {frozenset((first, second)) for kind, first, second in rulings if kind == "change"}
        rivals = [f for f in rivals if frozenset((f[5], main[5])) not in changes]
        group = {f[5] for f in rivals} | {main[5]}
        aside = {second for kind, first, second in rulings if kind == "settled" and first in group and second in group}
        standing = [f for f in sorted([*rivals, main], key=lambda f: f[:3]) if f[5] not in aside] or [main]
        if len(standing) == 1:
            return standing[0], []
        rank = {name: i for i, name in enumerate(("hostile", "declined", "reluctant", "undecided", "supportive",
                                                     "conditional", "committed", "delivered"))}
        lowest = min(rank[f[4][0]] for f in standing)
        chosen = [f for f in standing if rank[f[4][0]] == lowest][-1]
        return chosen, [f for f in reversed(standing) if f is not chosen]

    def stance(self, upto: int, actor: str, topic: str, day: dt.date) -> dict[str, Any] | None:
        """The answer for (actor, topic) on ``day`` as the log stood after ``upto`` appends."""
        found = self._answer_fact(upto, actor, topic, day)
        if found is None:
            return None
        (_, _, _, date, (stance, conditions), _), others = found
        statuses = [self.condition_status(upto, c, day) for c in conditions]
        status = None
        if stance in ("conditional", "committed"):
            status = "lapsed" if "failed" in statuses else "pending" if "pending" in statuses else "active"
        exact = date.earliest == date.latest and date.qualifier is None
        return {"stance": stance, "status": status, "conditions": list(zip(conditions, statuses)),
                "certain": exact or day > date.latest, "disputed": bool(others),
                "alternatives": [f[4][0] for f in others]}

    def state(self, upto: int, actor: str, topic: str, day: dt.date) -> tuple[str | None, str | None, bool]:
        answer = self.stance(upto, actor, topic, day)
        return (answer["stance"], answer["status"], answer["disputed"]) if answer else (None, None, False)

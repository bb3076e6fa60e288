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
                facts.append((date.earliest, date.second, pos, index, date, value))
        return facts

    def _in_effect(self, facts: list[tuple[Any, ...]], day: dt.date) -> tuple[Any, ...] | None:
        candidates = [f for f in facts if f[0] <= day]
        return max(candidates, key=lambda f: f[:4]) if candidates else None

    def condition_status(self, upto: int, condition: str, day: dt.date) -> str:
        fact = self._in_effect(self._facts(upto, (condition,), "condition"), day)
        return fact[5][0] if fact else "pending"

    def stance(self, upto: int, actor: str, topic: str, day: dt.date) -> dict[str, Any] | None:
        """The answer for (actor, topic) on ``day`` as the log stood after ``upto`` appends."""
        fact = self._in_effect(self._facts(upto, (actor, topic), "stance"), day)
        if fact is None:
            return None
        _, _, _, _, date, (stance, conditions) = fact
        statuses = [self.condition_status(upto, c, day) for c in conditions]
        status = None
        if stance in ("conditional", "committed"):
            status = "lapsed" if "failed" in statuses else "pending" if "pending" in statuses else "active"
        exact = date.earliest == date.latest and date.qualifier is None
        return {"stance": stance, "status": status, "conditions": list(zip(conditions, statuses)),
                "certain": exact or day > date.latest}

    def state(self, upto: int, actor: str, topic: str, day: dt.date) -> tuple[str | None, str | None]:
        answer = self.stance(upto, actor, topic, day)
        return (answer["stance"], answer["status"]) if answer else (None, None)

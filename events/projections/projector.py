"""The projector: turns an append into projection rows and change records, in the append's transaction.

An append may be fed in chunks (a large import is one append of a million events), so
the work is split in two. :meth:`AppendProjection.add` takes each checked chunk: it
writes the registry, timeline and correction rows, and keeps every fact the chunk
asserts as a compact record, grouped by key. :meth:`AppendProjection.finish` then
works table by table, and for stances a group of keys at a time: it reads the stored
current rows of those keys (from the interval before the earliest touched day on, without
rows that are in effect on no day and stay so),
merges the new facts in, works out the validity intervals and the change records in
Python, and writes everything with a few ``executemany`` calls, rows in key order. A
backdated fact only touches its own key, from the interval before its date on.

Appends, imports and rebuild all go through it; the property tests check it against
an independent model of the semantics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from events.model import dates
from events.model.catalog import Event, EventCorrected, encode
from events.projections import changes, disputes, evidence, timeline
from events.projections import search as search_rows
from events.projections.changes import Series, Snapshot, condition_names, differing
from events.projections.facts import CONDITIONS, MEMBERSHIPS, STANCES, FactTable, effect_order, link
from events.tables import registry, schema, versions
from events.tables import search as search_table
from events.tables.log import schema_version
from events.tables.tx import Tx
from events.tables.versions import Version

Key = tuple[str, ...]
Rows = dict[Key, list[dict[str, Any]]]
#: Correction id -> (the corrected event's version before, its version after or None if retracted).
Corrections = Mapping[str, tuple[Version, "Version | None"]]
#: Stance keys merged, written and compared at a time: bounds the rows held in memory on large appends.
KEY_GROUP = 500
#: An append planning at least this many stance facts into an empty stance table builds the indexes its rows reach
#: in random order (``Index.built_after_bulk``) once they are written, where readers do not wait for that (SQLite):
#: one sort instead of a random B-tree insert per row, whose pages no longer fit SQLite's page cache on large logs
#: (docs/performance.md).
BULK_FACTS = 50_000
_json = msgspec.json.Encoder()


def _stance_values(values: tuple[str, tuple[str, ...], Any, str | None]) -> tuple[str, str, str | None, str | None]:
    """A stance fact's values as the stance table stores them: conditions and quantity as JSON."""
    stance, conditions, quantity, period = values
    return (stance, _json.encode(conditions).decode() if conditions else "[]",
            _json.encode(quantity).decode() if quantity is not None else None, period)


def _as_stored(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return values


#: Per fact table: the facts an event asserts (its method), and how their values are stored.
_FACTS: dict[FactTable, tuple[str, Any]] = {
    STANCES: ("stance_facts", _stance_values),
    CONDITIONS: ("condition_facts", _as_stored),
    MEMBERSHIPS: ("membership_facts", _as_stored),
}


class PlannedFact(msgspec.Struct, gc=False):
    """One fact an append asserts, before it is a row. ``superseded_pos`` is set when a later event of the
    same append ends it (a correction of an event appended with it)."""

    values: tuple[Any, ...]
    seq: int
    valid_from: str
    valid_second: int
    latest: str
    exact: int
    date_text: str
    event_id: str
    correction_id: str | None
    fact_position: int
    created_pos: int
    superseded_pos: int | None
    evidence: str


#: The row columns a planned fact fills besides its key and values, in its field order.
_FACT_FIELDS = PlannedFact.__struct_fields__[1:]


class _Plan:
    """What an append adds and ends, per fact table and key, before any fact row is read or written."""

    def __init__(self) -> None:
        self.new: dict[FactTable, dict[Key, list[PlannedFact]]] = {table: {} for table in _FACTS}
        self.touched: dict[FactTable, dict[Key, str]] = {table: {} for table in _FACTS}
        self.causes: dict[FactTable, dict[Key, str]] = {table: {} for table in _FACTS}
        self.superseded: dict[FactTable, list[tuple[int, str]]] = {table: [] for table in _FACTS}
        self.ended: dict[FactTable, set[Key]] = {table: set() for table in _FACTS}  # keys with stored rows ended
        self.gone: set[str] = set()  # stored events whose current rows this append ends
        self.ruled: dict[Key, str] = {}  # stance keys whose rulings changed, from the earliest day they may matter
        self.seq = 0
        # A large append plans millions of facts over few distinct keys, values and dates: share them, and
        # encode each distinct value once.
        self._keys: dict[Key, Key] = {}
        self._stored: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._dates: dict[str, tuple[str, int, str, int, str]] = {}

    def touch(self, table: FactTable, key: Key, day: str, cause: str) -> None:
        """Note that ``key`` changes from ``day`` on, because of the event ``cause``."""
        known = self.touched[table].get(key)
        if known is None or day < known:
            self.touched[table][key] = day
        self.causes[table][key] = cause

    def _date(self, text: str) -> tuple[str, int, str, int, str]:
        found = self._dates.get(text)
        if found is None:
            date = dates.parse(text)
            found = self._dates[text] = (date.earliest.isoformat(), date.second, date.latest.isoformat(),
                                         int(date.exact), text)
        return found

    def add_facts(self, event: Event, *, fact_position: int, created_pos: int, correction_id: str | None = None,
                  cited: str | None = None) -> None:
        """Plan the facts ``event`` asserts; ``cited``: their rows' evidence when a correction gave them
        (else the event's own, encoded only if it asserts a fact: most events of a log assert none)."""
        day, second, latest, exact, text = self._date(event.occurred)
        cause = correction_id or event.checked_id
        keys, stored = self._keys, self._stored
        for table, (method, store) in _FACTS.items():
            facts = getattr(event, method)()
            if not facts:
                continue
            planned = self.new[table]
            if cited is None:
                cited = evidence.of_event(event)
            for key, values in facts:
                self.seq += 1
                key = keys.setdefault(key, key)
                as_stored = stored.get(values)
                if as_stored is None:
                    as_stored = stored[values] = store(values)
                fact = PlannedFact(as_stored, self.seq, day, second, latest, exact, text, event.checked_id,
                                   correction_id, fact_position, created_pos, None, cited)
                planned.setdefault(key, []).append(fact)
                self.touch(table, key, day, cause)

    def end_event(self, tx: Tx, target: Event, position: int, cause: str) -> None:
        """End the current rows of a corrected or retracted event (``target``: its version in effect until now),
        whether stored or added by this append."""
        event_id = target.checked_id
        for table, (method, _) in _FACTS.items():
            planned = self.new[table]
            for key in {key for key, _ in getattr(target, method)()}:
                for fact in planned.get(key, ()):
                    if fact.event_id == event_id and fact.superseded_pos is None:
                        fact.superseded_pos = position
                        self.touch(table, key, fact.valid_from, cause)
        if event_id in self.gone:
            return
        for table in _FACTS:
            stored = table.current_keys_of(tx, event_id)
            if stored:
                self.superseded[table].append((position, event_id))
                for key, day in stored:
                    self.touch(table, key, day, cause)
                    self.ended[table].add(key)
        self.gone.add(event_id)

    def rows(self, table: FactTable, key: Key) -> list[dict[str, Any]]:
        """The planned facts of one key as table rows (no row id yet), in the order they were asserted."""
        out = []
        for fact in self.new[table].get(key, ()):
            row: dict[str, Any] = dict(zip(table.key, key))
            row.update(zip(table.values, fact.values))
            row.update(zip(_FACT_FIELDS, msgspec.structs.astuple(fact)[1:]))
            row["row_id"] = row["valid_to"] = None
            for column in table.extra:
                row[column] = None
            out.append(row)
        return out


def _project_keys(tx: Tx, table: FactTable, plan: _Plan, starts: dict[Key, str], before: int) -> tuple[Rows, Rows]:
    """Merge the planned facts of some keys into their stored rows and write the result.

    Returns each key's current rows as the log stood before the append and after it, without
    the same-day losers that stay losers (see :meth:`FactTable.load_current`); unchanged rows
    are the same objects in both, which :func:`changes.differing` relies on.
    """
    old = table.load_current(tx, starts, visible_at=before, every_row=plan.ended[table])
    new: Rows = {key: [row for row in rows if row["event_id"] not in plan.gone] for key, rows in old.items()}
    inserted = []
    for key in sorted(starts):
        for row in plan.rows(table, key):
            inserted.append(row)
            if row["superseded_pos"] is None:
                new[key].append(row)
    relinked = []
    for rows in new.values():
        rows.sort(key=effect_order)
        for valid_to, row in link(rows):
            if row["row_id"] is None:
                row["valid_to"] = valid_to
            else:
                relinked.append((valid_to, row["row_id"]))
    table.write(tx, relinked, inserted)
    return old, new


def _dependents(tx: Tx, conditions: dict[Key, str]) -> dict[Key, str]:
    """Stance keys whose current rows name a touched condition on some day from its touched day on, with that day.

    ``condition_dependents`` keeps, per condition and key, the day until which the key's
    current rows name the condition (NULL: open-ended), so this is one index range per
    condition. That day is exact or later (see :func:`_record_dependents`): a key too many
    only compares as unchanged, a key too few would lose change records.
    """
    found: dict[Key, str] = {}
    for (condition,), day in conditions.items():
        for actor, topic in tx.fetchall(
            "SELECT actor, topic FROM condition_dependents WHERE condition = ? AND (until IS NULL OR until >= ?)",
            (condition, day),
        ):
            key = (actor, topic)
            if key not in found or day < found[key]:
                found[key] = day
    return found


def _record_dependents(tx: Tx, old: Rows, new: Rows) -> None:
    """Keep, for each condition the stance keys of a group name, the day until which they name it.

    ``old`` and ``new`` hold each key's current rows from the one in effect before its
    first touched day on (the window), before and after the append, in effect order. Rows
    before the window end by the window's first day and did not change, so a condition named
    inside the new window gets its exact day (the latest end of a row naming it, NULL if that
    row is open-ended), and one named only in the old window gets the window's first day,
    which is no earlier than the true one.
    """
    rows: list[tuple[str, str, str, str | None]] = []
    for (actor, topic), current in new.items():
        before = old[actor, topic]
        if len(current) == len(before) and all(a is b for a, b in zip(current, before)):
            continue  # the same rows (a key compared only for a condition it names): nothing to update
        until: dict[str, str | None] = {}
        for i, row in enumerate(current):
            names = changes.condition_names(row)
            if not names:
                continue
            end = current[i + 1]["valid_from"] if i + 1 < len(current) else None
            for name in names:
                if name not in until or (until[name] is not None and (end is None or end > until[name])):
                    until[name] = end
        for row in before:
            for name in changes.condition_names(row):
                until.setdefault(name, before[0]["valid_from"])
        rows.extend((name, actor, topic, day) for name, day in until.items())
    if rows:
        tx.executemany(
            "INSERT INTO condition_dependents (condition, actor, topic, until) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (condition, actor, topic) DO UPDATE SET until = excluded.until",
            sorted(rows, key=lambda r: (r[0], r[1], r[2])),
        )


class AppendProjection:
    """The projection work of one append, fed its checked events in one or more chunks.

    ``add`` each chunk (in log order, after its events are stored), then ``finish`` once.
    Change records cover days up to ``today``: the append's day, or the day already
    announced through if the scheduler is ahead of it.
    """

    def __init__(self, tx: Tx, first_position: int, recorded: str, *, today: str | None = None) -> None:
        self.tx = tx
        self.first_position = first_position
        self.next_position = first_position
        self.recorded = recorded
        self.today = today or recorded[:10]
        self.plan = _Plan()

    def add(self, events: Sequence[Event], corrections: Corrections) -> None:
        """Plan the facts of a chunk of new events (stored from ``next_position`` on) and write its registry,
        timeline and correction rows; ``corrections`` gives each correction's target before and after it."""
        tx, plan = self.tx, self.plan
        corrected: list[tuple[str, str, int, int, int | None, str | None]] = []
        registered: list[tuple[str, str, str, int, str, str]] = []
        timeline_rows: dict[str, tuple[Any, ...] | None] = {}
        # The stored timeline row of each event this chunk corrects: the one its version before the chunk gave.
        replaced: dict[str, tuple[Any, ...] | None] = {}
        # Search rows are written once the chunk's registry rows are in (their names are found by); a
        # correction of an event of this chunk ends its pending row here.
        searched: dict[str, tuple[Event, int, int, bool]] = {}
        ended: list[tuple[int, str, int]] = []
        for event in events:
            position = self.next_position
            event_id = event.checked_id
            if isinstance(event, EventCorrected):
                target, after = corrections[event_id]
                plan.end_event(tx, target.event, position, event_id)
                if target.event.rulings():
                    disputes.end_rulings(tx, target.event.checked_id, position)
                    self._touch_ruled(target.event, event_id)
                if after is not None and after.event.rulings():
                    self._rule(after.event, position, event_id, evidence.of_event(event))
                body = None if after is None else encode(after.event).decode()
                version = None if after is None else schema_version(after.event)
                corrected.append((event.corrects, event_id, position, int(after is None), version, body))
                ended.append((position, event.corrects, target.position))
                if after is not None:
                    searched[f"{event.corrects}@{position}"] = (after.event, target.position, position, True)
                replaced.setdefault(event.corrects, timeline.row(target.event, target.position))
                if after is None:
                    timeline_rows[event.corrects] = None
                else:
                    plan.add_facts(after.event, fact_position=target.position, created_pos=position,
                                   correction_id=event_id,
                                   cited=evidence.of_correction(tx, event.corrects, target.position, event))
                    registry.insert(tx, registered)  # a correction may target an id this chunk registered
                    registered = []
                    registry.update(tx, after.event)
                    timeline_rows[event.corrects] = timeline.row(after.event, target.position)
            else:
                registered.extend(registry.rows(event, position))
                plan.add_facts(event, fact_position=position, created_pos=position)
                timeline_rows[event_id] = timeline.row(event, position)
                searched[f"{event_id}@{position}"] = (event, position, position, False)
                if event.rulings():
                    self._rule(event, position, None, evidence.of_event(event))
            self.next_position += 1
        registry.insert(tx, registered)
        timeline.put_rows(tx, timeline_rows.values(), replaced.values())
        versions.put(tx, corrected)
        self._search(searched, ended)

    def _search(self, searched: dict[str, tuple[Event, int, int, bool]], ended: list[tuple[int, str, int]]) -> None:
        """Write the chunk's search rows: a version ended by a later correction of this chunk is written ended."""
        named = search_rows.names(self.tx, (item[0] for item in searched.values()))
        rows = {created: list(search_rows.row(event, position, created, named, corrected=corrected))
                for event, position, created, corrected in searched.values()}
        by_event: dict[int, int] = {}  # the event's position -> created_pos of its version pending in this chunk
        pending_ends: dict[int, int] = {}  # created_pos -> superseded_pos
        # Walk the chunk's positions in order, so a correction ends the version current just before it.
        events_at = sorted([(created, row[2], "row") for created, row in rows.items()]
                           + [(position, target_position, "end") for position, _, target_position in ended])
        for position, event_position, what in events_at:
            if what == "end":
                current = by_event.pop(event_position, None)
                if current is None:
                    search_table.supersede(self.tx, event_position, position)
                else:
                    pending_ends[current] = position
            else:
                by_event[event_position] = position
        for created, end in pending_ends.items():
            rows[created][1] = end
        search_table.insert(self.tx, [rows[created] for created in sorted(rows)])

    def _rule(self, event: Event, position: int, correction_id: str | None, cited: str) -> None:
        """Record an event's rulings on competing reports (its version after ``correction_id``, if corrected)."""
        disputes.write_rulings(self.tx, disputes.ruling_rows(event, position, correction_id, cited))
        self._touch_ruled(event, correction_id or event.checked_id)

    def _touch_ruled(self, event: Event, cause: str) -> None:
        """Mark the keys an event's rulings are about, from the earliest day of the reports they name: whether those
        keys are disputed may change from there on."""
        for _kind, actor, topic, first, second in event.rulings():
            days = []
            for ident in (first, second):
                found = versions.current_version(self.tx, ident)
                if found is not None:
                    days.append(dates.parse(found.event.occurred).earliest.isoformat())
            day = min(days, default=self.today)
            self.plan.touch(STANCES, (actor, topic), day, cause)
            known = self.plan.ruled.get((actor, topic))
            self.plan.ruled[(actor, topic)] = day if known is None else min(known, day)

    def finish(self) -> int:
        """Write every fact row and change record of the append; returns how many change records were written."""
        tx, plan, today = self.tx, self.plan, self.today
        before = self.first_position - 1
        for table in _FACTS:
            table.end(tx, plan.superseded[table])
        stance_starts = dict(plan.touched[STANCES])
        for key, day in _dependents(tx, plan.touched[CONDITIONS]).items():
            if key not in stance_starts or day < stance_starts[key]:
                stance_starts[key] = day
        old_conditions, new_conditions = _project_keys(tx, CONDITIONS, plan, dict(plan.touched[CONDITIONS]), before)
        _project_keys(tx, MEMBERSHIPS, plan, dict(plan.touched[MEMBERSHIPS]), before)
        touched_conditions = {key[0] for key in plan.touched[CONDITIONS]}
        condition_windows = {key[0]: differing(old_conditions[key], new_conditions[key]) for key in old_conditions}
        condition_cause = {key[0]: cause for key, cause in plan.causes[CONDITIONS].items()}
        keys = sorted(stance_starts)
        written = 0
        built_after = _indexes_dropped_for_bulk(tx, plan)
        condition_rows = _ConditionRows(tx, before, min(stance_starts.values(), default=today), today,
                                        touched_conditions)
        for offset in range(0, len(keys), KEY_GROUP):
            group = {key: stance_starts[key] for key in keys[offset : offset + KEY_GROUP]}
            old_stances, new_stances = _project_keys(tx, STANCES, plan, group, before)
            _record_dependents(tx, old_stances, new_stances)
            contest = _Contest(tx, before, old_stances, new_stances, plan.ruled)
            records = []
            comparing = [key for key in keys[offset : offset + KEY_GROUP] if group[key] <= today and (
                key in plan.touched[STANCES] or _names_any(new_stances[key], touched_conditions))]
            condition_rows.load_named_by([*(old_stances[key] for key in comparing),
                                          *(new_stances[key] for key in comparing),
                                          *contest.rival_rows(comparing)])
            for key in comparing:
                old = _snapshot(old_stances[key], condition_rows.old, *contest.old(key))
                new = _snapshot(new_stances[key], condition_rows.new, *contest.new(key))
                fallback = plan.causes[STANCES].get(key) or _condition_cause(new, condition_cause)
                for record in changes.compare(key, group[key], today, old, new, before, fallback, condition_windows,
                                              contest.windows.get(key, ())):
                    # recorded: None, the log's at the position (events/tables/schema.py, CHANGES)
                    records.append((*record, self.next_position - 1, None, None))
            changes.insert(tx, records)
            written += len(records)
        for index in built_after:
            tx.execute(index.ddl(schema.STANCES.name))
        return written


class _ConditionRows:
    """The rows of conditions named by compared stance keys, read once per append on first need.

    From the append's earliest compared day to ``today``, as the log stood before the
    append (``old``) and after it (``new``). A condition the append does not touch has the
    same rows in both, read once.
    """

    def __init__(self, tx: Tx, before: int, start: str, today: str, touched: set[str]) -> None:
        self.tx, self.before, self.start, self.today, self.touched = tx, before, start, today, touched
        self.old: dict[str, Series] = {}
        self.new: dict[str, Series] = {}

    def load_named_by(self, row_lists: list[list[dict[str, Any]]]) -> None:
        """Make sure the conditions these stance rows name are loaded."""
        for rows in row_lists:
            for row in rows:
                for name in condition_names(row):
                    if name not in self.new:
                        self._load(name)

    def _load(self, name: str) -> None:
        self.new[name] = Series(CONDITIONS.rows(self.tx, (name,), start=self.start, end=self.today, pos=None))
        self.old[name] = self.new[name] if name not in self.touched else Series(
            CONDITIONS.rows(self.tx, (name,), start=self.start, end=self.today, pos=self.before))


def _indexes_dropped_for_bulk(tx: Tx, plan: _Plan) -> list[schema.Index]:
    """When the append is a bulk one (:data:`BULK_FACTS` into an empty stance table) on a backend where that
    keeps readers reading (SQLite; on PostgreSQL they would wait for the whole append), drop the stance indexes
    built after it and return them; else drop nothing. Nothing reads them before :meth:`AppendProjection.finish`
    builds them again: with no stored rows there is none to end by event, and the announcements' catch-up ran
    when the append began. The drop is part of the append's transaction, so a failed append keeps them."""
    if tx.ddl_blocks_readers or sum(len(facts) for facts in plan.new[STANCES].values()) < BULK_FACTS:
        return []
    if tx.fetchone(f"SELECT 1 FROM {schema.STANCES.name} LIMIT 1") is not None:
        return []
    dropped = [index for index in schema.STANCES.named if index.built_after_bulk]
    for index in dropped:
        tx.execute(f"DROP INDEX IF EXISTS {index.name}")
    return dropped


def _snapshot(rows: list[dict[str, Any]], conditions: dict[str, Series],
              rivals: dict[int, list[dict[str, Any]]] | None = None, rulings: list[disputes.Ruling] | None = None
              ) -> Snapshot:
    names: set[str] = set()
    for row in [*rows, *(rival for found in (rivals or {}).values() for rival in found)]:
        names.update(condition_names(row))
    return Snapshot(Series(rows), {name: conditions[name] for name in names}, rivals, rulings)


class _Contest:
    """The competing reports of a group of stance keys around one append: the pairs its new rows make (written
    here), and each key's rivals and rulings as the log stood before the append and after it.

    Keys with no competing rows before or after cost one check of their rows' flags, and an append into
    keys with no stored rows (an import into an empty log) reads nothing back.
    """

    def __init__(self, tx: Tx, before: int, old: Rows, new: Rows, ruled: dict[Key, str]) -> None:
        self.tx, self.before = tx, before
        #: Per key: windows of days (from, open) whose dispute state may differ between before and after.
        self.windows: dict[Key, list[tuple[str, str | None]]] = {key: [(day, None)] for key, day in ruled.items()
                                                                 if key in new}
        self._old: dict[Key, dict[int, list[dict[str, Any]]]] = {}
        self._new: dict[Key, dict[int, list[dict[str, Any]]]] = {}
        for key, rows in new.items():
            self._pair(key, old[key], rows)
        for key in new:
            self._old[key] = changes.load_rivals(tx, old[key], before, known={row["row_id"]: row for row in old[key]})
            self._new[key] = changes.load_rivals(tx, new[key], None, known={row["row_id"]: row for row in new[key]})
            self._rivals_changed(key, new[key])
        disputed = [key for key in new if self._old[key] or self._new[key] or key in ruled]
        self._rulings_old = disputes.rulings_for(tx, disputed, before)
        self._rulings_new = disputes.rulings_for(tx, disputed, None)

    def _pair(self, key: Key, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
        """Find and write the pairs the append's new rows of ``key`` make with its current rows."""
        stored = {id(row) for row in old}
        fresh = [row for row in new if id(row) not in stored]
        if not fresh:
            return
        rows = list(new)
        if old:  # current rows beyond the loaded window (or same-day losers left out) may reach the new ones
            span = (min(row["valid_from"] for row in fresh), max(row["latest"] for row in fresh))
            loaded = {row["row_id"] for row in new}
            rows.extend(row for row in disputes.reaching_into(self.tx, {key: span})[key]
                        if row["row_id"] not in loaded)
            rows.sort(key=effect_order)
        pairs = disputes.new_pairs(rows, {row["row_id"] for row in fresh})
        if pairs:
            disputes.write_pairs(self.tx, pairs)
            start = min(later["valid_from"] for _, later in pairs)
            self.windows.setdefault(key, []).append((start, None))

    def _rivals_changed(self, key: Key, rows: list[dict[str, Any]]) -> None:
        """Open a window from each row whose competitors differ before and after the append (a rival row was
        ended by a correction, say): the key's answer may change while that row is in effect."""
        old, new = self._old[key], self._new[key]
        for row in rows:
            ids = row["row_id"]
            if [rival["row_id"] for rival in old.get(ids, ())] != [rival["row_id"] for rival in new.get(ids, ())]:
                self.windows.setdefault(key, []).append((row["valid_from"], None))
                return

    def old(self, key: Key) -> tuple[dict[int, list[dict[str, Any]]], list[disputes.Ruling]]:
        """The key's rivals and rulings as the log stood before the append."""
        return self._old.get(key, {}), self._rulings_old.get(key, [])

    def new(self, key: Key) -> tuple[dict[int, list[dict[str, Any]]], list[disputes.Ruling]]:
        """The key's rivals and rulings after it."""
        return self._new.get(key, {}), self._rulings_new.get(key, [])

    def rival_rows(self, keys: list[Key]) -> list[list[dict[str, Any]]]:
        """The rival rows of some keys, before and after, for loading the conditions they name."""
        return [rows for key in keys for found in (self._old.get(key, {}), self._new.get(key, {}))
                for rows in found.values()]


def _names_any(rows: list[dict[str, Any]], names: set[str]) -> bool:
    return any(not names.isdisjoint(condition_names(row)) for row in rows)


def _condition_cause(snapshot: Snapshot, condition_cause: dict[str, str]) -> str | None:
    for name in snapshot.conditions:
        if name in condition_cause:
            return condition_cause[name]
    return None

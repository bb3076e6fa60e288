"""Questions asked of the projections: stance at a date, the matrix, conditions, members, diff, history.

Every query takes ``known_at``: an instant of recorded time, or a log position (``AsOf``: how a
citable answer is read again, exactly). The answer is then the one
the log would have given at that instant (later appends, backdated facts and
corrections are ignored). Dates are valid time: ``at`` is a day.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable
from typing import Any

import msgspec

from events.model import dates, search_syntax
from events.model.catalog import Event, Quantity, decode_stored
from events.model.clock import format_instant
from events.model.errors import NotFound
from events.model.views import (
    ActorView,
    Change,
    ConditionState,
    ConditionView,
    Dependent,
    Evidence,
    Interval,
    Member,
    PeriodCount,
    StanceCell,
    StanceVersion,
    StanceView,
    StateView,
    TimelineEntry,
    TimelinePage,
    Transition,
)
from events.model.vocabulary import commitment_status
from events.projections import disputes, evidence
from events.projections import search as search_rows
from events.projections import timeline as timeline_projection
from events.projections.changes import Snapshot, load_rivals
from events.projections.facts import CONDITIONS, MEMBERSHIPS, STANCES, certain, visible
from events.tables import log, registry
from events.tables import search as search_table
from events.tables.tx import Tx

_list = msgspec.json.Decoder(list[str])
_quantity = msgspec.json.Decoder(Quantity)


#: What a question is asked as of: an instant of recorded time, a log position, or None (the whole log).
AsOf = dt.datetime | int | None


def known_position(tx: Tx, known_at: AsOf) -> int | None:
    """The log position that ``known_at`` stands for (None: the whole log)."""
    if isinstance(known_at, int):
        return known_at
    return log.position_known_at(tx, known_at)


def _citing(texts: Iterable[str]) -> dict[str, tuple[Evidence, ...]]:
    """Each distinct ``evidence`` of fact rows, decoded once (the rows of one event share it, and their answers
    share the decoded tuple)."""
    return {text: evidence.decode(text) for text in set(texts)}


#: The stance columns an answer shows, in the order ``stances`` unpacks them.
_STANCE_COLUMNS = ("actor", "topic", "stance", "conditions", "quantity", "period", "valid_from", "date_text", "exact",
                   "latest", "evidence", "row_id", "rivalled")


def stances(
    tx: Tx,
    at: dt.date,
    *,
    actor: str | None = None,
    topic: str | None = None,
    known_at: AsOf = None,
    disputed: bool | None = None,
) -> list[StanceView]:
    """The stances in effect on ``at`` (one actor's, one topic's, or all: the matrix), with evidence; where reports
    compete, the answer its dispute gives (``disputed``: only disputed keys, or only undisputed ones)."""
    pos = known_position(tx, known_at)
    day = at.isoformat()
    filters: dict[str, str | Iterable[str]] = {k: v for k, v in (("actor", actor), ("topic", topic)) if v is not None}
    rows = STANCES.effective(tx, day, pos, _STANCE_COLUMNS, filters)
    if not rows:
        return []
    resolutions = _resolutions(tx, [row[11] for row in rows if row[12]], pos)
    if disputed is not None:
        rows = [row for row in rows if (row[11] in resolutions and resolutions[row[11]].disputed) == disputed]
    others = [other for found in resolutions.values() for other in (found.row, *found.alternatives)]
    # Few distinct condition lists, evidence and quantities recur across rows: each is decoded once.
    states = _condition_states(tx, day, pos, {row[3] for row in rows} | {other["conditions"] for other in others})
    cited = _citing([*(row[10] for row in rows), *(other["evidence"] for other in others),
                     *(ruling.evidence for found in resolutions.values() for ruling in found.settlements)])
    quantities = {text: _quantity.decode(text) for text in {row[4] for row in rows} if text}
    status_of = {(stance, text): commitment_status(stance, [state.status for state in states[text]])
                 for stance, text in {(row[2], row[3]) for row in rows}}
    precision = {text: dates.precision(text) for text in {row[7] for row in rows}}
    out = []
    for actor_, topic_, stance, conditions, quantity, period, since, since_text, exact, latest, cites, row_id, _ \
            in rows:
        found = resolutions.get(row_id)
        if found is None:
            out.append(StanceView(actor_, topic_, stance, status_of[stance, conditions], states[conditions], since,
                                  since_text, precision[since_text], bool(exact) or day > latest,
                                  quantities.get(quantity) if quantity else None, period, cited[cites]))
            continue
        main = _version(found.row, day, states, cited)
        settled = tuple(evidence for ruling in found.settlements for evidence in cited[ruling.evidence])
        out.append(StanceView(actor_, topic_, main.stance, main.status, main.conditions, main.since, main.since_text,
                              main.precision, main.certain, main.quantity, main.period, main.evidence + settled,
                              found.disputed,
                              tuple(_version(other, day, states, cited) for other in found.alternatives)))
    return out


#: The stance columns a matrix cell shows, in the order ``cells`` unpacks them: no evidence, quantity or period.
_CELL_COLUMNS = ("actor", "topic", "stance", "conditions", "valid_from", "date_text", "row_id", "rivalled")


def cells(
    tx: Tx,
    at: dt.date,
    *,
    actors: Iterable[str] | None = None,
    topic: str | None = None,
    known_at: AsOf = None,
) -> list[StanceCell]:
    """The matrix on ``at`` as a table draws it (the rows of ``actors`` only, when given): each key's stance,
    commitment status, conditions, since when, and whether reports compete, without the evidence that ``stances``
    decodes (most of its time and of its answer's size); where reports compete, the answer its dispute gives."""
    pos = known_position(tx, known_at)
    day = at.isoformat()
    filters: dict[str, str | Iterable[str]] = {}
    if actors is not None:
        filters["actor"] = actors
    if topic is not None:
        filters["topic"] = topic
    rows = STANCES.effective(tx, day, pos, _CELL_COLUMNS, filters)
    if not rows:
        return []
    resolutions = _resolutions(tx, [row[6] for row in rows if row[7]], pos)
    shown = [found.row for found in resolutions.values()]
    states = _condition_states(tx, day, pos, {row[3] for row in rows} | {row["conditions"] for row in shown})
    pairs = {(row[2], row[3]) for row in rows} | {(row["stance"], row["conditions"]) for row in shown}
    status_of = {(stance, text): commitment_status(stance, [state.status for state in states[text]])
                 for stance, text in pairs}
    out = []
    for actor_, topic_, stance, conditions, since, since_text, row_id, _ in rows:
        found = resolutions.get(row_id)
        if found is None:
            out.append(StanceCell(actor_, topic_, stance, status_of[stance, conditions], states[conditions], since,
                                  since_text))
            continue
        main = found.row
        out.append(StanceCell(actor_, topic_, main["stance"], status_of[main["stance"], main["conditions"]],
                              states[main["conditions"]], main["valid_from"], main["date_text"], found.disputed,
                              tuple(other["stance"] for other in found.alternatives)))
    return out


def _condition_states(tx: Tx, day: str, pos: int | None, texts: Iterable[str]) -> dict[str, tuple[ConditionState, ...]]:
    """Each distinct stored condition list, decoded once, with each condition's status on ``day``."""
    lists = {text: _list.decode(text) for text in set(texts)}
    statuses = CONDITIONS.value_on(tx, day, pos, "status", {name for names in lists.values() for name in names})
    return {text: tuple(ConditionState(name, statuses.get(name, "pending")) for name in names)
            for text, names in lists.items()}


def _resolutions(tx: Tx, row_ids: list[int], pos: int | None) -> dict[int, disputes.Resolution]:
    """The answers of keys whose row in effect has competitors (by that row's id), as the log stood at ``pos``."""
    if not row_ids:
        return {}
    rows = list(disputes.rows_by_id(tx, row_ids, pos).values())
    rivals = load_rivals(tx, rows, pos)
    rulings = disputes.rulings_for(tx, {(row["actor"], row["topic"]) for row in rows}, pos)
    return {row["row_id"]: disputes.resolve(row, rivals.get(row["row_id"], []),
                                            rulings.get((row["actor"], row["topic"]), [])) for row in rows}


def _version(row: dict[str, Any], day: str, states: dict[str, tuple[ConditionState, ...]],
             cited: dict[str, tuple[Evidence, ...]]) -> StanceVersion:
    """One version of a stance, from its row, as an answer on ``day`` shows it."""
    conditions = states[row["conditions"]]
    return StanceVersion(
        stance=row["stance"], status=commitment_status(row["stance"], [state.status for state in conditions]),
        conditions=conditions, since=row["valid_from"], since_text=row["date_text"],
        precision=dates.precision(row["date_text"]), certain=bool(row["exact"]) or day > row["latest"],
        quantity=_quantity.decode(row["quantity"]) if row["quantity"] else None, period=row["period"],
        evidence=cited[row["evidence"]],
    )


def actors(tx: Tx, known_at: AsOf = None) -> list[ActorView]:
    """Every registered actor."""
    pos = known_position(tx, known_at)
    return [
        ActorView(id=e["id"], name=e["name"], kind=e["kind"], aliases=list(e.get("aliases", [])))
        for e in registry.entries(tx, "actor", pos)
    ]


def actor(tx: Tx, actor_id: str, at: dt.date, known_at: AsOf = None, *,
          with_members: bool = True) -> ActorView:
    """One actor; for coalitions and organisations, with its members on ``at`` (unless ``with_members`` is False:
    a caller that only needs to know the actor exists)."""
    pos = known_position(tx, known_at)
    entry = registry.entry(tx, "actor", actor_id, pos)
    if entry is None:
        raise NotFound(_unknown_actor(tx, actor_id, known_at))
    members = None
    if entry["kind"] != "state" and with_members:
        members = members_of(tx, actor_id, at, pos)
    return ActorView(entry["id"], entry["name"], entry["kind"], list(entry.get("aliases", [])), members)


def _unknown_actor(tx: Tx, actor_id: str, known_at: AsOf) -> str:
    """Why an actor is not found: it is not in the log at all, or the log had not recorded it yet at ``known_at``
    (then the message gives the instant it was recorded, from which on ``known_at`` finds it)."""
    later = registry.entry(tx, "actor", actor_id) if known_at is not None else None
    if later is None or known_at is None:
        return f"no actor '{actor_id}'"
    if isinstance(known_at, int):
        return (f"actor '{actor_id}' was not yet known at log position {known_at}: the log recorded it at position"
                f" {later['position']}; ask with a later as_of_position")
    return (f"actor '{actor_id}' was not yet known at {format_instant(known_at)}: the log recorded it at"
            f" {log.recorded_at(tx, later['position'])}; ask with a later known_at")


def members_of(tx: Tx, group: str, at: dt.date, pos: int | None) -> list[Member]:
    """The members of a group on ``at`` as the log stood at position ``pos``."""
    day = at.isoformat()
    rows = MEMBERSHIPS.in_effect(tx, day, pos, {"group_id": group})
    return [Member(row["member"], row["valid_from"], row["date_text"], dates.precision(row["date_text"]),
                   certain(row, day)) for row in rows if row["state"] == "joined"]


def conditions(
    tx: Tx, at: dt.date, *, status: str | None = None, known_at: AsOf = None
) -> list[ConditionView]:
    """Conditions declared by ``at`` with their status on that day and the commitments that wait on them."""
    pos = known_position(tx, known_at)
    day = at.isoformat()
    rows = CONDITIONS.in_effect(tx, day, pos)
    dependents: dict[str, list[Dependent]] = {}
    for actor_, topic_, stance, names in STANCES.effective(tx, day, pos, ("actor", "topic", "stance", "conditions")):
        for name in _list.decode(names):
            dependents.setdefault(name, []).append(Dependent(actor_, topic_, stance))
    entries = {e["id"]: e for e in registry.entries(tx, "condition", pos)}
    cited = _citing(row["evidence"] for row in rows)
    out = []
    for row in rows:
        if status is not None and row["status"] != status:
            continue
        entry = entries.get(row["condition"], {})
        deadline = entry.get("deadline")
        overdue_since = _overdue_since(deadline, row["status"], at)
        out.append(
            ConditionView(
                id=row["condition"],
                description=entry.get("description", ""),
                kind=entry.get("kind", "other"),
                status=row["status"],
                since=row["valid_from"],
                since_text=row["date_text"],
                precision=dates.precision(row["date_text"]),
                deadline=deadline,
                dependents=dependents.get(row["condition"], []),
                evidence=cited[row["evidence"]],
                overdue=overdue_since is not None,
                overdue_since=overdue_since,
            )
        )
    return out


def _overdue_since(deadline: str | None, status: str, at: dt.date) -> str | None:
    """The first day a still-pending condition was overdue, if its deadline has passed by ``at``: the day after the
    deadline's last day (the day the feed's ``overdue`` record is dated)."""
    if deadline is None or status != "pending":
        return None
    due = dates.day_after(deadline)
    return due.isoformat() if due <= at else None


def _state(state: tuple[str | None, str | None, bool]) -> StateView:
    return StateView(state[0], state[1], state[2])


def diff(tx: Tx, start: dt.date, end: dt.date, *, known_at: AsOf = None,
         actor: str | None = None, topic: str | None = None) -> list[Transition]:
    """Stance and commitment-status changes taking effect after ``start`` up to and including ``end``."""
    pos = known_position(tx, known_at)
    first, last = start.isoformat(), end.isoformat()
    vis, vis_params = visible(pos)
    keys = set(tx.fetchall(
        f"SELECT DISTINCT actor, topic FROM stance_intervals WHERE {vis} AND valid_from > ? AND valid_from <= ?",
        (*vis_params, first, last),
    ))
    vis_c, _ = visible(pos, "c")
    keys.update(tx.fetchall(
        "SELECT DISTINCT d.actor, d.topic FROM condition_dependents d JOIN condition_intervals c"
        f" ON c.condition = d.condition WHERE {vis_c} AND c.valid_from > ? AND c.valid_from <= ?",
        (*vis_params, first, last),
    ))
    out = []
    for key in sorted(keys):
        if (actor and key[0] != actor) or (topic and key[1] != topic):
            continue
        snap = Snapshot.load(tx, key, first, last, pos)
        previous, _ = snap.state(first)
        for day in sorted(snap.days(first, last)):
            state, row = snap.state(day)
            if state != previous:
                cause = snap.cause_on(day, -1)
                out.append(Transition(key[0], key[1], day, _state(previous), _state(state), cause))
            previous = state
    out.sort(key=lambda t: (t.effective, t.actor, t.topic))
    return out


def history(tx: Tx, actor_id: str, topic: str, *, known_at: AsOf = None) -> list[Interval]:
    """Every validity interval of one actor's stance on one topic (same-day superseded facts left out); an interval
    whose reports compete shows the answer its dispute gives, with the other versions."""
    pos = known_position(tx, known_at)
    rows = STANCES.history(tx, (actor_id, topic), pos)
    rivals = load_rivals(tx, rows, pos, known={row["row_id"]: row for row in rows})
    rulings = disputes.rulings_for(tx, [(actor_id, topic)], pos).get((actor_id, topic), []) if rivals else []
    cited = _citing([*(row["evidence"] for row in rows), *(ruling.evidence for ruling in rulings)])
    out = []
    for i, row in enumerate(rows):
        valid_to = rows[i + 1]["valid_from"] if i + 1 < len(rows) else None
        if valid_to == row["valid_from"]:
            continue
        found = disputes.resolve(row, rivals.get(row["row_id"], []), rulings)
        shown = found.row
        alternatives: tuple[StanceVersion, ...] = ()
        if found.disputed:
            day = row["valid_from"]
            names = {name for other in found.alternatives for name in _list.decode(other["conditions"])}
            statuses = CONDITIONS.value_on(tx, day, pos, "status", names)
            states = {other["conditions"]: tuple(ConditionState(name, statuses.get(name, "pending"))
                                                 for name in _list.decode(other["conditions"]))
                      for other in found.alternatives}
            alternatives = tuple(_version(other, day, states, cited) for other in found.alternatives)
        out.append(
            Interval(
                valid_from=row["valid_from"],
                valid_to=valid_to,
                date_text=row["date_text"],
                precision=dates.precision(row["date_text"]),
                stance=shown["stance"],
                conditions=_list.decode(shown["conditions"]),
                quantity=_quantity.decode(shown["quantity"]) if shown["quantity"] else None,
                period=shown["period"],
                evidence=cited[shown["evidence"]] + tuple(
                    evidence for ruling in found.settlements for evidence in cited[ruling.evidence]),
                disputed=found.disputed,
                alternatives=alternatives,
            )
        )
    return out


def stance_keys(
    tx: Tx, *, actor: str | None = None, topic: str | None = None, known_at: AsOf = None
) -> list[tuple[str, str]]:
    """Every (actor, topic) pair that has held a stance, as the log stood at ``known_at``, in order."""
    pos = known_position(tx, known_at)
    vis, positions = visible(pos)
    params: list[Any] = [*positions]
    sql = f"SELECT DISTINCT actor, topic FROM stance_intervals WHERE {vis}"
    for column, value in (("actor", actor), ("topic", topic)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    return [(row[0], row[1]) for row in tx.fetchall(sql + " ORDER BY actor, topic", params)]


def current_stance_count(tx: Tx) -> int:
    """How many (actor, topic) pairs hold a stance now: one entry each in the stance table's index of current
    rows."""
    row = tx.fetchone("SELECT count(*) FROM stance_intervals WHERE superseded_pos IS NULL AND valid_to IS NULL")
    return row[0] if row else 0


_CHANGE_COLUMNS = (
    "c.seq, c.kind, c.actor, c.topic, c.effective, c.before_stance, c.before_status, c.after_stance, c.after_status,"
    " c.event_id, c.position, coalesce(c.recorded, e.recorded), c.detail, c.before_disputed, c.after_disputed"
)


def changes(
    tx: Tx,
    *,
    after: int = 0,
    limit: int = 100,
    actor: str | None = None,
    topic: str | None = None,
    kind: str | None = None,
) -> tuple[list[Change], int]:
    """Change records after sequence number ``after``; returns them and the sequence to resume after.

    The resume point advances past filtered-out records too, so a filtered reader never
    re-reads what it skipped.
    """
    page = tx.fetchall(f"SELECT {_CHANGE_COLUMNS} FROM changes c LEFT JOIN events e ON e.position = c.position"
                       " WHERE c.seq > ? ORDER BY c.seq LIMIT ?", (after, limit))
    if not page:
        return [], after
    resume = page[-1][0]
    rows = [r for r in page if (actor is None or r[2] == actor) and (topic is None or r[3] == topic)
            and (kind is None or r[1] == kind)]
    cited = log.cited(tx, [r[9] for r in rows if r[9]])
    out = []
    for r in rows:
        sources, summary = cited.get(r[9], ((), None))  # of the change's event
        out.append(
            Change(
                seq=r[0], kind=r[1], actor=r[2], topic=r[3], effective=r[4],
                before=StateView(r[5], r[6], bool(r[13])), after=StateView(r[7], r[8], bool(r[14])), event_id=r[9],
                position=r[10],
                recorded=r[11], summary=summary, sources=sources,
                detail=msgspec.json.decode(r[12]) if r[12] else None,
            )
        )
    return out, resume


def last_change(tx: Tx) -> int:
    """The newest change record's sequence number (0 when there is none)."""
    row = tx.fetchone("SELECT max(seq) FROM changes")
    return (row[0] or 0) if row else 0


#: A timeline page's cursor: the last entry's earliest day, its second of the day and its log position.
CURSOR_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\.[0-9]{1,5}\.[0-9]{1,18}$"
#: The periods timeline counts group by, and how many leading characters of an ISO day name each.
PERIODS = {"year": 4, "month": 7, "day": 10}
_ORDER = ("earliest", "second", "position")
_ENTRY_COLUMNS = ("SELECT e.id, t.position, t.earliest, t.latest, t.actors, t.topics, e.schema_version,"
                  " coalesce(v.body, e.body), t.second, a.recorded_by FROM timeline t JOIN events e ON e.position ="
                  " t.position LEFT JOIN event_versions v ON v.event_id = e.id"
                  " LEFT JOIN attributions a ON a.position = t.position")


def timeline_cursor(entry: TimelineEntry, second: int) -> str:
    """The cursor that resumes a timeline page after ``entry`` (``second``: its second of the day)."""
    return f"{entry.earliest}.{second}.{entry.position}"


def _parse_cursor(cursor: str) -> tuple[str, int, int]:
    day, second, position = cursor.split(".")
    return day, int(second), int(position)


def _selections(
    dialect: str, start: dt.date | None, end: dt.date | None, actor: str | None, topic: str | None, after: str | None
) -> list[tuple[str, list[Any]]]:
    """The WHERE clauses (with their parameters) of the timeline rows overlapping [start, end], named by ``actor``
    and ``topic``, after the cursor: one per index range. With a window, narrow rows start at most WIDE_DAYS before
    it, so they are one range of the date index; the wide rows are read from their own index."""
    common = ""
    params: list[Any] = []
    for kind, name in (("actor", actor), ("topic", topic)):
        if name is not None:
            common += f" AND {search_table.names_sql(dialect, f't.{kind}s')}"
            params.append(search_table.quoted(name))
    if after is not None:
        day, second, position = _parse_cursor(after)
        # The first comparison bounds the index range; the rest resumes within the cursor's day.
        common += (" AND t.earliest >= ? AND (t.earliest > ? OR t.second > ? OR (t.second = ? AND t.position > ?))")
        params += [day, day, second, second, position]
    if end is not None:
        common += " AND t.earliest <= ?"
        params.append(end.isoformat())
    if start is None:
        return [(common, params)]
    first = start.isoformat()
    reach = (start - dt.timedelta(days=timeline_projection.WIDE_DAYS)).isoformat()
    return [
        (" AND t.wide = 0 AND t.earliest >= ? AND t.latest >= ?" + common, [reach, first, *params]),
        (" AND t.wide = 1 AND t.latest >= ?" + common, [first, *params]),
    ]


def timeline_page(
    tx: Tx,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    actor: str | None = None,
    topic: str | None = None,
    after: str | None = None,
    limit: int | None = None,
    known_at: AsOf = None,
) -> TimelinePage:
    """Timeline events in date order (earliest day, a date-time's time of day, log position), overlapping
    [start, end], naming ``actor`` and ``topic``, after the cursor ``after``: at most ``limit`` of them, with the
    cursor of the next page when more follow (None when this page ends the selection); as the log stood at
    ``known_at`` when given."""
    if known_at is not None:
        return _timeline_page_at(tx, known_position(tx, known_at), start, end, actor, topic, after, limit)
    cut = "" if limit is None else f" LIMIT {int(limit) + 1}"
    order = " ORDER BY " + ", ".join(f"t.{c}" for c in _ORDER)
    rows: list[Any] = []
    for where, params in _selections(tx.dialect, start, end, actor, topic, after):
        rows = list(heapq.merge(rows, tx.fetchall(_ENTRY_COLUMNS + " WHERE 1 = 1" + where + order + cut, params),
                                key=lambda r: (r[2], r[8], r[1])))
    more = limit is not None and len(rows) > limit
    rows = rows[:limit] if limit is not None else rows
    out = []
    for event_id, position, earliest, latest, actors_json, topics_json, version, body, _second, recorded_by in rows:
        event = decode_stored(body, version)
        out.append(_entry(event_id, position, earliest, latest, event, _list.decode(actors_json),
                          _list.decode(topics_json), recorded_by))
    return TimelinePage(out, timeline_cursor(out[-1], rows[-1][8]) if more else None)


def _entry(event_id: str, position: int, earliest: str, latest: str, event: Event, actors: list[str],
           topics: list[str], recorded_by: str | None) -> TimelineEntry:
    """A timeline entry of the version ``event`` of the event at ``position``: its type, date text and headline
    come from the version itself."""
    date = dates.parse(event.occurred)
    return TimelineEntry(
        id=event_id, type=event.type, position=position, date=date.text, earliest=earliest, latest=latest,
        precision=date.precision, qualifier=date.qualifier, headline=event.headline(), summary=event.summary,
        actors=actors, topics=topics, sources=event.sources, tags=event.tags, recorded_by=recorded_by,
    )


def timeline(
    tx: Tx,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    actor: str | None = None,
    topic: str | None = None,
    known_at: AsOf = None,
) -> list[TimelineEntry]:
    """Every timeline event overlapping [start, end] (naming ``actor`` and ``topic``), in date order; as the log
    stood at ``known_at`` when given."""
    return timeline_page(tx, start=start, end=end, actor=actor, topic=topic, known_at=known_at).entries


def timeline_counts(
    tx: Tx,
    period: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    actor: str | None = None,
    topic: str | None = None,
) -> list[PeriodCount]:
    """How many timeline events overlapping [start, end] (naming ``actor`` and ``topic``) fall in each ``period``
    (year, month or day), in period order; an event counts in the period of the first day it is known to reach
    (its earliest day, or its latest for an open or unknown start), where the vis-timeline format draws it."""
    width = PERIODS[period]
    counts: dict[str, int] = {}
    if (start, end, actor, topic) == (None, None, None, None):
        for day, count in tx.fetchall("SELECT day, events FROM timeline_days ORDER BY day"):
            counts[day[:width]] = counts.get(day[:width], 0) + count
        return [PeriodCount(name, count) for name, count in counts.items()]
    for where, params in _selections(tx.dialect, start, end, actor, topic, None):
        sql = (f"SELECT substr(CASE WHEN t.earliest = ? THEN t.latest ELSE t.earliest END, 1, {width}) AS period,"
               f" count(*) FROM timeline t WHERE 1 = 1{where} GROUP BY period")
        for name, count in tx.fetchall(sql, [dates.OPEN_START.isoformat(), *params]):
            counts[name] = counts.get(name, 0) + count
    return [PeriodCount(name, counts[name]) for name in sorted(counts)]


def _timeline_page_at(tx: Tx, pos: int | None, start: dt.date | None, end: dt.date | None, actor: str | None,
                      topic: str | None, after: str | None, limit: int | None) -> TimelinePage:
    """The timeline as it stood at ``pos``: the timeline table holds only each event's current version, the search
    table every version with the positions it was current between. Pages are cut here, after the read: a
    question about the past reads the whole selection once (the windowed indexes are the current timeline's)."""
    vis_sql, positions = visible(pos, "s")
    params: list[Any] = [*positions]
    sql = ("SELECT e.id, s.position, s.earliest, s.latest, s.actors, s.topics, s.second,"
           " coalesce(s.schema_version, e.schema_version), coalesce(s.body, e.body), a.recorded_by"
           " FROM search_entries s JOIN events e ON e.position = s.position"
           f" LEFT JOIN attributions a ON a.position = s.position WHERE {vis_sql}")
    if start is not None:
        sql += " AND s.latest >= ?"
        params.append(start.isoformat())
    if end is not None:
        sql += " AND s.earliest <= ?"
        params.append(end.isoformat())
    out: list[TimelineEntry] = []
    seconds: list[int] = []
    resume = _parse_cursor(after) if after is not None else None
    for row in tx.fetchall(sql + " ORDER BY s.earliest, s.second, s.position", params):
        event_id, position, earliest, latest, actors_json, topics_json, second, version, body, recorded_by = row
        actors_, topics_ = _list.decode(actors_json), _list.decode(topics_json)
        if (actor and actor not in actors_) or (topic and topic not in topics_):
            continue
        if resume is not None and (earliest, second, position) <= resume:
            continue
        event = decode_stored(body, version)
        if not event.on_timeline:
            continue
        if limit is not None and len(out) == limit:
            return TimelinePage(out, timeline_cursor(out[-1], seconds[-1]))
        out.append(_entry(event_id, position, earliest, latest, event, actors_, topics_, recorded_by))
        seconds.append(second)
    return TimelinePage(out, None)


class SearchHit(msgspec.Struct, frozen=True):
    """One event a search found, as the log held it at the position read (a correction's version if one
    applied), with a snippet of its words around the matches."""

    event: log.StoredEvent
    snippet: str


class SearchAnswer(msgspec.Struct, frozen=True):
    """A page of search hits, with the total and the facets of every match (not only the page's)."""

    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]]


def search(tx: Tx, text: str, *, pos: int | None, filters: search_table.Filters | None = None,
           limit: int = 20, offset: int = 0) -> SearchAnswer:
    """Events matching a query (``events/model/search_syntax.py``) as the log stood at ``pos`` (None: now),
    best first; raises InvalidQuery for a query the language cannot read."""
    query = search_syntax.parse(text)
    filters = filters or search_table.Filters()
    counts = search_table.facets(tx, query, filters, pos)
    ordered = {facet: dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))
               for facet, found in counts.items()}
    page = search_table.page(tx, query, filters, pos, limit, offset)
    logged = {s.position: s for s in log.attributed(tx, log.read_positions(tx, [m.position for m in page]))}
    named = search_rows.names(tx, [logged[m.position].event for m in page])
    hits = []
    for match in page:
        stored = logged[match.position]
        if match.body is not None:
            stored = msgspec.structs.replace(stored, event=decode_stored(match.body, match.schema_version))
        hits.append(SearchHit(stored, search_syntax.snippet(query, search_rows.text(stored.event, named))))
    return SearchAnswer(sum(counts["type"].values()), hits, ordered)

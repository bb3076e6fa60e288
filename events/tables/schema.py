"""The tables of the log and its projections, described once for every backend.

Dates are ISO ``YYYY-MM-DD`` text (text order is date order), with a date-time's second of the day in an
integer column beside them (``valid_second``, the timeline's ``second``); instants are fixed-width
RFC 3339 UTC text. Projection rows are bitemporal: ``created_pos`` / ``superseded_pos``
say which log positions a row was part of the projection for, which answers
``known_at`` queries without replaying the log.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Index:
    """A named index, over the rows matching ``where`` only when given (both backends take partial indexes).

    ``built_after_bulk``: a large append into the empty table drops it and builds it again once its rows
    are in (``events/projections/projector.py``), because those rows reach it in random order.
    """

    name: str
    columns: tuple[str, ...]
    where: str | None = None
    built_after_bulk: bool = False

    def ddl(self, table: str) -> str:
        """The portable CREATE statement."""
        where = f" WHERE {self.where}" if self.where else ""
        return f"CREATE INDEX IF NOT EXISTS {self.name} ON {table} ({', '.join(self.columns)}){where}"


def _fact_indexes(table: str, key: tuple[str, ...], carried: tuple[str, ...] = ()) -> tuple[Index, Index]:
    """The two indexes that make "the row in effect on a day" one seek per key.

    ``idx_<table>_effect`` holds each key's rows in effect order with the columns that decide
    visibility, so the seek for the last row starting by a day (visible at a position, or current)
    reads the index only; it also serves every lookup by key and day. ``idx_<table>_last`` holds
    only the current row each key ends with (``valid_to`` caches the next current row's
    ``valid_from``, so exactly that row has it NULL): one entry per key, where a matrix starts.
    ``carried`` columns ride along in ``_effect`` so that a seek reading only them skips the row.
    """
    return (
        Index(f"idx_{table}_effect",
              (*key, "valid_from", "valid_second", "fact_position", "row_id", "created_pos", "superseded_pos",
               *carried)),
        Index(f"idx_{table}_last", (*key, "valid_from"), "superseded_pos IS NULL AND valid_to IS NULL"),
    )


@dataclass(frozen=True)
class Table:
    """A table: columns (name -> python type), primary key, indexes, and whether it is derived."""

    name: str
    columns: dict[str, type]
    pk: tuple[str, ...] = ()
    not_null: tuple[str, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    named: tuple[Index, ...] = ()
    projection: bool = True  # derived from the log: emptied and refilled by rebuild
    #: The text each backend indexes for full-text search in its own way, given with each inserted row and not kept
    #: (SQLite: a contentless FTS5 table ``<name>_fts``; PostgreSQL: a ``<fulltext>_tsv`` tsvector column with a GIN
    #: index). ``events/tables/search.py`` writes both.
    fulltext: str | None = None


_FACT_COLUMNS = {
    "row_id": int,
    "valid_from": str,  # earliest day of the fact's date
    "valid_second": int,  # a date-time's second of that day (UTC), 0 for other dates: same-day ties go to the later
    "valid_to": str,  # next fact's valid_from (current rows only); NULL = open
    "latest": str,  # latest day of the fact's date (imprecision)
    "exact": int,  # 1 if the date is one day without qualifier
    "date_text": str,
    "event_id": str,  # the fact's event
    "correction_id": str,  # the correction that gave this version, if any
    "fact_position": int,  # position of the fact's event: ties at one day and second go to the later one
    "created_pos": int,
    "superseded_pos": int,
    "evidence": str,  # JSON: the evidence list an answer shows for the row (events/projections/evidence.py)
}

LOG = Table(
    "events",
    {
        "position": int,
        "id": str,
        "type": str,  # GET /events filters by it
        # The event's date is in its body only: logs written before PROJECTION_FORMAT 8 also have the columns
        # occurred, earliest and latest, which nothing reads (new rows leave them NULL).
        "recorded": str,
        "schema_version": int,
        "body": str,
    },
    pk=("position",),
    not_null=("id", "type", "recorded", "body"),
    unique=(("id",),),
    # No index on recorded: it rises with position, so "known at" is a binary search over positions (log.py).
    projection=False,
)

EVENT_REFS = Table(
    # The actors and topics each event names (log.REF_KINDS), for GET /events?actor=&topic=. Part of the log.
    "event_refs",
    {"ref_kind": str, "ref": str, "position": int},
    pk=("ref_kind", "ref", "position"),
    projection=False,
)

ATTRIBUTIONS = Table(
    # Who made each append (a key's name), beside the log rather than in the events' bodies: the body is what an
    # identical retry is compared on, and who sent it is not part of what an event says. Part of the log (kept
    # by export and import, never rebuilt); rows only for attributed events, so appends without a key add none.
    "attributions",
    {"position": int, "recorded_by": str, "proposed_by": str},
    pk=("position",),
    indexes=(("recorded_by", "position"),),
    projection=False,
)

REGISTRY = Table(
    "registry",
    {"kind": str, "id": str, "event_id": str, "position": int, "name": str, "data": str},
    pk=("kind", "id"),
)

STANCES = Table(
    "stance_intervals",
    {
        "actor": str,
        "topic": str,
        "stance": str,
        "conditions": str,  # JSON list of condition ids
        "quantity": str,  # JSON or NULL
        "period": str,
        **_FACT_COLUMNS,
        "rivalled": int,  # 1 when an earlier row competes with this one (stance_rivals holds the pair); else NULL
    },
    pk=("row_id",),
    named=(
        # Rows are written in key order, so these two (one topic's rows by day, for announcements and diffs; an
        # event's rows, for corrections) take each row at a random place. Named as sqlite-utils named them.
        Index("idx_stance_intervals_topic_valid_from", ("topic", "valid_from"), built_after_bulk=True),
        Index("idx_stance_intervals_event_id", ("event_id",), built_after_bulk=True),
        *_fact_indexes("stance_intervals", ("actor", "topic"), carried=("latest",)),
        # One topic's current stances: without it SQLite seeks (topic, valid_from) and reads every row of the
        # topic; with it, one entry per key, like idx_<table>_last.
        Index("idx_stance_intervals_last_topic", ("topic", "actor"), "superseded_pos IS NULL AND valid_to IS NULL"),
    ),
)

RIVALS = Table(
    "stance_rivals",
    # Two stance rows of one key that compete: their dates overlap, they come from different events and name
    # different stances or conditions (events/projections/disputes.py). ``earlier`` precedes ``later`` in effect
    # order. Rows never change, so a pair never does: whether it counts depends on which rows a question sees.
    {"later": int, "earlier": int, "actor": str, "topic": str},
    pk=("later", "earlier"),
    indexes=(("actor", "topic"),),
)

RULINGS = Table(
    "stance_rulings",
    # Editors' rulings on competing reports (dispute.settled, change.confirmed), bitemporal like fact rows: a
    # correction of the ruling's event ends its rows and adds the new version's.
    {
        "row_id": int,
        "actor": str,
        "topic": str,
        "kind": str,  # settled (first stands over second) | change (second changed the position first reported)
        "first_event": str,
        "second_event": str,
        "event_id": str,  # the ruling's event
        "correction_id": str,
        "created_pos": int,
        "superseded_pos": int,
        "evidence": str,
    },
    pk=("row_id",),
    indexes=(("actor", "topic"), ("event_id",)),
)

CONDITIONS = Table(
    "condition_intervals",
    {"condition": str, "status": str, **_FACT_COLUMNS},
    pk=("row_id",),
    indexes=(("event_id",),),
    # a commitment's condition statuses are one seek each, read from the index (FactTable.value_on)
    named=_fact_indexes("condition_intervals", ("condition",), carried=("status",)),
)

MEMBERSHIPS = Table(
    "memberships",
    {"group_id": str, "member": str, "state": str, **_FACT_COLUMNS},
    pk=("row_id",),
    indexes=(("event_id",),),
    named=_fact_indexes("memberships", ("group_id", "member")),
)

DEPENDENTS = Table(
    "condition_dependents",
    # until: the day the key's current rows stop naming the condition (NULL: they still do), or later:
    # a condition change looks only at keys that name it on or after its day.
    {"condition": str, "actor": str, "topic": str, "until": str},
    pk=("condition", "actor", "topic"),
)

VERSIONS = Table(
    "event_versions",
    {"event_id": str, "correction_id": str, "position": int, "retracted": int, "schema_version": int, "body": str},
    pk=("event_id",),
)

TIMELINE = Table(
    "timeline",
    # What places each event worth showing in date order, and what it names (filters); the rest of an entry (type,
    # date text, headline, summary, sources) is read from the version's body, the log's or event_versions'.
    {
        "earliest": str,
        "second": int,  # a date-time's second of its day (UTC), 0 for other dates: orders events of one day
        "position": int,
        "latest": str,
        "wide": int,  # 1 when the date spans more than projections.timeline.WIDE_DAYS days
        "actors": str,  # JSON list
        "topics": str,  # JSON list
    },
    # Keyed in date order (on SQLite the rows are that B-tree), with what decides whether a row reaches a window
    # beside the key: a window's narrow rows are one range of it, read without a second index.
    pk=("earliest", "second", "position"),
    # The wide rows (few) in date order: with it, a window's rows are two index ranges (events/queries.py).
    named=(Index("idx_timeline_wide", ("earliest", "second", "position", "latest"), "wide = 1"),),
)

SEARCH = Table(
    "search_entries",
    # One row per version of an event (the event itself, then each correction's version), bitemporal like fact
    # rows: a correction ends the current row and adds the new version's, so search answers at a position. The words
    # are not kept: only the backend's index of them (``fulltext``); snippets are cut from the version's own text.
    {
        "created_pos": int,  # the position that made this version: the event's own, or its correction's
        "superseded_pos": int,
        "position": int,  # the event's position in the log
        "type": str,
        "earliest": str,
        "latest": str,
        "second": int,
        "actors": str,  # JSON list of the actors the version names
        "topics": str,  # JSON list
        "body": str,  # the version's JSON when a correction gave it (NULL: the log's event at ``position``)
        "schema_version": int,
    },
    pk=("created_pos",),
    # The versions corrections gave, by their event (the event's own version is the row at its position).
    named=(Index("idx_search_entries_corrected", ("position",), "created_pos <> position"),),
    fulltext="words",
)

#: How many timeline rows start on each day (projections.timeline.anchor): the whole log's density in a few
#: thousand rows. Days without rows have none.
TIMELINE_DAYS = Table("timeline_days", {"day": str, "events": int}, pk=("day",))

CHANGES = Table(
    "changes",
    {
        "seq": int,
        "kind": str,  # new | revision | disputed | settled (| overdue, from scheduled work)
        "actor": str,
        "topic": str,
        "effective": str,
        "before_stance": str,
        "before_status": str,
        "after_stance": str,
        "after_status": str,
        "before_disputed": int,
        "after_disputed": int,
        "event_id": str,
        "position": int,  # the log's end when the record was written
        "recorded": str,  # NULL: the log's recorded instant at ``position`` (an append's records); else the day's
        "detail": str,  # JSON: extra facts for the kind (e.g. the condition of an overdue record)
    },
    pk=("seq",),
    # No secondary index: readers page by seq and filter in Python (queries.changes), and each index would
    # cost a B-tree insert per record, of which an append writes about two per event.
)

WATERMARKS = Table(
    "watermarks",
    {"position": int, "through": str},  # announcements were made through this day at this log position
    pk=("position", "through"),
    projection=False,
)

META = Table("meta", {"key": str, "value": str}, pk=("key",), projection=False)

#: The layout and meaning of the projection tables. Raise it whenever they change: a store opened on
#: projections of another format drops and rebuilds them from the log (they are derived; the log is the truth).
#: 2: condition_dependents.until. 3: evidence in fact rows, condition status in its effect index. 4: no secondary
#: indexes on changes, tables keyed by text clustered on their key (SQLite), a change's cause chosen the same way
#: in every process. 5: disputes (stance_rivals, stance_rulings, stance_intervals.rivalled, latest carried in the
#: stance effect index). 6: valid_second in fact rows and second in the timeline (date-times order within their day).
#: 7: search_entries (full-text search); timeline.wide with its index, timeline_refs, timeline_days (windows, filtered
#: pages, counts of the timeline). 8: the timeline keyed in date order without what its version's body gives (type,
#: date text, headline) and without timeline_refs (actors and topics in the row); search_entries without its words
#: (a contentless FTS5 index on SQLite, the tsvector alone on PostgreSQL) nor event ids; changes.recorded NULL
#: where it is the log's.
PROJECTION_FORMAT = 8

#: Tables and indexes that older formats had and this one has not: a format upgrade drops them.
RETIRED_TABLES = ("timeline_refs",)
RETIRED_INDEXES = ("idx_events_recorded_position",)

TABLES: tuple[Table, ...] = (
    LOG, EVENT_REFS, REGISTRY, STANCES, RIVALS, RULINGS, CONDITIONS, MEMBERSHIPS, DEPENDENTS, VERSIONS, TIMELINE,
    SEARCH, TIMELINE_DAYS, CHANGES,
    WATERMARKS, META,
)
PROJECTIONS: tuple[Table, ...] = tuple(t for t in TABLES if t.projection)

# --- Subscribers of the change feed (webhooks) ------------------------------------------
# Service state kept in the same database as the log (so it is backed up and survives
# restarts with it), but not derived from the log: ``projection=False``, rebuild never
# touches these tables. The SQL lives in ``events/subscriptions.py``.

SUBSCRIPTIONS = Table(
    "subscriptions",
    {
        "id": str,
        "url": str,  # the callback (http or https)
        "secret": str,  # the HMAC-SHA256 key of X-Signature; never shown by the API after creation
        "actor": str,  # filters (NULL: any)
        "topic": str,
        "kind": str,
        "created": str,  # instant
        "delivered_through": int,  # progress: every change up to this seq was delivered (or filtered out)
        "failures": int,  # failed attempts at the next change, 0 when the last attempt succeeded
        "next_attempt": str,  # instant before which no attempt is made (NULL: at once)
        "last_error": str,
    },
    pk=("id",),
    not_null=("url", "secret", "created", "delivered_through", "failures"),
)

DELIVERIES = Table(
    "deliveries",
    {
        "id": int,  # max + 1 under the write lock: attempt order
        "subscription": str,
        "seq": int,
        "attempt": int,  # 1 for the first attempt at this seq
        "status": int,  # the receiver's HTTP status (NULL when no answer came)
        "error": str,  # why it failed (NULL on success)
        "attempted_at": str,
        "next_attempt": str,  # when the retry is due (NULL on success)
        "delivered_at": str,  # when the receiver acknowledged it with a 2xx (NULL on failure)
    },
    pk=("id",),
    not_null=("subscription", "seq", "attempt", "attempted_at"),
    indexes=(("subscription", "id"),),
)

TABLES = (*TABLES, SUBSCRIPTIONS, DELIVERIES)

# --- API keys -----------------------------------------------------------------------------
# Service state beside the log, like the subscriptions: ``projection=False``. The SQL lives in
# ``events/keys.py``. A key is never stored: only its public id and a salted scrypt hash of its secret.

KEYS = Table(
    "api_keys",
    {
        "name": str,  # who holds it: what ``recorded_by`` says
        "key_id": str,  # the public part of the key, to find its row without trying every hash
        "role": str,  # reader | editor | reviewer | admin
        "salt": str,  # hex
        "hash": str,  # hex scrypt(secret, salt)
        "created": str,  # instant
        "last_used": str,  # instant, to the minute (NULL: never)
        "revoked": str,  # instant (NULL: in force)
    },
    pk=("name",),
    not_null=("key_id", "role", "salt", "hash", "created"),
    unique=(("key_id",),),
)

TABLES = (*TABLES, KEYS, ATTRIBUTIONS)

# --- Proposals ------------------------------------------------------------------------------
# Batches waiting for review, and the log of their state changes: service state beside the log
# (``projection=False``), not in it until accepted. The SQL lives in ``events/proposals.py``.

PROPOSALS = Table(
    "proposals",
    {
        "id": str,
        "status": str,  # open | accepted | rejected
        "proposed_by": str,  # a key's name
        "created": str,  # instant
        "note": str,
        "events": str,  # JSON array of the proposed events (ids given)
        "decided_by": str,
        "decided": str,  # instant
        "reason": str,  # why it was rejected
    },
    pk=("id",),
    not_null=("status", "proposed_by", "created", "events"),
    indexes=(("status", "created"),),
)

PROPOSAL_LOG = Table(
    "proposal_log",
    {"seq": int, "proposal": str, "status": str, "by_name": str, "at": str, "reason": str},
    pk=("seq",),
    not_null=("proposal", "status", "by_name", "at"),
)

TABLES = (*TABLES, PROPOSALS, PROPOSAL_LOG)

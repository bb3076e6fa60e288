"""The tables of the log and its projections, described once for every backend.

Dates are ISO ``YYYY-MM-DD`` text (text order is date order); instants are fixed-width
RFC 3339 UTC text. Projection rows are bitemporal: ``created_pos`` / ``superseded_pos``
say which log positions a row was part of the projection for, which answers
``known_at`` queries without replaying the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    """A table: columns (name -> python type), primary key, indexes, and whether it is derived."""

    name: str
    columns: dict[str, type]
    pk: tuple[str, ...] = ()
    not_null: tuple[str, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    projection: bool = True  # derived from the log: emptied and refilled by rebuild
    extra: dict[str, str] = field(default_factory=dict)


_FACT_COLUMNS = {
    "row_id": int,
    "valid_from": str,  # earliest day of the fact's date
    "valid_to": str,  # next fact's valid_from (current rows only); NULL = open
    "latest": str,  # latest day of the fact's date (imprecision)
    "exact": int,  # 1 if the date is one day without qualifier
    "date_text": str,
    "event_id": str,  # the fact's event
    "correction_id": str,  # the correction that gave this version, if any
    "fact_position": int,  # position of the fact's event: same-day ties go to the later one
    "created_pos": int,
    "superseded_pos": int,
}

LOG = Table(
    "events",
    {
        "position": int,
        "id": str,
        "type": str,
        "occurred": str,
        "earliest": str,
        "latest": str,
        "recorded": str,
        "schema_version": int,
        "body": str,
    },
    pk=("position",),
    not_null=("id", "type", "recorded", "body"),
    unique=(("id",),),
    indexes=(("recorded",),),
    projection=False,
)

EVENT_REFS = Table(
    "event_refs",
    {"ref_kind": str, "ref": str, "position": int},
    pk=("ref_kind", "ref", "position"),
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
    },
    pk=("row_id",),
    indexes=(("actor", "topic", "valid_from"), ("topic", "valid_from"), ("event_id",)),
)

CONDITIONS = Table(
    "condition_intervals",
    {"condition": str, "status": str, **_FACT_COLUMNS},
    pk=("row_id",),
    indexes=(("condition", "valid_from"), ("event_id",)),
)

MEMBERSHIPS = Table(
    "memberships",
    {"group_id": str, "member": str, "state": str, **_FACT_COLUMNS},
    pk=("row_id",),
    indexes=(("group_id", "member", "valid_from"), ("event_id",)),
)

DEPENDENTS = Table(
    "condition_dependents",
    {"condition": str, "actor": str, "topic": str},
    pk=("condition", "actor", "topic"),
)

VERSIONS = Table(
    "event_versions",
    {"event_id": str, "correction_id": str, "position": int, "retracted": int, "schema_version": int, "body": str},
    pk=("event_id",),
)

TIMELINE = Table(
    "timeline",
    {
        "event_id": str,
        "position": int,
        "type": str,
        "date_text": str,
        "earliest": str,
        "latest": str,
        "precision": str,
        "qualifier": str,
        "headline": str,
        "actors": str,  # JSON list
        "topics": str,  # JSON list
    },
    pk=("event_id",),
    indexes=(("earliest", "position"),),
)

CHANGES = Table(
    "changes",
    {
        "seq": int,
        "kind": str,  # new | revision (| overdue, from scheduled work)
        "actor": str,
        "topic": str,
        "effective": str,
        "before_stance": str,
        "before_status": str,
        "after_stance": str,
        "after_status": str,
        "event_id": str,
        "position": int,
        "recorded": str,
        "detail": str,  # JSON: extra facts for the kind (e.g. the condition of an overdue record)
    },
    pk=("seq",),
    indexes=(("actor", "topic", "seq"), ("position",)),
)

WATERMARKS = Table(
    "watermarks",
    {"position": int, "through": str},  # announcements were made through this day at this log position
    pk=("position", "through"),
    projection=False,
)

META = Table("meta", {"key": str, "value": str}, pk=("key",), projection=False)

TABLES: tuple[Table, ...] = (
    LOG, EVENT_REFS, REGISTRY, STANCES, CONDITIONS, MEMBERSHIPS, DEPENDENTS, VERSIONS, TIMELINE, CHANGES,
    WATERMARKS, META,
)
PROJECTIONS: tuple[Table, ...] = tuple(t for t in TABLES if t.projection)

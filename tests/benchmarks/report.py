"""Judging figures against the issue's targets, relating them to the floor, and printing the table.

The targets are stated for a log of 1M events; a figure taken on a smaller log is still
judged, but its verdict carries a ``*`` (the table's footnote says what it means).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.benchmarks.common import Figure

TARGET_SIZE = 1_000_000


@dataclass(frozen=True)
class Target:
    """``value <op> bound``: at least (``>=``) or at most (``<=``)."""

    op: str
    bound: float
    unit: str

    def text(self) -> str:
        """How the table shows it."""
        sign = "≥" if self.op == ">=" else "≤"
        return f"{sign} {_number(self.bound)} {self.unit}".strip()

    def met(self, value: float) -> bool:
        """Whether ``value`` meets the target."""
        return value >= self.bound if self.op == ">=" else value <= self.bound


#: Figure key -> target (from the issue). Percentile targets are on p99.
TARGETS: dict[str, Target] = {
    # Import and rebuild are judged against the equal-work eventsourcing peer (tests/benchmarks/peer.py) measured in
    # the same run, at 100k and 1M events; their absolute events/s are reported beside the floors, not judged.
    "ratio_import_peer": Target(">=", 2.5, "x"),
    "ratio_rebuild_peer": Target(">=", 3, "x"),
    "storage": Target("<=", 1.0, "KB"),  # per event (issue 23, stated at 100k)
    "query_actor_p99": Target("<=", 0.5, "ms"),
    "query_matrix_p99": Target("<=", 20, "ms"),
    "query_actor_known_at_p99": Target("<=", 5, "ms"),
    "http_stances_rate": Target(">=", 3000, "req/s"),
    "http_stances_p99": Target("<=", 15, "ms"),
    "http_stances_uncached_rate": Target(">=", 3000, "req/s"),
    "http_stances_uncached_p99": Target("<=", 15, "ms"),
    "http_post_rate": Target(">=", 2000, "events/s"),
    "feed_p99": Target("<=", 250, "ms"),
    "feed_rss": Target("<=", 300, "MB"),
    "query_timeline_month_p99": Target("<=", 50, "ms"),
    "query_timeline_counts_p99": Target("<=", 100, "ms"),
    # The page's targets are stated for 100k events (issue 26).
    "page_first_paint": Target("<=", 2000, "ms"),
    "page_first_bytes": Target("<=", 5, "MB"),
    "page_date_change": Target("<=", 150, "ms"),
    "page_pan": Target("<=", 300, "ms"),
    "page_renderer_private": Target("<=", 300, "MB"),  # stated for 1M events
}

#: Figure key (or prefix) -> the floor figure it is a fraction of.
FLOORS: dict[str, str] = {
    "import": "floor_insert",
    "floor_schema": "floor_insert",
    "rebuild": "floor_scan",
    "http_post_rate": "floor_commit",
}


def _floor_key(key: str) -> str | None:
    for prefix, floor in FLOORS.items():
        if key == prefix or key.startswith(prefix + "_"):
            return floor
    return None


def _find(figures: Iterable[Figure], key: str, size: int | None, backend: str | None = None) -> Figure | None:
    for figure in figures:
        if figure.key == key and figure.size == size and figure.value is not None and (
                backend is None or figure.backend == backend):
            return figure
    return None


#: The comparison with the equal-work peer: (ratio key, row name, label, our figure, the peer's); ratios are ours /
#: the peer's.
PEER_PAIRS = (
    ("ratio_import_peer", "import", "ratio: import / the equal-work eventsourcing peer's", "import", "peer_import"),
    ("ratio_rebuild_peer", "rebuild", "ratio: rebuild / the equal-work eventsourcing peer's", "rebuild",
     "peer_rebuild"),
    ("ratio_asof_p50_peer", "as-of p50", "ratio: as-of p50 latency, ours / the peer's (lower is better)",
     "ours_asof_p50", "peer_asof_p50"),
    ("ratio_asof_p99_peer", "as-of p99", "ratio: as-of p99 latency, ours / the peer's (lower is better)",
     "ours_asof_p99", "peer_asof_p99"),
    ("ratio_rows_peer", "rows written per event", "ratio: rows written per event, ours / the peer's",
     "ours_footprint", "peer_footprint"),
)


def derive(figures: list[Figure]) -> list[Figure]:
    """Ratios ours/theirs at every size where both sides were measured (SQLite for ours)."""
    out = []
    pairs = (
        *((key, label, ours, theirs) for key, _, label, ours, theirs in PEER_PAIRS),
        # how far the import is from SQLite's own cost for the rows it writes (the rest is the service's Python)
        ("ratio_import_schema_floor", "ratio: import / schema floor", "import", "floor_schema"),
        ("ratio_rebuild_schema_floor", "ratio: rebuild / schema floor of the projections", "rebuild",
         "floor_schema_projections"),
    )
    for key, label, ours_key, theirs_key in pairs:
        for theirs in [f for f in figures if f.key == theirs_key and f.value]:
            ours = _find(figures, ours_key, theirs.size, "sqlite")
            if ours is not None and ours.value is not None and theirs.value:
                out.append(Figure(key, label, ours.value / theirs.value, "x", backend="sqlite", size=theirs.size))
    return out


def judge(figures: list[Figure]) -> None:
    """Fill in each figure's target, verdict and fraction of the floor."""
    for figure in figures:
        target = TARGETS.get(figure.key)
        if target is not None:
            figure.target = target.text()
            if figure.value is not None:
                figure.met = target.met(figure.value)
        floor_key = _floor_key(figure.key)
        if floor_key and figure.value is not None:
            floor = _find(figures, floor_key, figure.size)
            if floor is not None and floor.value:
                figure.floor_fraction = figure.value / floor.value


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _size(size: int | None) -> str:
    if size is None:
        return ""
    for unit, name in ((1_000_000, "M"), (1_000, "k")):
        if size >= unit and size % unit == 0:
            return f"{size // unit}{name}"
    return f"{size:,}"


def _verdict(figure: Figure) -> str:
    if figure.met is None:
        return ""
    mark = "yes" if figure.met else "NO"
    return mark + ("*" if figure.size is not None and figure.size < TARGET_SIZE else "")


def table(figures: list[Figure]) -> str:
    """A Markdown table: figure, backend, log size, value, unit, target, met?, fraction of floor, note."""
    header = ["figure", "backend", "events", "value", "unit", "target", "met?", "of floor", "runs", "note"]
    rows = [header, ["---"] * len(header)]
    for f in figures:
        fraction = "" if f.floor_fraction is None else f"{f.floor_fraction:.1%}"
        rows.append([f.label, f.backend, _size(f.size), _number(f.value), f.unit, f.target, _verdict(f), fraction,
                     str(f.runs), f.note.replace("|", "/")])
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    if any(f.met is not None and f.size is not None and f.size < TARGET_SIZE for f in figures):
        lines.append("")
        lines.append("\\* measured on a log smaller than the 1M events the target is stated for.")
    return "\n".join(lines)


#: The figures measured on both backends (measurements 1-3), in the order the side-by-side table shows them.
BOTH_BACKENDS = ("import", "rebuild", "query_actor_p50", "query_actor_p99", "query_matrix_p50", "query_matrix_p99",
                 "query_actor_known_at_p50", "query_actor_known_at_p99", "query_matrix_known_at_p50",
                 "query_matrix_known_at_p99", "search_selective_p50", "search_selective_p99", "search_broad_p50",
                 "search_broad_p99", "panel_year_daily")


def side_by_side(figures: list[Figure], backends: tuple[str, ...] = ("sqlite", "postgresql")) -> str:
    """A Markdown table of the figures measured on both backends: one row per figure and size."""
    rows = []
    for key in BOTH_BACKENDS:
        sizes = sorted({f.size for f in figures if f.key == key and f.size is not None})
        for size in sizes:
            found = {b: _find(figures, key, size, b) for b in backends}
            if not any(found.values()):
                continue
            sample = next(f for f in found.values() if f is not None)
            target = TARGETS.get(key)
            rows.append([sample.label, _size(size), *(_number(f.value) if f else "—" for f in found.values()),
                         sample.unit, target.text() if target else ""])
    if not rows:
        return ""
    header = ["figure", "events", *backends, "unit", "target"]
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(row) + " |" for row in lines)


def peer_side_by_side(figures: list[Figure]) -> str:
    """A Markdown table of ours beside the equal-work peer: one row per figure and size, with the ratio."""
    rows = []
    for ratio_key, what, _, ours_key, theirs_key in PEER_PAIRS:
        for theirs in [f for f in figures if f.key == theirs_key and f.value is not None]:
            ours = _find(figures, ours_key, theirs.size, "sqlite")
            ratio = _find(figures, ratio_key, theirs.size)
            target = TARGETS.get(ratio_key)
            rows.append([what, _size(theirs.size), _number(ours.value if ours else None),
                         _number(theirs.value), theirs.unit, _number(ratio.value if ratio else None),
                         target.text() if target else "", _verdict(ratio) if ratio else ""])
    if not rows:
        return ""
    header = ["figure", "events", "ours", "peer", "unit", "ours / peer", "target", "met?"]
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(row) + " |" for row in lines)


START_MARK = "<!-- bench:start -->"
END_MARK = "<!-- bench:end -->"


def results_section(document: dict[str, Any], figures: list[Figure], notes: list[str]) -> str:
    """The doc's results: what kind of run, the machine, the exact command, the tables and the notes."""
    m = document["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    quick = document["options"].get("quick")
    dirty = " (with uncommitted changes)" if m["git_dirty"] else ""
    lines = [
        "### " + ("QUICK / PARTIAL run — checks that the benchmark works; not the benchmark's figures" if quick
                  else "Full run"),
        "",
        f"- date: {m['date']}; commit `{m['git_commit'][:12]}`{dirty}",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Linux {m['kernel']}",
        f"- software: Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql'] or 'not reached'}; "
        f"{packages}; load generator {m['wrk'] or 'httpx (wrk not installed)'}",
        f"- command: `{document['command']}` ({document['seconds']:.0f} s)",
        "",
        table(figures),
    ]
    both = side_by_side(figures)
    if both:
        lines += ["", "SQLite and PostgreSQL side by side:", "", both]
    peer = peer_side_by_side(figures)
    if peer:
        lines += ["", "Ours and the equal-work eventsourcing peer, same file, same run:", "", peer]
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    return "\n".join(lines)


def update_doc(path: Path, section: str) -> None:
    """Replace what stands between the doc's bench markers with ``section``."""
    text = path.read_text()
    start, end = text.find(START_MARK), text.find(END_MARK)
    if start < 0 or end < start:
        raise ValueError(f"{path} has no {START_MARK} ... {END_MARK} section to replace")
    path.write_text(text[:start + len(START_MARK)] + "\n" + section + "\n" + text[end:])


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write the results document (figures as plain data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")

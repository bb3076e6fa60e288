"""Measurement: the bytes the imported log takes, per event, in total and per table (with its indexes).

SQLite: the ``dbstat`` virtual table's pages (used or not: what the file holds), each index and each full-text
shadow table counted with the table it serves. PostgreSQL: ``pg_table_size`` (with TOAST) and
``pg_indexes_size`` of every table in the benchmark's schema. Rows per event come from ``count(*)``.
Also runnable on any database: ``python -m tests.benchmarks.bench_storage DATABASE_URL``.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass, field

from tests.benchmarks.backends import POSTGRES_URL, POSTGRESQL, SQLITE, Database
from tests.benchmarks.common import Figure


@dataclass
class TableSize:
    """One table's share of the database: its rows, and the bytes of the table and of each of its indexes."""

    name: str
    rows: int = 0
    table_bytes: int = 0
    index_bytes: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Table and indexes together."""
        return self.table_bytes + sum(self.index_bytes.values())


def _owner(name: str, indexes: dict[str, str], tables: set[str]) -> str:
    """The table a B-tree serves: itself, the table of an index, or the table behind a full-text shadow table."""
    if name in indexes:
        return indexes[name]
    for table in tables:
        if name.startswith(f"{table}_fts"):
            return table
    return name


def sqlite_sizes(path: str) -> list[TableSize]:
    """Every table of a SQLite file with its pages (``dbstat``) and rows."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        schema = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema").fetchall()
        tables = {name for kind, name, _t, sql in schema
                  if kind == "table" and not name.startswith("sqlite_") and "_fts_" not in name}
        virtual = {name for kind, name, _t, sql in schema if kind == "table" and sql and "VIRTUAL TABLE" in sql}
        tables -= virtual
        indexes = {name: table for kind, name, table, _sql in schema if kind == "index"}
        out = {name: TableSize(name) for name in tables}
        for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            owner = _owner(name, indexes, tables)
            if owner not in out:
                continue  # sqlite_schema
            if owner == name:
                out[owner].table_bytes += size
            else:
                out[owner].index_bytes[name] = size
        for name, size in out.items():
            size.rows = conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        return sorted(out.values(), key=lambda s: -s.total)
    finally:
        conn.close()


def postgres_sizes(schema: str) -> list[TableSize]:
    """Every table of a PostgreSQL schema with its size (TOAST included) and its indexes' sizes."""
    import psycopg

    with psycopg.connect(POSTGRES_URL, connect_timeout=10) as conn:
        out = {}
        for name, size in conn.execute(
                "SELECT c.relname, pg_table_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = %s AND c.relkind = 'r'", (schema,)):
            out[name] = TableSize(name, table_bytes=size)
        for table, index, size in conn.execute(
                "SELECT t.relname, i.relname, pg_relation_size(i.oid) FROM pg_index x"
                " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
                " JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = %s", (schema,)):
            if table in out:
                out[table].index_bytes[index] = size
        for name, size in out.items():
            size.rows = conn.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[0]
        return sorted(out.values(), key=lambda s: -s.total)


def sizes(database: Database) -> list[TableSize]:
    """The tables of a benchmark database, largest first."""
    if database.backend == SQLITE and database.path is not None:
        return sqlite_sizes(str(database.path))
    if database.backend == POSTGRESQL and database.schema is not None:
        return postgres_sizes(database.schema)
    raise ValueError(f"cannot measure the storage of {database.url}")


def figures(found: list[TableSize], backend: str, size: int) -> list[Figure]:
    """KB per event in total (with each table's bytes and rows per event in ``extra``), then one figure per table
    that holds any row."""
    tables = {
        t.name: {"bytes_per_event": round(t.total / size, 1), "rows_per_event": round(t.rows / size, 3),
                 "table_bytes_per_event": round(t.table_bytes / size, 1),
                 "indexes": {name: round(b / size, 1) for name, b in sorted(t.index_bytes.items())}}
        for t in found
    }
    total = sum(t.total for t in found)
    rows = sum(t.rows for t in found)
    out = [Figure("storage", f"storage per event ({rows / size:.2f} rows per event)", total / size / 1000, "KB",
                  backend=backend, size=size, extra={"bytes": total, "rows": rows, "tables": tables})]
    for t in found:
        if t.rows:
            indexes = f", of which indexes {sum(t.index_bytes.values()) / size:,.0f}" if t.index_bytes else ""
            out.append(Figure(f"storage_{t.name}", f"storage: {t.name} ({t.rows / size:.2f} rows per event{indexes})",
                              t.total / size, "bytes/event", backend=backend, size=size,
                              extra=tables[t.name]))
    return out


def measure(database: Database, size: int) -> list[Figure]:
    """The storage figures of an imported benchmark database of ``size`` events."""
    return figures(sizes(database), database.backend, size)


def _table(found: list[TableSize], size: int) -> str:
    """A plain-text table: bytes per event per table and per index."""
    lines = [f"{'table / index':<48} {'rows/event':>10} {'bytes/event':>11}"]
    for t in found:
        lines.append(f"{t.name:<48} {t.rows / size:>10.3f} {t.total / size:>11.1f}")
        if t.index_bytes:
            lines.append(f"{'  (the table itself)':<48} {'':>10} {t.table_bytes / size:>11.1f}")
        for name, b in sorted(t.index_bytes.items(), key=lambda item: -item[1]):
            lines.append(f"{'  ' + name:<48} {'':>10} {b / size:>11.1f}")
    total = sum(t.total for t in found)
    lines.append(f"{'total':<48} {sum(t.rows for t in found) / size:>10.3f} {total / size:>11.1f}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Print the table for a SQLite file (the log's last position is the event count)."""
    if len(argv) != 1:
        print("usage: python -m tests.benchmarks.bench_storage PATH_TO_SQLITE_FILE", file=sys.stderr)
        return 2
    found = sqlite_sizes(argv[0])
    conn = sqlite3.connect(f"file:{argv[0]}?mode=ro", uri=True)
    events = conn.execute("SELECT max(position) FROM events").fetchone()[0] or 1
    conn.close()
    print(_table(found, events))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

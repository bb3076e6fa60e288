"""The benchmark: ``python -m tests.benchmarks.run [--quick] [options]`` (``make bench``).

Order: generate the datasets (once; reused from ``bench-results/data/``); per backend
and size, import, the bytes it stored (``storage``), then rebuild, then (SQLite) the equal-work eventsourcing peer on
the same file, at the largest size the query latencies, then (SQLite) the schema floor; the other floors at each
size; then, on the largest SQLite log, HTTP, the feed and the page in chromium. Prints a Markdown table on
stdout (progress goes to stderr) and writes ``bench-results/latest.json``. A measurement
that fails is recorded as "not measured" with the reason, and the rest still run.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks import (
    bench_feed,
    bench_floor,
    bench_http,
    bench_import,
    bench_page,
    bench_peer,
    bench_queries,
    bench_rebuild,
    bench_search,
    bench_storage,
    machine,
    report,
)
from tests.benchmarks.backends import POSTGRESQL, SQLITE, Database, postgres_unreachable
from tests.benchmarks.common import GENERATOR_SEED, RESULTS, ROOT, Figure, log
from tests.benchmarks.datasets import dataset, generator_version

MEASUREMENTS = ("import", "storage", "rebuild", "queries", "search", "http", "feed", "peer", "floor", "page")


@dataclass
class Options:
    """Sizes and bounds for one run (``--quick`` picks small ones)."""

    sizes: list[int]
    backends: list[str]
    runs: int
    only: set[str]
    budget: float
    query_samples: int
    matrix_samples: int
    query_seconds: float
    http_seconds: float
    feed_subscribers: int
    feed_rate: float
    feed_seconds: float
    single_count: int
    single_seconds: float
    seed: int
    keep: bool
    output: str
    doc: str | None
    quick: bool


def parse(argv: list[str]) -> Options:
    """Command-line options; ``--quick`` changes the defaults, explicit options still win."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="10k events, 1 run, short loads: checks that everything works (figures are partial)")
    parser.add_argument("--sizes", help="comma-separated log sizes [10000,100000,1000000; quick: 10000]")
    parser.add_argument("--backends", default="sqlite,postgresql", help="sqlite and/or postgresql [both]")
    parser.add_argument("--runs", type=int, help="runs per figure, the median is reported [3; quick: 1]")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(MEASUREMENTS)} [all]")
    parser.add_argument("--skip", default="", help="comma-separated measurements to leave out")
    parser.add_argument("--budget", type=float, default=900.0,
                        help="seconds per figure after which no further run starts (the table says so) [900]")
    parser.add_argument("--query-samples", type=int, help="samples per one-actor query [500; quick: 200]")
    parser.add_argument("--matrix-samples", type=int, help="samples per matrix query [200; quick: 50]")
    parser.add_argument("--query-seconds", type=float, default=120.0, help="time bound per query kind [120]")
    parser.add_argument("--http-seconds", type=float, help="seconds per HTTP load [15; quick: 3]")
    parser.add_argument("--feed-subscribers", type=int, default=1000, help="SSE subscribers [1000]")
    parser.add_argument("--feed-rate", type=float, default=50.0, help="changes appended per second [50]")
    parser.add_argument("--feed-seconds", type=float, help="seconds of appending [20; quick: 5]")
    parser.add_argument("--single-count", type=int,
                        help="the commit floor: at most twice this many durable 1-row commits [3000; quick: 500]")
    parser.add_argument("--single-seconds", type=float, help="time bound of the commit floor [10; quick: 3]")
    parser.add_argument("--seed", type=int, default=7, help="seed of every random choice [7]")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases (bench-results/db/)")
    parser.add_argument("--output", default=str(RESULTS / "latest.json"), help="the JSON file [%(default)s]")
    parser.add_argument("--doc", help="also write the results into this Markdown file between its bench markers "
                                      "(e.g. docs/performance.md)")
    a = parser.parse_args(argv)
    q = a.quick

    def pick(value, full, quick):  # an explicit option wins over either default
        return value if value is not None else (quick if q else full)

    sizes = sorted({int(s.replace("_", "")) for s in pick(a.sizes, "10000,100000,1000000", "10000").split(",")})
    only = set(MEASUREMENTS if a.only is None else a.only.split(",")) - set(filter(None, a.skip.split(",")))
    unknown = only - set(MEASUREMENTS)
    if unknown:
        parser.error(f"unknown measurement(s): {', '.join(sorted(unknown))}")
    return Options(
        sizes=sizes, backends=[b.strip() for b in a.backends.split(",") if b.strip()], runs=pick(a.runs, 3, 1),
        only=only, budget=a.budget, query_samples=pick(a.query_samples, 500, 200),
        matrix_samples=pick(a.matrix_samples, 200, 50), query_seconds=a.query_seconds,
        http_seconds=pick(a.http_seconds, 15.0, 3.0), feed_subscribers=a.feed_subscribers, feed_rate=a.feed_rate,
        feed_seconds=pick(a.feed_seconds, 20.0, 5.0),
        single_count=pick(a.single_count, 3000, 500), single_seconds=pick(a.single_seconds, 10.0, 3.0),
        seed=a.seed, keep=a.keep, output=a.output, doc=a.doc, quick=q,
    )


class Runner:
    """Runs the chosen measurements, collecting figures; a failing measurement becomes a "not measured" figure."""

    def __init__(self, options: Options):
        self.o = options
        self.figures: list[Figure] = []
        self.notes: list[str] = []
        self.kept: list[Database] = []

    def attempt(self, name: str, backend: str, size: int | None, work: Callable[[], list[Figure]]) -> None:
        """Run one measurement; on failure record why (with the traceback on stderr) and go on."""
        try:
            self.figures += work()
        except Exception as error:  # one broken measurement must not lose the others
            traceback.print_exc(file=sys.stderr)
            reason = f"failed: {type(error).__name__}: {str(error).strip().splitlines()[0][:160] if str(error) else ''}"
            self.figures.append(Figure(name, name, None, "", backend=backend, size=size, note=reason))
            log(f"{name} ({backend}, {size}) {reason}")

    def backends(self) -> list[str]:
        """The backends to measure; PostgreSQL is skipped with a printed reason when unreachable."""
        out = []
        for backend in self.o.backends:
            if backend == POSTGRESQL and (why := postgres_unreachable()):
                self.notes.append(f"PostgreSQL skipped: not reachable ({why})")
                log(self.notes[-1])
                continue
            out.append(backend)
        return out

    def loaded(self, backend: str, size: int) -> Database | None:
        """Import (measured if chosen) and return the loaded database, or None if the import failed."""
        holder: list[Database] = []

        # the peer's figures are compared with our import and rebuild of the same file, so `--only peer` takes both
        wanted = bool(self.o.only & {"import", "peer"}) and (backend == SQLITE or "import" in self.o.only)

        def work() -> list[Figure]:
            runs = self.o.runs if wanted else 1
            figure, database = bench_import.measure(backend, size, runs, self.o.budget)
            holder.append(database)
            self.kept.append(database)
            return [figure] if wanted else []

        self.attempt("import", backend, size, work)
        return holder[0] if holder else None

    def run(self) -> None:
        """Every chosen measurement, in the order the module docstring gives."""
        o = self.o
        for size in o.sizes:
            dataset(size)
        if o.only & {"import", "rebuild", "peer"}:
            startup = bench_import.startup_seconds()
            self.notes.append(f"Process start of the CLI (`commitments --help`): {startup:.2f} s, included in every "
                              "import and rebuild figure (they time the whole command).")
        largest = o.sizes[-1]
        needs_log = o.only & {"import", "storage", "rebuild", "queries", "search", "http", "feed", "peer", "page"}
        # the schema floor copies the rows of an imported SQLite log at every size
        needs_sqlite_logs = "floor" in o.only
        largest_sqlite: Database | None = None
        for backend in self.backends() if needs_log or needs_sqlite_logs else []:
            if backend != SQLITE and not needs_log - {"peer"}:  # the peer is compared on SQLite only
                continue
            for size in o.sizes:
                if size != largest and not o.only & {"import", "storage", "rebuild"} and not (
                        backend == SQLITE and (needs_sqlite_logs or "peer" in o.only)):
                    continue
                database = self.loaded(backend, size)
                if database is None:
                    continue
                if "storage" in o.only:  # before the rebuild, which leaves the pages its deletes freed
                    self.attempt("storage", backend, size,
                                 lambda d=database, s=size: bench_storage.measure(d, s))
                if "rebuild" in o.only or ("peer" in o.only and backend == SQLITE):
                    self.attempt("rebuild", backend, size,
                                 lambda d=database, s=size: [bench_rebuild.measure(d, s, o.runs, o.budget)])
                if "peer" in o.only and backend == SQLITE:  # right after ours, on the same file
                    self.attempt("peer", "eventsourcing", size, lambda d=database, s=size: bench_peer.measure(
                        d, s, o.runs, o.budget, samples=o.query_samples, seconds=o.query_seconds, seed=o.seed))
                if size == largest and "queries" in o.only:
                    self.attempt("queries", backend, size, lambda d=database, s=size: bench_queries.measure(
                        d, s, samples=o.query_samples, matrix_samples=o.matrix_samples, seconds=o.query_seconds,
                        seed=o.seed, runs=o.runs))
                if size == largest and "search" in o.only:
                    self.attempt("search", backend, size, lambda d=database, s=size: bench_search.measure(
                        d, s, samples=o.query_samples, seconds=o.query_seconds, seed=o.seed, runs=o.runs,
                        panel_runs=o.runs, budget=o.budget))
                # after the queries, so that they follow the rebuild as in earlier runs (once measured right after the
                # schema floor's ~3 GB of writes, one actor's p99 was 2.7 ms: on the benchmark's VM the file's pages
                # leave the page cache within minutes, more of them after large writes: docs/performance.md,
                # "The page cache of this VM")
                if backend == SQLITE and "floor" in o.only:
                    self.attempt("floor_schema", "sqlite3", size,
                                 lambda d=database, s=size: bench_floor.measure_schema(d, s, o.runs, o.budget))
                if backend == SQLITE and size == largest:
                    largest_sqlite = database
                else:
                    self.drop(database)
        if "floor" in o.only:
            for size in o.sizes:
                self.attempt("floor", "sqlite3", size, lambda s=size: bench_floor.measure(
                    s, o.runs, o.budget, single_count=o.single_count * 2, single_seconds=o.single_seconds))
        if largest_sqlite is not None:
            self.on_largest(largest_sqlite, largest)

    def on_largest(self, database: Database, size: int) -> None:
        """HTTP, the feed and the page."""
        o = self.o
        if "http" in o.only:
            self.attempt("http", SQLITE, size, lambda: bench_http.measure(
                database, size, seconds=o.http_seconds, seed=o.seed, runs=o.runs, budget=o.budget))
        if "feed" in o.only:
            self.attempt("feed", SQLITE, size, lambda: bench_feed.measure(
                database, size, subscribers=o.feed_subscribers, rate=o.feed_rate, seconds=o.feed_seconds,
                seed=o.seed, runs=o.runs, budget=o.budget))
        if "page" in o.only:
            self.attempt("page", SQLITE, size, lambda: bench_page.measure(database, size, moves=20))

    def drop(self, database: Database) -> None:
        """Drop a database unless ``--keep``."""
        if not self.o.keep:
            database.drop()
        if database in self.kept and not self.o.keep:
            self.kept.remove(database)

    def close(self) -> None:
        """Drop every database still kept (the PostgreSQL schemas, the SQLite files)."""
        for database in list(self.kept):
            try:
                self.drop(database)
            except Exception as error:  # report, but go on dropping the others
                log(f"could not drop {database.url}: {error}")


def _interpreter() -> str:
    """This interpreter as the command line would name it: relative to the repository when inside it."""
    path = Path(sys.executable)
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, write the JSON; exit 0 (targets missed are results, not errors)."""
    argv = sys.argv[1:] if argv is None else argv
    options = parse(argv)
    started = time.time()
    runner = Runner(options)
    try:
        runner.run()
    finally:
        runner.close()
    figures = runner.figures + report.derive(runner.figures)
    report.judge(figures)
    if options.quick:
        sizes = ", ".join(f"{size:,}" for size in options.sizes)
        runner.notes.insert(0, f"QUICK RUN ({sizes} events, {options.runs} run(s) per figure, short loads): "
                               "partial figures that check the benchmark works, not the benchmark")
    document = {
        "command": shlex.join([_interpreter(), "-m", "tests.benchmarks.run", *argv]),
        "machine": machine.describe(),
        "options": {k: (sorted(v) if isinstance(v, set) else v) for k, v in vars(options).items()},
        "dataset": {"generator": "tests/benchmarks/generate.py", "seed": GENERATOR_SEED, "version": generator_version(),
                    "files": [str(dataset(size).relative_to(ROOT)) for size in options.sizes]},
        "seconds": round(time.time() - started, 1),
        "notes": runner.notes,
        "figures": [f.as_dict() for f in figures],
    }
    report.write_json(Path(options.output), document)
    print(report.table(figures))
    both = report.side_by_side(figures)
    if both:
        print("\nSQLite and PostgreSQL side by side:\n")
        print(both)
    peer = report.peer_side_by_side(figures)
    if peer:
        print("\nOurs and the equal-work eventsourcing peer, same file, same run:\n")
        print(peer)
    for note in runner.notes:
        print(f"\n{note}")
    if options.doc:
        report.update_doc(Path(options.doc), report.results_section(document, figures, runner.notes))
        print(f"\nUpdated {options.doc}.")
    print(f"\nWrote {options.output} ({document['seconds']:.0f} s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

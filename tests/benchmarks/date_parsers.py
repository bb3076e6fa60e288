"""The hand-written EDTF parser against the ``edtf`` package (PyPI) on the dates of a generated log.

    .venv/bin/pip install edtf   # not a dependency of the project: only this comparison uses it
    .venv/bin/python -m tests.benchmarks.date_parsers 100000

Prints the distinct date texts of the generated log (tests/benchmarks/generate.py) and the time to parse them
once each, cold (no memoization), with ``events.model.dates.parse`` and with the ``edtf`` variant, then the time
over every date of the log with the memoization the import has. The ``edtf`` variant validates with the
package's grammar and builds its objects; the bounds the service needs (UTC days for date-times, winter into
the next year, unbounded open and unknown ends) are not the ones the package computes, so the variant takes them
from the service's own code, and so do the error messages (the package says only that it cannot parse).
docs/performance.md ("Design conclusions → Dates") has the figures.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable, Iterable

from events.model import dates
from tests.benchmarks.generate import generate


def date_texts(size: int) -> list[str]:
    """Every date text of the generated log of ``size`` events, in log order (occurred, published, deadlines)."""
    out = []
    for event in generate(size):
        out.append(event["occurred"])
        out.extend(source["published"] for source in event.get("sources", ()) if source.get("published"))
        for field in ("deadline", "period"):
            if event.get(field):
                out.append(event[field])
    return out


def edtf_variant() -> Callable[[str], dates.EDTFDate]:
    """``dates.parse`` as it would be on top of the ``edtf`` package: its grammar first, then the service's bounds."""
    import edtf

    def parse(text: str) -> dates.EDTFDate:
        try:
            edtf.parse_edtf(text)
        except edtf.EDTFParseException:
            pass  # the service's own parser raises the error that names the EDTF construct
        return dates.parse.__wrapped__(text)

    return parse


def _time(parse: Callable[[str], object], texts: Iterable[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        parse(text)
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    """Print the figures for a log of the given size (default 100000)."""
    size = int(argv[0]) if argv else 100_000
    texts = date_texts(size)
    distinct = list(dict.fromkeys(texts))
    print(f"{size} events: {len(texts)} date texts, {len(distinct)} distinct")
    variants = {"hand-written": dates.parse.__wrapped__}
    try:
        variants["edtf"] = edtf_variant()
    except ImportError:
        print("edtf is not installed: .venv/bin/pip install edtf")
    for name, parse in variants.items():
        cold = min(_time(parse, distinct) for _ in range(3))
        memoized = functools.lru_cache(maxsize=65536)(parse)
        every = _time(memoized, texts)
        print(f"{name:13} distinct, cold: {cold * 1000:8.1f} ms ({cold / len(distinct) * 1e6:6.1f} µs each);"
              f" every date of the log, memoized: {every * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

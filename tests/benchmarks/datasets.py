"""The synthetic logs: generated once per size into ``bench-results/data/`` and reused by later runs.

The generator is deterministic for its seed and prefix-stable (the first N events of
``generate(N + K)`` are ``generate(N)``), so :func:`continuation` gives events that follow
a stored log naturally: single-event appends use them.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from tests.benchmarks import generate as generate_module
from tests.benchmarks.common import DATA, log
from tests.benchmarks.generate import generate


def generator_version() -> str:
    """A short hash of the generator's source: a changed generator gets new files, never a stale cached one."""
    return hashlib.sha256(Path(generate_module.__file__).read_bytes()).hexdigest()[:8]


def dataset(size: int) -> Path:
    """The NDJSON file of ``size`` generated events, generating it first if missing.

    Written to a temporary name and renamed, so an interrupted run never leaves a short
    file behind that a later run would reuse.
    """
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"events-{size}-{generator_version()}.ndjson"
    if path.exists():
        return path
    log(f"generating {size:,} events into {path}")
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    encoder = msgspec.json.Encoder()
    with open(partial, "wb") as out:
        for event in generate(size):
            out.write(encoder.encode(event) + b"\n")
    partial.replace(path)
    return path


def lines(size: int) -> list[bytes]:
    """The dataset's lines (without newlines), in order."""
    with open(dataset(size), "rb") as handle:
        return [line.rstrip(b"\n") for line in handle if line.strip()]


def continuation(size: int, count: int) -> Iterator[dict[str, Any]]:
    """The ``count`` events the generator would produce after the first ``size``: new ids, realistic mix."""
    return itertools.islice(generate(size + count), size, size + count)

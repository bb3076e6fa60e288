"""Errors the core raises; the HTTP layer maps each to a problem response."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_LEADING_INDEX = re.compile(r"^\$\[(\d+)\]")


@dataclass
class FieldError:
    """One fault in one place of the input (``pointer`` is a JSON path such as ``$[0].occurred``)."""

    pointer: str
    message: str


class CommitmentError(Exception):
    """Base of every error the core raises on purpose."""

    title = "Error"

    def __init__(self, detail: str, errors: list[FieldError] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []

    def __reduce__(self) -> tuple[Any, ...]:
        # The server's writer process sends errors back pickled; the default would call __init__ with
        # ``args`` alone, losing the field errors (and failing for subclasses with other parameters).
        return _restore, (type(self), self.args, self.__dict__)


class InvalidEvent(CommitmentError):
    """The input cannot be turned into valid events; nothing was stored."""

    title = "Invalid event"


class InvalidDate(InvalidEvent):
    """A date is outside the accepted EDTF subset."""

    title = "Invalid date"

    def __init__(self, text: str, detail: str):
        super().__init__(detail, [FieldError("$", detail)])
        self.text = text


class UnknownReference(InvalidEvent):
    """Events name actors, topics, conditions or other ids that the log does not hold."""

    title = "Unknown reference"


class Conflict(CommitmentError):
    """The append conflicts with the log (a reused id with other content, or a stale expected position)."""

    title = "Conflict"


class Unavailable(CommitmentError):
    """The database is away or busy for now (a lost connection, a write lock held too long); retrying later may work."""

    title = "Service unavailable"
    retry_after = 1


class StorageFull(Unavailable):
    """The disk under the database is full: the write was rolled back whole; it can succeed once space is freed."""

    title = "Insufficient storage"
    #: Freeing space is an operator's job, which takes longer than a lost connection's return.
    retry_after = 30


class TooLarge(CommitmentError):
    """An answer would be larger than the service gives at once; nothing of it was sent."""

    title = "Answer too large"


class NotFound(CommitmentError):
    """The thing asked for is not in the log."""

    title = "Not found"


class MissingDatabase(CommitmentError):
    """A database that was to be opened, not created, does not exist (a mistyped path would otherwise become a new,
    empty database that answers every question with nothing)."""

    title = "No such database"


def _restore(cls: type[CommitmentError], args: tuple[Any, ...], state: dict[str, Any]) -> CommitmentError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


def describe(errors: list[FieldError], limit: int = 10) -> str:
    """A one-line summary of field errors: the first ``limit``, then how many more."""
    detail = "; ".join(f"{e.pointer}: {e.message}" for e in errors[:limit])
    if len(errors) > limit:
        detail += f" (and {len(errors) - limit} more)"
    return detail


def renumber_pointers(error: CommitmentError, rename: Callable[[int], str]) -> CommitmentError:
    """Rewrite the leading ``$[i]`` of every pointer of ``error`` as ``rename(i)``, and its detail to match."""
    def renumber(pointer: str) -> str:
        return _LEADING_INDEX.sub(lambda match: rename(int(match.group(1))), pointer)

    if error.errors:
        error.errors = [FieldError(renumber(e.pointer), e.message) for e in error.errors]
        error.detail = describe(error.errors)
    return error


def shift_pointers(error: CommitmentError, offset: int) -> CommitmentError:
    """Pointers of a chunk's error made relative to the whole batch (``$[i]`` becomes ``$[offset + i]``)."""
    return error if offset == 0 else renumber_pointers(error, lambda index: f"$[{offset + index}]")

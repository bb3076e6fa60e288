"""Webhook subscribers of the change feed and their delivery log, kept in the store's database.

Backend-neutral SQL (``?`` placeholders) through ``store.writing()`` / ``store.reading()``,
like the rest of the core; the service's dispatcher (``service/live/webhooks.py``) does the
HTTP side. A subscription's progress is ``delivered_through``: every change record up
to that sequence number has been acknowledged by the receiver (or left out by its
filters), so a restart resumes right after it. Rebuild never touches these tables.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

import msgspec

from events import queries
from events.model.catalog import SPACE
from events.model.clock import format_instant
from events.model.errors import FieldError, InvalidEvent, NotFound, UnknownReference
from events.tables import registry
from events.tables.tx import Tx, scalar

#: Callback schemes a subscription may use (``file:``, ``ftp:``, ``javascript:`` and the like are refused).
SCHEMES = ("http", "https")
MAX_URL_LENGTH = 2048
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_H16 = r"[0-9A-Fa-f]{1,4}"
_LS32 = rf"(?:{_H16}:{_H16}|{_OCTET}(?:\.{_OCTET}){{3}})"


def _ipv6() -> str:
    """RFC 3986's IPv6address: eight groups, or fewer around one ``::``; the last two may be an IPv4 address."""
    forms = [rf"(?:{_H16}:){{6}}{_LS32}", rf"::(?:{_H16}:){{5}}{_LS32}"]
    for before in range(7):  # at most ``before`` + 1 groups ahead of the "::"
        after = rf"(?:{_H16}:){{{4 - before}}}{_LS32}" if before <= 4 else _H16 if before == 5 else ""
        forms.append(rf"(?:(?:{_H16}:){{0,{before}}}{_H16})?::{after}")
    return "(?:" + "|".join(forms) + ")"


_IPV6 = _ipv6()
_PORT = r"(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
#: The callbacks accepted: http(s), optional user info, a host name, IPv4 or [IPv6] address, optional port,
#: then any path, query and fragment without spaces or control characters. ASCII, so that no Unicode
#: look-alike of ``/``, ``@`` or ``:`` can hide in the host part.
URL_PATTERN = (rf"^[Hh][Tt][Tt][Pp][Ss]?://(?:[A-Za-z0-9._~%!$&'()*+,;=:-]+@)?(?:[A-Za-z0-9._~-]+|\[{_IPV6}\])"
               rf"(?::{_PORT})?(?:[/?#][^{SPACE}\x00-\x1f\x7f]*)?$")
_URL = re.compile(URL_PATTERN)

_COLUMNS = "id, url, actor, topic, kind, created, delivered_through, failures, next_attempt, last_error, secret"
_DELIVERY_COLUMNS = "seq, attempt, status, error, attempted_at, next_attempt, delivered_at"


class InvalidSubscription(InvalidEvent):
    """A subscription request the service cannot accept (answered with 422)."""

    title = "Invalid subscription"


class SubscriptionView(msgspec.Struct, frozen=True):
    """A subscriber as the API shows it: never with its secret."""

    id: str
    url: str
    actor: str | None
    topic: str | None
    kind: str | None
    created: str
    delivered_through: int
    failures: int
    next_attempt: str | None
    last_error: str | None


class Subscription(SubscriptionView, frozen=True):
    """A subscriber as stored, with the secret its deliveries are signed with."""

    secret: str

    def view(self) -> SubscriptionView:
        """The public view (without the secret)."""
        fields = msgspec.structs.asdict(self)
        del fields["secret"]
        return SubscriptionView(**fields)


class Delivery(msgspec.Struct, frozen=True):
    """One attempt to deliver one change record to one subscriber."""

    seq: int
    attempt: int
    status: int | None
    error: str | None
    attempted_at: str
    next_attempt: str | None
    delivered_at: str | None


def check_url(url: str) -> str:
    """The callback URL if it matches :data:`URL_PATTERN`; else :class:`InvalidSubscription` saying why."""
    def refuse(why: str) -> InvalidSubscription:
        message = f"the callback url {why}; use e.g. https://example.org/hooks/commitments"
        return InvalidSubscription(message, [FieldError("$.url", message)])

    if len(url) > MAX_URL_LENGTH:
        raise refuse(f"is longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise refuse("contains spaces or control characters")
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() not in SCHEMES:
        raise refuse(f"must start with http:// or https://, not {url[:20]!r}")
    if not rest or rest[0] in "/?#":
        raise refuse("has no host")
    if _URL.fullmatch(url) is None:
        raise refuse("is not a valid URL (a host name, an IPv4 or [IPv6] address, and a port up to 65535)")
    return url


def check_filters(tx: Tx, actor: str | None, topic: str | None) -> None:
    """Refuse filters on an actor or topic the log does not hold: such a subscription would never match."""
    wanted = {(kind, ident) for kind, ident in (("actor", actor), ("topic", topic)) if ident is not None}
    known = registry.known(tx, wanted)
    faults = [FieldError(f"$.{kind}", f"unknown {kind} '{ident}'") for kind, ident in sorted(wanted)
              if (kind, ident) not in known]
    if faults:
        raise UnknownReference("; ".join(f"{f.pointer}: {f.message}" for f in faults), faults)


def _subscription(row: tuple[Any, ...]) -> Subscription:
    return Subscription(*row)


def create(store: Any, *, url: str, now: dt.datetime, secret: str | None = None, actor: str | None = None,
           topic: str | None = None, kind: str | None = None, after: int | None = None) -> Subscription:
    """Register a subscriber; it receives the change records after ``after`` (default: from now on).

    Without a ``secret`` one is generated (the caller shows it once). A bad ``url`` is an
    :class:`InvalidSubscription`, an ``actor`` or ``topic`` the log does not hold an
    :class:`~events.model.errors.UnknownReference` (both 422 over HTTP).
    """
    check_url(url)
    ident = "sub-" + secrets.token_hex(8)
    secret = secret or secrets.token_urlsafe(32)
    with store.writing() as tx:
        check_filters(tx, actor, topic)
        start = queries.last_change(tx) if after is None else after
        tx.execute(
            f"INSERT INTO subscriptions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL, ?)",
            (ident, url, actor, topic, kind, format_instant(now), start, secret),
        )
    return get(store, ident)


def get(store: Any, ident: str) -> Subscription:
    """One subscriber by id; raises :class:`NotFound`."""
    with store.reading() as tx:
        row = tx.fetchone(f"SELECT {_COLUMNS} FROM subscriptions WHERE id = ?", (ident,))
    if row is None:
        raise NotFound(f"no subscription '{ident}'")
    return _subscription(row)


def every(store: Any) -> list[Subscription]:
    """Every subscriber, oldest first."""
    with store.reading() as tx:
        return [_subscription(r) for r in tx.fetchall(f"SELECT {_COLUMNS} FROM subscriptions ORDER BY created, id")]


def delete(store: Any, ident: str) -> None:
    """Remove a subscriber and its delivery log; raises :class:`NotFound`."""
    with store.writing() as tx:
        if tx.fetchone("SELECT 1 FROM subscriptions WHERE id = ?", (ident,)) is None:
            raise NotFound(f"no subscription '{ident}'")
        tx.execute("DELETE FROM deliveries WHERE subscription = ?", (ident,))
        tx.execute("DELETE FROM subscriptions WHERE id = ?", (ident,))


def deliveries(store: Any, ident: str, limit: int = 100) -> list[Delivery]:
    """The newest ``limit`` attempts of one subscriber, newest first; raises :class:`NotFound`."""
    with store.reading() as tx:
        if tx.fetchone("SELECT 1 FROM subscriptions WHERE id = ?", (ident,)) is None:
            raise NotFound(f"no subscription '{ident}'")
        rows = tx.fetchall(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE subscription = ? ORDER BY id DESC LIMIT ?",
            (ident, limit),
        )
    return [Delivery(*r) for r in rows]


def _log(tx: Tx, ident: str, seq: int, attempt: int, status: int | None, error: str | None, at: str,
         retry_at: str | None, delivered_at: str | None, keep: int) -> None:
    last = scalar(tx, "SELECT max(id) FROM deliveries") or 0
    tx.execute(
        f"INSERT INTO deliveries (id, subscription, {_DELIVERY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (last + 1, ident, seq, attempt, status, error, at, retry_at, delivered_at),
    )
    # The log is for looking into recent trouble, not an archive: keep the newest ``keep`` rows.
    tx.execute(
        "DELETE FROM deliveries WHERE subscription = ? AND id <= (SELECT id FROM deliveries WHERE subscription = ?"
        " ORDER BY id DESC LIMIT 1 OFFSET ?)",
        (ident, ident, keep),
    )


def record_success(store: Any, ident: str, seq: int, attempt: int, status: int, at: dt.datetime,
                   keep: int = 1000) -> bool:
    """The receiver acknowledged ``seq``: move the progress there and log it; False if the subscriber is gone."""
    when = format_instant(at)
    with store.writing() as tx:
        if tx.fetchone("SELECT 1 FROM subscriptions WHERE id = ?", (ident,)) is None:
            return False
        tx.execute(
            "UPDATE subscriptions SET delivered_through = ?, failures = 0, next_attempt = NULL, last_error = NULL"
            " WHERE id = ? AND delivered_through < ?",
            (seq, ident, seq),
        )
        _log(tx, ident, seq, attempt, status, None, when, None, when, keep)
    return True


def record_failure(store: Any, ident: str, seq: int, attempt: int, status: int | None, error: str,
                   at: dt.datetime, retry_at: dt.datetime, keep: int = 1000) -> bool:
    """An attempt at ``seq`` failed: count it, set when to retry, and log it; False if the subscriber is gone."""
    with store.writing() as tx:
        if tx.fetchone("SELECT 1 FROM subscriptions WHERE id = ?", (ident,)) is None:
            return False
        retry = format_instant(retry_at)
        tx.execute("UPDATE subscriptions SET failures = ?, next_attempt = ?, last_error = ? WHERE id = ?",
                   (attempt, retry, error, ident))
        _log(tx, ident, seq, attempt, status, error, format_instant(at), retry, None, keep)
    return True


def skip_to(store: Any, ident: str, seq: int) -> None:
    """Move the progress past records the subscriber's filters leave out (never backwards)."""
    with store.writing() as tx:
        tx.execute("UPDATE subscriptions SET delivered_through = ? WHERE id = ? AND delivered_through < ?",
                   (seq, ident, seq))

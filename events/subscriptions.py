"""Webhook subscribers of the change feed and their delivery log, kept in the store's database.

Backend-neutral SQL (``?`` placeholders) through ``store.writing()`` / ``store.reading()``,
like the rest of the core; the service's dispatcher (``service/live/webhooks.py``) does the
HTTP side. A subscription's progress is ``delivered_through``: every change record up
to that sequence number has been acknowledged by the receiver (or left out by its
filters), so a restart resumes right after it. Rebuild never touches these tables.

Webhooks belong to the database they were registered in. The ``meta`` table keeps that
database's identity (``store.identity()``: for SQLite the file's path and the host, for
PostgreSQL the server's system identifier, the database and the schema). When the service
opens a database whose recorded identity differs (a backup restored elsewhere, a copy made
for a demo or for staging), :func:`settle` records the new identity and **pauses** the
deliveries, so that a copy never posts to the receivers of the original; they wait until an
admin resumes them (:func:`resume`). docs/feed.md states the rule and its limits.

A callback URL is stored whole, since deliveries need the credentials and tokens it may
carry, but it leaves the store only redacted (:func:`redact_url`, :func:`scrub`): in
answers, in delivery errors and in log lines.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

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
    """A subscriber as the API shows it: never with its secret, and its URL without credentials or query values."""

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
        """The public view: without the secret, and with the URL's credentials hidden (:func:`redact_url`)."""
        fields = msgspec.structs.asdict(self)
        del fields["secret"]
        fields["url"] = redact_url(self.url)
        if self.last_error is not None:
            fields["last_error"] = scrub(self.last_error, self.url)
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


#: What stands for a hidden part of a callback URL.
HIDDEN = "***"
#: Shorter secret parts are not hunted down in error texts (a ``1`` would be blotted out of every number).
MIN_SCRUBBED = 4


def redact_url(url: str) -> str:
    """A callback URL as logs and answers show it: the userinfo, every query value and a fragment hidden.

    ``http://user:pass@host/h?token=abc&v=2`` -> ``http://***@host/h?token=***&v=***``. A query item
    without ``=`` is hidden whole (it may be the secret itself). The path is shown as it is.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return HIDDEN
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{HIDDEN}@{netloc.rpartition('@')[2]}"
    query = "&".join(_hidden_value(item) for item in parts.query.split("&")) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, HIDDEN if parts.fragment else ""))


def _hidden_value(item: str) -> str:
    key, equals, _ = item.partition("=")
    return f"{key}={HIDDEN}" if equals else (HIDDEN if key else "")


def _secret_parts(url: str) -> list[str]:
    """The parts of ``url`` :func:`redact_url` hides, as written and percent-decoded, longest first."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found = []
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        found += [userinfo, *userinfo.split(":", 1)]
    for item in parts.query.split("&") if parts.query else ():
        key, equals, value = item.partition("=")
        found.append(value if equals else key)
    found.append(parts.fragment)
    pieces = {piece for text in found for piece in (text, unquote(text)) if len(piece) >= MIN_SCRUBBED}
    return sorted(pieces, key=len, reverse=True)


def scrub(text: str, url: str) -> str:
    """``text`` (an error message, a log line) with ``url`` redacted and its secret parts hidden wherever they
    appear on their own (a client library may print the URL in a form of its own)."""
    text = text.replace(url, redact_url(url))
    for piece in _secret_parts(url):
        text = text.replace(piece, HIDDEN)
    return text


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
    """The newest ``limit`` attempts of one subscriber, newest first (errors scrubbed of the URL's secret parts);
    raises :class:`NotFound`."""
    with store.reading() as tx:
        found = tx.fetchone("SELECT url FROM subscriptions WHERE id = ?", (ident,))
        if found is None:
            raise NotFound(f"no subscription '{ident}'")
        rows = tx.fetchall(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE subscription = ? ORDER BY id DESC LIMIT ?",
            (ident, limit),
        )
    url = found[0]
    shown = [Delivery(*r) for r in rows]
    return [d if d.error is None else msgspec.structs.replace(d, error=scrub(d.error, url)) for d in shown]


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


# --- where the webhooks belong, and whether they deliver ---------------------------------------------------

#: ``meta`` keys: the identity of the database the webhooks belong to, and the pause (JSON) while they wait.
_HOME = "webhooks_home"
_PAUSED = "webhooks_paused"


class WebhookPause(msgspec.Struct, frozen=True):
    """Deliveries wait: since when, and why."""

    since: str
    reason: str


class WebhooksState(msgspec.Struct, frozen=True):
    """Whether this database's webhooks deliver, and which database it is."""

    #: This database, in words (``store.identity()``).
    database: str
    #: None while deliveries go on.
    paused: WebhookPause | None
    #: The database the webhooks were registered in, when this one is a copy the service has not opened yet (it
    #: will pause them when it does); None otherwise.
    copy_of: str | None = None


def _meta(tx: Tx, key: str) -> str | None:
    row = tx.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
    return None if row is None else str(row[0])


def _set_meta(tx: Tx, key: str, value: str) -> None:
    tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
               (key, value))


def _pause_in(tx: Tx) -> WebhookPause | None:
    text = _meta(tx, _PAUSED)
    return None if text is None else msgspec.json.decode(text, type=WebhookPause)


def state(store: Any) -> WebhooksState:
    """The webhooks' state as it stands, changing nothing (a copy not yet opened by the service says so)."""
    here = store.identity()
    with store.reading() as tx:
        home = _meta(tx, _HOME)
        return WebhooksState(here, _pause_in(tx), copy_of=home if home not in (None, here) else None)


def paused(store: Any) -> WebhookPause | None:
    """Why deliveries wait, or None when they go on."""
    with store.reading() as tx:
        return _pause_in(tx)


def settle(store: Any, now: dt.datetime) -> WebhooksState:
    """What the service does when it opens a database: record where the webhooks belong if nobody has (a new
    database, or one from before this rule), and when they belong elsewhere (this is a copy), take this
    database as their home and pause them."""
    here = store.identity()
    with store.writing() as tx:
        home = _meta(tx, _HOME)
        if home != here:
            _set_meta(tx, _HOME, here)
            if home is not None and _pause_in(tx) is None:
                reason = (f"this database is a copy: its webhooks were registered in {home}, and it is now {here};"
                          " resume them only if this copy should deliver to their receivers")
                _set_meta(tx, _PAUSED, msgspec.json.encode(WebhookPause(format_instant(now), reason)).decode())
        return WebhooksState(here, _pause_in(tx))


def pause(store: Any, now: dt.datetime, reason: str = "paused by an admin") -> WebhooksState:
    """Stop deliveries until :func:`resume` (registrations and progress are kept; nothing is skipped)."""
    settled = settle(store, now)
    if settled.paused is not None:
        return settled
    with store.writing() as tx:
        _set_meta(tx, _PAUSED, msgspec.json.encode(WebhookPause(format_instant(now), reason)).decode())
        return WebhooksState(settled.database, _pause_in(tx))


def resume(store: Any, now: dt.datetime) -> WebhooksState:
    """Let deliveries go on from where each subscriber stopped (and bind the webhooks to this database)."""
    settled = settle(store, now)
    with store.writing() as tx:
        tx.execute("DELETE FROM meta WHERE key = ?", (_PAUSED,))
    return WebhooksState(settled.database, None)

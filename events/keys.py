"""API keys with roles, kept in the store's database as salted scrypt hashes.

A key reads ``cmt_<key id>_<secret>``. The key id is public and finds the key's row (no
scan trying every hash); the secret is stored only as ``scrypt(secret, salt)``, so the
database never holds a usable key. A name holds one key at a time; revoking keeps the row
(``keys list`` shows when), and adding the name again issues a new key in its place.

Roles rise: a ``reader`` reads, an ``editor`` also previews, proposes and appends, a
``reviewer`` also accepts and rejects proposals, an ``admin`` also manages keys and
webhooks. The service's bootstrap token (``COMMITMENTS_TOKEN``) is the admin key named
:data:`BOOTSTRAP`; no stored key may take that name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import Literal

import msgspec

from events.model.clock import format_instant
from events.model.errors import Conflict, FieldError, InvalidEvent, NotFound
from events.store.store import EventStore
from events.tables.tx import Tx

Role = Literal["reader", "editor", "reviewer", "admin"]
#: Lowest first: each role may do what those before it may.
ROLES: tuple[Role, ...] = ("reader", "editor", "reviewer", "admin")
#: The name of the bootstrap token's key.
BOOTSTRAP = "admin"
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
_NAME = re.compile(NAME_PATTERN)
_KEY = re.compile(r"^cmt_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})$")
#: scrypt's cost: 16 MiB and tens of milliseconds per check, paid once per key and process (the service
#: remembers a verified key by its digest).
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_COLUMNS = "name, key_id, role, salt, hash, created, last_used, revoked"


class InvalidKey(InvalidEvent):
    """A key request the service cannot accept (answered with 422)."""

    title = "Invalid key"


class KeyView(msgspec.Struct, frozen=True):
    """A key as ``keys list`` and ``GET /keys`` show it: never the key itself."""

    name: str
    role: str
    created: str
    last_used: str | None = None
    revoked: str | None = None


class StoredKey(msgspec.Struct, frozen=True):
    """A key's row: what checking a presented key needs."""

    name: str
    key_id: str
    role: str
    salt: str
    hash: str
    created: str
    last_used: str | None
    revoked: str | None

    def view(self) -> KeyView:
        """The row without its hash."""
        return KeyView(self.name, self.role, self.created, self.last_used, self.revoked)


def rank(role: str) -> int:
    """A role's place in :data:`ROLES` (-1 for no role)."""
    return ROLES.index(role) if role in ROLES else -1


def allows(role: str, needed: str) -> bool:
    """Whether ``role`` may do what ``needed`` may."""
    return rank(role) >= rank(needed) >= 0


def split_key(text: str) -> tuple[str, str] | None:
    """(key id, secret) of a key's text, or None when it is not in the form keys take."""
    found = _KEY.match(text)
    return (found.group(1), found.group(2)) if found else None


def _digest(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)


def secret_matches(stored: StoredKey, secret: str) -> bool:
    """Whether ``secret`` is the stored key's (scrypt, compared in constant time)."""
    return hmac.compare_digest(_digest(secret, bytes.fromhex(stored.salt)), bytes.fromhex(stored.hash))


def check_name_and_role(name: str, role: str) -> None:
    """Refuse a name that is not a short lowercase id, or is the bootstrap key's, and a role that is none."""
    faults = []
    if not _NAME.match(name):
        faults.append(FieldError("$.name", "must be 1-64 characters: lowercase letters, digits, '.', '_' or '-',"
                                           " starting with a letter or digit"))
    elif name == BOOTSTRAP:
        faults.append(FieldError("$.name", f"'{BOOTSTRAP}' is the bootstrap key (COMMITMENTS_TOKEN); choose another"))
    if role not in ROLES:
        faults.append(FieldError("$.role", f"{role!r} is not one of: {', '.join(ROLES)}"))
    if faults:
        raise InvalidKey("; ".join(f"{f.pointer}: {f.message}" for f in faults), faults)


def _row(row: tuple[object, ...]) -> StoredKey:
    return StoredKey(*row)  # type: ignore[arg-type]


def add(tx: Tx, name: str, role: str, now: dt.datetime) -> tuple[KeyView, str]:
    """Issue a key for ``name`` (write transaction): its view and the key, which exists nowhere else from now on.

    A name whose key is in force is a :class:`Conflict`; a revoked name gets a new key.
    """
    check_name_and_role(name, role)
    existing = tx.fetchone("SELECT revoked FROM api_keys WHERE name = ?", (name,))
    if existing is not None and existing[0] is None:
        raise Conflict(f"'{name}' already has a key in force; revoke it first to issue a new one")
    key_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), secrets.token_bytes(16)
    created = format_instant(now)
    tx.execute("DELETE FROM api_keys WHERE name = ?", (name,))
    tx.execute(f"INSERT INTO api_keys ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
               (name, key_id, role, salt.hex(), _digest(secret, salt).hex(), created))
    return KeyView(name, role, created), f"cmt_{key_id}_{secret}"


def every(tx: Tx) -> list[KeyView]:
    """Every key, by name (revoked ones too, with when)."""
    return [_row(r).view() for r in tx.fetchall(f"SELECT {_COLUMNS} FROM api_keys ORDER BY name")]


def by_id(tx: Tx, key_id: str) -> StoredKey | None:
    """The key with this public id, revoked or not; None when there is none."""
    row = tx.fetchone(f"SELECT {_COLUMNS} FROM api_keys WHERE key_id = ?", (key_id,))
    return None if row is None else _row(row)


def revoke(tx: Tx, name: str, now: dt.datetime) -> KeyView:
    """Revoke the key of ``name`` (write transaction); a key revoked already keeps its first revocation."""
    row = tx.fetchone(f"SELECT {_COLUMNS} FROM api_keys WHERE name = ?", (name,))
    if row is None:
        if name == BOOTSTRAP:
            raise Conflict(f"'{BOOTSTRAP}' is the bootstrap key: change or unset COMMITMENTS_TOKEN (or delete the"
                           " token file) to retire it")
        raise NotFound(f"no key named '{name}'")
    if row[7] is None:
        tx.execute("UPDATE api_keys SET revoked = ? WHERE name = ?", (format_instant(now), name))
        row = tx.fetchone(f"SELECT {_COLUMNS} FROM api_keys WHERE name = ?", (name,))
    assert row is not None
    return _row(row).view()


def parse_used(instant: str) -> dt.datetime:
    """A stored instant (``last used``, ``created``) as an aware datetime."""
    return dt.datetime.fromisoformat(instant.replace("Z", "+00:00"))


def touch(tx: Tx, key_id: str, now: dt.datetime) -> None:
    """Note that the key was used (write transaction)."""
    tx.execute("UPDATE api_keys SET last_used = ? WHERE key_id = ?", (format_instant(now), key_id))


# --- the same on a store, each in a transaction of its own -----------------------------------------


def issue(store: EventStore, name: str, role: str) -> tuple[KeyView, str]:
    """Issue a key for ``name`` (see :func:`add`), at the store clock's now."""
    with store.writing() as tx:
        return add(tx, name, role, store.clock.now())


def listing(store: EventStore) -> list[KeyView]:
    """Every key, by name."""
    with store.reading() as tx:
        return every(tx)


def withdraw(store: EventStore, name: str) -> KeyView:
    """Revoke the key of ``name`` (see :func:`revoke`), at the store clock's now."""
    with store.writing() as tx:
        return revoke(tx, name, store.clock.now())

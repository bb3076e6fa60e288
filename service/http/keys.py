"""``/keys``: API keys with roles, for admins. A key is shown once, in the answer that issues it."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.openapi.spec import SecurityRequirement
from litestar.params import JSONBody, PathParameter
from msgspec import Meta

from events import keys
from events.keys import InvalidKey, KeyView, Role
from service.http.auth import ADMIN, ADMIN_WRITE, READER, caller_of
from service.http.body import StrictObject
from service.http.errors import problem_responses
from service.http.params import Store

KeyName = Annotated[str, PathParameter(description="A key's name, e.g. `alice`.", pattern=keys.NAME_PATTERN,
                                       max_length=64)]
_SECURITY: list[SecurityRequirement] = [{"bearer": []}]


class NewKey(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A key to issue: whose it is (the name appends are attributed to) and its role."""

    name: Annotated[str, Meta(pattern=keys.NAME_PATTERN, max_length=64, description=(
        "Lowercase letters, digits, '.', '_' or '-'; not `admin` (the bootstrap token's name)"), examples=["alice"])]
    role: Role


class KeyBody(StrictObject[NewKey]):
    """``POST /keys`` bodies: unknown fields and bad values are 422 ``invalid-key``."""

    model = NewKey
    invalid = InvalidKey
    expects = 'a key object, e.g. {"name": "alice", "role": "editor"}'
    example = {"name": "example-editor", "role": "editor"}


class IssuedKey(msgspec.Struct, frozen=True):
    """A new key: send it as ``Authorization: Bearer <key>``. Shown only this once; the service keeps a hash."""

    name: str
    role: str
    created: str
    key: str


class KeyHolder(msgspec.Struct, frozen=True):
    """Who a key is: the name its appends are attributed to, and its role."""

    name: str
    role: Annotated[str, Meta(description="reader, editor, reviewer or admin")]


class KeyList(msgspec.Struct, frozen=True):
    """Every key by name (revoked ones with when), never the keys themselves."""

    keys: list[KeyView]


class KeysController(Controller):
    """API keys and their roles."""

    path = "/keys"
    tags = ["keys"]

    @post("/", dto=KeyBody, return_dto=None, opt=ADMIN_WRITE, security=_SECURITY, sync_to_thread=True,
          status_code=201, summary="Issue a key", responses=problem_responses(400, 401, 403, 409, 415, 422, 429))
    def issue(self, data: JSONBody[NewKey], store: Store) -> IssuedKey:
        """Issue a key with a role (reader, editor, reviewer, admin) for a name; 409 if the name has a key in
        force. The answer holds the key, shown only this once."""
        view, key = keys.issue(store, data.name, data.role)
        return IssuedKey(view.name, view.role, view.created, key)

    @get("/me", opt=READER, security=_SECURITY, summary="Who this key is",
         responses=problem_responses(401, 429))
    async def holder(self, request: Request) -> KeyHolder:
        """The name and role of the key the request presents, for any key in force (the page asks it on sign-in
        to show what the key may do): 401 for no key, an unknown or a revoked one."""
        caller = caller_of(request.scope)
        assert caller is not None  # the access checks let no request without a key in force through
        return KeyHolder(caller.name, caller.role)

    @get("/", opt=ADMIN, security=_SECURITY, sync_to_thread=True, summary="List keys",
         responses=problem_responses(400, 401, 403, 429))
    def list_keys(self, store: Store) -> KeyList:
        """Every key: name, role, created, last used (to the minute), revoked."""
        return KeyList(keys.listing(store))

    @delete("/{name:str}", opt=ADMIN, security=_SECURITY, sync_to_thread=True, status_code=200,
            summary="Revoke a key", responses=problem_responses(400, 401, 403, 404, 409, 429))
    def revoke(self, store: Store, name: KeyName) -> KeyView:
        """Revoke a key: it is refused (401) from the next request on, by every instance of the service. 409 for
        `admin`, the bootstrap token (change `COMMITMENTS_TOKEN` to retire it)."""
        return keys.withdraw(store, name)

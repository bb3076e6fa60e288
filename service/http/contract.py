"""The OpenAPI document tightened to what the server accepts, so that a request the document allows is accepted.

Litestar documents what it reads from the handlers' types, and loses some of it. Added
here, once, to a copy of its document:

* the objects clients send are closed (``additionalProperties: false``): the event types
  and their ``sources``, ``quantity`` and ``provisions``, and a new subscription, whose
  decoding refuses unknown fields;
* every EDTF date field (typed ``catalog.Date``) gets ``dates.PATTERN``;
* text holds no NUL character (PostgreSQL cannot store one, so the server refuses it);
* a correction has either ``replacement`` fields (never ``id`` or ``type``) or
  ``retracted: true``;
* numeric bounds are copied from the msgspec types as written (litestar drops a bound of 0
  and writes large ones as floats, which cannot hold them exactly);
* ``GET /panel`` answers JSON too (``format=json``), besides its CSV;
* an optional header is text that may be left out, never ``null``: litestar writes
  ``str | None`` as ``oneOf: [string, null]``, and a client that believed it would send the
  text ``null`` (query parameters keep it: litestar reads ``kind=null`` as no ``kind``).

What no JSON Schema can state is said in the descriptions and in docs/api.md: references
must name ids the log holds, an interval or a ``from``/``to`` pair may not run backwards.
The parameters' patterns are declared where the parameters are (``service/http/params.py``).
"""

from __future__ import annotations

import copy
from typing import Any, get_args

import msgspec

from events.model import dates
from events.model.catalog import Date, EventCorrected
from events.model.inbound import STRICTLY_DECODED
from service.http.keys import NewKey
from service.http.proposals import Rejection
from service.http.subscriptions import NewSubscription
from service.panel import PanelDocument

#: The structs clients send, whose unknown fields the server refuses.
CLOSED: tuple[type[msgspec.Struct], ...] = (*STRICTLY_DECODED, NewSubscription, NewKey, Rejection)
_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}
NO_NUL = "^[^\\u0000]*$"
#: events/model/inbound.py's rule for a correction (``retracted`` is the same as having no ``replacement``).
CORRECTION = {
    "oneOf": [
        {"required": ["replacement"], "properties": {"replacement": {"type": "object"}, "retracted": {"const": False}}},
        {"required": ["retracted"], "properties": {"retracted": {"const": True}, "replacement": {"type": "null"}}},
    ],
}
REPLACEMENT = {"type": "object", "propertyNames": {"not": {"enum": ["id", "type"]}},
               "description": "the corrected event's fields with their new values (not its id or type)"}


def _is_date(annotation: Any) -> bool:
    return annotation == Date or any(arg == Date for arg in get_args(annotation))


def _bounds(annotation: Any) -> dict[str, int | float]:
    """The numeric bounds of a field's type (``Annotated[int, Meta(ge=0)] | None`` -> ``{"minimum": 0}``)."""
    info = msgspec.inspect.type_info(annotation)
    if isinstance(info, msgspec.inspect.UnionType):
        numbers = [t for t in info.types if not isinstance(t, msgspec.inspect.NoneType)]
        info = numbers[0] if len(numbers) == 1 else info
    if isinstance(info, msgspec.inspect.Metadata):
        info = info.type
    if not isinstance(info, (msgspec.inspect.IntType, msgspec.inspect.FloatType)):
        return {}
    return {key: value for name, key in _BOUNDS.items() if (value := getattr(info, name)) is not None}


def _no_nul(schema: dict[str, Any]) -> None:
    """Text in ``schema`` (its properties, items and alternatives, not its references) may hold no NUL."""
    members = [*schema.get("oneOf", []), *schema.get("anyOf", []), *schema.get("allOf", [])]
    if schema.get("type") == "string" or any(member.get("type") == "string" for member in members):
        if "pattern" not in schema:
            schema["pattern"] = NO_NUL
        elif "[^" in schema["pattern"]:  # a negated class (a URL's "no spaces") lets a NUL through
            schema["not"] = {"pattern": "\u0000"}
    nested = [member for member in members if "properties" in member or "items" in member]
    for child in [*schema.get("properties", {}).values(), *nested]:
        if isinstance(child, dict) and "$ref" not in child:
            _no_nul(child)
    if isinstance(schema.get("items"), dict) and "$ref" not in schema["items"]:
        _no_nul(schema["items"])


def _close(schema: dict[str, Any], struct: type[msgspec.Struct]) -> None:
    schema["additionalProperties"] = False
    properties = schema["properties"]
    for field in msgspec.structs.fields(struct):
        prop = properties[field.encode_name]
        if _is_date(field.type):
            prop.update(pattern=dates.PATTERN, minLength=1, maxLength=64)
        prop.update(_bounds(field.type))
    if struct is EventCorrected:
        properties["replacement"] = REPLACEMENT
        schema.update(copy.deepcopy(CORRECTION))
    _no_nul(schema)


def _never_null(schema: dict[str, Any]) -> None:
    """``{"oneOf": [{"type": "string"}, {"type": "null"}], ...}`` becomes ``{"type": "string", ...}``."""
    options = schema.get("oneOf") or []
    values = [option for option in options if option != {"type": "null"}]
    if len(values) == 1 and len(options) == 2:
        del schema["oneOf"]
        schema.update(values[0])
    elif isinstance(schema.get("type"), list) and "null" in schema["type"]:  # ["null", "string"] with an enum
        schema["type"] = next(kind for kind in schema["type"] if kind != "null")
        if "enum" in schema:
            schema["enum"] = [value for value in schema["enum"] if value is not None]


#: Where the id of a resource that a POST creates goes next (OpenAPI links): the proposal's own ``id``, not an id
#: of the events it holds, which a client (or a fuzzer inferring links) could take for it.
LINKS = {
    ("/proposals", "post", "201"): {
        f"{name}Proposal": {"operationRef": f"#/paths/~1proposals~1{{proposal_id}}{suffix}/{method}",
                            "parameters": {"proposal_id": "$response.body#/id"}}
        for name, suffix, method in (("Get", "", "get"), ("Accept", "~1accept", "post"),
                                     ("Reject", "~1reject", "post"))
    },
}
#: Request bodies that must hold at least one event (a proposal of nothing is refused).
NON_EMPTY_BATCHES = (("/proposals", "post"),)


def _at_least_one(body: dict[str, Any]) -> None:
    """The array form of a batch body ("one event or an array of them") gets ``minItems: 1``."""
    schema = body["content"]["application/json"]["schema"]
    for option in schema.get("oneOf", []):
        if option.get("type") == "array":
            option["minItems"] = 1


def _panel_answers_json_too(document: dict[str, Any]) -> None:
    """``GET /panel`` streams CSV or, asked with ``format=json``, a ``PanelDocument``: litestar documents one media
    type per response, so the second is added here."""
    operation = document["paths"].get("/panel", {}).get("get")
    if operation is None:
        return
    found = msgspec.json.schema_components([PanelDocument], ref_template="#/components/schemas/{name}")
    (reference,), definitions = found
    document["components"]["schemas"].update(definitions)
    operation["responses"]["200"]["content"]["application/json"] = {"schema": reference}


def tighten(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the server's own rules added (changes ``document`` in place and returns it)."""
    _panel_answers_json_too(document)
    schemas = document["components"]["schemas"]
    for (path, method, status), links in LINKS.items():
        document["paths"][path][method]["responses"][status]["links"] = links
    for path, method in NON_EMPTY_BATCHES:
        _at_least_one(document["paths"][path][method]["requestBody"])
    for struct in CLOSED:
        _close(schemas[struct.__name__], struct)
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter["in"] == "header":
                    _never_null(parameter["schema"])
    return document


class ServedDocument:
    """The document as served: litestar's, tightened once (litestar keeps its own for the app's lifetime)."""

    def __init__(self) -> None:
        self._generated: dict[str, Any] | None = None
        self._served: dict[str, Any] = {}

    def of(self, generated: dict[str, Any]) -> dict[str, Any]:
        """The tightened copy of ``generated``, made on first use."""
        if generated is not self._generated:
            self._served = tighten(copy.deepcopy(generated))
            self._generated = generated
        return self._served

"""The OpenAPI document at ``/schema``: its metadata, the bearer scheme, its pages, and repairs of litestar's output.

Litestar generates the document from the handlers' signatures; ``service/http/contract.py``
then tightens it to what the server accepts before it is served (JSON, YAML, and the
two pages of ``service/http/api_docs.py``, which load it from ``/schema/openapi.json``).
"""

from __future__ import annotations

from typing import Annotated, Any, get_args, get_origin

import msgspec
from litestar import Request, Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components, OpenAPIType, Schema, SecurityScheme
from litestar.params import ParameterKwarg
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

from service.http.api_docs import RESPONSE_HEADERS, ScalarPage, SwaggerPage
from service.http.contract import ServedDocument

TITLE = "Commitment timeline"
VERSION = "0.1.0"
DESCRIPTION = (
    "Who promised what, on which conditions, and when that changed: an event-sourced timeline of commitments "
    "between states. Query dates (`at`, `from`, `to`) are days (`2026-01-07`); event dates are EDTF levels 0 and 1 "
    "(`2025-21`, `201X`, `2025-12~`, `2026-01-06T09:30:00Z`, `2025-06/`), and answers give each date's `precision`; "
    "`known_at` is an RFC 3339 instant and answers "
    "as the log stood then. Writes need `Authorization: Bearer <token>`. Errors are RFC 9457 problem JSON."
)


class VariadicTupleItems(OpenAPISchemaPlugin):
    """Documents ``Annotated[tuple[X, ...], Meta(max_length=...)]`` as an array of X.

    Litestar (2.25) renders the items of such a constrained variadic tuple as
    ``oneOf: [X, {}]``, reading the ``...`` as a type; every value then matches both
    branches, so no response would validate. The event catalogue uses these tuples for
    ``sources``, ``tags`` and reference lists.
    """

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        """Decided per field (see :meth:`is_plugin_supported_field`), never by type alone."""
        return False

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        """A constrained ``tuple[X, ...]``."""
        args = field_definition.args
        return (field_definition.origin is tuple and len(args) == 2 and args[1] is Ellipsis
                and field_definition.kwarg_definition is not None)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        """An array of the item type, with the tuple's length limits."""
        kwargs = field_definition.kwarg_definition
        items = schema_creator.for_field_definition(_item_field(_item_annotation(field_definition)))
        return Schema(type=OpenAPIType.ARRAY, items=items, min_items=getattr(kwargs, "min_items", None),
                      max_items=getattr(kwargs, "max_items", None))


def _item_annotation(field_definition: FieldDefinition) -> Any:
    """The item type with its own constraints (``Annotated[str, Meta(pattern=...)]``), which ``args`` drops."""
    raw = field_definition.raw
    while get_origin(raw) is Annotated:
        raw = get_args(raw)[0]
    args = get_args(raw)
    return args[0] if len(args) == 2 and args[1] is Ellipsis else field_definition.args[0]


def _item_field(annotation: Any) -> FieldDefinition:
    """The item as a field, keeping a string item's msgspec constraints (pattern, length)."""
    info = msgspec.inspect.type_info(annotation)
    if isinstance(info, msgspec.inspect.Metadata):
        info = info.type
    if isinstance(info, msgspec.inspect.StrType) and (
            info.pattern is not None or info.min_length is not None or info.max_length is not None):
        limits = ParameterKwarg(pattern=info.pattern, min_length=info.min_length, max_length=info.max_length)
        return FieldDefinition.from_annotation(str, kwarg_definition=limits)
    return FieldDefinition.from_annotation(annotation)


class JsonDocument(JsonRenderPlugin):
    """``/schema/openapi.json``: the served document (tightened by ``contract.py``)."""

    def __init__(self, document: ServedDocument) -> None:
        super().__init__()
        self.document = document

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        """The document as JSON."""
        return super().render(request, self.document.of(openapi_schema))


class YamlDocument(YamlRenderPlugin):
    """``/schema/openapi.yaml`` (and ``.yml``): the same document as YAML."""

    def __init__(self, document: ServedDocument) -> None:
        super().__init__()
        self.document = document

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        """The document as YAML."""
        return super().render(request, self.document.of(openapi_schema))


def openapi_config() -> OpenAPIConfig:
    """``/schema`` (Scalar), ``/schema/swagger``, ``/schema/openapi.json`` and ``.yaml``, with the bearer scheme."""
    document = ServedDocument()
    return OpenAPIConfig(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        path="/schema",
        render_plugins=[ScalarPage(), SwaggerPage(), JsonDocument(document), YamlDocument(document)],
        openapi_router=Router("/schema", route_handlers=[], include_in_schema=False,
                              response_headers=RESPONSE_HEADERS),
        components=Components(
            security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer",
                                                        description="The write token (see docs/api.md)")}
        ),
    )

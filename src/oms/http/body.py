"""Strict decoding at the edge: what a request carries is checked before a handler runs.

Litestar converts bodies and parameters leniently (``"1"`` becomes ``1``), decodes JSON of
any depth (a RecursionError, so a 500, at about 1,000 levels), and passes NUL characters,
which PostgreSQL cannot store in text, through to the database. Our own API is strict, so a
``before_request`` hook checks every request once, before Litestar's own conversion:

- the body must decode as the handler's declared type with ``strict=True``;
- JSON may nest at most ``MAX_JSON_DEPTH`` levels;
- no string in the body, the path or the query string may contain NUL.

Each refusal is a 400 problem naming the field. Partners' payloads (webhooks) are decoded
leniently by their own adapters, not here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers import HTTPRouteHandler

from oms.http.middleware import require_declared_content_type

MAX_JSON_DEPTH = 32
_NOT_STORABLE = "must not contain NUL characters (\\u0000)"

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")
# Where msgspec reports the failing field: "... - at `$.lines[0].quantity`".
_AT_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$\.?(?P<path>[^`]*)`)?$", re.DOTALL)
# Set on the handler the first time it is seen; ``None`` means it takes no JSON body.
_BODY_TYPE = "strict_body_type"


async def check_request(request: Request[Any, Any, Any]) -> None:
    """The app's ``before_request`` hook: content type, then the strict checks."""
    await require_declared_content_type(request)
    _refuse_nul_in_path_or_query(request)
    handler = request.scope.get("route_handler")
    _refuse_unknown_query_parameters(request, handler)
    body_type = _body_type(handler)
    if body_type is None:
        return
    body = await request.body()
    if body:
        decode_strictly(body, body_type)


def decode_strictly(body: bytes, body_type: Any) -> Any:
    """``body`` decoded as ``body_type`` with no coercion; 400 (ValidationException or a
    malformed-JSON HTTPException) for anything our API would not accept.

    A fully typed body cannot nest deeper than its type, and decoding stops at the first
    level that does not fit; only free-form parts (``dict[str, Any]``) are scanned for
    depth up front. A refused body is scanned too, so deep nesting is named as such.
    """
    too_deep = _invalid(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", "")
    if has_free_form(body_type) and _nesting_exceeds(body, MAX_JSON_DEPTH):
        raise too_deep
    try:
        value = msgspec.json.decode(body, type=body_type, strict=True)
    except msgspec.ValidationError as exc:
        if _nesting_exceeds(body, MAX_JSON_DEPTH):
            raise too_deep from None
        match = _AT_PATH.match(str(exc))
        assert match is not None  # the pattern matches any text
        raise _invalid(match["message"], match["path"] or "") from None
    except RecursionError:
        raise too_deep from None
    except msgspec.DecodeError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    if b"\\u0000" in body:  # the only way a NUL gets into valid JSON
        path = next(_paths_with_nul(msgspec.json.decode(body), ""), None)
        if path is not None:
            raise _invalid(_NOT_STORABLE, path)
    return value


@functools.cache
def has_free_form(body_type: Any) -> bool:
    """Whether some part of ``body_type`` takes JSON of any shape (``Any``, bare dicts)."""
    return _free_form_node(msgspec.json.schema(body_type))


def _free_form_node(node: Any) -> bool:
    """Walk a JSON Schema node and the schemas nested in it (not defaults or examples)."""
    if not isinstance(node, dict):
        return False
    if node.keys() - {"$defs"} and _unconstrained(node):
        return True
    children: list[Any] = [
        *node.get("$defs", {}).values(),
        *node.get("properties", {}).values(),
        *node.get("anyOf", ()),
        *node.get("oneOf", ()),
        *node.get("allOf", ()),
        *node.get("prefixItems", ()),
        node.get("items"),
        node.get("additionalProperties"),
    ]
    return any(_free_form_node(child) for child in children)


def _unconstrained(node: dict[str, Any]) -> bool:
    if not node.keys() & {"type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const"}:
        return True  # {}: anything at all
    return node.get("type") == "object" and not node.keys() & {
        "properties",
        "additionalProperties",
    }


def _body_type(handler: Any) -> Any:
    """The JSON body type ``handler`` declares (``data: JSONBody[T]``), or None."""
    if not isinstance(handler, HTTPRouteHandler):
        return None
    if _BODY_TYPE not in handler.opt:
        data = handler.parsed_fn_signature.parameters.get("data")
        media_type = getattr(getattr(data, "kwarg_definition", None), "media_type", None)
        json_body = data is not None and getattr(media_type, "value", None) == "application/json"
        handler.opt[_BODY_TYPE] = data.annotation if json_body and data is not None else None
    return handler.opt[_BODY_TYPE]


def _nesting_exceeds(body: bytes, limit: int) -> bool:
    """Whether any array or object in ``body`` sits more than ``limit`` levels deep.

    Counting openers first keeps the common small body to two C-speed scans; strings are
    blanked before brackets are followed, since a bracket inside a string opens nothing.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub(b'""', body)):
        if bracket.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _paths_with_nul(value: Any, path: str) -> Iterator[str]:
    """The dotted paths (``customer.name``, ``lines[0].sku``) of strings holding NUL."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                yield f"{path}.{key!r}" if path else repr(key)
            yield from _paths_with_nul(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_with_nul(item, f"{path}[{index}]")


def _refuse_unknown_query_parameters(request: Request[Any, Any, Any], handler: Any) -> None:
    """A query parameter the operation does not take is a mistake worth naming (a typo in
    ``limit`` would otherwise silently give the default page)."""
    if not request.scope["query_string"] or not isinstance(handler, HTTPRouteHandler):
        return
    known = set()
    for name, field in handler.parsed_fn_signature.parameters.items():
        # ``QueryParameter(name=...)`` reads a parameter under another name.
        known.add(getattr(field.kwarg_definition, "name", None) or name)
    for name in request.query_params:
        if name not in known:
            raise _invalid("unknown query parameter", name, source="query")


def _refuse_nul_in_path_or_query(request: Request[Any, Any, Any]) -> None:
    if "\x00" in request.scope["path"]:
        raise _invalid(_NOT_STORABLE, "path", source="path")
    if b"%00" in request.scope["query_string"]:
        for name, value in request.query_params.multi_items():
            if "\x00" in name or "\x00" in value:
                raise _invalid(_NOT_STORABLE, name.replace("\x00", ""), source="query")


def _invalid(message: str, key: str, *, source: str = "body") -> ValidationException:
    issue = {"message": message, "key": key, "source": source} if key else {"message": message}
    detail = f"{key}: {message}" if key else message
    return ValidationException(detail=detail, extra=[issue])

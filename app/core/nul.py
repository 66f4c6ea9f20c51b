"""NUL characters taken out of what people send, before any route reads it.

No one means a NUL (U+0000) in a name, a note or a search, yet one pasted or sent on purpose
reaches the database: PostgreSQL refuses it in text (the request failed with a 500, and a
phone's outbox retried that entry for ever, holding back every entry behind it), while SQLite
stored it. Removed here, from the query string, form bodies and JSON bodies, it never gets that
far on either database. Multipart bodies carry files, where a NUL is data; the one file read as
text (the patient import) refuses a NUL with its own message.

The invisible controls that override the direction of text (U+202A-U+202E, U+2066-U+2069) go
the same way: no one types them, and one in a name or a note reversed the words around it on
every page that showed it ("...enohp rieht no"), which can make a name read as another.
"""

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FORM = b"application/x-www-form-urlencoded"
ENCODED_NUL = b"%00"  # every "%" of a URL-encoded body or query starts an escape: only a NUL
JSON_NUL = b"\\u0000"  # how a NUL is written in JSON text (a raw one is not valid JSON)


def _content_type(scope: Scope) -> bytes:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bytes(value).split(b";", 1)[0].strip().lower()
    return b""


# The direction controls as UTF-8 bytes, percent-encoded, as JSON escapes and as characters.
RAW_DIRECTION = re.compile(b"\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
ENCODED_DIRECTION = re.compile(b"%e2%80%a[a-e]|%e2%81%a[6-9]", re.IGNORECASE)
JSON_DIRECTION = re.compile(rb"\\u(202[a-e]|206[6-9])", re.IGNORECASE)
UNWANTED: dict[int, None] = dict.fromkeys([0, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def _has_unwanted_encoded(data: bytes) -> bool:
    return (
        ENCODED_NUL in data
        or b"\x00" in data
        or (b"%" in data and ENCODED_DIRECTION.search(data) is not None)
        or RAW_DIRECTION.search(data) is not None
    )


def without_nul_encoded(data: bytes) -> bytes:
    """A URL-encoded query or form body without its NULs and direction controls, encoded or
    raw."""
    if not _has_unwanted_encoded(data):
        return data
    data = data.replace(ENCODED_NUL, b"").replace(b"\x00", b"")
    return RAW_DIRECTION.sub(b"", ENCODED_DIRECTION.sub(b"", data))


def _strip(value: Any) -> Any:
    if isinstance(value, str):
        return value.translate(UNWANTED)
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if isinstance(value, dict):
        return {_strip(k): _strip(v) for k, v in value.items()}
    return value


def without_nul_json(data: bytes) -> bytes:
    """A JSON body without NULs in its strings; text that is not JSON is left for the route to
    refuse as it does."""
    if (
        JSON_NUL not in data
        and RAW_DIRECTION.search(data) is None
        and (b"\\u" not in data or JSON_DIRECTION.search(data) is None)
    ):
        return data
    try:
        parsed = json.loads(data)
    except ValueError:
        return data
    return json.dumps(_strip(parsed), ensure_ascii=False).encode()


class NulFreeInput:
    """Takes NULs and direction controls out of the query string and of URL-encoded and JSON
    bodies, and NULs out of the path."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap the app."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Clean the query string now and the body when the app first reads it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # A NUL in the path (%00) reads as the replacement character: not found, as any unknown
        # address, and still storable in the audit trail (PostgreSQL text refuses NUL).
        if "\x00" in scope.get("path", ""):
            scope = {**scope, "path": scope["path"].replace("\x00", "\ufffd")}
        query = scope.get("query_string", b"")
        if query and _has_unwanted_encoded(query):
            scope = {**scope, "query_string": without_nul_encoded(query)}
        kind = _content_type(scope)
        if kind == FORM:
            clean = without_nul_encoded
        elif kind.endswith(b"json"):  # application/json, application/fhir+json
            clean = without_nul_json
        else:
            await self.app(scope, receive, send)
            return
        whole = False

        async def cleaned() -> Message:
            nonlocal whole
            if whole:
                return await receive()
            # The whole body (its size already bounded outside) in one message, cleaned.
            chunks: list[bytes] = []
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return message
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            whole = True
            return {"type": "http.request", "body": clean(b"".join(chunks)), "more_body": False}

        await self.app(scope, cleaned, send)

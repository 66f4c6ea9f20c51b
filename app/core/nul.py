"""NUL characters taken out of what people send, before any route reads it.

No one means a NUL (U+0000) in a name, a note or a search, yet one pasted or sent on purpose
reaches the database: PostgreSQL refuses it in text (the request failed with a 500, and a
phone's outbox retried that entry for ever, holding back every entry behind it), while SQLite
stored it. Removed here, from the query string, form bodies and JSON bodies, it never gets that
far on either database. Multipart bodies carry files, where a NUL is data; the one file read as
text (the patient import) refuses a NUL with its own message.
"""

import json
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


def without_nul_encoded(data: bytes) -> bytes:
    """A URL-encoded query or form body without its NULs, encoded or raw."""
    return data.replace(ENCODED_NUL, b"").replace(b"\x00", b"")


def _strip(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if isinstance(value, dict):
        return {_strip(k): _strip(v) for k, v in value.items()}
    return value


def without_nul_json(data: bytes) -> bytes:
    """A JSON body without NULs in its strings; text that is not JSON is left for the route to
    refuse as it does."""
    if JSON_NUL not in data:
        return data
    try:
        parsed = json.loads(data)
    except ValueError:
        return data
    return json.dumps(_strip(parsed), ensure_ascii=False).encode()


class NulFreeInput:
    """Takes NULs out of the query string and of URL-encoded and JSON bodies."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap the app."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Clean the query string now and the body when the app first reads it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if ENCODED_NUL in query or b"\x00" in query:
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

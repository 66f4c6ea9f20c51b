"""Static files with content-hashed URLs, so browsers cache them for a year safely."""

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


@lru_cache(maxsize=256)
def _digest(path: str) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


# Our scripts explain themselves in whole-line comments; a phone's first load need not carry
# them (offline.js: 4.9 KB gzipped with them, 4.1 KB without). Vendored files are left as sent.
_COMMENT_LINE = re.compile(rb"^[ \t]*//[^\n]*\n", re.M)


@lru_cache(maxsize=64)
def script_body(path: str) -> bytes:
    """One of our scripts as served: its whole-line comments left out (the files use no
    multi-line template strings, where such a line could be text)."""
    return _COMMENT_LINE.sub(b"", (STATIC_DIR / path).read_bytes())


def static_url(path: str) -> str:
    """The URL of a static file with its content hash as version."""
    return f"/static/{path}?v={_digest(path)}"


class CachedStatic(StaticFiles):
    """Static files; versioned requests may be cached for a year."""

    async def get_response(self, path: str, scope: Scope):  # type: ignore[no-untyped-def]
        """Serve the file with a cache lifetime that matches how it was asked for."""
        response = await super().get_response(path, scope)
        query = scope.get("query_string", b"")
        if response.status_code == 200 and path.endswith(".js") and path.startswith("js/"):
            headers = {
                k: v for k, v in response.headers.items() if k not in ("content-length", "etag")
            }
            response = Response(script_body(path), status_code=200, headers=headers)
        if response.status_code == 200:
            if query.startswith(b"v="):
                response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
                # An immutable URL is never revalidated, so validators would only add bytes to
                # every first load.
                for name in ("ETag", "Last-Modified", "Accept-Ranges"):
                    if name in response.headers:
                        del response.headers[name]
            else:
                response.headers["Cache-Control"] = "public, max-age=300"
        return response

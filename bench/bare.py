"""The app with a bare FastAPI endpoint beside it, in one process: the benchmark's baseline.

`uvicorn bench.bare:app` serves Neuroglide as usual and answers GET /bench-bare from a FastAPI
app with nothing in it: no middleware, no database, a sync route (run in the worker threads,
as the app's routes are) returning a small JSON body. Measured in the same server run as
Today and logging, the ratio between them is what the app itself costs. Only the benchmark
serves this; the real app never has the endpoint.
"""

from typing import Any

from fastapi import FastAPI

from app.main import app as neuroglide

BARE_PATH = "/bench-bare"
bare = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@bare.get(BARE_PATH)
def hello() -> dict[str, str]:
    """The least a FastAPI endpoint can do."""
    return {"status": "ok"}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Send /bench-bare to the bare app and everything else (lifespan too) to Neuroglide."""
    if scope["type"] == "http" and scope["path"] == BARE_PATH:
        await bare(scope, receive, send)
    else:
        await neuroglide(scope, receive, send)

"""On SQLite, requests that change data take turns inside the process; reads never wait."""

import asyncio

from sqlalchemy.engine import Engine

from app.db import _writer_turn


async def _overlap(method_a: str, method_b: str) -> bool:
    """Whether a second request of method_b starts while one of method_a is still inside."""
    inside = asyncio.Event()
    release = asyncio.Event()
    entered_second = asyncio.Event()

    async def first() -> None:
        async with _writer_turn(method_a):
            inside.set()
            await release.wait()

    async def second() -> None:
        await inside.wait()
        async with _writer_turn(method_b):
            entered_second.set()

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await inside.wait()
    await asyncio.sleep(0.05)  # give the second request every chance to get in
    overlapped = entered_second.is_set()
    release.set()
    await asyncio.gather(*tasks)
    return overlapped


def test_writers_take_turns_and_readers_do_not_wait(engine: Engine) -> None:
    """Two POSTs never overlap; a GET beside a POST, or two GETs, go straight in."""
    assert engine.dialect.name == "sqlite"
    assert asyncio.run(_overlap("POST", "DELETE")) is False
    assert asyncio.run(_overlap("POST", "GET")) is True
    assert asyncio.run(_overlap("GET", "GET")) is True

"""`neuroglide serve`, the command the README and the image run, as a client sees it."""

import sys
from pathlib import Path

import httpx

from bench.server import AppServer


class ServedByCommand(AppServer):
    """The app started as an operator starts it (migrating first), not by uvicorn directly."""

    def command(self) -> list[str]:
        """`neuroglide serve` from this environment."""
        tool = Path(sys.executable).parent / "neuroglide"
        return [str(tool), "serve", "--host", "127.0.0.1", "--port", str(self.port)]


def test_the_served_app_names_no_server_and_keeps_its_own_headers(tmp_path: Path) -> None:
    """No `server: uvicorn` (a name and a version only help match known weaknesses); the
    app's own security headers are there."""
    url = f"sqlite:///{tmp_path / 'served.db'}"
    with ServedByCommand(url, tmp_path) as server:
        for path in ("/healthz", "/login", "/no-such-page"):
            answer = httpx.get(server.url + path)
            assert "server" not in answer.headers, (path, answer.headers)
            assert "content-security-policy" in answer.headers, path

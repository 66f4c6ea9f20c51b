"""Bytes on the wire for a first load (empty cache) of each patient page, at phone size.

Run: .venv/bin/python -m bench.page_weight
Builds the demo clinic in a temporary folder, serves it, opens an invite link in Chromium
(Pixel 7), then loads each patient page with the cache cleared and sums what crossed the
network (compressed), as reported by the browser's DevTools protocol.
"""

import gzip
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.support.browser import launch_chromium, phone_context  # noqa: E402

BUDGET_KB = 40.0
# The exercise page carries the guided player and the moving figure.
EXERCISE_BUDGET_KB = 45.0
FIGURE_BUDGET_KB = 6.0
PAGES = ["/today", "/progress", "/settings", "/morning", "/check"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not start at {url}")


def _measure(page: Any, cdp: Any, url: str) -> tuple[int, int, list[str], dict[str, int]]:
    """Requests, bytes on the wire, hosts contacted and bytes per URL for one cold load."""
    sizes: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    cdp.send("Network.clearBrowserCache")
    page.goto(url, wait_until="networkidle")
    hosts = sorted({re.sub(r"^https?://([^/]+).*$", r"\1", u) for u in urls.values()})
    per_url = {urls.get(key, key): size for key, size in sizes.items()}
    return len(sizes), sum(sizes.values()), hosts, per_url


def _parts_table(path: str, per_url: dict[str, int]) -> Table:
    """What one page's bytes are made of, largest first."""
    table = Table(title=f"{path}: each request")
    table.add_column("request")
    table.add_column("KB on the wire", justify="right")
    for url, size in sorted(per_url.items(), key=lambda kv: -kv[1]):
        table.add_row(re.sub(r"^https?://[^/]+", "", url).split("?")[0], f"{size / 1024:.1f}")
    return table


def _figures_table() -> Table:
    """Each built-in figure's bytes, compressed as the server sends it (gzip level 9)."""
    from app.library.figures import load_figures, render_figure

    table = Table(title=f"Each figure, gzip on its own (budget {FIGURE_BUDGET_KB:.0f} KB)")
    for column in ("exercise", "moving + reduced-motion pair KB", "still KB", "within budget"):
        table.add_column(column)
    for slug in load_figures():
        moving = len(gzip.compress(str(render_figure(slug)).encode(), 9)) / 1024
        still = len(gzip.compress(str(render_figure(slug, mode="still")).encode(), 9)) / 1024
        ok = "yes" if moving <= FIGURE_BUDGET_KB else "NO"
        table.add_row(slug, f"{moving:.2f}", f"{still:.2f}", ok)
    return table


def main() -> None:
    """Build, serve, measure and print the table."""
    console = Console()
    data = tempfile.mkdtemp(prefix="neuroglide-bench-")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NEUROGLIDE_DATA_DIR": data, "NEUROGLIDE_BASE_URL": base}
    demo = subprocess.run(
        [sys.executable, "-m", "app.cli", "demo"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    link = re.search(r"(http://\S+/i/\S+)", demo.stdout)
    assert link, demo.stdout
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        _wait(f"{base}/healthz")
        table = Table(
            title=f"First load, empty cache, Pixel 7 (budget {BUDGET_KB:.0f} KB,"
            f" exercise page {EXERCISE_BUDGET_KB:.0f} KB)"
        )
        for column in ("page", "requests", "KB on the wire", "hosts", "within budget"):
            table.add_column(column)
        parts: dict[str, dict[str, int]] = {}
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            # A first load has no service worker yet: once one is installed it answers every
            # later page from its cache, and the network would show 0 bytes.
            context = phone_context(playwright, browser, "Pixel 7", service_workers="block")
            page = context.new_page()
            page.goto(link.group(1))
            page.get_by_role("button").first.click()
            page.wait_for_url("**/today**")
            exercise = page.locator(".exercises h2 a").first.get_attribute("href")
            for path in [*PAGES, str(exercise)]:
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                requests, size, hosts, per_url = _measure(page, cdp, base + path)
                parts[path] = per_url
                kb = size / 1024
                budget = EXERCISE_BUDGET_KB if path.startswith("/exercise/") else BUDGET_KB
                table.add_row(
                    path,
                    str(requests),
                    f"{kb:.1f}",
                    ", ".join(hosts),
                    "yes" if kb <= budget else "NO",
                )
                cdp.detach()
            browser.close()
        console.print(table)
        for path in ("/today", str(exercise)):
            console.print(_parts_table(path, parts[path]))
        console.print(_figures_table())
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()

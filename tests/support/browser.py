"""Chromium at phone size, screenshots and axe-core scans for browser tests."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Playwright

# Debian's package: Playwright's own browser download does not work here.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    # Root in a container has no user namespaces for the sandbox.
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium keeps trying to reach outside hosts.
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "tests" / "artifacts" / "screenshots"

# Enough selectors to find the element without flooding the failure message.
_MAX_TARGETS = 3


def launch_chromium(playwright: Playwright, **kwargs: Any) -> Browser:
    """Launch the system Chromium headless with the flags this machine needs."""
    options: dict[str, Any] = {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }
    options.update(kwargs)
    return playwright.chromium.launch(**options)


def phone_context(
    playwright: Playwright,
    browser: Browser,
    device: str = "Pixel 7",
    **kwargs: Any,
) -> BrowserContext:
    """Open a browser context emulating a Playwright device; kwargs override it."""
    # The device table lives on the Playwright object, not on the Browser.
    devices = playwright.devices
    if device not in devices:
        close = difflib.get_close_matches(device, list(devices), n=5)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"unknown Playwright device {device!r}{hint}")
    options: dict[str, Any] = dict(devices[device])
    options.update(kwargs)
    return browser.new_context(**options)


def open_menu(page: Page, fold: str = "details.ws-menu") -> None:
    """Open the workspace menu (or another fold) where a phone folds it behind its button."""
    menu = page.locator(fold)
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG of page under SCREENSHOT_DIR and return its path."""
    # Names come from test ids; keep them safe as file names.
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "page"
    path = SCREENSHOT_DIR / f"{stem}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    # CSS pixels: device-scale PNGs of a phone page run to megabytes each.
    page.screenshot(path=str(path), full_page=True, scale="css")
    return path


def _format_violation(violation: dict[str, Any]) -> str:
    """Render one axe violation as a few readable lines."""
    nodes = violation.get("nodes", [])
    targets = [" ".join(str(part) for part in node.get("target", [])) for node in nodes]
    shown = ", ".join(targets[:_MAX_TARGETS])
    more = f" (+{len(targets) - _MAX_TARGETS} more)" if len(targets) > _MAX_TARGETS else ""
    return (
        f"- {violation.get('id')} [{violation.get('impact') or 'unknown'}]: "
        f"{violation.get('help')}\n"
        f"    targets: {shown or '(none)'}{more}\n"
        f"    see: {violation.get('helpUrl', '')}"
    )


def assert_accessible(page: Page, name: str) -> None:
    """Run axe-core on page, save a screenshot, and fail on any violation."""
    results = Axe().run(page)
    # Screenshot either way, so a failing run leaves evidence to look at.
    shot = screenshot(page, name)
    violations: list[dict[str, Any]] = results.response["violations"]
    if not violations:
        return
    report = "\n".join(_format_violation(v) for v in violations)
    raise AssertionError(
        f"{len(violations)} accessibility violation(s) on {name!r} "
        f"({page.url[:100]}):\n{report}\nscreenshot: {shot}"
    )

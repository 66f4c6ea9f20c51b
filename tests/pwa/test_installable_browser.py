"""Installability: a valid manifest, a service worker that controls the start URL, offline start."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Playwright, expect
from sqlmodel import Session

from app.core.static import STATIC_DIR
from tests.factories import make_clinic, make_patient, make_staff
from tests.pwa.conftest import installed_phone
from tests.support.browser import assert_accessible, screenshot


def test_manifest_is_complete(client: TestClient) -> None:
    """Name, standalone display, start URL in scope, theme colours, and icons in every size."""
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] and manifest["short_name"] and manifest["display"] == "standalone"
    assert manifest["start_url"] == "/today" and manifest["scope"] == "/"
    assert manifest["theme_color"] and manifest["background_color"]
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        path = STATIC_DIR / icon["src"].removeprefix("/static/")
        assert path.is_file(), icon["src"]
        if icon["type"] == "image/png":
            width = int.from_bytes(path.read_bytes()[16:20], "big")
            assert f"{width}x{width}" == icon["sizes"]
    assert {s["url"] for s in manifest["shortcuts"]} >= {"/today", "/progress"}


def test_service_worker_is_served_from_the_root(client: TestClient) -> None:
    """The worker comes from /sw.js, is never cached long, and names its version."""
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    assert 'const VERSION = "' in response.text and "/static/css/app.css?v=" in response.text


@pytest.mark.browser
def test_start_url_works_offline(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """Installed, then offline: Today, exercises and progress open; others show the offline page."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    context, page = installed_phone(browser, live_server, db, patient)
    exercise = page.locator(".exercises h2 a").first.get_attribute("href")
    context.set_offline(True)
    for path in ("/today", str(exercise), "/progress"):
        response = page.goto(live_server + path)
        assert response is not None and response.ok, path
        assert response.from_service_worker, path
    page.goto(live_server + "/today")
    page.locator("#net-status").get_by_text("You are offline").wait_for()
    assert_accessible(page, "pwa-offline-today")
    page.goto(live_server + "/library")
    page.get_by_role("heading", name="You are offline").wait_for()
    expect(page.locator(".unsent-note")).to_be_hidden()
    screenshot(page, "pwa-offline-page")
    # A form sent as a page while offline: the app's offline page says it was not saved.
    context.set_offline(False)
    page.goto(live_server + "/settings")
    context.set_offline(True)
    page.locator("form[action='/settings/language'] button[type=submit]").first.click()
    page.get_by_role("heading", name="You are offline").wait_for()
    expect(page.get_by_text("What you just sent was not saved.")).to_be_visible()
    assert_accessible(page, "pwa-offline-unsent")
    context.set_offline(False)
    context.close()


def test_icons_exist_for_apple() -> None:
    """An apple-touch-icon exists for the iPhone home screen."""
    assert (Path(STATIC_DIR) / "icons/apple-touch-icon.png").is_file()

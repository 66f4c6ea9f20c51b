"""A re-issued phone forgets the patient: once online again, nothing is left to read offline."""

import pytest
from playwright.sync_api import Browser, Page, Playwright
from sqlmodel import Session

import app.access.phone
from app.access.service import reissue_access
from tests.factories import make_clinic, make_patient, make_staff
from tests.pwa.conftest import installed_phone
from tests.support.browser import assert_accessible

pytestmark = pytest.mark.browser

EXERCISE = "Median nerve slider"
OUTBOX_ENTRY = """() => NeuroglideOutbox.save({
  id: "log:test", uuid: "test", kind: "log", url: "/api/logs", method: "POST",
  body: {note: "my back hurt all night"}
}).then(() => NeuroglideOutbox.all()).then(rows => rows.length)"""


def _saved_pages(page: Page) -> list[str]:
    """Every page the service worker keeps, by path."""
    return page.evaluate(
        """async () => {
            const paths = [];
            for (const name of await caches.keys()) {
              for (const req of await (await caches.open(name)).keys()) {
                const path = new URL(req.url).pathname;
                if (!path.startsWith("/static/")) paths.push(path);
              }
            }
            return paths.sort();
        }"""
    )


def _outbox_entries(page: Page) -> int:
    """Entries in the phone's outbox and its record of sent ones (0 when it is gone)."""
    return page.evaluate(
        """() => indexedDB.databases().then(list => new Promise(resolve => {
            if (!list.some(d => d.name === "neuroglide")) return resolve(0);
            const request = indexedDB.open("neuroglide");
            request.onerror = () => resolve(-1);
            request.onsuccess = () => {
              const db = request.result;
              const stores = ["outbox", "sent"].filter(s => db.objectStoreNames.contains(s));
              if (!stores.length) { db.close(); return resolve(0); }
              const t = db.transaction(stores);
              const counts = stores.map(s => t.objectStore(s).count());
              t.oncomplete = () => {
                db.close();
                resolve(counts.reduce((n, c) => n + c.result, 0));
              };
            };
        }))"""
    )


@pytest.mark.parametrize("clear_site_data", [True, False], ids=["header", "worker-only"])
def test_reissued_phone_shows_no_health_data_offline(
    browser: tuple[Playwright, Browser],
    live_server: str,
    db: Session,
    monkeypatch: pytest.MonkeyPatch,
    clear_site_data: bool,
) -> None:
    """Cached Today and Progress, and the outbox, are gone after one online request.

    Also for a browser that ignores Clear-Site-Data: the service worker forgets by itself.
    """
    if not clear_site_data:
        monkeypatch.setattr(app.access.phone, "CLEAR_SITE_DATA", "")
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    context, page = installed_phone(browser, live_server, db, patient)
    page.goto(f"{live_server}/progress")
    page.goto(f"{live_server}/today")
    for _ in range(100):  # the install step saves the pages in the background
        if {"/today", "/progress"} <= set(_saved_pages(page)):
            break
        page.wait_for_timeout(100)
    assert {"/today", "/progress"} <= set(_saved_pages(page))
    context.set_offline(True)
    assert page.evaluate(OUTBOX_ENTRY) == 1
    assert _outbox_entries(page) == 1
    page.goto(f"{live_server}/today")
    assert page.get_by_text(EXERCISE).first.is_visible()  # offline, from the phone's copy
    context.set_offline(False)

    reissue_access(db, patient, therapist.id)  # lost phone: the therapist re-issues access
    db.commit()

    response = page.goto(f"{live_server}/today")  # the old phone's one online request
    assert response is not None
    page.wait_for_url("**/welcome")
    for _ in range(100):
        if "/today" not in _saved_pages(page) and _outbox_entries(page) == 0:
            break
        page.wait_for_timeout(100)
    assert "/today" not in _saved_pages(page) and "/progress" not in _saved_pages(page)
    assert _outbox_entries(page) == 0

    # The welcome page brings the worker back, holding the offline page and nothing else.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    for _ in range(100):
        if "/offline" in _saved_pages(page):
            break
        page.wait_for_timeout(100)
    assert _saved_pages(page) == ["/offline"]

    context.set_offline(True)
    for path in ("/today", "/progress"):
        page.goto(f"{live_server}{path}")
        body = page.locator("body").inner_text()
        assert EXERCISE not in body and patient.display_name not in body
        assert page.get_by_role("heading", name="You are offline").is_visible()
        # Nothing is left to open: the page does not promise the routine, it says what to do.
        assert "This phone is signed out" in body and "still open without" not in body
    assert page.evaluate("NeuroglideOutbox.all()") == []  # the entry saved earlier is gone
    assert_accessible(page, "pwa-signed-out-offline")
    context.close()

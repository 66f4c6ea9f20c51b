"""The ends of the first pain scale ("0 = none", "10 = worst imaginable") never sit on a button,
in English and in Spanish's longer words, on a large and a small phone."""

import pytest
from playwright.sync_api import Browser, Playwright
from sqlmodel import Session

from app.access.service import create_invite
from app.routines.service import items_of
from tests.factories import make_clinic, make_patient, make_staff, routine_version
from tests.support.browser import phone_context, screenshot

pytestmark = pytest.mark.browser


def _overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("device", ["Pixel 7", "iPhone SE"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_scale_ends_sit_clear_of_the_buttons(
    browser: tuple[Playwright, Browser], live_server: str, db: Session, device: str, language: str
) -> None:
    """Each end label is on screen and touches none of the eleven buttons."""
    playwright, chromium = browser
    patient = make_patient(db, make_staff(db, make_clinic(db)), language=language)
    item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    token = create_invite(db, patient)
    db.commit()
    context = phone_context(playwright, chromium, device)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/i/{token}")
        page.get_by_role("button").first.click()
        page.wait_for_url("**/today**")
        page.goto(f"{live_server}/exercise/{item.id}?slot=1")
        buttons = page.locator("#pain-before .scale label span")
        assert buttons.count() == 11
        ends = page.locator("#pain-before .scale-ends span")
        assert ends.count() == 2
        screenshot(page, f"scale-ends-{language}-{device.replace(' ', '-')}")
        for n in range(2):
            end = ends.nth(n).bounding_box()
            assert end is not None and end["width"] > 0
            for b in range(11):
                button = buttons.nth(b).bounding_box()
                assert button is not None
                assert not _overlaps(end, button), (ends.nth(n).inner_text(), b)
    finally:
        context.close()

"""The workspace menu in Chromium from a phone to a laptop, for a therapist and for an admin
(four more entries): one line beside the brand or folded behind a button-sized "Menu", never
wrapped; without the script it stays open and every entry can be reached."""

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from sqlmodel import Session

from tests.factories import make_clinic, make_staff
from tests.staff.workspace_browser import WIDTHS, menu_layout, resize, signed_in
from tests.support.browser import assert_accessible, open_menu

pytestmark = pytest.mark.browser

SHARED = ["Dashboard", "Patients", "Library", "Templates", "Monitoring"]
ENTRIES = {
    "therapist": [*SHARED, "Account"],
    "admin": [*SHARED, "Team", "Webhooks", "Audit", "API keys", "Account"],
}
# Where the whole menu fits on one line beside the brand, it is shown there.
INLINE_FROM = {"therapist": 1024, "admin": 1280}


def _assert_button_sized(page: Page, width: int) -> None:
    """The folded menu's button is a button, not a bar across the page."""
    box = page.locator("details.ws-menu > summary").bounding_box()
    assert box is not None
    assert box["width"] >= 44 and box["height"] >= 44, box
    assert box["width"] <= 160 and box["width"] < width / 2, box


def _watch(page: Page, problems: list[str]) -> None:
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )


@pytest.mark.parametrize("role", ["therapist", "admin"])
def test_the_menu_is_one_line_or_one_button_at_every_width(
    browser: tuple[Playwright, Browser], live_server: str, db: Session, role: str
) -> None:
    """At 412 to 1280 px the menu never wraps; folded, its button opens every entry."""
    playwright, chromium = browser
    user = make_staff(db, make_clinic(db), role=role)
    db.commit()
    problems: list[str] = []
    for width in WIDTHS:
        context, page = signed_in(playwright, chromium, live_server, user, width)
        _watch(page, problems)
        for path in ("/patients", "/account"):
            page.goto(f"{live_server}{path}")
            layout = menu_layout(page)
            assert not layout.startswith("wrapped"), f"{role} at {width} px on {path}: {layout}"
            if width >= INLINE_FROM[role]:
                assert layout == "inline", f"{role} at {width} px on {path}: {layout}"
            box = page.locator("header.topbar").bounding_box()
            assert box is not None and box["height"] < 80, f"{role} at {width} px: {box}"
            if layout == "folded":
                _assert_button_sized(page, width)
                expect(page.get_by_role("link", name="Patients", exact=True)).to_be_hidden()
        open_menu(page)
        for name in ENTRIES[role]:
            expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        if width in (412, 900):
            assert_accessible(page, f"workspace-menu-{role}-{width}")
        context.close()
    assert not problems, problems


def test_the_menu_folds_where_its_entries_do_not_fit_and_opens_where_they_do(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """Wider entries (another font, a longer menu) fold the menu; widening opens it again."""
    playwright, chromium = browser
    therapist = make_staff(db, make_clinic(db))
    db.commit()
    context, page = signed_in(playwright, chromium, live_server, therapist, 1280)
    page.goto(f"{live_server}/patients")
    assert menu_layout(page) == "inline"
    # Entries as wide as a larger font would make them: the stylesheet's width is not enough.
    page.evaluate(
        "document.querySelectorAll('.ws-menu .nav a')"
        ".forEach((link) => { link.style.paddingInline = '3rem'; })"
    )
    resize(page, 1279)
    assert menu_layout(page) == "folded"
    _assert_button_sized(page, 1279)
    open_menu(page)
    assert menu_layout(page) == "folded-open"
    expect(page.get_by_role("link", name="Monitoring", exact=True)).to_be_visible()
    # Narrower and wider again: the reader's open menu stays open while it stays folded.
    resize(page, 1200)
    assert menu_layout(page) == "folded-open"
    resize(page, 1800)
    assert menu_layout(page) == "inline"
    resize(page, 700)
    assert menu_layout(page) == "folded"
    resize(page, 1280)
    assert menu_layout(page) == "folded"
    page.evaluate(
        "document.querySelectorAll('.ws-menu .nav a')"
        ".forEach((link) => { link.style.paddingInline = ''; })"
    )
    resize(page, 1281)
    assert menu_layout(page) == "inline"
    context.close()


@pytest.mark.parametrize("width", [412, 900, 1280])
def test_without_the_script_every_entry_can_be_reached(
    browser: tuple[Playwright, Browser], live_server: str, db: Session, width: int
) -> None:
    """No script: the menu is open (under its button where it would not fit) and unwrapped
    where it is inline."""
    playwright, chromium = browser
    admin = make_staff(db, make_clinic(db), role="admin")
    db.commit()
    context, page = signed_in(
        playwright, chromium, live_server, admin, width, java_script_enabled=False
    )
    page.goto(f"{live_server}/patients")
    layout = menu_layout(page)
    assert layout in ("inline", "folded-open"), layout
    for name in ENTRIES["admin"]:
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    context.close()

"""Helpers for workspace browser tests: a signed-in window of a given width, and how the menu
and the filters are laid out in it."""

from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from app.core.sessions import STAFF_COOKIE
from app.models import StaffUser
from tests.factories import staff_session_cookie
from tests.support.browser import phone_context

# A phone (Pixel 7), a tablet upright, a small and a larger tablet across, a laptop.
WIDTHS = (412, 768, 900, 1024, 1280)

# "inline" when every entry sits on the brand's line, "folded" (or "folded-open") when the
# menu's button shows, else the entries that went onto another line.
_MENU_LAYOUT = """() => {
  const menu = document.querySelector('details.ws-menu');
  const summary = menu.querySelector('summary');
  if (getComputedStyle(summary).display !== 'none') return menu.open ? 'folded-open' : 'folded';
  const line = document.querySelector('.topbar .brand').getBoundingClientRect();
  const off = [...menu.querySelectorAll('.nav a, .ws-menu-body button')].filter((item) => {
    const box = item.getBoundingClientRect();
    const middle = (box.top + box.bottom) / 2;
    return middle < line.top || middle > line.bottom;
  });
  if (!off.length) return 'inline';
  return 'wrapped: ' + off.map((item) => item.textContent.trim()).join(', ');
}"""


def signed_in(
    playwright: Playwright,
    chromium: Browser,
    base: str,
    user: StaffUser,
    width: int,
    **options: Any,
) -> tuple[BrowserContext, Page]:
    """A window `width` px wide (a Pixel 7 at 412) with `user` signed in."""
    if width == 412:
        context = phone_context(playwright, chromium, **options)
    else:
        context = chromium.new_context(viewport={"width": width, "height": 800}, **options)
    cookie = {"name": STAFF_COOKIE, "value": staff_session_cookie(user), "url": base}
    context.add_cookies([cookie])  # type: ignore[list-item]
    return context, context.new_page()


def menu_layout(page: Page) -> str:
    """How the workspace menu is laid out: inline, folded, folded-open, or wrapped: ..."""
    return str(page.evaluate(_MENU_LAYOUT))


def resize(page: Page, width: int) -> None:
    """Make the window `width` px wide and let the workspace script answer the resize."""
    page.set_viewport_size({"width": width, "height": 800})
    # The script refits on the next animation frame after the resize.
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done)))")

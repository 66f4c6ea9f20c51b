"""The exercise page in Chromium: the player's rest between sets, and the log form's boxes."""

import pytest
from playwright.sync_api import Browser, Page, Playwright
from sqlmodel import Session

from app.access.service import create_invite
from app.models import RoutineItem
from app.routines.service import items_of
from tests.factories import make_clinic, make_patient, make_staff, routine_version
from tests.support.browser import phone_context

pytestmark = pytest.mark.browser
# At this tempo one movement takes 0.2 s and the 30 s rest between sets 3 s.
TEMPO = 0.1
REST_S = 30 * TEMPO

# Every state, set and repetition the player shows, in order, as a test can read them back.
RECORDER = """() => {
  window.seen = [];
  const p = document.getElementById("player");
  new MutationObserver(() => window.seen.push([p.dataset.state, +p.dataset.set, +p.dataset.rep]))
    .observe(p, { attributes: true, attributeFilter: ["data-state", "data-set", "data-rep"] });
}"""


def _player(
    browser: tuple[Playwright, Browser], base: str, db: Session, side: str = "left"
) -> Page:
    """A signed-in phone on an exercise of 2 sets of 2 quick repetitions, player ready."""
    playwright, chromium = browser
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    item: RoutineItem = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    item.sets, item.reps, item.seconds_per_cycle, item.hold_seconds = 2, 2, 4, 0
    item.side = side  # one side unless a test asks for "each arm"
    db.add(item)
    token = create_invite(db, patient)
    db.commit()
    page = phone_context(playwright, chromium).new_page()
    page.goto(f"{base}/i/{token}")
    page.get_by_role("button", name="Open my exercises").click()
    page.wait_for_url("**/today**")
    page.goto(f"{base}/exercise/{item.id}?slot=1&tempo={TEMPO}")
    page.evaluate(RECORDER)
    return page


def _in_first_rest(browser: tuple[Playwright, Browser], base: str, db: Session) -> Page:
    """The player started and a second into the rest after set 1 (the countdown has redrawn)."""
    page = _player(browser, base, db)
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_selector("#player[data-state=rest]", timeout=10_000)
    page.wait_for_timeout(1300)
    return page


def _seen(page: Page) -> list[list[object]]:
    return page.evaluate("window.seen")


def test_skipping_the_rest_starts_the_next_set_once(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """After "Skip rest" the old rest timer must not start a second copy of the set later."""
    page = _in_first_rest(browser, live_server, db)
    page.get_by_role("button", name="Skip rest").click()
    page.wait_for_selector("#player[data-state=done]", timeout=10_000)
    page.wait_for_timeout(REST_S * 1000 + 1500)  # past when the skipped rest would have ended
    seen = _seen(page)
    assert page.get_attribute("#player", "data-state") == "done", seen
    assert max(int(str(s[1])) for s in seen) == 2, seen
    moves = [s for s in seen if s[0] == "out"]
    assert len(moves) == 4, seen  # 2 sets x 2 repetitions, no more


def test_pausing_during_the_rest_holds_it_until_resumed(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """A paused rest does not run on into the next set; resuming finishes it."""
    page = _in_first_rest(browser, live_server, db)
    page.get_by_role("button", name="Pause").click()
    page.wait_for_timeout(REST_S * 1000 + 1500)
    assert page.get_attribute("#player", "data-state") == "rest", _seen(page)
    assert page.get_attribute("#player", "data-set") == "1"
    page.get_by_role("button", name="Resume").click()
    page.wait_for_selector("#player[data-state=done]", timeout=10_000)
    assert len([s for s in _seen(page) if s[0] == "out"]) == 4, _seen(page)


def test_none_and_a_symptom_are_never_ticked_together(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """Ticking a feeling clears "None", and ticking "None" clears the feelings."""
    page = _player(browser, live_server, db)
    boxes = page.locator("#log-form input[name=symptoms]")
    none, tingling, numbness = (
        boxes.and_(page.locator(f"[value={v}]")) for v in ("none", "tingling", "numbness")
    )
    assert none.is_checked()
    tingling.check()
    numbness.check()
    assert not none.is_checked() and tingling.is_checked() and numbness.is_checked()
    none.check()
    assert not tingling.is_checked() and not numbness.is_checked()

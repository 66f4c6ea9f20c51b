"""The guided player's get-ready count, side changes and pause, in Chromium at Pixel 7."""

import pytest
from playwright.sync_api import Browser, Page, Playwright
from sqlmodel import Session

from tests.patient.test_player_browser import _player
from tests.support.browser import assert_accessible

pytestmark = pytest.mark.browser

# What the player shows, step by step, with the get-ready number and the side.
RECORDER = """() => {
  window.steps = [];
  const p = document.getElementById("player");
  const note = () => window.steps.push(
    [p.dataset.state, +p.dataset.set, +p.dataset.rep, +p.dataset.side, p.dataset.count || ""]);
  new MutationObserver(note).observe(p, { attributes: true,
    attributeFilter: ["data-state", "data-set", "data-rep", "data-side", "data-count"] });
}"""
# Vibration calls, each with what the player showed at that moment.
BUZZ = """Object.defineProperty(Navigator.prototype, "vibrate", { configurable: true,
  value: function () {
    const p = document.getElementById("player");
    (window.buzz = window.buzz || []).push(p.dataset.state + ":" + (p.dataset.count || ""));
    return true;
  } });"""


def _start(page: Page) -> None:
    page.evaluate(RECORDER)
    page.get_by_role("button", name="▶ Start").click()


def _steps(page: Page) -> list[list[object]]:
    """The recorded steps without repeats (one step sets several attributes)."""
    out: list[list[object]] = []
    for step in page.evaluate("window.steps"):
        if not out or out[-1] != step:
            out.append(step)
    return out


def test_a_get_ready_count_comes_before_the_first_movement_and_after_the_rest(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """3, 2, 1 (buzzing when vibration is on) before set 1 and again after the rest."""
    page = _player(browser, live_server, db)
    page.context.add_init_script(BUZZ)
    page.reload()
    page.get_by_role("checkbox", name="Vibration").check()
    _start(page)
    page.wait_for_selector("#player[data-state=done]", timeout=15_000)
    steps = _steps(page)
    counts = [s[4] for s in steps if s[0] == "countdown"]
    assert counts[:3] == ["3", "2", "1"] and len(counts) == 6, steps
    first_out = next(i for i, s in enumerate(steps) if s[0] == "out")
    assert [s[4] for s in steps[:first_out] if s[0] == "countdown"] == ["3", "2", "1"], steps
    after_rest = steps[[s[0] for s in steps].index("rest") :]
    assert [s[0] for s in after_rest[1:4]] == ["countdown"] * 3, steps
    assert after_rest[4][0] == "out" and after_rest[4][1] == 2, steps
    buzz = page.evaluate("window.buzz")
    assert buzz[:4] == ["countdown:3", "countdown:2", "countdown:1", "out:"], buzz


def test_each_arm_does_every_set_on_both_sides(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """An "each arm" dose says when to change arms and counts each arm's sets."""
    page = _player(browser, live_server, db, side="both")
    _start(page)
    page.wait_for_selector("#player[data-state=switch]", timeout=10_000)
    assert page.locator("#player .phase").inner_text() == "Now change to your other arm"
    assert "Set 1 of 2 · other arm" in page.locator("#player .count").inner_text()
    assert_accessible(page, "player-change-side")
    page.wait_for_selector("#player[data-state=done]", timeout=15_000)
    steps = _steps(page)
    outs = [(s[1], s[3]) for s in steps if s[0] == "out"]
    assert outs == [(1, 1), (1, 1), (1, 2), (1, 2), (2, 1), (2, 1), (2, 2), (2, 2)], steps
    assert [s[0] for s in steps].count("switch") == 2, steps
    assert [s[0] for s in steps].count("rest") == 1, steps  # between sets, not between arms


def test_paused_says_paused_until_resumed(
    browser: tuple[Playwright, Browser], live_server: str, db: Session
) -> None:
    """While paused the screen says so, not the last movement's cue."""
    page = _player(browser, live_server, db)
    page.goto(page.url.replace("tempo=", "tempo=1&was="))  # each movement 2 s, time to tap
    _start(page)
    page.wait_for_selector("#player[data-state=back]", timeout=10_000)
    page.get_by_role("button", name="Pause").click()
    phase = page.locator("#player .phase")
    assert phase.inner_text() == "Paused", phase.inner_text()
    assert_accessible(page, "player-paused")
    page.get_by_role("button", name="Resume").click()
    assert phase.inner_text() == "And back"

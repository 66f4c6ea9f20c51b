"""Exercise figures: keyframes, phase by kind, side, tempo, reduced motion, copies, pages."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.library.admin import copy_exercise
from app.library.figure_view import figure_html, figure_slug
from app.library.figures import KINDS, NAMES, SEGMENTS, VIEWS, load_figures, poses, render_figure
from app.library.service import load_library_file
from app.models.exercise import Exercise
from tests.dashboard.helpers import HTML, sign_in
from tests.factories import builtin, make_clinic, make_patient, make_staff

# Each figure is checked against the kind of movement the library itself gives the exercise.
KIND_OF = {entry["slug"]: entry["kind"] for entry in load_library_file()}
PHASES = {
    "slider": {(1, -1), (-1, 1)},
    "two_ended_tensioner": {(1, 1)},
    "one_ended_tensioner": {(1, 0), (0, 1)},
}
FIGURES = load_figures()


def _joint(pose: dict[str, float], segment: str, view: str) -> float:
    """A joint angle: the segment's angle relative to its parent's."""
    parent = next(s.parent for s in SEGMENTS[view] if s.name == segment)
    return pose[segment] - (pose[parent] if parent else 0.0)


def test_every_builtin_exercise_has_a_figure() -> None:
    """The 17 built-in exercises (and the 6 new ones) each have a figure, and no stray ones."""
    slugs = {entry["slug"] for entry in load_library_file()}
    assert slugs <= set(FIGURES)
    assert set(FIGURES) == set(KIND_OF)


@pytest.mark.parametrize("slug", sorted(KIND_OF))
def test_keyframes_are_valid(slug: str) -> None:
    """A view, start and end poses over known joints, ends to highlight, words in two languages."""
    figure: dict[str, Any] = FIGURES[slug]
    assert figure["view"] in VIEWS and figure["kind"] in KINDS
    assert len(figure["keyframes"]) >= 2
    assert set(figure.get("base", {})) <= NAMES
    for frame in figure["keyframes"]:
        assert set(frame["angles"]) <= NAMES
        assert set(frame.get("len", {})) <= NAMES
        assert all(0.2 <= v <= 1 for v in frame.get("len", {}).values())
        assert set(frame["bed"]) == {"proximal", "distal"}
    assert figure["keyframes"][0]["bed"] == {"proximal": 0, "distal": 0}
    assert set(figure["ends"]) == {"proximal", "distal"}
    # The eye goes to the ends that move; a held pre-load is drawn plainly.
    moving = {e for f in figure["keyframes"] for e, effect in f["bed"].items() if effect}
    assert set(figure["highlight"]) == {s for e in moving for s in figure["ends"][e]}
    assert figure["alt"]["en"].strip() and figure["alt"]["es"].strip()
    assert figure["alt"]["en"] != figure["alt"]["es"]


@pytest.mark.parametrize("slug", sorted(KIND_OF))
def test_phase_matches_the_kind(slug: str) -> None:
    """Each movement's ends lengthen or shorten the nerve bed as the kind says, and the joints
    of an end said to hold really hold while those of a moving end really move."""
    figure = FIGURES[slug]
    assert figure["kind"] == KIND_OF[slug]
    frames = poses(figure)
    for before, after, frame in zip(frames, frames[1:], figure["keyframes"][1:], strict=False):
        bed = frame["bed"]
        assert (bed["proximal"], bed["distal"]) in PHASES[figure["kind"]], slug
        for end, effect in bed.items():
            moved = [
                abs(_joint(after, s, figure["view"]) - _joint(before, s, figure["view"])) > 1
                for s in figure["ends"][end]
            ]
            assert any(moved) if effect else not any(moved), (slug, end, effect)


def test_a_slider_and_its_tensioner_differ_in_the_head() -> None:
    """The only visible difference between the median slider and tensioner is the head tilt."""
    slider, tensioner = poses(FIGURES["median-slider"])[-1], poses(FIGURES["median-tensioner"])[-1]
    assert slider["neck"] < 180 < tensioner["neck"]
    assert {k for k in slider if slider[k] != tensioner[k]} == {"neck"}


def test_mirrored_for_the_other_side() -> None:
    """A left-side dose shows the figure turned round; a side view and a front view both do."""
    for slug in ("supine-sciatic-slider", "median-slider"):
        left = render_figure(slug, side="left")
        right = render_figure(slug, side="right")
        assert ("scale(-1 1)" in left) != ("scale(-1 1)" in right)
        assert left.count("scale(-1 1)") in (0, 3)  # the moving figure and both stills
    assert "scale(-1 1)" not in render_figure("supine-sciatic-slider", side="right")
    assert 'data-mirrored="1"' in render_figure("supine-sciatic-slider", side="left")


def test_tempo_and_hold_in_the_animation() -> None:
    """The cycle lasts the prescribed seconds per cycle plus the hold, and the hold is held."""
    html = str(render_figure("median-tensioner", cycle=8, hold=2))
    assert 'dur="10s"' in html and 'dur="5s"' not in html
    assert 'keyTimes="0;0.4;0.6;1"' in html
    assert 'data-half="4000"' in html and 'data-hold="2000"' in html
    rotate = re.search(r'type="rotate" values="([^"]+)"', html)
    assert rotate is not None
    values = rotate.group(1).split(";")
    assert values[1] == values[2]  # the end pose held through the hold
    quick = str(render_figure("median-slider", cycle=4, hold=0, tempo=0.5))
    assert 'dur="2s"' in quick and 'keyTimes="0;0.5;1"' in quick


def test_reduced_motion_shows_start_and_end() -> None:
    """With the moving figure come two still poses and an arrow, which reduced motion shows."""
    html = str(render_figure("seated-slump-slider"))
    moving, still = html.split('<div class="fg-pair">')
    assert "animateTransform" in moving and "animateTransform" not in still
    assert still.count("<svg") == 2 and "→" in still
    css = open("app/static/css/app.css", encoding="utf-8").read()
    assert re.search(
        r"@media \(prefers-reduced-motion: reduce\) \{\s*\.fg-move \{ display: none; \}"
        r"\s*\.fg-move \+ \.fg-pair \{ display: flex; \}",
        css,
    )


def test_words_in_the_patients_language() -> None:
    """The text alternative describes the movement in English or Spanish."""
    en, es = (
        render_figure("femoral-tensioner", lang="en"),
        render_figure("femoral-tensioner", lang="es"),
    )
    assert 'role="img"' in en and 'aria-label="Lying face down' in en
    assert 'aria-label="Boca abajo' in es


def test_a_copy_keeps_the_figure_and_a_photo_wins(db: Session) -> None:
    """A clinic's copy (and a copy of that copy) shows the built-in figure; a photo replaces it."""
    clinic = make_clinic(db)
    original = builtin(db, "ulnar-slider")
    copy = copy_exercise(db, clinic.id, original)  # type: ignore[arg-type]
    again = copy_exercise(db, clinic.id, copy)  # type: ignore[arg-type]
    assert figure_slug(copy) == figure_slug(again) == "ulnar-slider"
    assert 'data-slug="ulnar-slider"' in figure_html(again)
    own = Exercise(
        clinic_id=make_clinic(db, name="Other").id,
        slug="ulnar-slider",
        nerve="ulnar",
        kind="slider",
        body_region="neck_arm",
    )
    db.add(own)
    db.flush()
    assert figure_slug(own) is None  # same slug, written by the clinic: no figure
    copy.media_path, copy.media_type = "x.jpg", "image/jpeg"
    assert figure_html(copy) == ""


def test_handout_prints_start_and_end(client: TestClient, db: Session) -> None:
    """The printable handout shows each exercise's start and end poses, still."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist, slugs=("median-slider", "seated-slump-slider"))
    sign_in(client, therapist)
    page = client.get(f"/patients/{patient.id}/handout", headers=HTML).text
    assert page.count('class="figure fg-pair-mode"') == 2
    assert page.count("<figcaption>End position</figcaption>") == 2
    assert "animateTransform" not in page


def test_today_shows_a_small_still(client: TestClient, db: Session) -> None:
    """Today has a still of each exercise's start pose; the exercise page a moving figure."""
    from tests.factories import sign_in_patient

    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    sign_in_patient(client, db, patient)
    today = client.get("/today").text
    assert today.count('class="figure fg-still-mode"') == 2
    assert "animateTransform" not in today
    item = re.search(r'href="/exercise/(\d+)"', today)
    assert item is not None
    page = client.get(f"/exercise/{item.group(1)}").text
    assert 'class="figure fg-move-mode"' in page and "animateTransform" in page

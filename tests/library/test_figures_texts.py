"""Figures say what the texts say: pointed feet, soles turning, the arm by the side."""

import pytest

from app.library.figures import load_figures, poses, render_figure

FIGURES = load_figures()

# (exercise, keyframe): what its words ask of the foot there. "pointed" is "point your foot",
# "up" is "pull your foot up toward you".
FEET = {
    ("slr-ankle-pumps", 0): "pointed",
    ("slr-ankle-pumps", 1): "up",
    ("tibial-glide", 0): "pointed",
    ("tibial-glide", 1): "up",
    ("common-fibular-glide", 1): "pointed",
    ("sural-glide", 1): "up",
    ("opposite-leg-glide", 1): "pointed",
    ("knee-ankle-sciatic-slider", 0): "up",
    ("knee-ankle-sciatic-slider", 1): "pointed",
    ("seated-slump-slider", 1): "up",
    ("seated-slump-tensioner", 1): "up",
}
# Turning the sole: positive is in. The tibial slider goes from in to out, the fibular and
# sural tensioners from relaxed to in.
SOLES = {"tibial-glide": (1, -1), "common-fibular-glide": (0, 1), "sural-glide": (0, 1)}


def _ankle(slug: str, frame: int) -> float:
    """The angle between shin and foot: 90 standing, smaller pointed, larger pulled up."""
    pose = poses(FIGURES[slug])[frame]
    return pose["r_foot"] - pose["r_shin"]


@pytest.mark.parametrize(("slug", "frame"), sorted(FEET))
def test_feet_are_drawn_as_the_words_say(slug: str, frame: int) -> None:
    """A pointed foot is drawn close to the line of the shin; a foot pulled up, past a right
    angle, so neither reads as a foot simply resting."""
    angle = _ankle(slug, frame)
    if FEET[(slug, frame)] == "pointed":
        assert angle <= 40, (slug, frame, angle)
    else:
        assert angle >= 95, (slug, frame, angle)


@pytest.mark.parametrize("slug", sorted(SOLES))
def test_the_sole_turns_in_a_view_from_behind(slug: str) -> None:
    """Turning the sole leaves a side view's plane: a small view from behind shows it, still
    and moving, turning the way the text says."""
    sole = FIGURES[slug]["sole"]
    assert len(sole) == len(FIGURES[slug]["keyframes"])
    signs = tuple((a > 0) - (a < 0) for a in (sole[0], sole[-1]))
    assert signs == SOLES[slug]
    moving = str(render_figure(slug))
    assert 'class="fg-inset"' in moving
    assert f'values="{sole[0]:g};{sole[-1]:g};{sole[0]:g}"' in moving
    still = str(render_figure(slug, mode="still"))
    assert f"rotate({sole[0]:g})" in still and "animateTransform" not in still


def test_only_the_foot_exercises_have_a_sole_view() -> None:
    """No other figure carries the view from behind."""
    assert {slug for slug, figure in FIGURES.items() if "sole" in figure} == set(SOLES)
    assert 'class="fg-inset"' not in str(render_figure("slr-ankle-pumps"))


def test_the_radial_arm_by_side_slider_bends_the_wrist_toward_the_palm() -> None:
    """Palm facing back, so bending the wrist toward the palm points the fingers down as the
    elbow bends; straightening the elbow, the wrist bends back."""
    start, out = poses(FIGURES["radial-arm-by-side-slider"])
    assert abs(start["r_fore"] - start["r_upper"]) < 15 and start["r_hand"] - start["r_fore"] > 20
    assert out["r_fore"] - out["r_upper"] > 80 and out["r_hand"] - out["r_fore"] < -45


def test_the_arm_by_side_slider_starts_hanging_and_bends_toward_the_shoulder() -> None:
    """Start: arm hanging, elbow straight. Out: the elbow bends past a right angle, bringing the
    hand toward the shoulder, while the wrist bends back."""
    start, out = poses(FIGURES["median-arm-by-side-slider"])
    assert abs(start["r_fore"] - start["r_upper"]) < 15
    assert out["r_fore"] - out["r_upper"] > 110
    assert out["r_hand"] - out["r_fore"] < -30  # wrist back
    assert start["r_hand"] - start["r_fore"] > 30  # wrist toward the palm

"""The built-in texts after the clinical review: complete, drawable, safe, and dose-neutral."""

import re
from typing import Any

import pytest

from app.library.service import TEXT_FIELDS, load_library_file
from app.library.wording import PLACEHOLDERS
from app.models.exercise import BODY_REGIONS, DOSE_LIMITS, NERVES

ENTRIES = {e["slug"]: e for e in load_library_file()}
# The kind of movement of every built-in exercise, as the figures are drawn from it.
KINDS = {
    "median-slider": "slider",
    "median-tensioner": "two_ended_tensioner",
    "carpal-tunnel-slider": "slider",
    "ulnar-slider": "slider",
    "ulnar-tensioner": "one_ended_tensioner",
    "radial-slider": "slider",
    "radial-tensioner": "two_ended_tensioner",
    "seated-slump-slider": "slider",
    "seated-slump-tensioner": "two_ended_tensioner",
    "supine-sciatic-slider": "slider",
    "slr-ankle-pumps": "one_ended_tensioner",
    "opposite-leg-glide": "slider",
    "tibial-glide": "slider",
    "common-fibular-glide": "one_ended_tensioner",
    "sural-glide": "one_ended_tensioner",
    "femoral-slider": "slider",
    "femoral-tensioner": "one_ended_tensioner",
    "knee-ankle-sciatic-slider": "slider",
    "ulnar-elbow-wrist-slider": "slider",
    "median-arm-by-side-slider": "slider",
    "hand-gliding-sequence": "one_ended_tensioner",
    "femoral-two-ended-tensioner": "two_ended_tensioner",
    "radial-arm-by-side-slider": "slider",
}
SHOCK_EN = "bending your neck sends an electric-shock feeling"
SHOCK_ES = "al doblar el cuello sientes como una descarga eléctrica"
TILT_EN = "Si al inclinar la cabeza"


def _all_text(entry: dict[str, Any], language: str) -> list[str]:
    texts = entry["texts"][language]
    out: list[str] = []
    for field in TEXT_FIELDS:
        value = texts[field]
        out.extend(value if isinstance(value, list) else [value])
    return out


def _en(slug: str, field: str) -> Any:
    return ENTRIES[slug]["texts"]["en"][field]


def _es(slug: str, field: str) -> Any:
    return ENTRIES[slug]["texts"]["es"][field]


def test_every_exercise_and_kind_is_the_reviewed_one() -> None:
    """23 exercises, each with exactly the kind of movement it does."""
    assert {slug: e["kind"] for slug, e in ENTRIES.items()} == KINDS


@pytest.mark.parametrize("slug", sorted(KINDS))
def test_every_field_in_both_languages(slug: str) -> None:
    """Every text in English and Spanish, lists of equal length, a valid nerve, region and dose."""
    entry = ENTRIES[slug]
    assert entry["nerve"] in NERVES and entry["body_region"] in BODY_REGIONS
    assert entry["derived_from"] and len(entry["derived_from"]) <= 60
    dose = {**entry["dosage"], "ladder_stage": entry["ladder_stage"]}
    assert set(dose) == set(DOSE_LIMITS)
    for name, (low, high) in DOSE_LIMITS.items():
        assert low <= dose[name] <= high, (slug, name)
    en, es = entry["texts"]["en"], entry["texts"]["es"]
    for field in TEXT_FIELDS:
        assert en[field] and es[field], (slug, field)
        if isinstance(en[field], list):
            assert len(en[field]) == len(es[field]), (slug, field)
            assert all(line.strip() for line in en[field] + es[field])
    assert len(en["name"]) <= 160 and len(es["name"]) <= 160


def test_no_text_says_a_number_of_seconds() -> None:
    """Seconds come from the dose: only placeholders, and the same ones in both languages."""
    number = re.compile(r"\d+\s*(?:s\b|sec|second|segundo)", re.IGNORECASE)
    braces = re.compile(r"\{[^}]*\}")
    for slug, entry in ENTRIES.items():
        for language in ("en", "es"):
            for text in _all_text(entry, language):
                assert not number.search(text), (slug, language, text)
                assert set(braces.findall(text)) <= set(PLACEHOLDERS), (slug, text)
        steps = {lang: " ".join(entry["texts"][lang]["steps"]) for lang in ("en", "es")}
        for placeholder in PLACEHOLDERS:
            assert steps["en"].count(placeholder) == steps["es"].count(placeholder), slug
        # Every exercise tells its tempo; a hold is mentioned only where the dose holds.
        assert "{seconds_per_cycle}" in steps["en"], slug
        assert ("{hold_seconds}" in steps["en"]) == (entry["dosage"]["hold_seconds"] > 0), slug


def test_every_exercise_that_bends_the_neck_carries_the_shock_stop_rule() -> None:
    """Lhermitte's sign is a stop rule wherever the chin goes down (G5)."""
    bends = {
        slug
        for slug, e in ENTRIES.items()
        if any(re.search(r"\bchin\b", t) for t in e["texts"]["en"]["steps"])
    }
    assert bends >= {
        "seated-slump-slider",
        "seated-slump-tensioner",
        "supine-sciatic-slider",
        "femoral-slider",
        "femoral-two-ended-tensioner",
    }
    for slug in bends:
        assert any(SHOCK_EN in c for c in _en(slug, "cautions")), slug
        assert any(SHOCK_ES in c for c in _es(slug, "cautions")), slug


def test_arm_head_tilts_bring_the_ear_over_without_turning() -> None:
    """Sliders and two-ended tensioners of the arm say ear toward shoulder, no turning (G1, G6)."""
    for slug in ("median-slider", "median-tensioner", "ulnar-slider", "radial-slider",
                 "radial-tensioner"):  # fmt: skip
        en, es = " ".join(_en(slug, "steps")), " ".join(_es(slug, "steps"))
        assert "your ear toward" in en and "do not turn your head" in en, slug
        assert "acercando la oreja" in es and "sin girar la cara" in es, slug
        assert "tilt your head toward that arm" not in en
    for slug in ("median-slider", "ulnar-slider", "radial-slider"):
        assert any("tilting your head" in c for c in _en(slug, "cautions")), slug
        assert any(c.startswith(TILT_EN) for c in _es(slug, "cautions")), slug
    assert "your other shoulder" in " ".join(_en("median-tensioner", "steps"))
    assert "your ear toward that hand" in " ".join(_en("ulnar-slider", "steps"))
    # The mask keeps the head still, or it would become a slider.
    assert "head upright" in " ".join(_en("ulnar-tensioner", "steps"))


def test_the_radial_wrist_bends_toward_the_palm() -> None:
    """'Wrist down' invited the opposite movement; now the fingers point behind."""
    for slug in ("radial-slider", "radial-tensioner"):
        en, es = " ".join(_en(slug, "steps")), " ".join(_es(slug, "steps"))
        assert "wrist down" not in en and "muñeca hacia abajo" not in es
        assert "toward the palm side" in en and "fingers point behind you" in en
        assert "hacia el lado de la palma" in es
    assert "wrist down" not in _en("radial-slider", "name")


def test_tibial_glide_is_a_true_slider() -> None:
    """The knee and the foot move together in opposite ways, at stage 3."""
    entry = ENTRIES["tibial-glide"]
    assert (entry["kind"], entry["ladder_stage"]) == ("slider", 3)
    steps = _en("tibial-glide", "steps")
    assert "Straighten your knee" in steps[1] and "point your foot down" in steps[1]
    assert "bend your knee" in steps[2] and "bring your foot up" in steps[2]
    assert "Only your foot moves" not in " ".join(steps)
    assert _en("tibial-glide", "name").startswith("Tibial nerve slider")
    assert "Estira un poco la rodilla" in _es("tibial-glide", "steps")[1]


def test_the_other_small_fixes_are_in() -> None:
    """Opposite leg, sural, names, head starts, ranges and the Spanish wording."""
    assert "point gently away" in _en("opposite-leg-glide", "steps")[1]
    assert "new tingling, numbness or weakness" in _en("opposite-leg-glide", "cautions")[1]
    assert (
        "pulling your foot up toward you and turning the sole inward"
        in _en("sural-glide", "steps")[1]
    )
    assert "Normalmente es llevar el pie hacia ti" in _es("sural-glide", "steps")[1]
    for slug in ("common-fibular-glide", "sural-glide"):
        assert "tensioner" in _en(slug, "name") and "glide" not in _en(slug, "name")
        assert _es(slug, "name").startswith("Ejercicio de tensión")
    assert "thigh" in _en("supine-sciatic-slider", "name")
    assert "foot relaxed" in _en("supine-sciatic-slider", "start_position")
    assert "move only your leg" not in " ".join(_en("supine-sciatic-slider", "cautions"))
    assert "chin drop" in _en("seated-slump-slider", "start_position")
    assert "look straight ahead" in _en("seated-slump-slider", "steps")[1]
    assert "at the same time" in _en("seated-slump-tensioner", "steps")[0]
    assert "only as far as feels easy" in _en("femoral-slider", "steps")[1]
    assert "lower than your shoulder" not in _en("median-slider", "steps")[1]
    assert "below shoulder height" in _en("median-slider", "start_position")
    assert "pushing a wall" not in " ".join(_en("median-slider", "steps"))
    assert "not around your foot" in _en("slr-ankle-pumps", "start_position")
    assert "elbow straight" in _en("carpal-tunnel-slider", "start_position")
    for slug, entry in ENTRIES.items():
        spanish = " ".join(_all_text(entry, "es"))
        assert "No te detengas" not in spanish, slug  # G2
        assert not re.search(r"(?<!ida y )\bvuelta\b", spanish), slug  # G3
        assert "tropiezas" not in spanish, slug  # G4


def test_the_five_new_exercises() -> None:
    """Nerve, region, stage and set-up of the exercises the review found missing."""
    expected = {
        "knee-ankle-sciatic-slider": ("sciatic", "back_leg", 2, False),
        "ulnar-elbow-wrist-slider": ("ulnar", "elbow_forearm", 1, False),
        "median-arm-by-side-slider": ("median", "wrist_hand", 1, False),
        "hand-gliding-sequence": ("median", "wrist_hand", 4, True),
        "femoral-two-ended-tensioner": ("femoral", "hip_thigh", 5, True),
        "radial-arm-by-side-slider": ("radial", "elbow_forearm", 1, False),
    }
    for slug, facts in expected.items():
        e = ENTRIES[slug]
        assert (e["nerve"], e["body_region"], e["ladder_stage"], e["therapist_setup"]) == facts
    # The neck-free sciatic slider keeps the head still: knee and ankle in opposite ways.
    steps = " ".join(_en("knee-ankle-sciatic-slider", "steps"))
    assert "chin" not in steps.lower() and "head still" in steps
    assert "point your foot and toes away" in steps

"""An exercise added to a routine starts on the sore side when the routine or condition says it."""

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.routines.draft import sore_side
from tests.dashboard.helpers import sign_in
from tests.factories import builtin
from tests.routines.helpers import prescriber, routine_form


def _added_side(page: str, index: int) -> str:
    """The side chosen for the draft line at index."""
    select = re.search(rf'<select[^>]*name="item-{index}-side".*?</select>', page, re.S)
    assert select is not None
    chosen = re.search(r'<option value="(\w+)"[^>]*selected', select.group(0))
    assert chosen is not None
    return chosen.group(1)


def test_added_exercises_follow_the_sore_side(client: TestClient, db: Session) -> None:
    """ "(right)" in the condition: a new median slider on the right, the opposite-leg glide on
    the left (it moves the leg that does not hurt); no side named: both sides."""
    therapist, patient = prescriber(db)
    patient.condition = "Carpal tunnel syndrome (right)"
    db.add(patient)
    db.commit()
    token = sign_in(client, therapist)
    url = f"/patients/{patient.id}/routine"
    for slug, side in (("ulnar-slider", "right"), ("opposite-leg-glide", "left")):
        added = builtin(db, slug)
        page = client.post(
            url, data=routine_form(db, patient, token, action="add", add_exercise_id=str(added.id))
        )
        assert page.status_code == 200 and _added_side(page.text, 2) == side, slug
    patient.condition = "Neck and arm pain"
    db.add(patient)
    db.commit()
    ulnar = builtin(db, "ulnar-slider")
    page = client.post(
        url, data=routine_form(db, patient, token, action="add", add_exercise_id=str(ulnar.id))
    )
    assert _added_side(page.text, 2) == "both"


def test_the_sore_side_reads_the_routine_before_the_condition() -> None:
    """One side on every sided line wins; a condition naming both sides, or none, says nothing."""
    assert sore_side("Sciatica", ["left", "both", "left"]) == "left"
    assert sore_side("Sciatica (right)", ["left", "right"]) == "right"
    assert sore_side("Ciática izquierda", []) == "left"
    assert sore_side("Pain in both left and right hands", []) is None
    assert sore_side("", ["both"]) is None

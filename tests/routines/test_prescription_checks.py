"""Prescriptions that would mislead: a template for another nerve or side, an exercise twice."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import RoutineTemplate, TemplateItem
from app.routines.service import items_of
from tests.dashboard.helpers import HTML, sign_in
from tests.factories import builtin, make_patient, routine_version
from tests.routines.helpers import prescriber


def _template(db: Session, clinic_id: int, slugs: tuple[str, ...], side: str) -> RoutineTemplate:
    template = RoutineTemplate(clinic_id=clinic_id, name=f"Start {'-'.join(slugs)} {side}")
    db.add(template)
    db.flush()
    for position, slug in enumerate(slugs):
        exercise_id = builtin(db, slug).id
        assert exercise_id is not None and template.id is not None
        db.add(
            TemplateItem(
                template_id=template.id, exercise_id=exercise_id, position=position, side=side
            )
        )
    db.commit()
    return template


def test_another_nerve_asks_first_and_changes_nothing_until_confirmed(
    client: TestClient, db: Session
) -> None:
    """A femoral template for a median-nerve patient: a page saying so, the routine as it was;
    "Use it anyway" applies it. The picker lists the patient's nerve's templates first."""
    therapist, patient = prescriber(db)  # median nerve exercises
    patient.nerve = "median"
    patient.condition = "Carpal tunnel syndrome (left)"
    db.add(patient)
    femoral = _template(db, therapist.clinic_id, ("femoral-slider",), "right")
    median = _template(db, therapist.clinic_id, ("median-slider",), "both")
    token = sign_in(client, therapist)
    before = routine_version(db, patient).number
    asked = client.post(
        f"/patients/{patient.id}/routine/template",
        data={"csrf_token": token, "template_id": femoral.id},
        headers=HTML,
    )
    assert asked.status_code == 200
    page = asked.text
    assert "This template may not suit" in page and "Nothing has been changed yet." in page
    assert "for the femoral nerve" in page and "recorded nerve is the median nerve" in page
    assert "Carpal tunnel syndrome (left)" in page and "right" in page
    assert (
        f'name="template_id" value="{femoral.id}"' in page and 'name="confirm" value="yes"' in page
    )
    db.expire_all()
    assert routine_version(db, patient).number == before
    used = client.post(
        f"/patients/{patient.id}/routine/template",
        data={"csrf_token": token, "template_id": femoral.id, "confirm": "yes"},
    )
    assert used.status_code == 303
    db.expire_all()
    version = routine_version(db, patient)
    assert version.number == before + 1
    assert [i.exercise_id for i in items_of(db, version.id or 0)] == [
        builtin(db, "femoral-slider").id
    ]
    # A template for the patient's own nerve goes straight through, and is offered first.
    listing = client.get(f"/patients/{patient.id}/routine", headers=HTML).text
    assert listing.index(median.name) < listing.index(femoral.name)
    assert "1 exercise · median nerve" in listing and "1 exercise · femoral nerve" in listing
    straight = client.post(
        f"/patients/{patient.id}/routine/template",
        data={"csrf_token": token, "template_id": median.id},
    )
    assert straight.status_code == 303


def test_another_side_asks_first_from_the_templates_page(client: TestClient, db: Session) -> None:
    """A right-sided template for a patient whose routine is for the left side, applied from the
    templates page: asked first, with the patient's id sent again on confirming."""
    therapist, _source = prescriber(db)
    patient = make_patient(db, therapist)
    for item in items_of(db, routine_version(db, patient).id or 0):
        item.side = "left"
        db.add(item)
    db.commit()
    right = _template(db, therapist.clinic_id, ("median-slider",), "right")
    token = sign_in(client, therapist)
    asked = client.post(
        f"/templates/{right.id}/apply",
        data={"csrf_token": token, "patient_id": patient.id},
        headers=HTML,
    )
    assert asked.status_code == 200
    assert "set to the right side; the routine in force is for the left side" in asked.text
    assert f'action="/templates/{right.id}/apply"' in asked.text
    assert f'name="patient_id" value="{patient.id}"' in asked.text
    assert "femoral" not in asked.text  # no nerve recorded: only the side is asked about
    applied = client.post(
        f"/templates/{right.id}/apply",
        data={"csrf_token": token, "patient_id": patient.id, "confirm": "yes"},
    )
    assert applied.status_code == 303
    assert db.exec(select(RoutineTemplate).where(RoutineTemplate.id == right.id)).one()


def test_one_exercise_twice_for_the_same_side_is_refused(client: TestClient, db: Session) -> None:
    """A second line of an exercise already in the routine for the same side would be done
    and counted twice: the save is refused and names the first line; split into left and
    right, it saves."""
    from tests.routines.helpers import routine_form

    therapist, patient = prescriber(db)
    token = sign_in(client, therapist)
    first = items_of(db, routine_version(db, patient).id or 0)[0]
    copy = {
        "item-2-exercise_id": str(first.exercise_id),
        "item-2-sets": "2",
        "item-2-reps": "10",
        "item-2-seconds_per_cycle": "5",
        "item-2-hold_seconds": "0",
        "item-2-times_per_day": "2",
        "item-2-days": [str(d) for d in range(7)],
        "item-2-ladder_stage": "2",
    }
    url = f"/patients/{patient.id}/routine"
    before = routine_version(db, patient).number
    twice = routine_form(db, patient, token, action="save", count="3", **copy)
    twice["item-0-side"], twice["item-2-side"] = "both", "left"
    refused = client.post(url, data=twice, headers=HTML)
    assert refused.status_code == 422
    assert "Already in the routine as item 1 for the same side" in refused.text
    db.expire_all()
    assert routine_version(db, patient).number == before
    split = routine_form(db, patient, token, action="save", count="3", **copy)
    split["item-0-side"], split["item-2-side"] = "right", "left"
    assert client.post(url, data=split).status_code == 303

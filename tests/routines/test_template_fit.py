"""A template for another nerve or side than the patient's is applied only once confirmed."""

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

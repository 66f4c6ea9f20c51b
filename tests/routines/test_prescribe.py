"""Prescribing: editing and saving versions, bad input, templates, handout, other clinics."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.clock import local_today
from app.models import AuditEvent, RoutineTemplate
from app.routines.service import items_of
from tests.dashboard.helpers import HTML, sign_in
from tests.factories import builtin, make_clinic, make_patient, make_staff, routine_version
from tests.routines.helpers import prescriber, routine_form, routine_versions


def test_page_shows_routine_library_and_history(client: TestClient, db: Session) -> None:
    """The routine in force with editable doses, the library and the version history."""
    therapist, patient = prescriber(db)
    sign_in(client, therapist)
    page = client.get(f"/patients/{patient.id}/routine", headers=HTML).text
    for text in (
        "Median nerve slider",
        'name="item-0-reps"',
        "Step up",
        "Step down",
        "Add an exercise from the library",
        "Version 1",
        "Save as new version",
    ):
        assert text in page, text


def test_add_then_save_makes_a_new_version_from_today(client: TestClient, db: Session) -> None:
    """Adding only changes the draft; saving writes version 2 from the patient's today."""
    therapist, patient = prescriber(db, timezone="Pacific/Auckland")
    token = sign_in(client, therapist)
    ulnar = builtin(db, "ulnar-slider")
    url = f"/patients/{patient.id}/routine"
    added = client.post(
        url, data=routine_form(db, patient, token, action="add", add_exercise_id=str(ulnar.id))
    )
    assert added.status_code == 200 and "Ulnar nerve slider" in added.text
    assert 'name="item-2-reps" value="10"' in added.text  # the library's default dose
    assert len(routine_versions(db, patient)) == 1
    data = routine_form(db, patient, token, action="save", count="3")
    data.update(
        {
            "item-2-exercise_id": str(ulnar.id),
            "item-2-sets": "3",
            "item-2-reps": "8",
            "item-2-seconds_per_cycle": "5",
            "item-2-hold_seconds": "0",
            "item-2-side": "left",
            "item-2-times_per_day": "1",
            "item-2-days": ["0", "2", "4"],
            "item-2-ladder_stage": "2",
            "item-2-note": "Gently",
        }
    )
    saved = client.post(url, data=data)
    assert saved.status_code == 303
    versions = routine_versions(db, patient)
    assert [v.number for v in versions] == [2, 1]
    assert versions[0].valid_from == local_today("Pacific/Auckland")
    assert versions[0].change_note == "Added Ulnar nerve slider (hand toward ear)"
    new_items = items_of(db, versions[0].id)  # type: ignore[arg-type]
    assert (new_items[2].sets, new_items[2].days_mask, new_items[2].side) == (3, 0b10101, "left")
    assert len(items_of(db, versions[1].id)) == 2  # type: ignore[arg-type]
    page = client.get(saved.headers["location"], headers=HTML).text
    assert "Version 2 saved" in page and "Added Ulnar nerve slider" in page
    assert db.exec(
        select(AuditEvent).where(
            AuditEvent.patient_id == patient.id, AuditEvent.action == "routine_changed"
        )
    ).first()
    # Saving the same routine again makes no version.
    again = client.post(url, data=routine_form(db, patient, token, action="save"))
    assert again.status_code == 200 and "Nothing changed" in again.text
    assert len(routine_versions(db, patient)) == 2


def test_bad_dose_input_gives_clear_messages_and_no_version(
    client: TestClient, db: Session
) -> None:
    """Reps 0, times a day 4 and an unknown exercise: 422, messages, and nothing saved."""
    therapist, patient = prescriber(db)
    token = sign_in(client, therapist)
    url = f"/patients/{patient.id}/routine"
    cases = [
        ({"item-0-reps": "0"}, "Repetitions must be a whole number from 1 to 60."),
        ({"item-1-times_per_day": "4"}, "Times a day must be 1, 2 or 3."),
        ({"item-0-exercise_id": "99999999"}, "Unknown exercise"),
        ({"item-0-days": []}, "Choose at least one day of the week."),
        ({"item-0-side": "middle"}, "Choose left, right, both sides or not sided."),
        ({"item-0-sets": "ten"}, "Sets must be a whole number from 1 to 10."),
    ]
    for change, message in cases:
        response = client.post(
            url, data=routine_form(db, patient, token, action="save", **change), headers=HTML
        )
        assert response.status_code == 422, change
        assert "Nothing was saved" in response.text and message in response.text, change
    # Another clinic's own exercise is unknown here too.
    other = make_staff(db, make_clinic(db))
    from app.models import Exercise

    foreign = Exercise(
        clinic_id=other.clinic_id, slug="x", nerve="median", kind="slider", body_region="wrist_hand"
    )
    db.add(foreign)
    db.commit()
    response = client.post(
        url,
        data=routine_form(
            db, patient, token, action="save", **{"item-0-exercise_id": str(foreign.id)}
        ),
    )
    assert response.status_code == 422
    add = client.post(
        url, data=routine_form(db, patient, token, action="add", add_exercise_id=str(foreign.id))
    )
    assert add.status_code == 422 and "Choose an exercise from the library to add." in add.text
    assert len(routine_versions(db, patient)) == 1


def test_remove_and_move_only_change_the_draft(client: TestClient, db: Session) -> None:
    """Remove and move re-render the form; the saved routine is untouched until saved."""
    therapist, patient = prescriber(db)
    token = sign_in(client, therapist)
    url = f"/patients/{patient.id}/routine"
    moved = client.post(url, data=routine_form(db, patient, token, action="down-0")).text
    assert moved.index("Carpal tunnel slider") < moved.index("Median nerve slider (arm and head)")
    removed = client.post(url, data=routine_form(db, patient, token, action="remove-0")).text
    assert 'name="item-1-exercise_id"' not in removed and "unsaved changes" in removed
    assert len(routine_versions(db, patient)) == 1


def test_more_than_four_exercises_warns(client: TestClient, db: Session) -> None:
    """Five exercises: a warning, not a block."""
    slugs = (
        "median-slider",
        "carpal-tunnel-slider",
        "ulnar-slider",
        "radial-slider",
        "femoral-slider",
    )
    therapist, patient = prescriber(db, slugs=slugs)
    sign_in(client, therapist)
    page = client.get(f"/patients/{patient.id}/routine", headers=HTML).text
    assert "5 exercises." in page and "Fewer than 5 exercises" in page


def test_templates_save_list_apply_and_delete(client: TestClient, db: Session) -> None:
    """Save a routine as a template, see it listed, apply it to another patient, delete it."""
    therapist, source = prescriber(db, slugs=("ulnar-slider", "radial-slider"))
    target = make_patient(db, therapist)
    token = sign_in(client, therapist)
    bad = client.post(
        "/templates", data={"csrf_token": token, "patient_id": source.id, "name": " "}, headers=HTML
    )
    assert bad.status_code == 422 and "Give the template a name" in bad.text
    saved = client.post(
        "/templates", data={"csrf_token": token, "patient_id": source.id, "name": "Elbow week 1"}
    )
    assert saved.status_code == 303
    listing = client.get("/templates", headers=HTML).text
    assert "Elbow week 1" in listing and "Ulnar nerve slider" in listing and "2 × 10" in listing
    template = db.exec(select(RoutineTemplate).where(RoutineTemplate.name == "Elbow week 1")).one()
    # A second template of the same name (spacing and case aside) could not be told apart.
    twin = client.post(
        "/templates",
        data={"csrf_token": token, "patient_id": source.id, "name": "  elbow WEEK  1 "},
        headers=HTML,
    )
    assert twin.status_code == 422 and "already has a template called" in twin.text
    assert (
        len(
            db.exec(
                select(RoutineTemplate).where(RoutineTemplate.clinic_id == template.clinic_id)
            ).all()
        )
        == 1
    )
    applied = client.post(
        f"/templates/{template.id}/apply", data={"csrf_token": token, "patient_id": target.id}
    )
    assert applied.status_code == 303
    version = routine_version(db, target)
    assert version.number == 2 and version.change_note == "Applied template: Elbow week 1"
    assert [i.exercise_id for i in items_of(db, version.id)] == [
        builtin(db, "ulnar-slider").id,
        builtin(db, "radial-slider").id,
    ]  # type: ignore[arg-type]
    via_routine = client.post(
        f"/patients/{source.id}/routine/template",
        data={"csrf_token": token, "template_id": template.id},
    )
    assert via_routine.status_code == 303
    deleted = client.post(f"/templates/{template.id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 303
    after = client.get(deleted.headers["location"], headers=HTML).text
    assert "Template deleted." in after and "No templates yet." in after
    assert db.exec(select(RoutineTemplate).where(RoutineTemplate.id == template.id)).first() is None


def test_handout_in_the_patients_language(client: TestClient, db: Session) -> None:
    """The printable handout uses the patient's language for fixed words and exercise texts."""
    therapist, patient = prescriber(db, language="es")
    sign_in(client, therapist)
    response = client.get(f"/patients/{patient.id}/handout", headers=HTML)
    assert response.status_code == 200
    page = response.text
    assert '<html lang="es">' in page
    for text in (
        "Pasos",
        "Qué deberías notar",
        "Busca atención de urgencias ahora",
        "deslizamientos lentos",
        "Por la mañana · Por la tarde",
        "lun",
    ):
        assert text in page, text
    assert db.exec(
        select(AuditEvent).where(
            AuditEvent.patient_id == patient.id, AuditEvent.action == "handout_viewed"
        )
    ).first()


def test_other_clinic_gets_404_everywhere(client: TestClient, db: Session) -> None:
    """Every prescribing URL with a patient or template id is hidden from other clinics."""
    therapist, patient = prescriber(db)
    token = sign_in(client, therapist)
    client.post("/templates", data={"csrf_token": token, "patient_id": patient.id, "name": "Mine"})
    template = db.exec(
        select(RoutineTemplate).where(RoutineTemplate.clinic_id == therapist.clinic_id)
    ).one()
    item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    outsider = make_staff(db, make_clinic(db))
    outsiders_patient = make_patient(db, outsider)
    db.commit()
    base = f"/patients/{patient.id}"
    anonymous = TestClient(client.app, follow_redirects=False)
    for url in (f"{base}/routine", f"{base}/handout", "/templates"):
        assert anonymous.get(url, headers=HTML).headers["location"] == "/login"
    token = sign_in(client, outsider)
    for url in (f"{base}/routine", f"{base}/handout"):
        assert client.get(url, headers=HTML).status_code == 404, url
    posts = [
        (f"{base}/routine", {"action": "save", "count": "0"}),
        (f"{base}/routine/items/{item.id}/step-up", {}),
        (f"{base}/routine/items/{item.id}/step-down", {}),
        (f"{base}/routine/template", {"template_id": template.id}),
        ("/templates", {"patient_id": patient.id, "name": "Stolen"}),
        (f"/templates/{template.id}/apply", {"patient_id": outsiders_patient.id}),
        (f"/templates/{template.id}/delete", {}),
        (f"/patients/{outsiders_patient.id}/routine/template", {"template_id": template.id}),
    ]
    for url, data in posts:
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 404, url
    # Numbers too large to be an id are "not found", never a server error.
    huge = "9" * 30
    token = sign_in(client, therapist)
    assert client.get(f"/patients/{huge}/routine", headers=HTML).status_code in (404, 422)
    assert client.post(f"/flags/{huge}/ack", data={"csrf_token": token}).status_code in (404, 422)
    for url, data in (
        ("/templates", {"patient_id": huge, "name": "x"}),
        (f"{base}/routine/template", {"template_id": huge}),
    ):
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 404, url
    assert (
        len(routine_versions(db, patient)) == 1
        and len(routine_versions(db, outsiders_patient)) == 1
    )


def test_the_picker_opens_on_the_patients_nerve_gentlest_first(
    client: TestClient, db: Session
) -> None:
    """A median-nerve patient: the picker shows median exercises, the gentlest stage first; a
    nerve the library lacks shows them all; "All nerves" chosen stays chosen."""
    import re

    therapist, patient = prescriber(db)
    patient.nerve = "median"
    db.add(patient)
    db.commit()
    token = sign_in(client, therapist)
    url = f"/patients/{patient.id}/routine"
    page = client.get(url, headers=HTML).text
    assert '<option value="median" selected>' in page
    picker = page[page.index('id="add_exercise_id"') :]
    picker = picker[: picker.index("</select>")]
    assert re.findall(r'<optgroup label="([^"]+)"', picker) == ["Median"]
    options = re.findall(r"<option value=\"\d+\">([^<]+)</option>", picker)
    stages = [int(re.search(r"stage (\d)", o).group(1)) for o in options]  # type: ignore[union-attr]
    assert stages == sorted(stages)
    patient.nerve = "vagus"
    db.add(patient)
    db.commit()
    assert "Femoral" in client.get(url, headers=HTML).text
    patient.nerve = "median"
    db.add(patient)
    db.commit()
    chosen = client.post(
        url, data={**routine_form(db, patient, token), "action": "filter", "nerve": ""}
    )
    assert '<optgroup label="Femoral">' in chosen.text  # "All nerves" stays chosen

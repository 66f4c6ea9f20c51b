"""An entry taken back by mistake: Today says so and offers to put it back, flags and all."""

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.clock import local_today
from app.models import ExerciseLog, Flag, Patient
from app.patient.service import today_plan
from tests.factories import csrf, make_clinic, make_patient, make_staff, sign_in_patient


def _setup(client: TestClient, db: Session) -> tuple[Patient, int]:
    patient = make_patient(db, make_staff(db, make_clinic(db)))
    sign_in_patient(client, db, patient)
    item_id = today_plan(db, patient).items[0].item.id
    assert item_id is not None
    return patient, item_id


def _log(client: TestClient, item_id: int, pain_after: str = "2") -> str:
    log_uuid = str(uuid.uuid4())
    data = {
        "csrf_token": csrf(client),
        "uuid": log_uuid,
        "slot": "1",
        "sets_done": "2",
        "pain_before": "1",
        "pain_after": pain_after,
        "symptoms": "none",
    }
    assert client.post(f"/exercise/{item_id}/log", data=data).status_code == 303
    return log_uuid


def _open_flags(db: Session, patient: Patient) -> int:
    db.expire_all()
    rows = db.exec(select(Flag).where(Flag.patient_id == patient.id, Flag.kind == "over_limit"))
    return sum(1 for f in rows.all() if f.resolved_at is None)


def test_undo_says_what_was_taken_back_and_puts_it_back_with_its_flag(
    client: TestClient, db: Session
) -> None:
    """Undo lands on Today with the entry named and a Put it back button; putting it back
    counts it again and reopens the symptom flag the undo had closed."""
    patient, item_id = _setup(client, db)
    log_uuid = _log(client, item_id, pain_after="4")  # over the limit: flagged
    assert _open_flags(db, patient) == 1
    undone = client.post(f"/log/{log_uuid}/undo", data={"csrf_token": csrf(client)})
    assert undone.status_code == 303 and undone.headers["location"] == f"/today?undone={log_uuid}"
    today = client.get(undone.headers["location"]).text
    notice = today[today.index("Entry taken back") : today.index('id="plan"')]
    assert "Median nerve slider" in notice and "Morning" in notice
    assert f'action="/log/{log_uuid}/restore"' in notice and "Put it back" in notice
    assert "0 of 4 done" in today and _open_flags(db, patient) == 0
    # The plain Today (and the phone's saved copy of it) never carries the notice.
    assert "Entry taken back" not in client.get("/today").text
    # The entry's own page offers the same, and no longer congratulates.
    entry = client.get(f"/log/{log_uuid}").text
    assert f'action="/log/{log_uuid}/restore"' in entry and "Entry taken back" in entry
    assert "Saved." not in entry.split("<template")[0]  # the phone's offline texts aside

    back = client.post(f"/log/{log_uuid}/restore", data={"csrf_token": csrf(client)})
    assert back.status_code == 303 and back.headers["location"] == "/today"
    again = client.get(f"/today?undone={log_uuid}").text
    assert "1 of 4 done" in again and "Entry taken back" not in again
    assert _open_flags(db, patient) == 1
    # Twice is harmless.
    assert client.post(f"/log/{log_uuid}/restore", data={"csrf_token": csrf(client)}).is_redirect
    db.expire_all()
    stored = db.exec(select(ExerciseLog).where(ExerciseLog.patient_id == patient.id)).all()
    assert len(stored) == 1 and stored[0].deleted_at is None


def test_an_old_entry_stays_taken_back_and_odd_addresses_show_nothing(
    client: TestClient, db: Session
) -> None:
    """Past the edit window nothing is offered and a put-back is refused; made-up values in the
    address show no notice."""
    patient, item_id = _setup(client, db)
    assert patient.id is not None
    old_day = local_today(patient.timezone) - timedelta(days=3)
    old = ExerciseLog(
        patient_id=patient.id,
        routine_item_id=item_id,
        exercise_id=today_plan(db, patient).items[0].exercise.id or 0,
        uuid=uuid.uuid4(),
        local_date=old_day,
        slot=1,
        sets_done=2,
        done_at=datetime.now(UTC) - timedelta(days=3),
        deleted_at=datetime.now(UTC) - timedelta(days=3),
    )
    db.add(old)
    db.commit()
    assert "Entry taken back" not in client.get(f"/today?undone={old.uuid}").text
    assert "Put it back" not in client.get(f"/log/{old.uuid}").text
    refused = client.post(f"/log/{old.uuid}/restore", data={"csrf_token": csrf(client)})
    assert refused.status_code == 422 and "can no longer be changed" in refused.text
    db.expire_all()
    assert db.get(ExerciseLog, old.id).deleted_at is not None  # type: ignore[union-attr]
    for value in ("nonsense", str(uuid.uuid4()), "%00", ""):
        page = client.get("/today", params={"undone": value})
        assert page.status_code == 200 and "Entry taken back" not in page.text
    live = _log(client, item_id)
    assert "Entry taken back" not in client.get(f"/today?undone={live}").text
    # Another patient's entry, just taken back: not named here, not put back from here.
    other = make_patient(db, make_staff(db, make_clinic(db)))
    assert other.id is not None
    theirs = ExerciseLog(
        patient_id=other.id,
        routine_item_id=today_plan(db, other).items[0].item.id,
        exercise_id=today_plan(db, other).items[0].exercise.id or 0,
        uuid=uuid.uuid4(),
        local_date=local_today(other.timezone),
        slot=1,
        sets_done=2,
        done_at=datetime.now(UTC),
        deleted_at=datetime.now(UTC),
    )
    db.add(theirs)
    db.commit()
    assert "Entry taken back" not in client.get(f"/today?undone={theirs.uuid}").text
    gone = client.post(f"/log/{theirs.uuid}/restore", data={"csrf_token": csrf(client)})
    assert gone.status_code == 404

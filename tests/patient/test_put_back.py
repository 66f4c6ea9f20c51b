"""An entry taken back by mistake: Today says so and offers to put it back, flags and all."""

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

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


def test_a_session_logged_again_keeps_the_old_entry_taken_back(
    client: TestClient, db: Session
) -> None:
    """Logged, taken back, then the same exercise and session logged again: Put it back is no
    longer offered on Today or the entry's page, and a put-back sent anyway is refused with a
    message and changes nothing (no second entry showing as the evening session)."""
    patient, item_id = _setup(client, db)
    first = _log(client, item_id)
    assert client.post(f"/log/{first}/undo", data={"csrf_token": csrf(client)}).is_redirect
    # Today, before the session is logged again, still offers it.
    assert f'action="/log/{first}/restore"' in client.get(f"/today?undone={first}").text
    second = _log(client, item_id)  # the morning session again

    today = client.get(f"/today?undone={first}").text
    notice = today[today.index("Entry taken back") : today.index('id="plan"')]
    assert "Put it back" not in notice and "/restore" not in notice
    assert "logged this session again since" in notice
    entry = client.get(f"/log/{first}").text
    assert "Put it back" not in entry and "logged this session again since" in entry

    refused = client.post(f"/log/{first}/restore", data={"csrf_token": csrf(client)})
    assert refused.status_code == 422
    assert "Nothing was changed" in refused.text
    assert "You have logged this session again since" in refused.text
    db.expire_all()
    live = db.exec(
        select(ExerciseLog).where(
            ExerciseLog.patient_id == patient.id, col(ExerciseLog.deleted_at).is_(None)
        )
    ).all()
    assert [str(log.uuid) for log in live] == [second]
    assert "1 of 4 done" in client.get("/today").text

    # Once the new entry is taken back too, the first may come back in its place.
    assert client.post(f"/log/{second}/undo", data={"csrf_token": csrf(client)}).is_redirect
    assert f'action="/log/{first}/restore"' in client.get(f"/today?undone={first}").text
    assert client.post(f"/log/{first}/restore", data={"csrf_token": csrf(client)}).is_redirect
    assert "1 of 4 done" in client.get("/today").text


def test_another_session_of_the_day_does_not_block_putting_back(
    client: TestClient, db: Session
) -> None:
    """The evening logged after the morning was taken back leaves the morning free: it may be
    put back, and the day counts both."""
    patient, item_id = _setup(client, db)
    morning = _log(client, item_id)
    assert client.post(f"/log/{morning}/undo", data={"csrf_token": csrf(client)}).is_redirect
    evening = str(uuid.uuid4())
    data = {
        "csrf_token": csrf(client),
        "uuid": evening,
        "slot": "2",
        "sets_done": "2",
        "pain_before": "1",
        "pain_after": "1",
        "symptoms": "none",
    }
    assert client.post(f"/exercise/{item_id}/log", data=data).status_code == 303
    assert f'action="/log/{morning}/restore"' in client.get(f"/today?undone={morning}").text
    assert client.post(f"/log/{morning}/restore", data={"csrf_token": csrf(client)}).is_redirect
    assert "2 of 4 done" in client.get("/today").text


def test_the_refusal_is_in_the_patients_language(client: TestClient, db: Session) -> None:
    """A Spanish-speaking patient reads why the entry stays taken back in Spanish."""
    patient, item_id = _setup(client, db)
    patient.language = "es"
    db.add(patient)
    db.commit()
    first = _log(client, item_id)
    assert client.post(f"/log/{first}/undo", data={"csrf_token": csrf(client)}).is_redirect
    _log(client, item_id)
    refused = client.post(f"/log/{first}/restore", data={"csrf_token": csrf(client)})
    assert refused.status_code == 422
    assert "No se ha cambiado nada" in refused.text
    assert "Has vuelto a registrar esta sesión" in refused.text

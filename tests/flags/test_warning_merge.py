"""Warning-sign reports of one day raise one flag again, not one flag each."""

import uuid
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.dashboard.flags import resolve
from app.models import Flag
from tests.factories import make_clinic, make_patient, make_staff, sign_in_patient


def test_many_reports_in_a_day_are_one_flag_raised_again(client: TestClient, db: Session) -> None:
    """Five reports today: one open flag, raised five times, asking to be seen again; another
    day, or a day whose flag was resolved, starts a new one; emergencies stay apart."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    sign_in_patient(client, db, patient)
    session = client.get("/api/session").json()
    headers = {"X-CSRF-Token": session["csrf_token"]}
    today = date.fromisoformat(session["today"])

    def report(day: date, answers: list[str]) -> None:
        body = {"uuid": str(uuid.uuid4()), "local_date": day.isoformat(), "answers": answers}
        assert client.post("/api/safety", json=body, headers=headers).status_code == 201

    for sign in ("night_pain", "new_weakness", "night_pain", "both_sides", "night_pain"):
        report(today, [sign])

    def flags(kind: str) -> list[Flag]:
        db.expire_all()
        found = db.exec(
            select(Flag)
            .where(Flag.patient_id == patient.id, Flag.kind == kind)
            .order_by(col(Flag.id))
        )
        return list(found.all())

    (flag,) = flags("red_flag")
    assert flag.times_raised == 5 and flag.detail == "Warning signs reported: night pain"
    assert [e["detail"] for e in flag.earlier][:2] == [
        "Warning signs reported: both sides",
        "Warning signs reported: night pain",
    ]
    report(today - timedelta(days=1), ["night_pain"])
    report(today, ["bladder_change"])
    assert len(flags("red_flag")) == 2 and len(flags("emergency")) == 1
    resolve(db, flag, therapist, "Called.")
    db.commit()
    report(today, ["night_pain"])
    assert [f.times_raised for f in flags("red_flag")] == [5, 1, 1]

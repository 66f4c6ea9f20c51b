"""Most urgent first (an emergency answer above warning signs), and flags raised again."""

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.clock import local_today
from app.dashboard.flags import ago
from app.dashboard.service import build_dashboard
from app.models import Flag, Message, Patient, StaffUser, utcnow
from app.patient.service import today_plan
from app.routines.service import items_of
from tests.dashboard.helpers import HTML, add_flag, sign_in
from tests.factories import (
    add_log,
    make_clinic,
    make_patient,
    make_staff,
    routine_version,
    sign_in_patient,
)


def _patient(db: Session, therapist: StaffUser, name: str, everything: bool) -> Patient:
    """Logged yesterday: everything due (full adherence) or one set (low adherence)."""
    today = local_today("Europe/London")
    patient = make_patient(db, therapist, valid_from=today - timedelta(days=10))
    patient.display_name = name
    db.add(patient)
    items = items_of(db, routine_version(db, patient).id or 0)
    for days in range(1, 8):
        for item in items if everything else items[:1]:
            for _ in range(item.times_per_day if everything else 1):
                add_log(db, patient, item, today - timedelta(days=days), sets=item.sets)
    db.commit()
    return patient


def test_an_emergency_answer_is_always_first(client: TestClient, db: Session) -> None:
    """Same severity as warning signs, better adherence, raised earlier: still first."""
    therapist = make_staff(db, make_clinic(db))
    emergency = _patient(db, therapist, "Emergency Ed", everything=True)
    warning = _patient(db, therapist, "Warning Wren", everything=False)
    other = _patient(db, therapist, "Over Olive", everything=False)
    add_flag(db, other, "over_limit", 2, "Symptoms went from 2/10 to 6/10")
    add_flag(db, emergency, "emergency", 3, "Warning signs reported: saddle numbness")
    add_flag(db, warning, "red_flag", 3, "Warning signs reported: night pain")
    db.commit()
    board = build_dashboard(db, therapist)
    names = [row.patient.display_name for row in board.rows]
    assert names[:3] == ["Emergency Ed", "Warning Wren", "Over Olive"]
    assert [flag.kind for flag, _p in board.flags] == ["emergency", "red_flag", "over_limit"]
    sign_in(client, therapist)
    page = client.get("/dashboard", headers=HTML).text
    assert page.index("saddle numbness") < page.index("night pain") < page.index("2/10 to 6/10")
    review = client.get(f"/patients/{emergency.id}", headers=HTML).text
    assert "saddle numbness" in review


def test_a_new_flag_ranks_above_one_already_seen_of_the_same_level(db: Session) -> None:
    """Acknowledged is not resolved, so the patient stays flagged, but below someone whose
    flag of the same level nobody has seen; a more urgent flag, seen or not, stays above."""
    therapist = make_staff(db, make_clinic(db))
    seen = _patient(db, therapist, "Aaron Acknowledged", everything=False)
    fresh = _patient(db, therapist, "Zelda New", everything=True)
    urgent = _patient(db, therapist, "Wren Warning", everything=True)
    add_flag(db, fresh, "over_limit", 2, "Symptoms went from 1/10 to 5/10")
    # Raised after the fresh one and seen since: the latest raised, but no longer news.
    for flag in (
        add_flag(db, seen, "over_limit", 2, "Symptoms went from 2/10 to 6/10"),
        add_flag(db, urgent, "red_flag", 3, "Warning signs reported: night pain"),
    ):
        flag.acknowledged_at = utcnow()
        flag.created_at = flag.created_at + timedelta(minutes=5)
        db.add(flag)
    db.commit()
    board = build_dashboard(db, therapist)
    names = [row.patient.display_name for row in board.rows]
    assert names == ["Wren Warning", "Zelda New", "Aaron Acknowledged"]
    # The open-flags list a therapist works through follows the same order.
    assert [p.display_name for _f, p in board.flags] == names
    flagged = build_dashboard(db, therapist, filter_="flagged")
    assert flagged.counts["flagged"] == 3


def test_a_new_message_ranks_a_patient_up_and_has_its_own_filter(
    client: TestClient, db: Session
) -> None:
    """An unread message puts its patient after the flagged and before the low adherence; the
    "With new messages" filter lists them with its count, and reading the thread ends it."""
    therapist = make_staff(db, make_clinic(db))
    flagged = _patient(db, therapist, "Flo Flagged", everything=True)
    low = _patient(db, therapist, "Lou Low", everything=False)
    writer = _patient(db, therapist, "Wes Writes", everything=True)
    add_flag(db, flagged, "over_limit", 2, "Symptoms went from 2/10 to 6/10")
    assert writer.id is not None and low.id is not None
    now = utcnow()
    for who, author, read in (
        (writer, "patient", None),
        (low, "patient", now),
        (low, "staff", None),
    ):
        assert who.id is not None
        db.add(
            Message(
                uuid=uuid.uuid4(),
                patient_id=who.id,
                author=author,
                body="Numb toes since noon",
                written_at=now,
                received_at=now,
                read_at=read,
            )
        )
    db.commit()
    names = [row.patient.display_name for row in build_dashboard(db, therapist).rows]
    assert names == ["Flo Flagged", "Wes Writes", "Lou Low"]
    asked = build_dashboard(db, therapist, filter_="messages")
    assert [r.patient.display_name for r in asked.rows] == ["Wes Writes"]
    assert asked.counts["messages"] == 1
    sign_in(client, therapist)
    page = client.get("/dashboard", headers=HTML).text
    assert "With new messages (1)" in page and ">1 with new messages</a>" in page
    client.get(f"/patients/{writer.id}", headers=HTML)  # the thread is read on the review
    assert build_dashboard(db, therapist, filter_="messages").counts["messages"] == 0


def test_a_second_worse_morning_raises_the_flag_again(client: TestClient, db: Session) -> None:
    """The flag says when it was last raised, how often, and keeps what it said before."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    sign_in_patient(client, db, patient)
    session = client.get("/api/session").json()
    headers = {"X-CSRF-Token": session["csrf_token"]}
    first = {"uuid": str(uuid.uuid4()), "local_date": session["today"], "comparison": "worse"}
    first["pain_now"] = 4
    assert client.post("/api/morning", json=first, headers=headers).status_code == 201
    flag = db.exec(select(Flag).where(Flag.patient_id == patient.id)).one()
    # The first answer was given twelve hours ago, and the therapist acknowledged it.
    flag.created_at = utcnow() - timedelta(hours=12)
    flag.acknowledged_at = utcnow() - timedelta(hours=11)
    flag.acknowledged_by_id = therapist.id
    db.add(flag)
    db.commit()
    second = {**first, "uuid": str(uuid.uuid4()), "pain_now": 7}
    assert client.post("/api/morning", json=second, headers=headers).status_code == 200
    assert client.post("/api/morning", json=second, headers=headers).status_code == 200  # resent
    db.expire_all()
    flag = db.exec(select(Flag).where(Flag.patient_id == patient.id)).one()
    assert flag.times_raised == 2
    assert flag.last_raised_at is not None
    assert utcnow() - flag.last_raised_at < timedelta(minutes=5)
    assert flag.acknowledged_at is None  # news again
    assert "pain now 7/10" in flag.detail
    assert [e["detail"] for e in flag.earlier] == [
        "Worse the morning after exercising, pain now 4/10"
    ]
    staff = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    sign_in(staff, therapist)
    page = staff.get("/dashboard", headers=HTML).text
    # Before noon in the patient's zone twelve hours ago was yesterday: the words follow the clock.
    first_at = ago(flag.created_at, patient.timezone)
    assert first_at == "12 h ago" or first_at.startswith("yesterday at ")
    assert f"raised again just now (2 times, first {first_at})" in page
    assert f"raised {first_at}" not in page
    assert f"{first_at}: Worse the morning after exercising, pain now 4/10" in page


def test_each_new_entry_over_the_limit_raises_again_but_an_edit_does_not(
    client: TestClient, db: Session
) -> None:
    """Two entries over the limit in a day: one flag raised twice; correcting one adds nothing."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    sign_in_patient(client, db, patient)
    session = client.get("/api/session").json()
    headers = {"X-CSRF-Token": session["csrf_token"]}
    item = today_plan(db, patient).items[0].item
    body = {
        "routine_item_id": item.id,
        "local_date": session["today"],
        "sets_done": 2,
        "pain_before": 1,
        "pain_after": 6,
    }
    uuids = [str(uuid.uuid4()), str(uuid.uuid4())]
    for value in uuids:
        assert client.post("/api/logs", json={**body, "uuid": value}, headers=headers).is_success
    edited = {**body, "uuid": uuids[1], "pain_after": 7}
    assert client.put(f"/api/logs/{uuids[1]}", json=edited, headers=headers).is_success
    db.expire_all()
    flag = db.exec(select(Flag).where(Flag.patient_id == patient.id)).one()
    assert (flag.kind, flag.times_raised, len(flag.earlier)) == ("over_limit", 2, 1)

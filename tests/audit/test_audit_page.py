"""The admin's audit page: the clinic's events newest first, filtered, paged, without JS."""

import re
from datetime import timedelta

from sqlmodel import Session, select

from app.audit.listing import PAGE_SIZE
from app.models import AuditEvent, Clinic, Patient, StaffUser, utcnow
from tests.factories import make_clinic, make_patient, make_staff
from tests.staff.support import HTML, client_from, sign_in


def _event(db: Session, clinic: Clinic, action: str, **kw: object) -> AuditEvent:
    event = AuditEvent(clinic_id=clinic.id, action=action, actor_kind="staff", **kw)  # type: ignore[arg-type]
    db.add(event)
    return event


def _rows(html: str) -> list[str]:
    """The table rows' text, in order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in body.split("</tr>")[:-1]
    ]


def _setup(db: Session) -> tuple[StaffUser, StaffUser, Patient, Patient]:
    clinic = make_clinic(db)
    admin = make_staff(db, clinic, role="admin")
    therapist = make_staff(db, clinic)
    mine = make_patient(db, therapist)
    other = make_patient(db, make_staff(db, make_clinic(db)))
    return admin, therapist, mine, other


def test_admin_sees_the_clinics_events_newest_first_and_nothing_of_others(db: Session) -> None:
    """Events of the clinic only, newest first, with who, what, patient, detail and where from."""
    admin, therapist, mine, other = _setup(db)
    clinic = db.get(Clinic, admin.clinic_id)
    assert clinic is not None
    now = utcnow()
    _event(
        db,
        clinic,
        "patient_viewed",
        actor_id=therapist.id,
        patient_id=mine.id,
        at=now - timedelta(hours=2),
        ip="198.51.100.9",
        detail="older",
    )
    _event(
        db,
        clinic,
        "note_added",
        actor_id=therapist.id,
        patient_id=mine.id,
        at=now - timedelta(hours=1),
        detail="newer",
    )
    db.add(
        AuditEvent(
            clinic_id=other.clinic_id,
            action="patient_viewed",
            actor_kind="staff",
            patient_id=other.id,
            detail="other clinic",
        )
    )
    db.commit()
    with client_from() as client:
        sign_in(client, admin)
        page = client.get("/audit")
    assert page.status_code == 200 and '<a href="/audit" aria-current="page">Audit</a>' in page.text
    rows = _rows(page.text)
    texts = " | ".join(rows)
    assert "other clinic" not in texts and other.display_name not in page.text
    newer = next(i for i, r in enumerate(rows) if "newer" in r)
    older = next(i for i, r in enumerate(rows) if "older" in r)
    assert newer < older
    assert therapist.name in rows[older] and mine.display_name in rows[older]
    assert "Patient viewed" in rows[older] and "198.51.100.9" in rows[older]


def test_filters_by_patient_staff_action_and_days_with_or_without_htmx(db: Session) -> None:
    """Each filter narrows the list; htmx gets only the table; the page works as a plain form."""
    admin, therapist, mine, _other = _setup(db)
    clinic = db.get(Clinic, admin.clinic_id)
    assert clinic is not None
    second = make_patient(db, therapist)
    # Noon UTC is the same day in the clinic's zone, whatever the hour the test runs at.
    long_ago = (utcnow() - timedelta(days=40)).replace(hour=12, minute=0)
    _event(db, clinic, "patient_viewed", actor_id=therapist.id, patient_id=mine.id, detail="a1")
    _event(db, clinic, "patient_viewed", actor_id=admin.id, patient_id=second.id, detail="b1")
    _event(db, clinic, "routine_changed", actor_id=therapist.id, patient_id=second.id, detail="c1")
    _event(
        db,
        clinic,
        "note_added",
        actor_id=therapist.id,
        patient_id=mine.id,
        detail="d1",
        at=long_ago,
    )
    db.commit()
    with client_from() as client:
        sign_in(client, admin)

        def details(query: str, htmx: bool = False) -> set[str]:
            headers = {"HX-Request": "true"} if htmx else {}
            response = client.get(f"/audit?{query}", headers=headers)
            assert response.status_code == 200
            assert ("<html" in response.text) is not htmx
            return set(re.findall(r"\b[abcd]1\b", response.text))

        assert details(f"patient={mine.id}") == {"a1", "d1"}
        assert details(f"staff={therapist.id}", htmx=True) == {"a1", "c1", "d1"}
        assert details("action=routine_changed") == {"c1"}
        today = utcnow().date()
        assert details(f"since={(today - timedelta(days=1)).isoformat()}") == {"a1", "b1", "c1"}
        old_day = long_ago.date().isoformat()
        assert details(f"since={old_day}&until={old_day}&patient={mine.id}") == {"d1"}
        # A typed date that is not one: said so, and the filter is left out.
        response = client.get(f"/audit?since=yesterday&patient={mine.id}")
        assert "is not a date like" in response.text
        assert {"a1", "d1"} <= set(re.findall(r"\b[abcd]1\b", response.text))
        # The action list offers the clinic's kinds of event.
        assert (
            '<option value="routine_changed">Routine changed</option>' in client.get("/audit").text
        )


def test_pages_of_fifty_newest_first(db: Session) -> None:
    """More than a page: Older and Newer links keep the filters; the last page has the rest."""
    admin, therapist, mine, _other = _setup(db)
    clinic = db.get(Clinic, admin.clinic_id)
    assert clinic is not None
    start = utcnow() - timedelta(days=1)
    for n in range(PAGE_SIZE + 7):
        _event(
            db,
            clinic,
            "patient_viewed",
            actor_id=therapist.id,
            patient_id=mine.id,
            detail=f"n{n:03d}",
            at=start + timedelta(minutes=n),
        )
    db.commit()
    with client_from() as client:
        sign_in(client, admin)
        first = client.get(f"/audit?patient={mine.id}").text
        assert "n056" in first and "n006" not in first and "Older" in first
        link = re.search(r'href="(/audit\?[^"]*page=2)"', first)
        assert link is not None and f"patient={mine.id}" in link.group(1)
        second = client.get(link.group(1).replace("&amp;", "&")).text
        assert "n006" in second and "n000" in second and "n056" not in second
        assert "Newer" in second and "Page 2 of 2" in second


def test_only_admins_open_it_and_reading_it_is_recorded(db: Session) -> None:
    """A therapist is refused (403); the admin's reading is itself an event."""
    admin, therapist, mine, _other = _setup(db)
    db.commit()
    with client_from() as client:
        sign_in(client, therapist)
        assert client.get("/audit", headers=HTML).status_code == 403
        assert 'href="/audit"' not in client.get("/dashboard").text
    with client_from() as client:
        sign_in(client, admin)
        assert client.get(f"/audit?patient={mine.id}").status_code == 200
    viewed = db.exec(
        select(AuditEvent).where(
            AuditEvent.actor_id == admin.id, AuditEvent.action == "audit_viewed"
        )
    ).all()
    assert len(viewed) == 1 and viewed[0].patient_id == mine.id

"""A time entry made by mistake: removed with a reason by whoever made it (or an admin), kept on
the record struck through, and no longer counted toward the month's minutes and codes."""

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.clock import local_today
from app.models import AuditEvent, TimeEntry
from tests.factories import make_staff
from tests.rtm.helpers import setup
from tests.staff.support import client_from, post, sign_in


def test_a_mistaken_entry_is_removed_with_a_reason_and_stops_counting(
    client: TestClient, db: Session
) -> None:
    """90 minutes typed for 9: removed with its reason, the month's minutes and codes follow;
    without a reason, by a colleague, or twice: refused with a message, nothing changed."""
    clinic, staff, patient = setup(db, date(2026, 3, 2))
    colleague = make_staff(db, clinic)
    db.commit()
    month = local_today(clinic.timezone).strftime("%Y-%m")
    sign_in(client, staff)
    call = {"minutes": "12", "activity": "call", "note": "Dose agreed"}
    for entry in (call, {"minutes": "90"}):
        assert post(client, f"/patients/{patient.id}/time", entry).status_code == 303
    typo = db.exec(select(TimeEntry).where(TimeEntry.minutes == 90)).one()
    record = client.get(f"/patients/{patient.id}/rtm?month={month}").text
    assert "<dd>102</dd>" in record and "98981" in record
    url = f"/patients/{patient.id}/time/{typo.id}/remove"
    unsaid = post(client, url, {"reason": " no "})
    assert unsaid.status_code == 422 and "5 characters or more" in unsaid.text
    with client_from() as other:
        sign_in(other, colleague)
        theirs = post(other, url, {"reason": "not mine to remove"})
        assert theirs.status_code == 422 and "Only whoever recorded this time" in theirs.text
    db.refresh(typo)
    assert typo.removed_at is None
    done = post(client, url, {"reason": "Typed 90 for 9 minutes"})
    assert done.status_code == 303
    db.refresh(typo)
    assert typo.removed_at is not None and typo.removed_by_id == staff.id
    page = client.get(f"/patients/{patient.id}").text
    assert "<s>" in page and "Typed 90 for 9 minutes. It no longer counts." in page
    record = client.get(f"/patients/{patient.id}/rtm?month={month}").text
    assert "<dd>12</dd>" in record and "98981" not in record
    again = post(client, url, {"reason": "Typed 90 for 9 minutes"})
    assert again.status_code == 422 and "already removed" in again.text
    trail = db.exec(select(AuditEvent).where(AuditEvent.action == "time_removed")).all()
    assert len(trail) == 1 and "Typed 90 for 9 minutes" in trail[0].detail


def test_another_clinic_cannot_remove_an_entry(client: TestClient, db: Session) -> None:
    """Someone of another clinic gets 404 and the entry stays."""
    _clinic, staff, patient = setup(db, date(2026, 3, 2))
    _other_clinic, stranger, _theirs = setup(db, date(2026, 3, 2))
    sign_in(client, staff)
    post(client, f"/patients/{patient.id}/time", {"minutes": "15"})
    entry = db.exec(select(TimeEntry).where(TimeEntry.patient_id == patient.id)).one()
    with client_from() as other:
        sign_in(other, stranger)
        url = f"/patients/{patient.id}/time/{entry.id}/remove"
        assert post(other, url, {"reason": "remove it"}).status_code == 404
    db.refresh(entry)
    assert entry.removed_at is None

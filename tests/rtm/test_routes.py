"""The record page, consent and set-up dates, the clinic list and its CSV, and who sees them."""

import csv
import io
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core.clock import local_today
from app.models import AuditEvent, Patient, TimeEntry
from tests.factories import make_clinic, make_patient, make_staff
from tests.rtm.helpers import log_on, minutes, setup
from tests.staff.support import post, sign_in

CHECK = "must check every code"


def _month_with_codes(db: Session) -> tuple[object, Patient, date]:
    """A patient monitored since 20 days before this month with 16 data days and 45 minutes."""
    month = local_today("Europe/London").replace(day=1) - timedelta(days=40)
    month = month.replace(day=1)
    clinic, staff, patient = setup(db, month - timedelta(days=10))
    patient.display_name = "=Rosa Record"  # a spreadsheet formula must stay text in the CSV
    patient.rtm_consent_on = month - timedelta(days=11)
    patient.rtm_setup_on = month + timedelta(days=2)
    db.add(patient)
    for n in range(16):
        log_on(db, patient, month - timedelta(days=10) + timedelta(days=n))
    minutes(db, patient, staff, month + timedelta(days=3), 25)
    minutes(db, patient, staff, month + timedelta(days=4), 20, live=True, activity="call")
    db.commit()
    return staff, patient, month


def test_record_page_shows_windows_minutes_codes_and_the_warning(
    client: TestClient, db: Session
) -> None:
    """The page lists the window's dates and data days, the time log with credential, the
    codes reached and says the clinic must check them; viewing it is audited."""
    staff, patient, month = _month_with_codes(db)
    sign_in(client, staff)  # type: ignore[arg-type]
    page = client.get(f"/patients/{patient.id}/rtm?month={month:%Y-%m}")
    assert page.status_code == 200
    text = page.text
    assert CHECK in text
    for expected in ("98977", "98975", "98980", "98981", "PT, DPT", "Live call: phone"):
        assert expected in text, expected
    assert "98985" not in text
    event = db.exec(
        select(AuditEvent)
        .where(AuditEvent.action == "rtm_record_viewed")
        .order_by(AuditEvent.id.desc())  # type: ignore[union-attr]
    ).first()
    assert event is not None and event.patient_id == patient.id
    assert f'href="/patients/{patient.id}/rtm"' in client.get(f"/patients/{patient.id}").text


def test_bad_month_is_named_and_shows_this_month(client: TestClient, db: Session) -> None:
    """A month that is not YYYY-MM gets a message in the page, and the CSV a 422."""
    staff, patient, _month = _month_with_codes(db)
    sign_in(client, staff)  # type: ignore[arg-type]
    page = client.get(f"/patients/{patient.id}/rtm?month=March")
    assert page.status_code == 200 and "YYYY-MM" in page.text
    assert client.get("/rtm?month=2026-13").status_code == 422
    assert client.get("/rtm/export.csv?month=99999-01").status_code == 422


def test_consent_and_setup_dates_are_recorded(client: TestClient, db: Session) -> None:
    """Staff record both dates; a future date is refused with a message and changes nothing."""
    clinic, staff, patient = setup(db, date(2026, 3, 2))
    sign_in(client, staff)
    url = f"/patients/{patient.id}/rtm/episode"
    future = (local_today(clinic.timezone) + timedelta(days=2)).isoformat()
    refused = post(client, url, {"consent_on": future, "setup_on": "2026-03-02"})
    assert refused.status_code == 422 and "cannot be in the future" in refused.text
    db.refresh(patient)
    assert patient.rtm_consent_on is None and patient.rtm_setup_on is None
    saved = post(
        client, url, {"consent_on": "2026-03-01", "setup_on": "2026-03-02", "month": "2026-03"}
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("/rtm?month=2026-03")
    db.refresh(patient)
    assert (patient.rtm_consent_on, patient.rtm_setup_on) == (date(2026, 3, 1), date(2026, 3, 2))
    assert post(client, url, {"consent_on": "1-3-2026"}).status_code == 422


def test_time_form_records_activity_and_credential(client: TestClient, db: Session) -> None:
    """The review page's time form stores what the time was for and the credential; a call
    counts as live; an unknown activity is refused."""
    _clinic, staff, patient = setup(db, date(2026, 3, 2))
    sign_in(client, staff)
    url = f"/patients/{patient.id}/time"
    call = {"minutes": "12", "activity": "call", "credential": "PT", "note": "Dose agreed"}
    done = post(client, url, call)
    assert done.status_code == 303
    entry = db.exec(select(TimeEntry).where(TimeEntry.patient_id == patient.id)).one()
    assert (entry.activity, entry.credential, entry.live_interaction) == ("call", "PT", True)
    assert 'value="PT"' in client.get(f"/patients/{patient.id}").text
    bad = post(client, url, {"minutes": "12", "activity": "golf"})
    assert bad.status_code == 422 and "from the list" in bad.text


def test_clinic_list_and_csv(client: TestClient, db: Session) -> None:
    """Every patient of the clinic with their codes; the CSV the same, formulas kept inert."""
    staff, patient, month = _month_with_codes(db)
    other = make_patient(db, make_staff(db, make_clinic(db)))
    other.display_name = "Otto Otherclinic"
    db.add(other)
    db.commit()
    sign_in(client, staff)  # type: ignore[arg-type]
    page = client.get(f"/rtm?month={month:%Y-%m}")
    assert page.status_code == 200 and CHECK in page.text
    assert "Rosa Record" in page.text and "Otto Otherclinic" not in page.text
    assert 'href="/rtm"' in page.text  # reachable from the workspace navigation
    export = client.get(f"/rtm/export.csv?month={month:%Y-%m}")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["patient"] == "'=Rosa Record"
    assert row["device_codes"] == "98977" and row["data_days"] == "16"
    assert row["setup_code"] == "98975"
    assert row["minutes"] == "45" and row["interactive_communications"] == "1"
    assert row["management_codes"] == "98980; 98981"
    assert row["consent_on"] == patient.rtm_consent_on.isoformat()  # type: ignore[union-attr]
    assert row["missing"] == ""


def test_another_clinic_gets_404(client: TestClient, db: Session) -> None:
    """A therapist of another clinic cannot open or change the record: 404, nothing changed."""
    _staff, patient, month = _month_with_codes(db)
    stranger = make_staff(db, make_clinic(db))
    db.commit()
    sign_in(client, stranger)
    assert client.get(f"/patients/{patient.id}/rtm?month={month:%Y-%m}").status_code == 404
    changed = post(client, f"/patients/{patient.id}/rtm/episode", {"consent_on": "2026-01-01"})
    assert changed.status_code == 404
    db.refresh(patient)
    assert patient.rtm_consent_on == month - timedelta(days=11)
    assert "Rosa Record" not in client.get(f"/rtm?month={month:%Y-%m}").text
    assert "Rosa Record" not in client.get(f"/rtm/export.csv?month={month:%Y-%m}").text


def test_monitoring_starts_from_the_episode_form(client: TestClient, db: Session) -> None:
    """A patient the app itself set up: consent and set-up start monitoring on the set-up day,
    so the device windows open; a start typed before consent is refused and changes nothing."""
    clinic, staff, patient = setup(db, date(2026, 3, 2))
    patient.monitoring_started_on = None
    db.add(patient)
    db.commit()
    sign_in(client, staff)
    url = f"/patients/{patient.id}/rtm/episode"
    page = client.get(f"/patients/{patient.id}/rtm?month=2026-03")
    assert "not started" in page.text and "monitoring start" in page.text
    before = {"consent_on": "2026-03-01", "setup_on": "2026-03-02", "started_on": "2026-02-20"}
    refused = post(client, url, before)
    assert refused.status_code == 422 and "on or after the consent date" in refused.text
    assert 'value="2026-02-20"' in refused.text  # the form as typed
    db.refresh(patient)
    assert patient.monitoring_started_on is None and patient.rtm_consent_on is None
    saved = post(client, url, {"consent_on": "2026-03-01", "setup_on": "2026-03-02"})
    assert saved.status_code == 303
    db.refresh(patient)
    assert patient.monitoring_started_on == date(2026, 3, 2)
    page = client.get(f"/patients/{patient.id}/rtm?month=2026-03")
    assert "2 Mar 2026" in page.text and "not started" not in page.text
    assert "Monitoring had not started" not in page.text
    chosen = {"consent_on": "2026-03-01", "setup_on": "2026-03-02", "started_on": "2026-03-05"}
    assert post(client, url, chosen).status_code == 303
    db.refresh(patient)
    assert patient.monitoring_started_on == date(2026, 3, 5)

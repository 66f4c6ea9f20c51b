"""The private calendar feed: valid iCalendar, the patient's zone and days, a secret address."""

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.clock import local_today
from app.models import Patient
from app.reminders.calendar import build_ics, fold, new_calendar_token
from app.reminders.settings import ensure_settings
from app.routines.service import ItemDose, new_version
from tests.factories import builtin, csrf, make_clinic, make_patient, make_staff, sign_in_patient
from tests.reminders.conftest import set_reminders

Component = dict[str, Any]


def parse_ics(text: str) -> Component:
    """A small RFC 5545 reader: checks line endings and folding, returns nested components."""
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    for line in physical:
        assert "\n" not in line and "\r" not in line, "bare line break"
        assert len(line.encode("utf-8")) <= 75, f"line over 75 octets: {line!r}"
    logical: list[str] = []
    for line in physical:
        if line.startswith(" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    root: Component = {"name": "ROOT", "props": [], "children": []}
    stack = [root]
    for line in logical:
        name_params, _, value = line.partition(":")
        name = name_params.split(";")[0]
        if name == "BEGIN":
            component: Component = {"name": value, "props": [], "children": []}
            stack[-1]["children"].append(component)
            stack.append(component)
        elif name == "END":
            assert stack.pop()["name"] == value, f"END:{value} does not close its BEGIN"
        else:
            stack[-1]["props"].append((name_params, value))
    assert len(stack) == 1, "unclosed component"
    (calendar,) = root["children"]
    assert calendar["name"] == "VCALENDAR"
    return calendar


def prop(component: Component, name: str) -> tuple[str, str]:
    """The one property of that name, as (name with parameters, value)."""
    (found,) = [p for p in component["props"] if p[0].split(";")[0] == name]
    return found


def children(component: Component, name: str) -> list[Component]:
    """Sub-components of one kind."""
    return [c for c in component["children"] if c["name"] == name]


def _patient(db: Session, timezone: str = "Europe/London", language: str = "en") -> Patient:
    return make_patient(db, make_staff(db, make_clinic(db)), timezone=timezone, language=language)


def test_feed_has_one_daily_event_with_alarm_per_time(db: Session) -> None:
    """Each reminder time is a daily event on the routine's days, in the patient's zone."""
    patient = _patient(db, "Pacific/Auckland", "es")
    assert patient.id is not None
    exercise = builtin(db, "median-slider")
    assert exercise.id is not None
    mon_wed_fri = 0b0010101
    new_version(
        db,
        patient.id,
        [ItemDose(exercise.id, days_mask=mon_wed_fri)],
        local_today(patient.timezone),
    )
    set_reminders(db, patient, ["08:15", "19:45"])
    prefs = ensure_settings(db, patient)
    calendar = parse_ics(build_ics(db, patient, prefs))

    assert prop(calendar, "VERSION")[1] == "2.0"
    events = children(calendar, "VEVENT")
    assert len(events) == 2
    (tz,) = children(calendar, "VTIMEZONE")
    assert prop(tz, "TZID")[1] == "Pacific/Auckland"
    start = local_today("Pacific/Auckland")
    for event, clock in zip(events, ("081500", "194500"), strict=True):
        assert prop(event, "DTSTART") == (
            "DTSTART;TZID=Pacific/Auckland",
            f"{start:%Y%m%d}T{clock}",
        )
        assert prop(event, "RRULE")[1] == "FREQ=DAILY;BYDAY=MO,WE,FR"
        assert prop(event, "SUMMARY")[1] == "Neuroglide: tus ejercicios para los nervios"
        (alarm,) = children(event, "VALARM")
        assert prop(alarm, "ACTION")[1] == "DISPLAY"
        assert prop(alarm, "TRIGGER")[1] == "PT0S"
        assert prop(event, "DTSTAMP")[1].endswith("Z")
    uids = [prop(e, "UID")[1] for e in events]
    assert len(set(uids)) == 2
    again = parse_ics(build_ics(db, patient, prefs))
    assert [prop(e, "UID")[1] for e in children(again, "VEVENT")] == uids


def test_times_in_quiet_hours_and_reminders_off_leave_no_events(db: Session) -> None:
    """The calendar rings only when push would: not in quiet hours, not when turned off."""
    patient = _patient(db)
    set_reminders(db, patient, ["09:00"])
    prefs = ensure_settings(db, patient)
    prefs.times = ["06:00", "09:00"]
    prefs.quiet_from, prefs.quiet_until = datetime(1, 1, 1, 22).time(), datetime(1, 1, 1, 7).time()
    events = children(parse_ics(build_ics(db, patient, prefs)), "VEVENT")
    assert [prop(e, "DTSTART")[1][-6:] for e in events] == ["090000"]
    prefs.enabled = False
    assert children(parse_ics(build_ics(db, patient, prefs)), "VEVENT") == []


def test_long_lines_fold_without_splitting_characters() -> None:
    """Folding at 75 octets keeps multi-byte characters whole."""
    line = "DESCRIPTION:" + "ñandú y acción · " * 12
    folded = fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 2
    assert all(len(p.encode()) <= 75 for p in parts)
    assert parts[0] + "".join(p[1:] for p in parts[1:]) == line


def test_feed_address_is_the_only_credential(client: TestClient, db: Session) -> None:
    """A made link serves text/calendar without signing in; unknown or replaced links 404."""
    patient = _patient(db)
    sign_in_patient(client, db, patient)
    page = client.post("/reminders/calendar", data={"csrf_token": csrf(client)})
    assert page.status_code == 200
    assert "webcal://testserver/calendar/" in page.text
    token = page.text.split("http://testserver/calendar/", 1)[1].split(".ics", 1)[0]

    client.cookies.clear()
    feed = client.get(f"/calendar/{token}.ics")
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    assert len(children(parse_ics(feed.text), "VEVENT")) == 2  # suggested 09:00 and 18:00
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
    assert client.get(f"/calendar/{token[:-1]}.ics").status_code == 404

    new_calendar_token(db, patient)  # a new link revokes the old one
    db.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_archived_patients_feed_stops(db: Session, client: TestClient) -> None:
    """An archived patient's calendar link no longer answers."""
    patient = _patient(db)
    token = new_calendar_token(db, patient)
    db.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    patient.archived_at = datetime.now(UTC)
    db.add(patient)
    db.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404

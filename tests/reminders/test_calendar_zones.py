"""The feed's embedded time zone, read by a real iCalendar parser, agrees with zoneinfo."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlmodel import Session

from app.core.clock import local_today
from app.reminders.calendar import build_ics
from app.reminders.settings import ensure_settings
from tests.factories import make_clinic, make_patient, make_staff
from tests.reminders.conftest import set_reminders

ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Santiago",
    "Asia/Gaza",  # no yearly rule (shifted around Ramadan): its changes are listed
]


def _feed(db: Session, tz_name: str, enabled: bool = True) -> icalendar.Calendar:
    patient = make_patient(db, make_staff(db, make_clinic(db)), timezone=tz_name)
    set_reminders(db, patient, ["09:00"], enabled=enabled)
    return icalendar.Calendar.from_ical(build_ics(db, patient, ensure_settings(db, patient)))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@pytest.mark.parametrize("tz_name", ZONES)
def test_embedded_zone_matches_zoneinfo_from_2030_to_2040(db: Session, tz_name: str) -> None:
    """A calendar that trusts the feed's VTIMEZONE (not its own tables) gets every offset right."""
    calendar = _feed(db, tz_name)
    (component,) = calendar.walk("VTIMEZONE")
    assert str(component["TZID"]) == tz_name
    embedded = component.to_tz(lookup_tzid=False)  # built from the feed, never looked up
    real = ZoneInfo(tz_name)
    wrong: list[str] = []
    for day in _days(date(2030, 1, 1), date(2040, 12, 31)):
        noon = datetime.combine(day, time(12), tzinfo=UTC)
        moments = [noon]
        if (noon - timedelta(days=1)).astimezone(real).utcoffset() != noon.astimezone(
            real
        ).utcoffset():
            # The day the clocks change: every hour around it.
            moments += [noon - timedelta(hours=h) for h in range(1, 37)]
        for moment in moments:
            if moment.astimezone(embedded).utcoffset() != moment.astimezone(real).utcoffset():
                wrong.append(f"{moment:%Y-%m-%d %H:%M}Z")
        # The reminder itself: 09:00 on the patient's wall clock.
        nine = datetime.combine(day, time(9))
        if nine.replace(tzinfo=embedded).utcoffset() != nine.replace(tzinfo=real).utcoffset():
            wrong.append(f"{day} 09:00 local")
    assert wrong == [], f"{len(wrong)} offsets differ, first {wrong[:5]}"


def test_zone_with_daylight_saving_repeats_by_rule(db: Session) -> None:
    """A zone with a yearly change says so with RRULEs rather than a list that runs out."""
    (component,) = _feed(db, "Europe/London").walk("VTIMEZONE")
    rules = [dict(sub["RRULE"]) for sub in component.subcomponents if "RRULE" in sub]
    assert sorted(int(r["BYMONTH"][0]) for r in rules) == [3, 10]
    assert all(r["FREQ"] == ["YEARLY"] and r["BYDAY"] == ["-1SU"] for r in rules)


@pytest.mark.parametrize("tz_name", ["Europe/London", "Asia/Kolkata"])
def test_feed_with_reminders_off_still_has_a_component(db: Session, tz_name: str) -> None:
    """RFC 5545 wants at least one component: with nothing to ring, the feed keeps its zone."""
    calendar = _feed(db, tz_name, enabled=False)
    assert calendar.walk("VEVENT") == []
    assert len(calendar.subcomponents) >= 1
    (component,) = calendar.walk("VTIMEZONE")
    assert component.to_tz(lookup_tzid=False) is not None
    assert local_today(tz_name)  # the zone is a real one

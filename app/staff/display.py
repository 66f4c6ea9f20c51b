"""Showing moments to staff in their clinic's time zone."""

from collections.abc import Callable
from datetime import datetime

from babel.dates import format_datetime
from sqlmodel import Session

from app.core.clock import zone
from app.models import Clinic, StaffUser


def clinic_timezone(session: Session, staff: StaffUser) -> str:
    """The IANA time zone of the staff member's clinic."""
    clinic = session.get(Clinic, staff.clinic_id)
    return clinic.timezone if clinic is not None else "UTC"


def when_formatter(tz_name: str) -> Callable[[datetime | None], str]:
    """A function showing a moment such as '24 Nov 2026, 14:05' in a time zone."""

    def when(moment: datetime | None) -> str:
        if moment is None:
            return ""
        return format_datetime(moment.astimezone(zone(tz_name)), "d MMM y, HH:mm", locale="en")

    return when


def day_formatter(tz_name: str) -> Callable[[datetime | None], str]:
    """A function showing the day of a moment, such as '24 Nov 2026', in a time zone."""

    def day(moment: datetime | None) -> str:
        if moment is None:
            return ""
        return format_datetime(moment.astimezone(zone(tz_name)), "d MMM y", locale="en")

    return day

"""Patient-local days: 'today' is always in the patient's own time zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from app.models import utcnow


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name, UTC when the name is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_now(tz_name: str, now: datetime | None = None) -> datetime:
    """The current moment in a time zone."""
    return (now or utcnow()).astimezone(zone(tz_name))


def local_today(tz_name: str, now: datetime | None = None) -> date:
    """Today's date in a time zone."""
    return local_now(tz_name, now).date()


# The next-morning question waits for the morning: answered at half past midnight, by someone
# still up, it would take the place of the answer that shows a delayed nerve reaction.
MORNING_FROM_HOUR = 4


def morning_begun(tz_name: str, now: datetime | None = None) -> bool:
    """Whether it is morning yet in a time zone (from MORNING_FROM_HOUR, local time)."""
    return local_now(tz_name, now).hour >= MORNING_FROM_HOUR


# Listed by the system's zone database but no place's time: the server's own setting, and a zone
# with no offset name.
NOT_PLACES = frozenset({"localtime", "Factory"})


def valid_timezone(name: str) -> bool:
    """Whether the name is a known IANA time zone of a place."""
    return name not in NOT_PLACES and name in available_timezones()


def utc_offset_minutes(tz_name: str, now: datetime | None = None) -> int:
    """Minutes a time zone is ahead of UTC right now (negative west of Greenwich)."""
    offset = local_now(tz_name, now).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0

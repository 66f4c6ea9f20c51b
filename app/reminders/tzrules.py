"""A VTIMEZONE from the zone database: yearly RRULEs where the zone has them, checked far ahead.

Calendar apps that trust the embedded zone (instead of looking the TZID up) would put every
reminder an hour off once a listed range ran out, so the zone's yearly rule is spelled as
RRULEs, verified against zoneinfo for decades; a zone without one lists its changes instead.
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Years after the first event for which a yearly rule must match zoneinfo exactly.
VERIFY_YEARS = 60
# Without a yearly rule, changes are listed this far after the first event.
FALLBACK_YEARS = 60


@dataclass(frozen=True)
class Change:
    """One offset change: the UTC instant, the offsets around it, and what it changes to."""

    at: datetime
    before: timedelta
    after: timedelta
    daylight: bool
    name: str

    @property
    def wall(self) -> datetime:
        """The local clock time the change happens at, read in the offset before it."""
        return (self.at + self.before).replace(tzinfo=None)


def _info(tz: ZoneInfo, moment: datetime) -> tuple[timedelta, bool, str]:
    local = moment.astimezone(tz)
    return local.utcoffset() or timedelta(), bool(local.dst()), local.tzname() or ""


def changes(tz: ZoneInfo, first_year: int, last_year: int) -> list[Change]:
    """Every offset change from first_year through last_year, found to the minute."""
    found: list[Change] = []
    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(days=1)
    while moment < end:
        following = moment + step
        before = _info(tz, moment)[0]
        if before != _info(tz, following)[0]:
            low, high = moment, following
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if _info(tz, middle)[0] == before:
                    low = middle
                else:
                    high = middle
            change = high.replace(second=0, microsecond=0)
            if _info(tz, change)[0] == before:
                change += timedelta(minutes=1)
            after, daylight, name = _info(tz, change)
            found.append(Change(change, before, after, daylight, name))
        moment = following
    return found


@dataclass(frozen=True)
class Rule:
    """A yearly rule: a weekday in a month, within a span of days (or the month's last)."""

    month: int
    weekday: int
    first_day: int  # 0: the last such weekday of the month

    def day_in(self, year: int) -> date:
        """The date the rule picks in a year."""
        days = calendar.monthrange(year, self.month)[1]
        if self.first_day == 0:
            day = date(year, self.month, days)
            return day - timedelta(days=(day.weekday() - self.weekday) % 7)
        day = date(year, self.month, self.first_day)
        return day + timedelta(days=(self.weekday - day.weekday()) % 7)

    def rrule(self) -> str:
        """The rule as an RFC 5545 RRULE value."""
        code = DAY_CODES[self.weekday]
        head = f"FREQ=YEARLY;BYMONTH={self.month};"
        if self.first_day == 0:
            return head + f"BYDAY=-1{code}"
        if (self.first_day - 1) % 7 == 0:
            return head + f"BYDAY={(self.first_day - 1) // 7 + 1}{code}"
        span = ",".join(str(d) for d in range(self.first_day, self.first_day + 7))
        return head + f"BYDAY={code};BYMONTHDAY={span}"


def _candidates(wall: datetime) -> list[Rule]:
    """Rules that pick this date: its weekday from each possible first day, or the last one."""
    days = calendar.monthrange(wall.year, wall.month)[1]
    rules = [
        Rule(wall.month, wall.weekday(), start)
        for start in range(max(1, wall.day - 6), wall.day + 1)
        if start + 6 <= days
    ]
    if wall.day + 7 > days:
        rules.append(Rule(wall.month, wall.weekday(), 0))
    # The usual forms first: the nth weekday, then the last, then a span of days.
    rules.sort(key=lambda r: 1 if r.first_day == 0 else 0 if (r.first_day - 1) % 7 == 0 else 2)
    return rules


def _matches(rule: Rule, template: Change, change: Change) -> bool:
    return (
        change.wall.date() == rule.day_in(change.wall.year)
        and change.wall.time() == template.wall.time()
        and (change.before, change.after, change.daylight, change.name)
        == (template.before, template.after, template.daylight, template.name)
    )


def yearly_rules(
    tz: ZoneInfo, first_year: int, last_year: int
) -> tuple[int, list[tuple[Change, Rule]]] | None:
    """(first year of the rules, each observance's rule) if two changes a year follow them."""
    found = changes(tz, first_year, last_year)
    by_year: dict[int, list[Change]] = {}
    for change in found:
        by_year.setdefault(change.wall.year, []).append(change)
    latest = by_year.get(last_year, [])
    if len(latest) != 2 or latest[0].daylight == latest[1].daylight:
        return None
    chosen: list[tuple[Change, Rule]] = []
    start = first_year
    for index, template in enumerate(latest):
        best: tuple[int, Rule] | None = None
        for rule in _candidates(template.wall):
            year = last_year
            while (
                year - 1 >= first_year
                and len(by_year.get(year - 1, [])) == 2
                and _matches(rule, template, by_year[year - 1][index])
            ):
                year -= 1
            # The rule must hold for every year from where it starts to the end checked.
            if best is None or year < best[0]:
                best = (year, rule)
        assert best is not None
        if best[0] > last_year - 10:
            return None  # not a yearly rule, or one too new to trust
        chosen.append((template, best[1]))
        start = max(start, best[0])
    return start, chosen


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{mins:02d}"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _observance(change: Change, rrule: str = "") -> list[str]:
    kind = "DAYLIGHT" if change.daylight else "STANDARD"
    return [
        f"BEGIN:{kind}",
        f"DTSTART:{_stamp(change.wall)}",
        *([f"RRULE:{rrule}"] if rrule else []),
        f"TZOFFSETFROM:{_offset(change.before)}",
        f"TZOFFSETTO:{_offset(change.after)}",
        *([f"TZNAME:{change.name}"] if change.name else []),
        f"END:{kind}",
    ]


def vtimezone(tz_name: str, first: date) -> list[str]:
    """The zone from the first event's year on: listed changes, then its yearly rules."""
    return list(_vtimezone(tz_name, first.year))


@lru_cache(maxsize=512)
def _vtimezone(tz_name: str, first_year: int) -> tuple[str, ...]:
    # Cached: finding decades of changes to the minute takes a noticeable fraction of a second.
    tz = ZoneInfo(tz_name)
    first = date(first_year, 1, 1)
    start = datetime(first.year, 1, 1, tzinfo=UTC)
    offset, daylight, name = _info(tz, start)
    # What the clocks read when the feed begins, so dates before the first change are known.
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tz_name}"]
    lines += _observance(Change(start - offset, offset, offset, daylight, name))
    last = first.year + VERIFY_YEARS
    rules = yearly_rules(tz, first.year, last)
    if rules is None:
        # No DST any more (only the listed changes), or no rule a calendar can repeat.
        listed = changes(tz, first.year, first.year + FALLBACK_YEARS)
        for change in listed:
            lines += _observance(change)
        return (*lines, "END:VTIMEZONE")
    rules_from, chosen = rules
    for change in changes(tz, first.year, rules_from - 1):
        lines += _observance(change)
    for template, rule in chosen:
        day = rule.day_in(rules_from)
        onset = datetime.combine(day, template.wall.time(), tzinfo=UTC) - template.before
        lines += _observance(
            Change(onset, template.before, template.after, template.daylight, template.name),
            rule.rrule(),
        )
    return (*lines, "END:VTIMEZONE")

"""RTM codes and thresholds as dated data: next year's rules are a new entry here, not new logic.

Facts gathered for US Remote Therapeutic Monitoring in 2026; the clinic checks them against
the rules in force before billing (the pages and the README say so).
"""

from dataclasses import dataclass
from datetime import date

WINDOW_DAYS = 30
# Set-up and education are billed once the patient has sent at least this many data days.
SETUP_DATA_DAYS = 2

# What logged time was spent on; a live call is the interactive communication payers ask for.
ACTIVITIES: dict[str, str] = {
    "review": "Reviewing the patient's data",
    "plan": "Changing the treatment plan",
    "call": "Live call: phone",
    "video": "Live call: video",
    "coordination": "Coordinating care",
    "other": "Other management",
}
LIVE_ACTIVITIES = ("call", "video")


@dataclass(frozen=True)
class DeviceCode:
    """A device-supply code: reached by data days in one 30-day window."""

    code: str
    description: str
    min_days: int
    max_days: int


@dataclass(frozen=True)
class ManagementCode:
    """A treatment-management code: reached by minutes in one calendar month.

    A code with ``every`` is billed once more for each further full ``every`` minutes.
    """

    code: str
    description: str
    min_minutes: int
    max_minutes: int | None = None
    every: int | None = None
    needs_interactive: bool = True

    def units(self, minutes: int, interactive: bool) -> int:
        """How many times this code is reached by the month's minutes (0 when not)."""
        if minutes < self.min_minutes or (self.needs_interactive and not interactive):
            return 0
        if self.max_minutes is not None and minutes > self.max_minutes:
            return 0
        return 1 + ((minutes - self.min_minutes) // self.every if self.every else 0)


@dataclass(frozen=True)
class RuleSet:
    """The codes in force from one date on."""

    effective_from: date
    setup_code: str
    setup_description: str
    # At most one device code per window: the first whose range holds the data days.
    device_codes: tuple[DeviceCode, ...]
    management_codes: tuple[ManagementCode, ...]


_98977 = DeviceCode("98977", "Device supply, musculoskeletal (16-30 data days)", 16, 30)
_98980 = ManagementCode("98980", "Treatment management, first 20 minutes", 20)
_98981 = ManagementCode("98981", "Treatment management, each further 20 minutes", 40, every=20)
_SETUP = "Set-up and patient education, once per episode of care"

RULES: tuple[RuleSet, ...] = (
    RuleSet(date(2022, 1, 1), "98975", _SETUP, (_98977,), (_98980, _98981)),
    RuleSet(
        date(2026, 1, 1),
        "98975",
        _SETUP,
        (_98977, DeviceCode("98985", "Device supply, musculoskeletal (2-15 data days)", 2, 15)),
        (
            ManagementCode("98979", "Treatment management, 10-19 minutes", 10, max_minutes=19),
            _98980,
            _98981,
        ),
    ),
)


def rules_on(day: date) -> RuleSet:
    """The rules in force on a day (the earliest set for days before any)."""
    found = RULES[0]
    for rules in RULES:
        if rules.effective_from <= day:
            found = rules
    return found


def device_code(days: int, on: date) -> DeviceCode | None:
    """The one device code a window with this many data days reaches, under the rules of `on`."""
    for code in rules_on(on).device_codes:
        if code.min_days <= days <= code.max_days:
            return code
    return None


def management_codes(minutes: int, interactive: bool, month: date) -> list[tuple[str, int]]:
    """Each management code the month's minutes reach, with how many units."""
    found = []
    for code in rules_on(month).management_codes:
        units = code.units(minutes, interactive)
        if units:
            found.append((code.code, units))
    return found

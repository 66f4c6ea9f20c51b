"""The dated code table: thresholds, the 2026 change and one device code per window."""

from datetime import date

import pytest

from app.rtm.codes import RULES, device_code, management_codes, rules_on

Y2025 = date(2025, 12, 1)
Y2026 = date(2026, 3, 1)


def test_rules_are_chosen_by_date() -> None:
    """2026 rules apply from 1 January 2026; the day before has the older set."""
    assert rules_on(date(2025, 12, 31)).effective_from < date(2026, 1, 1)
    assert rules_on(date(2026, 1, 1)).effective_from == date(2026, 1, 1)
    assert [r.effective_from for r in RULES] == sorted(r.effective_from for r in RULES)


@pytest.mark.parametrize(
    ("days", "on", "expected"),
    [
        (0, Y2026, None),
        (1, Y2026, None),
        (2, Y2026, "98985"),
        (15, Y2026, "98985"),
        (16, Y2026, "98977"),
        (30, Y2026, "98977"),
        (2, Y2025, None),
        (15, Y2025, None),
        (16, Y2025, "98977"),
    ],
)
def test_device_code_by_data_days(days: int, on: date, expected: str | None) -> None:
    """16-30 days reach 98977; 2-15 reach 98985 only from 2026."""
    code = device_code(days, on)
    assert (code.code if code else None) == expected


def test_only_one_device_code_fits_any_count() -> None:
    """No count of data days reaches two device codes under any rule set."""
    for rules in RULES:
        for days in range(31):
            fits = [c for c in rules.device_codes if c.min_days <= days <= c.max_days]
            assert len(fits) <= 1, (rules.effective_from, days, fits)


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (9, []),
        (10, [("98979", 1)]),
        (19, [("98979", 1)]),
        (20, [("98980", 1)]),
        (39, [("98980", 1)]),
        (40, [("98980", 1), ("98981", 1)]),
        (59, [("98980", 1), ("98981", 1)]),
        (60, [("98980", 1), ("98981", 2)]),
    ],
)
def test_management_thresholds_2026(minutes: int, expected: list[tuple[str, int]]) -> None:
    """10-19 minutes reach 98979; the first 20 reach 98980; each further full 20, 98981."""
    assert management_codes(minutes, True, Y2026) == expected


def test_management_before_2026_and_without_a_call() -> None:
    """Before 2026, 10-19 minutes reach nothing; without interactive communication, nothing."""
    assert management_codes(15, True, Y2025) == []
    assert management_codes(45, True, Y2025) == [("98980", 1), ("98981", 1)]
    assert management_codes(60, False, Y2026) == []

"""Reading FHIR search parameters: paging, patient references and date ranges; 400 otherwise."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from starlette.datastructures import QueryParams

from app.api_keys.auth import ApiProblem
from app.core.digits import plain_digits
from app.models.base import valid_id

DEFAULT_COUNT = 20
MAX_COUNT = 100
MAX_PAGE = 10_000
# Asked of every search and ignored: the answer is always JSON.
IGNORED = {"_format"}
DATE = re.compile(r"^(eq|ge|le|gt|lt)?(\d{4}-\d{2}-\d{2})$")


def bad(message: str) -> ApiProblem:
    """A 400 naming the parameter that could not be read."""
    return ApiProblem(400, "invalid", message)


@dataclass(frozen=True)
class Paging:
    """Which page of a search, and how many entries a page holds."""

    count: int = DEFAULT_COUNT
    page: int = 1

    @property
    def offset(self) -> int:
        """How many matches come before this page."""
        return (self.page - 1) * self.count


@dataclass(frozen=True)
class DateRange:
    """Days from `start` to `end`, both included; None is open."""

    start: date | None = None
    end: date | None = None

    def holds(self, day: date) -> bool:
        """Whether a day is inside the range."""
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def as_params(self) -> list[str]:
        """The range as `date` search values, for the links of the next pages."""
        values = []
        if self.start is not None:
            values.append(f"ge{self.start.isoformat()}")
        if self.end is not None:
            values.append(f"le{self.end.isoformat()}")
        return values


def check_names(params: QueryParams, allowed: Iterable[str]) -> None:
    """400 for a parameter this search does not know (a typo would silently widen it)."""
    known = set(allowed) | IGNORED | {"_count", "_page"}
    unknown = sorted({name for name in params if name not in known})
    if unknown:
        raise bad(
            f"Unknown search parameter: {unknown[0][:40]}. Known: {', '.join(sorted(known))}."
        )


def _single(params: QueryParams, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise bad(f"Give {name} once.")
    return values[0].strip() if values else None


def _number(params: QueryParams, name: str, default: int, largest: int) -> int:
    raw = _single(params, name)
    if raw is None or raw == "":
        return default
    if not plain_digits(raw) or not 1 <= int(raw[:8]) <= largest or len(raw) > 8:
        raise bad(f"{name} must be a whole number from 1 to {largest}.")
    return int(raw)


def paging(params: QueryParams) -> Paging:
    """_count (1-100, default 20) and _page (from 1)."""
    return Paging(
        count=_number(params, "_count", DEFAULT_COUNT, MAX_COUNT),
        page=_number(params, "_page", 1, MAX_PAGE),
    )


def row_id(raw: str, name: str) -> int:
    """A row id from a parameter; 400 when it cannot name a row."""
    if not plain_digits(raw) or len(raw) > 10 or not valid_id(int(raw)):
        raise bad(f"{name} must be one patient id, such as 12 (or Patient/12 for patient).")
    return int(raw)


def patient_ref(params: QueryParams) -> int:
    """The required `patient` parameter: 12 or Patient/12."""
    raw = _single(params, "patient")
    if not raw:
        raise bad("patient is required, such as patient=12 or patient=Patient/12.")
    return row_id(raw.removeprefix("Patient/"), "patient")


def single_id(params: QueryParams, name: str) -> int | None:
    """An optional parameter naming one row, such as `_id=12`."""
    raw = _single(params, name)
    return None if raw is None else row_id(raw, name)


def date_range(params: QueryParams) -> DateRange:
    """Every `date` value (ge, le, gt, lt, eq and a day like 2026-11-30) as one range."""
    start: date | None = None
    end: date | None = None
    values = params.getlist("date")
    if len(values) > 2:
        raise bad("Give date at most twice, such as date=ge2026-11-01&date=le2026-11-30.")
    for raw in values:
        match = DATE.match(raw.strip())
        try:
            day = date.fromisoformat(match.group(2)) if match else None
        except ValueError:
            day = None
        if match is None or day is None:
            raise bad("date must be a day with an optional prefix, such as date=ge2026-11-01.")
        prefix = match.group(1) or "eq"
        try:
            low = {"ge": day, "gt": day + timedelta(days=1), "eq": day}.get(prefix)
            high = {"le": day, "lt": day - timedelta(days=1), "eq": day}.get(prefix)
        except OverflowError:
            raise bad("date is out of range.") from None
        if low is not None:
            start = low if start is None else max(start, low)
        if high is not None:
            end = high if end is None else min(end, high)
    return DateRange(start, end)

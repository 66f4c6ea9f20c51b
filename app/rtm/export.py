"""The clinic's monthly RTM list as rows: one per patient, for the page and the CSV file."""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from app.patient.export import _cell
from app.rtm.codes import rules_on
from app.rtm.service import MonthRecord

COLUMNS = (
    "patient",
    "condition",
    "consent_on",
    "monitoring_started_on",
    "setup_on",
    "setup_code",
    "windows_ending",
    "data_days",
    "device_codes",
    "minutes",
    "interactive_communications",
    "management_codes",
    "missing",
)


@dataclass
class ListRow:
    """One patient's qualification for the month."""

    record: MonthRecord
    cells: dict[str, str]


def _units(codes: Sequence[tuple[str, int]]) -> str:
    return "; ".join(code if units == 1 else f"{code} x{units}" for code, units in codes)


def list_rows(records: Sequence[MonthRecord]) -> list[ListRow]:
    """Each record flattened into the list's columns."""
    rows = []
    for r in records:
        p = r.patient
        billable = r.billable_windows
        cells = {
            "patient": p.display_name,
            "condition": p.condition,
            "consent_on": p.rtm_consent_on.isoformat() if p.rtm_consent_on else "",
            "monitoring_started_on": (
                p.monitoring_started_on.isoformat() if p.monitoring_started_on else ""
            ),
            "setup_on": p.rtm_setup_on.isoformat() if p.rtm_setup_on else "",
            "setup_code": (
                rules_on(r.month).setup_code
                if r.setup_in_month
                else f"{rules_on(r.month).setup_code} pending" if r.setup_pending else ""
            ),
            "windows_ending": "; ".join(
                f"{w.start.isoformat()} to {w.end.isoformat()}" for w in billable
            ),
            "data_days": "; ".join(str(w.count) for w in billable),
            "device_codes": "; ".join(r.device_codes),
            "minutes": str(r.minutes),
            "interactive_communications": str(len(r.communications)),
            "management_codes": _units(r.management),
            "missing": "; ".join(r.missing),
        }
        rows.append(ListRow(r, cells))
    return rows


def list_csv(rows: Sequence[ListRow]) -> str:
    """The list as CSV, with a byte order mark so spreadsheets read accents as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.cells[c]) for c in COLUMNS])
    return "\ufeff" + out.getvalue()

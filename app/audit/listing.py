"""Reading the audit trail of a clinic: filters, pages and the names events refer to."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import and_, or_
from sqlmodel import Session, col, func, select

from app.core.clock import zone
from app.models import AuditEvent, Patient, StaffUser
from app.models.base import valid_id

PAGE_SIZE = 50


def _int(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    # Bounded like row ids: a larger number names nothing and cannot even be bound by SQLite.
    return number if valid_id(number) else None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


@dataclass
class AuditQuery:
    """What the audit page shows: who, about which patient, what, between which days."""

    patient: int | None = None
    staff: int | None = None
    action: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "AuditQuery":
        """Read the filters from a query string; what cannot be read is ignored and said so."""
        query = cls(
            patient=_int(params.get("patient")),
            staff=_int(params.get("staff")),
            action=str(params.get("action", "")).strip()[:64],
            page=min(_int(params.get("page")) or 1, 100_000),
        )
        for name in ("since", "until"):
            raw = str(params.get(name, "")).strip()
            if raw:
                setattr(query, name, _day(raw))
                if getattr(query, name) is None:
                    # Our words only: text from the address is never shown as a message.
                    which = "The start date" if name == "since" else "The end date"
                    query.problems.append(
                        f"{which} is not a date like 2026-03-31, so it is ignored."
                    )
        if query.since and query.until and query.since > query.until:
            query.problems.append("The start date is after the end date, so they were swapped.")
            query.since, query.until = query.until, query.since
        return query

    def link(self, **changes: Any) -> str:
        """The address of this view with some filters changed."""
        values: dict[str, Any] = {
            "patient": self.patient or "",
            "staff": self.staff or "",
            "action": self.action,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "page": self.page,
        }
        values.update(changes)
        return "/audit?" + urlencode({k: v for k, v in values.items() if v not in ("", None)})


@dataclass
class AuditPage:
    """One page of events, newest first, with the names the table shows."""

    events: Sequence[AuditEvent]
    total: int
    query: AuditQuery
    staff: dict[int, str]
    patients: dict[int, str]

    @property
    def pages(self) -> int:
        """How many pages the filtered events fill."""
        return max(1, -(-self.total // PAGE_SIZE))


def _moment(day: date, tz_name: str) -> datetime:
    """The start of a clinic-local day as an aware moment."""
    return datetime.combine(day, time.min, tzinfo=zone(tz_name))


def clinic_events(session: Session, clinic_id: int, query: AuditQuery, tz_name: str) -> AuditPage:
    """The clinic's events matching the filters, newest first, one page of them."""
    staff = {
        user.id: user.name
        for user in session.exec(select(StaffUser).where(StaffUser.clinic_id == clinic_id)).all()
        if user.id is not None
    }
    conditions: list[Any] = [
        or_(
            col(AuditEvent.clinic_id) == clinic_id,
            # Sign-outs recorded before events carried a clinic still belong to its staff.
            and_(
                col(AuditEvent.clinic_id).is_(None),
                col(AuditEvent.actor_kind) == "staff",
                col(AuditEvent.actor_id).in_(list(staff) or [0]),
            ),
        )
    ]
    if query.patient:
        conditions.append(col(AuditEvent.patient_id) == query.patient)
    if query.staff:
        conditions.append(col(AuditEvent.actor_id) == query.staff)
        conditions.append(col(AuditEvent.actor_kind).in_(("staff", "anonymous")))
    if query.action:
        conditions.append(col(AuditEvent.action) == query.action)
    if query.since and query.since > date.min:  # the first day there is: no start to set
        conditions.append(col(AuditEvent.at) >= _moment(query.since, tz_name))
    if query.until and query.until < date.max:  # the last day there is: no end to set
        conditions.append(col(AuditEvent.at) < _moment(query.until + timedelta(days=1), tz_name))
    total = session.exec(select(func.count()).select_from(AuditEvent).where(*conditions)).one()
    pages = max(1, -(-total // PAGE_SIZE))
    query.page = min(query.page, pages)
    events = session.exec(
        select(AuditEvent)
        .where(*conditions)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .offset((query.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return AuditPage(events, total, query, staff, clinic_patients(session, clinic_id))


def clinic_patients(session: Session, clinic_id: int) -> dict[int, str]:
    """Every patient of the clinic by id, archived and deleted ones included, by name."""
    rows = session.exec(
        select(Patient.id, Patient.display_name, Patient.deleted_at)
        .where(Patient.clinic_id == clinic_id)
        .order_by(func.lower(Patient.display_name), col(Patient.id))
    ).all()
    return {pid: f"Deleted patient #{pid}" if gone else name for pid, name, gone in rows if pid}


def clinic_actions(session: Session, clinic_id: int) -> list[str]:
    """The kinds of event the clinic's trail holds, for the action filter."""
    return sorted(
        session.exec(
            select(AuditEvent.action).where(AuditEvent.clinic_id == clinic_id).distinct()
        ).all()
    )


def action_label(action: str) -> str:
    """An event kind in words, such as 'Patient viewed'."""
    return action.replace("_", " ").capitalize()

"""Keeping rollups in step: every flush that writes a log, a morning or safety answer, or a
routine also recomputes the days it touched, in the same transaction.

Listening to the session rather than calling from each service means no write path (the API,
offline sync, forms, the demo, a script) can forget it. Bulk statements that bypass the
session (`session.execute(insert(...))`) are not seen: follow them with `rollups.service`
calls, or `neuroglide rebuild-rollups`.
"""

from datetime import date
from typing import Any, cast

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlmodel import Session

from app.dashboard.summary import note_changed
from app.models import ExerciseLog, MorningCheck, RoutineItem, RoutineVersion, SafetyReport
from app.rollups.service import touch

_PENDING = "rollup_pending"
_DAY_MODELS = (ExerciseLog, MorningCheck, SafetyReport)


def _note(session: OrmSession, objects: Any) -> None:
    pending: dict[int, dict[str, Any]] = session.info.setdefault(_PENDING, {})

    def entry(patient_id: int) -> dict[str, Any]:
        return pending.setdefault(patient_id, {"days": set(), "from": None})

    def since(patient_id: int, day: date) -> None:
        found = entry(patient_id)
        found["from"] = day if found["from"] is None else min(found["from"], day)

    for obj in objects:
        if isinstance(obj, _DAY_MODELS):
            if obj.patient_id is not None and obj.local_date is not None:
                entry(obj.patient_id)["days"].add(obj.local_date)
        elif isinstance(obj, RoutineVersion):
            if obj.patient_id is not None and obj.valid_from is not None:
                since(obj.patient_id, obj.valid_from)
        elif isinstance(obj, RoutineItem) and obj.version_id is not None:
            version = session.get(RoutineVersion, obj.version_id)
            if version is not None:
                since(version.patient_id, version.valid_from)


@event.listens_for(OrmSession, "after_flush")
def _collect(session: OrmSession, _flush: UOWTransaction) -> None:
    """Note which patients' days this flush changed (before the session forgets)."""
    touched = [*session.new, *session.dirty, *session.deleted]
    if any(isinstance(o, (*_DAY_MODELS, RoutineVersion, RoutineItem)) for o in touched):
        with session.no_autoflush:
            _note(session, touched)


@event.listens_for(OrmSession, "after_flush_postexec")
def _apply(session: OrmSession, _flush: UOWTransaction) -> None:
    """Recompute the noted days with the flushed rows in place."""
    pending: dict[int, dict[str, Any]] = session.info.pop(_PENDING, {})
    if not pending:
        return
    with session.no_autoflush:
        for patient_id, found in sorted(pending.items()):
            # Every session of the app is a SQLModel Session.
            touch(cast(Session, session), patient_id, found["days"], found["from"])
    note_changed(session, pending)

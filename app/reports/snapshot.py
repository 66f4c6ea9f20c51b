"""What a report shows, gathered once into plain data that is stored with the report."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from statistics import mean
from typing import Any

from sqlmodel import Session, col, select

from app.adherence.service import VersionItems, adherence, compute_statuses, load_versions
from app.core.clock import local_today
from app.library.service import texts_for
from app.models import (
    Clinic,
    ExerciseLog,
    Flag,
    MorningCheck,
    Patient,
    RoutineItem,
    SafetyReport,
    StaffUser,
)
from app.reports.outcomes import outcomes_part
from app.routines.ladder import STEPPED_DOWN, STEPPED_UP

SNAPSHOT_VERSION = 1
# Charts go weekly over the whole care, but no further back than this: one page must hold them.
MAX_WEEKS = 26
# Notable events listed on the page; older ones are counted, not listed.
MAX_EVENTS = 6
MAX_CHANGES = 3
DOSE_FIELDS = ("sets", "reps", "seconds_per_cycle", "hold_seconds", "times_per_day")
# Flags whose source event is listed itself (a warning-sign answer, a worse morning).
FLAGS_SHOWN_BY_SOURCE = {"emergency", "red_flag", "worse_next_morning"}


def _dose(item: RoutineItem, names: dict[int, str]) -> dict[str, Any]:
    """One exercise with its dose as numbers; words come at printing, in the report's language."""
    return {
        "name": names.get(item.exercise_id, "—"),
        "side": item.side,
        "days_mask": item.days_mask,
        **{field: getattr(item, field) for field in DOSE_FIELDS},
    }


def _changes(old: Sequence[RoutineItem], new: Sequence[RoutineItem], names: dict[int, str]) -> list:
    """Added, removed and re-dosed exercises between two versions."""
    out: list[dict[str, Any]] = []
    before = {i.exercise_id: i for i in old}
    after = {i.exercise_id: i for i in new}
    for eid, item in after.items():
        if eid not in before:
            out.append({"what": "added", "name": names.get(eid, "—")})
            continue
        fields = [
            [f, getattr(before[eid], f), getattr(item, f)]
            for f in DOSE_FIELDS
            if getattr(before[eid], f) != getattr(item, f)
        ]
        if fields:
            out.append({"what": "dose", "name": names.get(eid, "—"), "fields": fields})
    out += [{"what": "removed", "name": names.get(e, "—")} for e in before if e not in after]
    return out


def routine_part(
    versions: Sequence[VersionItems], names: dict[int, str], staff: dict[int, str], today: date
) -> dict[str, Any]:
    """The routine in force today and the changes that led to it, newest first."""
    in_force = [v for v in versions if v.version.valid_from <= today]
    current = in_force[-1] if in_force else None
    changes = []
    for previous, entry in zip(in_force, in_force[1:], strict=False):
        note = entry.version.change_note
        # A step's own note repeats the changes listed, in English: the report names the step in
        # the reader's language instead.
        step = (
            "up" if note.startswith(STEPPED_UP) else "down" if note.startswith(STEPPED_DOWN) else ""
        )
        changes.append(
            {
                "number": entry.version.number,
                "on": entry.version.valid_from.isoformat(),
                "by": staff.get(entry.version.created_by_id or 0, ""),
                "note": "" if step else note,
                "step": step,
                "changes": _changes(previous.items, entry.items, names),
            }
        )
    changes.reverse()
    return {
        "number": current.version.number if current else None,
        "since": current.version.valid_from.isoformat() if current else None,
        "items": [_dose(i, names) for i in current.items] if current else [],
        "changes": changes[:MAX_CHANGES],
        "more_changes": max(0, len(changes) - MAX_CHANGES),
    }


def _week_means(logs: Sequence[ExerciseLog], weeks: list[date], field: str) -> list[float | None]:
    by_week: dict[date, list[int]] = defaultdict(list)
    for log in logs:
        value = getattr(log, field)
        if value is not None:
            by_week[log.local_date - timedelta(days=log.local_date.weekday())].append(value)
    return [round(mean(by_week[w]), 1) if by_week.get(w) else None for w in weeks]


def trends_part(
    logs: Sequence[ExerciseLog], statuses: Sequence[Any], weeks: list[date], today: date
) -> dict[str, Any]:
    """Weekly pain before and after, nerve symptoms and adherence over the report's weeks."""
    symptoms: dict[str, list[int]] = {
        k: [0] * len(weeks) for k in ("tingling", "numbness", "burning", "further", "eased")
    }
    index = {w: n for n, w in enumerate(weeks)}
    for log in logs:
        n = index.get(log.local_date - timedelta(days=log.local_date.weekday()))
        if n is None:
            continue
        for name in ("tingling", "numbness", "burning"):
            if name in log.symptoms:
                symptoms[name][n] += 1
        if log.spread in ("further", "eased"):
            symptoms[log.spread][n] += 1
    weekly = []
    for week in weeks:
        share = adherence(s for s in statuses if week <= s.day < week + timedelta(days=7))
        weekly.append(None if share is None else round(share * 100))
    # The week under way: how many of its days the report saw (7 when it is over).
    so_far = min(7, (today - weeks[-1]).days + 1) if weeks else 7
    return {
        "weeks": [w.isoformat() for w in weeks],
        "last_week_days": so_far,
        "pain_before": _week_means(logs, weeks, "pain_before"),
        "pain_after": _week_means(logs, weeks, "pain_after"),
        "symptoms": symptoms,
        "adherence_weekly": weekly,
        "adherence_all": _share(adherence(statuses)),
        "adherence_30": _share(
            adherence(s for s in statuses if today - timedelta(days=30) <= s.day <= today)
        ),
        "sessions": len(logs),
    }


def _share(value: float | None) -> int | None:
    return None if value is None else round(value * 100)


def events_part(
    safety: Sequence[SafetyReport], mornings: Sequence[MorningCheck], flags: Sequence[Flag]
) -> dict[str, Any]:
    """Warning-sign answers, worse mornings and other flags, newest first."""
    events: list[dict[str, Any]] = [
        {"on": s.local_date.isoformat(), "kind": f"warning_{s.level}", "count": len(s.answers)}
        for s in safety
    ]
    events += [
        {"on": m.local_date.isoformat(), "kind": "worse_morning", "pain": m.pain_now}
        for m in mornings
        if m.comparison == "worse"
    ]
    events += [
        {
            "on": f.created_at.date().isoformat(),
            "kind": f"flag_{f.kind}",
            "resolved": f.resolved_at is not None,
        }
        for f in flags
        if f.kind not in FLAGS_SHOWN_BY_SOURCE
    ]
    events.sort(key=lambda e: e["on"], reverse=True)
    # The same thing raised several times a day is one line with a count.
    grouped: list[dict[str, Any]] = []
    for event in events:
        last = grouped[-1] if grouped else None
        if last is not None and (last["on"], last["kind"]) == (event["on"], event["kind"]):
            last["times"] = last.get("times", 1) + 1
        else:
            grouped.append(event)
    events = grouped
    answers = [m.comparison for m in mornings]
    return {
        "list": events[:MAX_EVENTS],
        "more": max(0, len(events) - MAX_EVENTS),
        "mornings": {k: answers.count(k) for k in ("better", "same", "worse")},
    }


def _rows(session: Session, model: Any, patient_id: int, start: date, end: date) -> list:
    return list(
        session.exec(
            select(model)
            .where(
                model.patient_id == patient_id,
                col(model.local_date) >= start,
                col(model.local_date) <= end,
            )
            .order_by(col(model.local_date))
        ).all()
    )


def build_snapshot(session: Session, patient: Patient, language: str) -> dict[str, Any]:
    """Everything a report about this patient shows today, as JSON-ready data."""
    assert patient.id is not None
    today = local_today(patient.timezone)
    versions = load_versions(session, [patient.id], today)[patient.id]
    care_start = versions[0].version.valid_from if versions else today
    monday = today - timedelta(days=today.weekday())
    first_week = max(
        care_start - timedelta(days=care_start.weekday()),
        monday - timedelta(weeks=MAX_WEEKS - 1),
    )
    weeks = [first_week + timedelta(weeks=n) for n in range((monday - first_week).days // 7 + 1)]
    logs = [
        log
        for log in _rows(session, ExerciseLog, patient.id, first_week, today)
        if log.deleted_at is None
    ]
    mornings = _rows(session, MorningCheck, patient.id, first_week, today)
    safety = _rows(session, SafetyReport, patient.id, first_week, today)
    flags = [
        f
        for f in session.exec(
            select(Flag).where(Flag.patient_id == patient.id).order_by(col(Flag.created_at))
        ).all()
        if f.created_at.date() >= first_week
    ]
    staff = {
        s.id: s.name
        for s in session.exec(
            select(StaffUser).where(StaffUser.clinic_id == patient.clinic_id)
        ).all()
        if s.id is not None
    }
    exercise_ids = {i.exercise_id for v in versions for i in v.items}
    names = {eid: t.name for eid, t in texts_for(session, exercise_ids, language).items()}
    statuses = compute_statuses(versions, logs, max(first_week, care_start), today, today)
    clinic = session.get(Clinic, patient.clinic_id)
    return {
        "v": SNAPSHOT_VERSION,
        "today": today.isoformat(),
        "clinic": {"name": clinic.name if clinic else "", "phone": clinic.phone if clinic else ""},
        "therapist": staff.get(patient.therapist_id, ""),
        "patient": {
            "name": patient.display_name,
            "condition": patient.condition,
            "nerve": patient.nerve or "",
            "irritability": patient.irritability,
            "symptom_limit": patient.symptom_limit,
            "care_start": care_start.isoformat() if versions else None,
            "goals": patient.goals,
        },
        "referrer": {
            "name": patient.referrer_name,
            "organisation": patient.referrer_organisation,
            "contact": patient.referrer_contact,
        },
        "routine": routine_part(versions, names, staff, today),
        "trends": trends_part(logs, statuses, weeks, today),
        "events": events_part(safety, mornings, flags),
        "outcomes": outcomes_part(session, patient.id, language, today),
    }

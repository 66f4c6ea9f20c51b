"""When each measure is due: at the start, every N weeks and around discharge."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sqlmodel import Session, col, select

from app.models import OutcomePlan, OutcomeSchedule, OutcomeScore, Patient, TemplateOutcome
from app.outcomes.measures import BY_KEY, Measure
from app.outcomes.service import measure_for

Reason = Literal["start", "every", "discharge"]
# A baseline taken at the assessment shortly before the schedule was set still counts.
START_GRACE = timedelta(days=14)
# Discharge measures are asked from a week before the planned discharge day.
DISCHARGE_LEAD = timedelta(days=7)
MAX_WEEKS = 52


@dataclass(frozen=True)
class DueMeasure:
    """A measure to ask for (or record) now, why, and since which day it has been due."""

    measure: Measure
    reason: Reason
    since: date


def schedules_of(session: Session, patient_id: int) -> list[OutcomeSchedule]:
    """A patient's scheduled measures, in the order they were set."""
    return list(
        session.exec(
            select(OutcomeSchedule)
            .where(OutcomeSchedule.patient_id == patient_id)
            .order_by(col(OutcomeSchedule.id))
        ).all()
    )


def plan_of(session: Session, patient_id: int) -> OutcomePlan | None:
    """The patient's outcome plan (planned discharge), if one was set."""
    return session.get(OutcomePlan, patient_id)


def _due(
    schedule: OutcomeSchedule, days: list[date], discharge_on: date | None, today: date
) -> tuple[Reason, date] | None:
    """Whether one schedule is due today, given the days its measure was scored."""
    last = days[-1] if days else None
    if schedule.at_discharge and discharge_on is not None:
        opens = discharge_on - DISCHARGE_LEAD
        if today >= opens and not any(d >= opens for d in days):
            return "discharge", opens
    if discharge_on is not None and today > discharge_on:
        return None  # after discharge nothing else is asked
    # Schedules saved before a rating of change was kept from the start are read as set now.
    known = BY_KEY.get(schedule.measure)
    at_start = schedule.at_start and not (known is not None and known.rates_change)
    if at_start and not any(d >= schedule.starts_on - START_GRACE for d in days):
        return "start", schedule.starts_on
    if schedule.every_weeks:
        anchor = last if last is not None else schedule.starts_on
        next_on = anchor + timedelta(weeks=schedule.every_weeks)
        if today >= next_on:
            return "every", next_on
    return None


def due_measures(
    session: Session, patient: Patient, today: date, kind: str | None = None
) -> list[DueMeasure]:
    """The patient's measures due today (optionally only 'patient' or 'recorded' ones)."""
    assert patient.id is not None
    schedules = schedules_of(session, patient.id)
    if not schedules:
        return []
    days: dict[str, list[date]] = defaultdict(list)
    for row in session.exec(
        select(OutcomeScore)
        .where(OutcomeScore.patient_id == patient.id)
        .order_by(col(OutcomeScore.taken_on))
    ).all():
        days[row.measure].append(row.taken_on)
    plan = plan_of(session, patient.id)
    discharge_on = plan.discharge_on if plan else None
    found: list[DueMeasure] = []
    for schedule in schedules:
        measure = measure_for(session, schedule.measure, patient.clinic_id)
        if measure is None or (kind is not None and measure.kind != kind):
            continue
        due = _due(schedule, days[schedule.measure], discharge_on, today)
        if due is not None:
            found.append(DueMeasure(measure, due[0], due[1]))
    return found


# A check-in left unanswered is reminded of again every few days, not every day.
REMIND_EVERY_DAYS = 3


def checkin_reminder_due(session: Session, patient: Patient, today: date) -> bool:
    """Whether to remind the patient of a due check-in today (the day it falls due, then every
    few days while it stays unanswered)."""
    due = due_measures(session, patient, today, kind="patient")
    if not due or patient.archived_at is not None:
        return False
    since = min(d.since for d in due)
    return (today - since).days % REMIND_EVERY_DAYS == 0


def set_schedule(
    session: Session,
    patient: Patient,
    measure: Measure,
    *,
    at_start: bool,
    every_weeks: int | None,
    at_discharge: bool,
    today: date,
    staff_id: int | None,
) -> OutcomeSchedule:
    """Schedule a measure for a patient, or change its schedule (the start day stays)."""
    assert patient.id is not None
    if every_weeks is not None and not 1 <= every_weeks <= MAX_WEEKS:
        raise ValueError(f"Every how many weeks: a whole number from 1 to {MAX_WEEKS}.")
    # A rating of change asks what changed since exercise began: at the start there is nothing
    # to rate, and a "better" then would read as an important improvement.
    if measure.rates_change and at_start and not (every_weeks or at_discharge):
        raise ValueError(
            f"{measure.name_en} asks about change since the start, so it is not asked at the "
            "start: choose every N weeks or at discharge."
        )
    at_start = at_start and not measure.rates_change
    if not (at_start or every_weeks or at_discharge):
        raise ValueError("Choose at least one of: at the start, every N weeks, at discharge.")
    row = session.exec(
        select(OutcomeSchedule).where(
            OutcomeSchedule.patient_id == patient.id, OutcomeSchedule.measure == measure.key
        )
    ).first()
    if row is None:
        row = OutcomeSchedule(
            patient_id=patient.id, measure=measure.key, starts_on=today, created_by_id=staff_id
        )
    row.at_start, row.every_weeks, row.at_discharge = at_start, every_weeks, at_discharge
    session.add(row)
    session.flush()
    return row


def remove_schedule(session: Session, patient: Patient, key: str) -> bool:
    """Stop asking for a measure; its scores stay."""
    row = session.exec(
        select(OutcomeSchedule).where(
            OutcomeSchedule.patient_id == patient.id, OutcomeSchedule.measure == key
        )
    ).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def set_discharge(
    session: Session, patient: Patient, day: date | None, staff_id: int | None
) -> OutcomePlan:
    """Set or clear the planned discharge day."""
    assert patient.id is not None
    plan = session.get(OutcomePlan, patient.id) or OutcomePlan(patient_id=patient.id)
    plan.discharge_on = day
    plan.updated_by_id = staff_id
    session.add(plan)
    session.flush()
    return plan


# Templates carry a schedule: saved with the routine, applied with it.


def template_schedule(session: Session, template_id: int) -> list[TemplateOutcome]:
    """The measures a routine template schedules."""
    return list(
        session.exec(
            select(TemplateOutcome)
            .where(TemplateOutcome.template_id == template_id)
            .order_by(col(TemplateOutcome.id))
        ).all()
    )


def template_schedules(
    session: Session, template_ids: list[int | None]
) -> dict[int, list[tuple[TemplateOutcome, str]]]:
    """Each template's scheduled measures with their names and timing, for the templates page."""
    ids = [i for i in template_ids if i is not None]
    found: dict[int, list[tuple[TemplateOutcome, str]]] = defaultdict(list)
    if not ids:
        return found
    for row in session.exec(
        select(TemplateOutcome)
        .where(col(TemplateOutcome.template_id).in_(ids))
        .order_by(col(TemplateOutcome.id))
    ).all():
        measure = BY_KEY.get(row.measure)
        name = measure.name_en if measure else row.measure
        found[row.template_id].append((row, f"{name}: {schedule_words(row)}"))
    return found


def schedule_words(row: OutcomeSchedule | TemplateOutcome) -> str:
    """'at the start, every 4 weeks, at discharge' for staff."""
    parts = []
    if row.at_start:
        parts.append("at the start")
    if row.every_weeks:
        parts.append(f"every {row.every_weeks} week{'s' if row.every_weeks != 1 else ''}")
    if row.at_discharge:
        parts.append("at discharge")
    return ", ".join(parts)


def schedule_to_template(session: Session, patient_id: int, template_id: int) -> int:
    """Copy a patient's schedule into a template being saved from their routine."""
    rows = schedules_of(session, patient_id)
    for row in rows:
        session.add(
            TemplateOutcome(
                template_id=template_id,
                measure=row.measure,
                at_start=row.at_start,
                every_weeks=row.every_weeks,
                at_discharge=row.at_discharge,
            )
        )
    session.flush()
    return len(rows)


def template_to_schedule(
    session: Session, patient: Patient, template_id: int, today: date, staff_id: int | None
) -> int:
    """Schedule a template's measures for a patient; measures already scheduled keep theirs."""
    assert patient.id is not None
    have = {s.measure for s in schedules_of(session, patient.id)}
    added = 0
    for row in template_schedule(session, template_id):
        if row.measure in have or measure_for(session, row.measure, patient.clinic_id) is None:
            continue
        session.add(
            OutcomeSchedule(
                patient_id=patient.id,
                measure=row.measure,
                at_start=row.at_start,
                every_weeks=row.every_weeks,
                at_discharge=row.at_discharge,
                starts_on=today,
                created_by_id=staff_id,
            )
        )
        added += 1
    session.flush()
    return added


def drop_template_schedule(session: Session, template_id: int) -> None:
    """Remove a template's schedule before the template itself goes."""
    for row in template_schedule(session, template_id):
        session.delete(row)
    session.flush()

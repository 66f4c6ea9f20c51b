"""Scores staff record for licensed instruments (the score only), and clinic-added measures."""

import math
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, func, select

from app.core.digits import plain_digits
from app.models import ClinicMeasure, OutcomeScore, Patient, StaffUser
from app.outcomes.answers import announce
from app.outcomes.measures import Measure
from app.outcomes.service import measure_for

EARLIEST = date(2000, 1, 1)


def parse_number(text: str, what: str) -> float:
    """A number typed by staff (a comma as the decimal mark is accepted)."""
    cleaned = text.strip().replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"{what}: give a number, such as 42 or 3.5.") from None
    if not math.isfinite(value) or len(cleaned) > 12:
        raise ValueError(f"{what}: give a number, such as 42 or 3.5.")
    return value


def parse_day(text: str, today: date, what: str = "Date") -> date:
    """A day from a date field: not in the future, not before 2000; empty means today."""
    if not text.strip():
        return today
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{what}: give a date such as {today.isoformat()}.") from None
    if day > today:
        raise ValueError(f"{what}: the day cannot be in the future.")
    if day < EARLIEST:
        raise ValueError(f"{what}: the day is too long ago.")
    return day


def record_score(
    session: Session,
    patient: Patient,
    staff: StaffUser,
    key: str,
    score_text: str,
    date_text: str,
    today: date,
) -> tuple[OutcomeScore, Measure]:
    """Store a score a clinician took with a licensed or clinic instrument (never its items)."""
    assert patient.id is not None
    measure = measure_for(session, key, patient.clinic_id)
    if measure is None:
        raise ValueError("Choose a measure from the list.")
    if measure.kind != "recorded":
        raise ValueError(f"{measure.name_en} is answered by the patient on their phone.")
    score = parse_number(score_text, "Score")
    if not measure.in_range(score):
        raise ValueError(
            f"Score: {measure.name_en} runs from {measure.format(measure.min)} "
            f"to {measure.format(measure.max)}."
        )
    row = OutcomeScore(
        patient_id=patient.id,
        measure=measure.key,
        score=round(score, 2),
        taken_on=parse_day(date_text, today),
        source="staff",
        recorded_by_id=staff.id,
    )
    session.add(row)
    session.flush()
    announce(session, [row])
    return row, measure


def delete_score(session: Session, patient: Patient, score_id: int) -> OutcomeScore | None:
    """Remove a score entered by mistake (staff-recorded only: patients' answers stay)."""
    row = session.get(OutcomeScore, score_id)
    if row is None or row.patient_id != patient.id or row.source != "staff":
        return None
    session.delete(row)
    session.flush()
    return row


def parse_discharge(text: str, today: date) -> date:
    """A planned discharge day: within a year either side of today."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"Discharge day: give a date such as {today.isoformat()}.") from None
    if abs((day - today).days) > 366:
        raise ValueError("Discharge day: within a year of today.")
    return day


@dataclass(frozen=True)
class MeasureForm:
    """What staff typed to add a clinic measure, kept to show again after a mistake."""

    name: str = ""
    name_es: str = ""
    min_score: str = "0"
    max_score: str = "100"
    direction: str = "lower"
    mcid_points: str = ""
    mcid_percent: str = ""
    decimals: str = "0"


def add_clinic_measure(session: Session, staff: StaffUser, form: MeasureForm) -> ClinicMeasure:
    """Add a measure of the clinic's own: name, range, direction and an optional MCID."""
    name = " ".join(form.name.split())
    name_es = " ".join(form.name_es.split())
    if not name or len(name) > 120 or len(name_es) > 120:
        raise ValueError("Name: give the measure a name of up to 120 characters.")
    taken = session.exec(
        select(ClinicMeasure.id).where(
            ClinicMeasure.clinic_id == staff.clinic_id,
            func.lower(ClinicMeasure.name) == name.lower(),
            col(ClinicMeasure.archived_at).is_(None),
        )
    ).first()
    if taken is not None:
        raise ValueError(f"The clinic already has a measure called “{name}”.")
    low = parse_number(form.min_score, "Lowest score")
    high = parse_number(form.max_score, "Highest score")
    if not low < high or abs(low) > 1e6 or abs(high) > 1e6:
        raise ValueError("Range: the lowest score must be below the highest.")
    if form.direction not in ("higher", "lower"):
        raise ValueError("Direction: choose whether higher or lower scores are better.")
    points = parse_number(form.mcid_points, "MCID points") if form.mcid_points.strip() else None
    if points is not None and not 0 < points <= high - low:
        raise ValueError("MCID points: more than 0 and no more than the whole range.")
    percent = parse_number(form.mcid_percent, "MCID percent") if form.mcid_percent.strip() else None
    if percent is not None and not 0 < percent <= 100:
        raise ValueError("MCID percent: more than 0 and at most 100.")
    if not plain_digits(form.decimals.strip()) or int(form.decimals) > 2:
        raise ValueError("Decimals: 0, 1 or 2.")
    row = ClinicMeasure(
        clinic_id=staff.clinic_id,
        name=name,
        name_es=name_es,
        min_score=low,
        max_score=high,
        higher_is_better=form.direction == "higher",
        mcid_points=points,
        mcid_percent=percent,
        decimals=int(form.decimals),
        created_by_id=staff.id,
    )
    session.add(row)
    session.flush()
    return row

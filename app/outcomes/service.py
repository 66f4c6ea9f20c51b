"""Outcome scores read back as trends, and the catalogue of measures a clinic can use.

The read API other parts of the app build on (progress reports, FHIR export, RTM record):
`measure_trends(session, patient_id)` and `measure_for(session, key, clinic_id)`.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from app.core.clock import local_today
from app.models import ClinicMeasure, OutcomeScore, Patient
from app.outcomes.measures import BUILT_IN, BY_KEY, Measure, clinic_key, clinic_measure_id
from app.outcomes.trends import DirectionWord, MeasureTrend, build_trend, judge

__all__ = [
    "DirectionWord",
    "MeasureTrend",
    "catalogue",
    "judge",
    "measure_for",
    "measure_trends",
    "scores_of",
]


def from_clinic_measure(row: ClinicMeasure) -> Measure:
    """A clinic-added measure as a catalogue entry."""
    assert row.id is not None
    return Measure(
        key=clinic_key(row.id),
        name_en=row.name,
        name_es=row.name_es or row.name,
        kind="recorded",
        min=row.min_score,
        max=row.max_score,
        higher_is_better=row.higher_is_better,
        mcid_points=row.mcid_points,
        mcid_percent=row.mcid_percent,
        decimals=row.decimals,
        clinic_id=row.clinic_id,
    )


def catalogue(session: Session, clinic_id: int, *, include_archived: bool = False) -> list[Measure]:
    """Every measure a clinic can use: the built-in ones, then its own."""
    query = select(ClinicMeasure).where(ClinicMeasure.clinic_id == clinic_id)
    if not include_archived:
        query = query.where(col(ClinicMeasure.archived_at).is_(None))
    own = session.exec(query.order_by(col(ClinicMeasure.name), col(ClinicMeasure.id))).all()
    return [*BUILT_IN, *(from_clinic_measure(row) for row in own)]


def measure_for(session: Session, key: str, clinic_id: int) -> Measure | None:
    """The measure a key names, if it is built in or belongs to this clinic."""
    if key in BY_KEY:
        return BY_KEY[key]
    measure_id = clinic_measure_id(key)
    if measure_id is None:
        return None
    row = session.get(ClinicMeasure, measure_id)
    if row is None or row.clinic_id != clinic_id:
        return None
    return from_clinic_measure(row)


def scores_of(session: Session, patient_id: int, measure: str | None = None) -> list[OutcomeScore]:
    """A patient's scores, oldest first (optionally of one measure)."""
    query = select(OutcomeScore).where(OutcomeScore.patient_id == patient_id)
    if measure is not None:
        query = query.where(OutcomeScore.measure == measure)
    return list(
        session.exec(query.order_by(col(OutcomeScore.taken_on), col(OutcomeScore.id))).all()
    )


def measure_trends(
    session: Session,
    patient_id: int,
    *,
    language: str | None = None,
    until: date | None = None,
) -> list[MeasureTrend]:
    """Each measure the patient has a score for, read against its baseline and MCID.

    In catalogue order; the summary is in the patient's language unless one is given (a
    report for a referrer may ask for theirs). `until` leaves out later scores.
    """
    patient = session.get(Patient, patient_id)
    if patient is None:
        return []
    by_measure: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for row in scores_of(session, patient_id):
        if until is None or row.taken_on <= until:
            by_measure[row.measure].append((row.taken_on, row.score))
    trends: list[MeasureTrend] = []
    for measure in catalogue(session, patient.clinic_id, include_archived=True):
        points = by_measure.get(measure.key)
        if points:
            trends.append(build_trend(measure, points, language or patient.language))
    return trends


def not_improved(
    session: Session, patients: list[Patient], todays: dict[int, date], weeks: int
) -> set[int]:
    """Patients with a measure whose baseline is at least `weeks` old and no important gain.

    A measure counts when it has an MCID; a baseline with no later score counts too (no
    improvement has been shown). Two queries whatever the number of patients.
    """
    ids = [p.id for p in patients if p.id is not None]
    if not ids:
        return set()
    clinics = {p.clinic_id for p in patients}
    own = {
        clinic_key(row.id): from_clinic_measure(row)
        for row in session.exec(
            select(ClinicMeasure).where(col(ClinicMeasure.clinic_id).in_(clinics))
        ).all()
        if row.id is not None
    }
    points: dict[tuple[int, str], list[tuple[date, float]]] = defaultdict(list)
    for row in session.exec(
        select(OutcomeScore)
        .where(col(OutcomeScore.patient_id).in_(ids))
        .order_by(col(OutcomeScore.taken_on), col(OutcomeScore.id))
    ).all():
        points[(row.patient_id, row.measure)].append((row.taken_on, row.score))
    clinic_of = {p.id: p.clinic_id for p in patients}
    found: set[int] = set()
    for (patient_id, key), series in points.items():
        measure = BY_KEY.get(key) or own.get(key)
        if (
            measure is None
            or not measure.has_mcid
            or measure.clinic_id
            not in (
                None,
                clinic_of[patient_id],
            )
        ):
            continue
        if (todays[patient_id] - series[0][0]).days < weeks * 7:
            continue
        if judge(measure, series[0][1], series[-1][1], len(series)).important is not True:
            found.add(patient_id)
    return found


def stalled_among(
    session: Session, where: Sequence[ColumnElement[bool]], weeks: int, now: datetime | None = None
) -> set[int]:
    """not_improved() for the patients matching `where` that have any score (few do)."""
    scored = select(OutcomeScore.patient_id).distinct()
    patients = list(session.exec(select(Patient).where(*where, col(Patient.id).in_(scored))).all())
    todays = {p.id: local_today(p.timezone, now) for p in patients if p.id is not None}
    return not_improved(session, patients, todays, weeks)

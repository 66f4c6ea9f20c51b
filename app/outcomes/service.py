"""Outcome scores read back as trends, and the catalogue of measures a clinic can use.

The read API other parts of the app build on (progress reports, FHIR export, RTM record):
`measure_trends(session, patient_id)` and `measure_for(session, key, clinic_id)`.
"""

import re
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Boolean, Float, Integer, String, and_, case, cast, func, literal, null, or_
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.selectable import Subquery
from sqlmodel import Session, col, select

from app.models import ClinicMeasure, OutcomeScore, Patient
from app.outcomes.measures import (
    BUILT_IN,
    BY_KEY,
    CLINIC_KEY_PREFIX,
    Measure,
    clinic_key,
    clinic_measure_id,
)
from app.outcomes.trends import EPSILON, DirectionWord, MeasureTrend, build_trend, judge

__all__ = [
    "DirectionWord",
    "MeasureTrend",
    "catalogue",
    "judge",
    "measure_for",
    "measure_trends",
    "scores_of",
    "stalled_since_query",
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


def stalled_since(measure: Measure, series: list[tuple[date, float]]) -> date | None:
    """The baseline day of a measure's scores (oldest first) when they show no important
    improvement by its MCID; None when they do, or when the measure has no MCID."""
    if not measure.has_mcid or not series:
        return None
    if judge(measure, series[0][1], series[-1][1], len(series)).important is True:
        return None
    return series[0][0]


# How a dashboard row names a built-in measure: the abbreviations clinicians use.
SHORT_NAMES = {
    "pain_avg": "average pain",
    "pain_worst": "worst pain",
    "psfs": "PSFS",
    "odi": "ODI",
    "ndi": "NDI",
    "quickdash": "QuickDASH",
    "bctq_sss": "BCTQ symptoms",
    "bctq_fss": "BCTQ function",
    "rmdq": "RMDQ",
    "promis_pi6a": "PROMIS pain interference",
}


def short_name(measure: Measure) -> str:
    """A measure's name short enough for a badge: its abbreviation, or its name without the
    range in brackets (a clinic's own measure)."""
    return SHORT_NAMES.get(measure.key) or re.sub(r"\s*\([^)]*\)$", "", measure.name_en)


def not_improved(
    session: Session, patients: list[Patient], todays: dict[int, date], weeks: int
) -> set[int]:
    """Patients with a measure whose baseline is at least `weeks` old and no important gain."""
    return set(stalled_measures(session, patients, todays, weeks))


def stalled_measures(
    session: Session, patients: list[Patient], todays: dict[int, date], weeks: int
) -> dict[int, list[str]]:
    """For each patient with any, the names of the measures whose baseline is at least `weeks`
    old and show no important gain.

    A measure counts when it has an MCID; a baseline with no later score counts too (no
    improvement has been shown). Two queries whatever the number of patients. The dashboard
    stores the same verdict, computed in SQL by `stalled_since_query`.
    """
    ids = [p.id for p in patients if p.id is not None]
    if not ids:
        return {}
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
    found: dict[int, list[str]] = {}
    for (patient_id, key), series in points.items():
        measure = BY_KEY.get(key) or own.get(key)
        if measure is None or measure.clinic_id not in (None, clinic_of[patient_id]):
            continue
        since = stalled_since(measure, series)
        if since is not None and (todays[patient_id] - since).days >= weeks * 7:
            found.setdefault(patient_id, []).append(short_name(measure))
    return found


# The same verdict in SQL, for many patients in one statement (the dashboard summaries): for each
# patient and measure with an MCID the first and the latest score, as trends.judge reads them;
# tests/outcomes compare it with not_improved() on random scores.


def _number(value: float | None) -> ColumnElement[Any]:
    return cast(null() if value is None else literal(float(value)), Float)


def measures_table() -> Subquery:
    """Every measure with an MCID: the built-in ones as literal rows, then clinics' own."""
    built_in = [
        sa_select(
            cast(literal(m.key), String).label("key"),
            _number(m.min).label("low"),
            cast(literal(m.higher_is_better), Boolean).label("higher_better"),
            _number(m.mcid_points).label("mcid_points"),
            _number(m.mcid_percent).label("mcid_percent"),
            cast(literal(m.rates_change), Boolean).label("rates_change"),
            cast(null(), Integer).label("clinic_id"),
        )
        for m in BUILT_IN
        if m.has_mcid
    ]
    c = ClinicMeasure
    own = sa_select(
        (literal(CLINIC_KEY_PREFIX) + cast(col(c.id), String)).label("key"),
        cast(col(c.min_score), Float).label("low"),
        col(c.higher_is_better).label("higher_better"),
        cast(col(c.mcid_points), Float).label("mcid_points"),
        cast(col(c.mcid_percent), Float).label("mcid_percent"),
        cast(literal(False), Boolean).label("rates_change"),
        col(c.clinic_id).label("clinic_id"),
    ).where(or_(col(c.mcid_points).is_not(None), col(c.mcid_percent).is_not(None)))
    return built_in[0].union_all(*built_in[1:], own).subquery("measures")


def stalled_since_query(patient_ids: list[Any] | BindParameter[Any]) -> Subquery:
    """(patient_id, stalled_since) for those of these patients with an unimproved measure."""
    s = OutcomeScore
    by_series = (col(s.patient_id), col(s.measure))
    numbered = (
        sa_select(
            col(s.patient_id).label("patient_id"),
            col(s.measure).label("measure"),
            col(s.taken_on).label("taken_on"),
            col(s.score).label("score"),
            func.row_number()
            .over(partition_by=by_series, order_by=(col(s.taken_on), col(s.id)))
            .label("up"),
            func.row_number()
            .over(partition_by=by_series, order_by=(col(s.taken_on).desc(), col(s.id).desc()))
            .label("down"),
        )
        .where(col(s.patient_id).in_(patient_ids))
        .subquery("numbered")
    )
    n = numbered.c
    ends = (
        sa_select(
            n.patient_id,
            n.measure,
            func.max(case((n.up == 1, n.taken_on))).label("baseline_on"),
            func.max(case((n.up == 1, n.score))).label("baseline"),
            func.max(case((n.down == 1, n.score))).label("latest"),
            func.count().label("scores"),
        )
        .group_by(n.patient_id, n.measure)
        .subquery("ends")
    )
    measures = measures_table()
    e, m = ends.c, measures.c
    eps = literal(EPSILON, Float)
    # trends.improvement: a rating of change is itself the change; otherwise latest - baseline.
    gain = case(
        (m.rates_change, case((m.higher_better, e.latest), else_=-e.latest)),
        else_=case((m.higher_better, e.latest - e.baseline), else_=e.baseline - e.latest),
    )
    size = func.abs(gain)
    base = e.baseline - m.low
    percent = case((base > eps, size / base * 100), else_=null())
    reaches = or_(
        and_(m.mcid_points.is_not(None), size >= m.mcid_points - eps),
        and_(m.mcid_percent.is_not(None), ~m.rates_change, percent >= m.mcid_percent - eps),
    )
    # A CASE, not the bare condition: a NULL in it must count as "not shown", as in Python.
    important = case((and_(or_(e.scores >= 2, m.rates_change), reaches, gain > 0), 1), else_=0)
    patient = Patient.__table__.alias("scored_patient")  # type: ignore[attr-defined]
    return (
        sa_select(
            e.patient_id,
            func.min(case((important == 0, e.baseline_on))).label("stalled_since"),
        )
        .select_from(ends)
        .join(patient, patient.c.id == e.patient_id)
        .join(
            measures,
            and_(
                m.key == e.measure,
                or_(m.clinic_id.is_(None), m.clinic_id == patient.c.clinic_id),
            ),
        )
        .group_by(e.patient_id)
        .subquery("verdicts")
    )

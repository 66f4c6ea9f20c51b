"""The stored outcome verdict, computed in SQL, equals the Python one (trends.judge) on random
scores, MCID edges included, on SQLite and PostgreSQL."""

import random
from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.cli import run_migrations
from app.db import make_engine
from app.models import ClinicMeasure, OutcomeScore
from app.outcomes.measures import BY_KEY, clinic_key
from app.outcomes.service import from_clinic_measure, stalled_since, stalled_since_query
from tests.factories import make_clinic, make_patient, make_staff
from tests.support.postgres import PostgresServer

BASE = date(2026, 6, 1)


def _clinic_measures(db: Session, clinic_id: int) -> list[ClinicMeasure]:
    rows = [
        ClinicMeasure(clinic_id=clinic_id, name="Grip", min_score=0, max_score=40, mcid_points=6),
        ClinicMeasure(
            clinic_id=clinic_id,
            name="Reach",
            min_score=10,
            max_score=60,
            higher_is_better=True,
            mcid_percent=25,
        ),
        ClinicMeasure(
            clinic_id=clinic_id,
            name="Both",
            min_score=0,
            max_score=20,
            mcid_points=5,
            mcid_percent=40,
        ),
        ClinicMeasure(clinic_id=clinic_id, name="No MCID", min_score=0, max_score=10),
    ]
    db.add_all(rows)
    db.flush()
    return rows


def _pair(rng: random.Random, key: str, top: float, step: float) -> list[float]:
    """Scores of one measure, often on an MCID's very edge."""
    first = round(rng.uniform(0, top) / step) * step
    edge = rng.choice((2.0, 3.0, 5.0, 6.0, 10.0, 16.0, first * 0.3, first * 0.25, 0.0))
    latest = rng.choice((first - edge, first + edge, first, rng.uniform(0, top)))
    return [round(min(max(v, 0.0), top), 2) for v in (first, latest)][: rng.choice((1, 2, 2))]


def _check(engine: Engine, seed: int) -> None:
    rng = random.Random(seed)
    with Session(engine, expire_on_commit=False) as db:
        clinic, other = make_clinic(db), make_clinic(db)
        therapist = make_staff(db, clinic)
        own = _clinic_measures(db, clinic.id or 0)
        theirs = _clinic_measures(db, other.id or 0)
        keys = [
            ("pain_avg", 10, 1),
            ("pain_worst", 10, 1),
            ("psfs", 10, 0.1),
            ("grc", 3, 1),
            ("odi", 100, 1),
            ("ndi", 50, 1),
            ("bctq_sss", 5, 0.01),
            ("sbi", 24, 1),
            ("promis_pi6a", 90, 0.1),
            ("unknown", 10, 1),
        ] + [(clinic_key(m.id or 0), m.max_score, 0.5) for m in (*own, *theirs)]
        patients = [make_patient(db, therapist) for _ in range(30)]
        for patient in patients:
            for key, top, step in rng.sample(keys, rng.randint(0, 4)):
                day = BASE + timedelta(days=rng.randint(0, 60))
                for n, score in enumerate(_pair(rng, key, float(top), step)):
                    if key == "grc":
                        score = float(rng.randint(-3, 3))
                    # Two scores on one day are told apart by their order of entry.
                    taken = day + timedelta(days=rng.choice((0, n * 7)))
                    db.add(
                        OutcomeScore(
                            patient_id=patient.id or 0, measure=key, score=score, taken_on=taken
                        )
                    )
                    db.flush()
        # Edges chosen by hand: 25% of the way up from 19.3 on a scale from 10 is a float
        # hair short of 25%; a single rating of +2 is an improvement, +1 is not; a baseline
        # at the bottom of the scale has no percentage to reach.
        reach = clinic_key(own[1].id or 0)
        edges = [
            [(reach, 19.3, BASE), (reach, 21.625, BASE + timedelta(days=14))],
            [("grc", 2.0, BASE)],
            [("grc", 1.0, BASE)],
            [("odi", 0.0, BASE), ("odi", 0.0, BASE + timedelta(days=7))],
        ]
        edge_patients = [make_patient(db, therapist) for _ in edges]
        for patient, scores in zip(edge_patients, edges, strict=True):
            for key, score, taken in scores:
                db.add(
                    OutcomeScore(
                        patient_id=patient.id or 0, measure=key, score=score, taken_on=taken
                    )
                )
                db.flush()
        patients += edge_patients
        db.commit()
        ids = [p.id or 0 for p in patients]
        verdicts = stalled_since_query(ids)
        found = dict(db.connection().execute(sa_select(verdicts)).all())
        found = {pid: d for pid, d in found.items() if d is not None}
        measures = {**BY_KEY, **{clinic_key(m.id or 0): from_clinic_measure(m) for m in own}}
        series: dict[tuple[int, str], list[tuple[date, float]]] = defaultdict(list)
        for row in db.exec(
            select(OutcomeScore)
            .where(col(OutcomeScore.patient_id).in_(ids))
            .order_by(col(OutcomeScore.taken_on), col(OutcomeScore.id))
        ).all():
            series[(row.patient_id, row.measure)].append((row.taken_on, row.score))
        expected: dict[int, date] = {}
        for (pid, key), points in series.items():
            since = stalled_since(measures[key], points) if key in measures else None
            if since is not None:
                expected[pid] = min(since, expected.get(pid, since))
    found = {pid: d if isinstance(d, date) else date.fromisoformat(d) for pid, d in found.items()}
    assert found == expected
    reached, rated_better, rated_a_little, at_the_bottom = (p.id for p in patients[-4:])
    assert reached not in found and rated_better not in found
    assert found[rated_a_little] == BASE and found[at_the_bottom] == BASE
    assert 3 <= len(expected) < len(ids)


@pytest.mark.parametrize("seed", [1, 42, 313])
def test_sql_verdict_equals_python(engine: Engine, seed: int) -> None:
    """Thirty patients with random scores of built-in, own, other clinics' and unknown
    measures: the patients stalled, and since when, are the same in SQL and in Python."""
    _check(engine, seed)


@pytest.mark.postgres
def test_sql_verdict_equals_python_on_postgres(postgres: PostgresServer) -> None:
    """The same on PostgreSQL (double precision arithmetic, window functions)."""
    url = postgres.create_database("verdicts")
    run_migrations(url)
    engine = make_engine(url)
    try:
        for seed in (2, 77):
            _check(engine, seed)
    finally:
        engine.dispose()

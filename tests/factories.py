"""Small builders for clinics, staff, patients and routines used across tests."""

import itertools
import secrets
import uuid
from datetime import UTC, date, datetime

from fastapi import Response
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import object_session
from sqlmodel import Session, select

from app.access.service import create_invite
from app.core.clock import local_today
from app.core.csrf import csrf_cookie_name, token_for_cookies
from app.core.security import hash_password, hash_token
from app.core.sessions import write_staff_cookie
from app.db import get_engine
from app.models import (
    Clinic,
    Exercise,
    ExerciseLog,
    ExerciseText,
    Patient,
    RoutineItem,
    RoutineVersion,
    StaffSession,
    StaffUser,
)
from app.routines.service import ItemDose, new_version

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_clinic(db: Session, name: str | None = None) -> Clinic:
    """A new clinic."""
    clinic = Clinic(name=name or f"Clinic {next(_counter)}")
    db.add(clinic)
    db.flush()
    return clinic


def make_staff(db: Session, clinic: Clinic, role: str = "therapist") -> StaffUser:
    """A staff user with the test password."""
    n = next(_counter)
    assert clinic.id is not None
    user = StaffUser(
        clinic_id=clinic.id,
        email=f"staff{n}@example.org",
        name=f"Staff {n}",
        role=role,
        password_hash=hash_password(PASSWORD),
    )
    db.add(user)
    db.flush()
    return user


def add_exercise(db: Session, slug: str, name: str, **fields: object) -> Exercise:
    """An exercise with English texts (a sural slider unless told otherwise), flushed."""
    values: dict[str, object] = {
        "nerve": "sural",
        "kind": "slider",
        "body_region": "ankle_foot",
        **fields,
    }
    exercise = Exercise(slug=slug, **values)  # type: ignore[arg-type]
    db.add(exercise)
    db.flush()
    assert exercise.id is not None
    db.add(
        ExerciseText(
            exercise_id=exercise.id,
            language="en",
            name=name,
            purpose="Old purpose.",
            start_position="Old start.",
            steps=["Old step, about 5 seconds."],
            feel="Old feel.",
        )
    )
    db.flush()
    return exercise


def builtin(db: Session, slug: str) -> Exercise:
    """A built-in exercise by slug."""
    found = db.exec(select(Exercise).where(Exercise.slug == slug, Exercise.clinic_id == None)).one()  # noqa: E711
    return found


def make_patient(
    db: Session,
    therapist: StaffUser,
    *,
    timezone: str = "Europe/London",
    language: str = "en",
    slugs: tuple[str, ...] = ("median-slider", "carpal-tunnel-slider"),
    valid_from: date | None = None,
    times_per_day: int = 2,
) -> Patient:
    """A patient with a routine of built-in exercises in force from valid_from (default today)."""
    assert therapist.id is not None
    patient = Patient(
        clinic_id=therapist.clinic_id,
        therapist_id=therapist.id,
        display_name=f"Patient {next(_counter)}",
        timezone=timezone,
        language=language,
    )
    db.add(patient)
    db.flush()
    assert patient.id is not None
    doses = []
    for slug in slugs:
        exercise = builtin(db, slug)
        assert exercise.id is not None
        doses.append(ItemDose(exercise_id=exercise.id, times_per_day=times_per_day))
    new_version(db, patient.id, doses, valid_from or local_today(timezone))
    db.commit()
    return patient


def routine_version(db: Session, patient: Patient) -> RoutineVersion:
    """The patient's newest routine version."""
    return db.exec(
        select(RoutineVersion)
        .where(RoutineVersion.patient_id == patient.id)
        .order_by(RoutineVersion.number.desc())  # type: ignore[attr-defined]
    ).first()  # type: ignore[return-value]


def sign_in_patient(client: TestClient, db: Session, patient: Patient) -> None:
    """Open a fresh invite link in this client, as the patient would."""
    token = create_invite(db, patient)
    db.commit()
    client.get(f"/i/{token}")
    response = client.post(f"/i/{token}", data={"csrf_token": csrf(client)})
    assert response.status_code == 303, response.text


def cookie_values(client: TestClient) -> dict[str, str]:
    """The client's cookies by name, as the app reads them from a request."""
    return {cookie.name: cookie.value or "" for cookie in client.cookies.jar}


def csrf(client: TestClient) -> str:
    """The CSRF form token a page would carry for this client's cookies (and session) now."""
    if csrf_cookie_name() not in cookie_values(client):
        client.get("/healthz")
    token = token_for_cookies(cookie_values(client))
    assert token
    return token


def staff_session_cookie(user: StaffUser, db: Session | None = None) -> str:
    """A signed staff cookie naming a fresh server-side session, as signing in would set."""
    assert user.id is not None
    sid = secrets.token_urlsafe(32)
    row = StaffSession(token_hash=hash_token(sid), user_id=user.id)
    owner = db or object_session(user)
    if isinstance(owner, Session):
        owner.add(row)
        owner.commit()
    else:
        with Session(get_engine()) as session:
            session.add(row)
            session.commit()
    response = Response()
    write_staff_cookie(response, user.id, sid)
    return response.headers["set-cookie"].split(";")[0].split("=", 1)[1]


def api_routes() -> list[tuple[str, set[str], APIRoute]]:
    """Every API route of the app with its full path and methods, included routers expanded."""
    from fastapi.routing import APIRoute, iter_route_contexts

    from app.main import app

    return [
        (ctx.path, set(ctx.methods or ()), ctx.route)
        for ctx in iter_route_contexts(app.routes)
        if isinstance(ctx.route, APIRoute)
    ]


def add_log(
    db: Session, patient: Patient, item: RoutineItem, day: date, sets: int = 1, **kw: object
) -> ExerciseLog:
    """Store an exercise log against a routine item on a patient-local day."""
    assert patient.id is not None
    log = ExerciseLog(
        uuid=uuid.uuid4(),
        patient_id=patient.id,
        routine_item_id=item.id,
        exercise_id=item.exercise_id,
        local_date=day,
        sets_done=sets,
        done_at=datetime.combine(day, datetime.min.time(), UTC),
        **kw,
    )
    db.add(log)
    db.flush()
    return log

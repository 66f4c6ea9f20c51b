"""History flags come from the daily job and from writes, never from reading a page."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.core.clock import local_today
from app.flags.history import history_job
from app.models import DailyJobClaim, Flag, Patient, StaffUser
from app.routines.service import items_of
from tests.factories import add_log, make_clinic, make_patient, make_staff, routine_version
from tests.security.routes import dress, fill, ids_of, route_table, send, version_of
from tests.security.world import OWN, build_world
from tests.staff.support import client_from

TZ = "Pacific/Auckland"


def _patient(db: Session, therapist: StaffUser, name: str) -> tuple[Patient, object]:
    today = local_today(TZ)
    patient = make_patient(db, therapist, valid_from=today - timedelta(days=60), timezone=TZ)
    patient.display_name = name
    patient.monitoring_started_on = today - timedelta(days=60)
    db.add(patient)
    return patient, items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]


def _day(day: object) -> str:
    return day.strftime("%a %-d %b")  # type: ignore[attr-defined]


def test_the_job_flags_history_without_anyone_opening_the_dashboard(
    db: Session, engine: Engine
) -> None:
    """Silent (last log long ago), doing more than prescribed, pain trending up: raised by the
    scheduled pass alone, once per patient and day however many passes run."""
    therapist = make_staff(db, make_clinic(db))
    today = local_today(TZ)
    quiet, item = _patient(db, therapist, "Quiet since long ago")
    add_log(db, quiet, item, today - timedelta(days=45), sets=2)  # type: ignore[arg-type]
    busy, item = _patient(db, therapist, "Does too much")
    add_log(db, busy, item, today - timedelta(days=2), sets=14)  # type: ignore[arg-type]
    add_log(db, busy, item, today, sets=2)  # type: ignore[arg-type]
    sore, item = _patient(db, therapist, "Getting sorer")
    for days in range(0, 14):
        pain = 7 if days < 7 else 3
        add_log(db, sore, item, today - timedelta(days=days), sets=2, pain_after=pain)  # type: ignore[arg-type]
    db.commit()
    ids = [quiet.id, busy.id, sore.id]
    report = history_job(engine)
    assert report.claimed >= 3
    week = today - timedelta(days=today.weekday())
    last_quiet = today - timedelta(days=45)
    expected = {
        (
            quiet.id,
            "silent",
            f"since:{last_quiet.isoformat()}",
            f"No exercise logged since {_day(last_quiet)}",
        ),
        (
            busy.id,
            "overdoing",
            f"day:{(today - timedelta(days=2)).isoformat()}",
            f"14 sets logged on {_day(today - timedelta(days=2))}, 8 prescribed",
        ),
        (
            sore.id,
            "pain_trend",
            f"week:{week.isoformat()}",
            "Pain after exercise averaged 7.0/10 this week, up from 3.0/10",
        ),
    }
    raised = db.exec(select(Flag).where(col(Flag.patient_id).in_(ids))).all()
    assert {(f.patient_id, f.kind, f.key, f.detail) for f in raised} == expected
    # A second pass, or a second server, finds every patient's day already claimed.
    again = history_job(engine)
    assert again.claimed == 0
    claims = db.exec(
        select(func.count())
        .select_from(DailyJobClaim)
        .where(col(DailyJobClaim.patient_id).in_(ids))
    ).one()
    assert claims == 3
    # Tomorrow is another day to check.
    tomorrow = history_job(engine, now=datetime.now().astimezone() + timedelta(days=1))
    assert tomorrow.claimed >= 3


def test_no_page_inserts_a_flag(db: Session, engine: Engine) -> None:
    """Every GET route of the app, as the therapist, the admin and the patient of a clinic with
    a silent patient: no flag row appears and no INSERT into the flag table runs."""
    world = build_world(db)
    therapist = world.staff["TA"]
    today = local_today("Europe/London")
    silent = make_patient(db, therapist, valid_from=today - timedelta(days=20))
    silent.monitoring_started_on = today - timedelta(days=20)
    db.add(silent)
    item = items_of(db, routine_version(db, silent).id or 0)[0]
    add_log(db, silent, item, today - timedelta(days=9), sets=2)
    db.commit()
    inserts: list[str] = []

    def listener(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO FLAG"):
            inserts.append(statement)

    def flag_rows() -> int:
        with Session(engine) as session:
            return session.exec(select(func.count()).select_from(Flag)).one()

    before = flag_rows()
    gets = [info for info in route_table() if info.method == "GET"]
    assert any(info.path == "/dashboard" for info in gets)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with client_from() as client:
            for name in ("TA", "AA", "PA"):
                who = world.caller(name)
                values = ids_of(world, OWN[name])
                for info in gets:
                    token = dress(client, who, version_of(engine, who))
                    url = fill(info.path, values)
                    for query in ("", "?scope=clinic", "?filter=silent&page=1"):
                        response = send(client, info, url + query, token, {}, {})
                        assert response.status_code < 500, (name, url, response.status_code)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert inserts == []
    assert flag_rows() == before
    # The job, not a page, flags the silent patient.
    history_job(engine)
    db.expire_all()
    assert db.exec(select(Flag).where(Flag.patient_id == silent.id, Flag.kind == "silent")).all()


def test_a_patient_paused_for_warning_signs_is_waiting_not_silent(
    db: Session, engine: Engine
) -> None:
    """Asked not to exercise until their therapist calls, a patient is not flagged silent; once
    the pause is lifted, the silence counts from that day, not from their last exercise."""
    therapist = make_staff(db, make_clinic(db))
    today = local_today(TZ)
    now = datetime.now(UTC)
    waiting, item = _patient(db, therapist, "Waiting for a call")
    add_log(db, waiting, item, today - timedelta(days=6), sets=2)  # type: ignore[arg-type]
    lifted, item = _patient(db, therapist, "Called yesterday")
    add_log(db, lifted, item, today - timedelta(days=9), sets=2)  # type: ignore[arg-type]
    quiet, item = _patient(db, therapist, "Quiet, never paused")
    add_log(db, quiet, item, today - timedelta(days=6), sets=2)  # type: ignore[arg-type]
    db.flush()
    for patient, resolved in ((waiting, None), (lifted, now - timedelta(days=1))):
        db.add(
            Flag(
                patient_id=patient.id,
                kind="red_flag",
                key=f"report:{patient.id}",
                severity=3,
                detail="Numbness spreading",
                created_at=now - timedelta(days=5),
                resolved_at=resolved,
                resolution_note="Called, assessed" if resolved else "",
            )
        )
    db.commit()
    history_job(engine)
    mine = [waiting.id, lifted.id, quiet.id]
    silent = db.exec(
        select(Flag.patient_id).where(Flag.kind == "silent", col(Flag.patient_id).in_(mine))
    ).all()
    assert set(silent) == {quiet.id}

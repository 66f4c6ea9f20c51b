"""Building the demo clinic: staff, a dozen patients and 60 days of realistic history."""

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from app.access.service import create_invite, invite_url
from app.core.clock import local_today, zone
from app.core.security import hash_password
from app.demo.outcomes import add_outcome_history
from app.demo.profiles import (
    DEMO_ADMIN,
    DEMO_CLINIC,
    DEMO_PASSWORD,
    DEMO_THERAPISTS,
    NOTES,
    PROFILES,
    REFERRALS,
    Profile,
)
from app.demo.rtm import add_monitoring
from app.flags.history import run_history_rules
from app.flags.service import REPORT_KEY, flags_for_log, over_limit, raise_flag
from app.library.service import sync_builtin_library, texts_for
from app.models import (
    Clinic,
    Exercise,
    ExerciseLog,
    Flag,
    MorningCheck,
    Patient,
    RoutineItem,
    SafetyReport,
    StaffUser,
    utcnow,
)
from app.routines.service import ItemDose, items_of, new_version, version_on


@dataclass
class DemoResult:
    """What the demo command prints: whether it created data, the logins and invite links."""

    created: bool
    clinic: str
    staff: list[tuple[str, str, str]]  # (role, email, name)
    password: str
    invites: list[tuple[str, str, str, str, str]]  # (patient, story, link, language, therapist)
    audit_account: str = DEMO_ADMIN[0]  # only admins open the audit trail


def demo_steps() -> int:
    """How many progress steps building the demo takes."""
    return len(PROFILES) + 1


def build_demo(session: Session, progress: Callable[[int], None] | None = None) -> DemoResult:
    """Create the demo clinic once; on later runs only issue fresh invite links."""
    tick = progress or (lambda _n: None)
    sync_builtin_library(session)
    clinic = session.exec(select(Clinic).where(Clinic.name == DEMO_CLINIC)).first()
    created = clinic is None
    if clinic is None:
        clinic = Clinic(
            name=DEMO_CLINIC,
            timezone="Europe/London",
            # A number from the range set aside for drama, so no real line gets called.
            phone="020 7946 0000",
            opening_hours="Monday to Friday, 8:00 to 18:00",
            country="GB",
            emergency_number="999",
        )
        session.add(clinic)
        session.flush()
    assert clinic.id is not None
    staff = _ensure_staff(session, clinic.id)
    tick(1)
    rng = random.Random(20261125)
    invites: list[tuple[str, str, str, str, str]] = []
    made: list[Patient] = []
    for profile in PROFILES:
        patient = session.exec(
            select(Patient).where(
                Patient.clinic_id == clinic.id, Patient.display_name == profile.name
            )
        ).first()
        if patient is None:
            patient = _create_patient(session, clinic.id, staff[1 + profile.therapist], profile)
            _create_history(session, patient, profile, rng)
            made.append(patient)
            add_outcome_history(session, patient, staff[1 + profile.therapist].id)
        link = invite_url(create_invite(session, patient))
        therapist = staff[1 + profile.therapist].name
        invites.append((profile.name, profile.story, link, profile.language, therapist))
        tick(1)
    add_monitoring(session, clinic, staff, made)
    rows = [(u.role, u.email, u.name) for u in staff]
    return DemoResult(created, clinic.name, rows, DEMO_PASSWORD, invites)


def _ensure_staff(session: Session, clinic_id: int) -> list[StaffUser]:
    people = [("admin", *DEMO_ADMIN)] + [("therapist", *t) for t in DEMO_THERAPISTS]
    users = []
    for role, email, name in people:
        user = session.exec(select(StaffUser).where(StaffUser.email == email)).first()
        if user is None:
            user = StaffUser(
                clinic_id=clinic_id,
                email=email,
                name=name,
                role=role,
                password_hash=hash_password(DEMO_PASSWORD),
            )
            session.add(user)
            session.flush()
        users.append(user)
    return users


def _create_patient(session: Session, clinic_id: int, therapist: StaffUser, p: Profile) -> Patient:
    assert therapist.id is not None
    today = local_today(p.timezone)
    patient = Patient(
        clinic_id=clinic_id,
        therapist_id=therapist.id,
        display_name=p.name,
        language=p.language,
        timezone=p.timezone,
        condition=p.condition,
        nerve=p.nerve,
        irritability=p.irritability,
        symptom_limit=3,
        monitoring_started_on=today - timedelta(days=p.days),
        created_at=datetime.combine(today - timedelta(days=p.days), time(9), UTC),
    )
    if p.name in REFERRALS:
        (
            patient.referrer_name,
            patient.referrer_organisation,
            patient.referrer_contact,
            patient.referrer_language,
            patient.goals,
        ) = REFERRALS[p.name]
    session.add(patient)
    session.flush()
    exercises = {
        e.slug: e
        for e in session.exec(select(Exercise).where(Exercise.clinic_id == None)).all()  # noqa: E711
    }
    doses = [_dose(exercises[slug], p) for slug in p.exercises]
    assert patient.id is not None
    new_version(
        session,
        patient.id,
        doses,
        today - timedelta(days=p.days),
        change_note="First routine",
        created_by_id=therapist.id,
    )
    if p.step_up_at is not None:
        stepped = [ItemDose(**{**vars(d), "reps": d.reps + 5}) for d in doses]
        stepped[0].ladder_stage = min(stepped[0].ladder_stage + 1, 5)
        stepped[0].note = NOTES["step_up"][p.language]
        new_version(
            session,
            patient.id,
            stepped,
            today - timedelta(days=p.step_up_at),
            change_note="Stepped up: more repetitions, larger range",
            created_by_id=therapist.id,
        )
    return patient


def _dose(exercise: Exercise, p: Profile) -> ItemDose:
    assert exercise.id is not None
    gentle = p.irritability == "high"
    side = p.side
    if exercise.slug == "opposite-leg-glide" and side != "both":
        # This one moves the good leg, so it is done on the side that does not hurt.
        side = "right" if side == "left" else "left"
    return ItemDose(
        exercise_id=exercise.id,
        sets=exercise.default_sets,
        reps=max(5, exercise.default_reps - (4 if gentle else 0)),
        seconds_per_cycle=exercise.default_seconds_per_cycle,
        hold_seconds=exercise.default_hold_seconds,
        side=side,
        times_per_day=min(exercise.default_times_per_day, 2),
        ladder_stage=exercise.ladder_stage,
        note=NOTES["gentle"][p.language] if gentle else "",
    )


def _create_history(session: Session, patient: Patient, p: Profile, rng: random.Random) -> None:
    assert patient.id is not None
    today = local_today(p.timezone)
    tz = zone(p.timezone)
    start = today - timedelta(days=p.days)
    for offset in range(p.days + 1):
        day = start + timedelta(days=offset)
        share = offset / max(p.days, 1)
        version = version_on(session, patient.id, day)
        assert version is not None and version.id is not None
        items = items_of(session, version.id)
        if day == today or (p.silent_last and (today - day).days < p.silent_last):
            continue
        adherence = (
            p.adherence if p.fade_to is None else p.adherence + (p.fade_to - p.adherence) * share
        )
        pain = p.pain_start + (p.pain_end - p.pain_start) * share
        if (today - day).days < 7:
            pain += p.late_rise
        did_any = False
        for item in items:
            if not item.on_weekday(day.weekday()):
                continue
            for slot in range(1, item.times_per_day + 1):
                if rng.random() > adherence:
                    continue
                did_any = True
                _log(session, patient, item, day, slot, pain, p, rng, tz)
                if p.overdo and (today - day).days <= 6 and slot == item.times_per_day:
                    _log(session, patient, item, day, 3, pain + 1, p, rng, tz)
        if did_any and rng.random() < 0.7:
            _morning(session, patient, day + timedelta(days=1), pain, p, rng, tz)
    if p.red_flag:
        day = today - timedelta(days=2)
        report = SafetyReport(
            uuid=uuid.uuid4(),
            patient_id=patient.id,
            local_date=day,
            level="stop",
            answers=["spreading_numbness", "night_pain"],
            answered_at=_at(day, 20, tz),
            received_at=_at(day, 20, tz),
        )
        session.add(report)
        raise_flag(
            session,
            patient.id,
            "red_flag",
            f"{REPORT_KEY}{report.uuid}",
            "Warning signs reported: spreading numbness, night pain",
            at=report.received_at,
        )
    session.flush()
    run_history_rules(session, [patient])
    _resolve_old_flags(session, patient, today)


def _resolve_old_flags(session: Session, patient: Patient, today: date) -> None:
    """Flags older than ten days were dealt with at clinic visits, as they would have been."""
    cutoff = datetime.combine(today - timedelta(days=10), time(0), UTC)
    for flag in session.exec(select(Flag).where(Flag.patient_id == patient.id)).all():
        if flag.created_at < cutoff:
            flag.resolved_at = flag.created_at + timedelta(days=2)
            flag.resolved_by_id = patient.therapist_id
            flag.resolution_note = "Discussed at the clinic visit; dose adjusted."
            session.add(flag)


def _at(day: date, hour: int, tz: object, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)  # type: ignore[arg-type]


def _log(
    session: Session,
    patient: Patient,
    item: RoutineItem,
    day: date,
    slot: int,
    pain: float,
    p: Profile,
    rng: random.Random,
    tz: object,
) -> ExerciseLog:
    assert patient.id is not None
    before = max(0, min(10, round(pain + rng.uniform(-1, 1))))
    rises = (1, 1, 0) if p.worse_mornings or p.late_rise else (0,)
    after = max(0, min(10, round(before + rng.choice((-1, -1, 0, 0, 0, 0, 0, 0, *rises)))))
    partial = rng.random() < 0.12
    symptoms = [] if after < 2 else rng.sample(["tingling", "numbness", "burning"], k=1)
    done = _at(day, (8, 13, 19)[slot - 1], tz, rng.randint(0, 50))
    log = ExerciseLog(
        uuid=uuid.uuid4(),
        patient_id=patient.id,
        routine_item_id=item.id,
        exercise_id=item.exercise_id,
        local_date=day,
        slot=slot,
        sets_done=max(1, item.sets - 1) if partial else item.sets,
        reps_done=item.reps,
        pain_before=before,
        pain_after=after,
        symptoms=symptoms,
        spread=rng.choice(("same", "eased", "same")) if symptoms else None,
        difficulty=rng.choice(("easy", "ok", "ok", "hard")),
        done_at=done,
        received_at=done + timedelta(seconds=rng.randint(1, 40)),
    )
    session.add(log)
    session.flush()
    if over_limit(patient, log) or log.spread == "further":
        name = texts_for(session, [item.exercise_id], "en")[item.exercise_id].name
        flags_for_log(session, patient, log, name)
    return log


def _morning(
    session: Session,
    patient: Patient,
    day: date,
    pain: float,
    p: Profile,
    rng: random.Random,
    tz: object,
) -> None:
    assert patient.id is not None
    answered = _at(day, 7, tz, 30)
    # This morning's answer only once its time has come: a demo made at dawn has none yet.
    if day > local_today(p.timezone) or answered > utcnow():
        return
    worse = p.worse_mornings and rng.random() < 0.45
    comparison = "worse" if worse else rng.choice(("better", "same", "same"))
    check = MorningCheck(
        uuid=uuid.uuid4(),
        patient_id=patient.id,
        local_date=day,
        about_date=day - timedelta(days=1),
        comparison=comparison,
        pain_now=max(0, min(10, round(pain + (1 if worse else 0)))),
        answered_at=answered,
        received_at=answered + timedelta(minutes=1),
    )
    session.add(check)
    if worse and (local_today(p.timezone) - day).days <= 14:
        raise_flag(
            session,
            patient.id,
            "worse_next_morning",
            f"day:{day.isoformat()}",
            f"Worse the morning after exercising, pain now {check.pain_now}/10",
            at=check.received_at,
        )

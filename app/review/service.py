"""The patient review page: history charts, dose against response, notes, time and flags."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import mean

from sqlmodel import Session, col, select

from app.adherence.service import (
    VersionItems,
    adherence,
    day_statuses,
    load_versions,
)
from app.charts import Chart
from app.core.clock import local_today
from app.flags.service import over_limit, urgency_order
from app.models import (
    Clinic,
    ClinicalNote,
    ExerciseLog,
    Flag,
    MorningCheck,
    Patient,
    StaffUser,
    TimeEntry,
)
from app.review import history_charts as review_charts
from app.routines.describe import VersionView, dose_summary, history
from app.routines.service import exercise_names
from app.rtm.codes import ACTIVITIES, LIVE_ACTIVITIES

WEEKS = 8
RTM_WINDOW_DAYS = 30


# Ids are PostgreSQL INTEGERs; SQLite cannot even bind a number past 64 bits (a 500).
@dataclass
class DoseRow:
    """One exercise during one version period: the dose and how symptoms answered it."""

    name: str
    version: int
    start: date
    end: date
    dose: str
    sessions: int
    pain_before: float | None
    pain_after: float | None
    over_limit_share: float | None
    spread_further: int
    worse_next_morning: int


@dataclass
class Monitoring:
    """Figures for remote monitoring reports: data days and this month's management time."""

    window_start: date | None
    window_end: date | None
    data_days: int
    month_label: str
    month_minutes: int
    month_live: bool
    previous_start: date | None = None
    previous_end: date | None = None
    previous_days: int = 0


@dataclass
class Review:
    """Everything the review page shows about one patient."""

    patient: Patient
    therapist_name: str
    today: date
    adherence_7: float | None
    adherence_30: float | None
    charts: dict[str, Chart]
    dose_rows: list[DoseRow]
    open_flags: list[Flag]
    resolved_flags: list[Flag]
    history: list[VersionView]
    notes: list[tuple[ClinicalNote, str]]
    time_entries: list[tuple[TimeEntry, str]]
    monitoring: Monitoring
    staff_names: dict[int, str] = field(default_factory=dict)


def _periods(
    versions: Sequence[VersionItems], today: date
) -> list[tuple[VersionItems, date, date]]:
    """Each version with the days it was in force (versions replaced the same day never were)."""
    out = []
    for index, entry in enumerate(versions):
        start = entry.version.valid_from
        later = [v.version.valid_from for v in versions[index + 1 :]]
        end = (min(later) - timedelta(days=1)) if later else today
        if start <= min(end, today):
            out.append((entry, start, min(end, today)))
    return out


def dose_response(
    patient: Patient,
    versions: Sequence[VersionItems],
    logs: Sequence[ExerciseLog],
    mornings: Sequence[MorningCheck],
    names: dict[int, str],
    today: date,
) -> list[DoseRow]:
    """Per exercise and version period: dose, sessions, pain before → after, over-limit share,
    spread further, and worse next mornings after days it was done."""
    worse_about = {m.about_date for m in mornings if m.comparison == "worse"}
    # A log counts under the dose it was done at: the item it was logged against when known
    # (a routine changed during the day, or a phone that was offline), else by exercise and day.
    periods = _periods(versions, today)
    known = {item.id for entry, _start, _end in periods for item in entry.items}
    rows: list[DoseRow] = []
    for entry, start, end in periods:
        for item in entry.items:
            done = [
                log
                for log in logs
                if (
                    log.routine_item_id == item.id
                    if log.routine_item_id in known
                    else log.exercise_id == item.exercise_id and start <= log.local_date <= end
                )
            ]
            before = [log.pain_before for log in done if log.pain_before is not None]
            after = [log.pain_after for log in done if log.pain_after is not None]
            days = {log.local_date for log in done}
            rows.append(
                DoseRow(
                    name=names.get(item.exercise_id, "Exercise"),
                    version=entry.version.number,
                    start=start,
                    end=end,
                    dose=dose_summary(item),
                    sessions=len(done),
                    pain_before=round(mean(before), 1) if before else None,
                    pain_after=round(mean(after), 1) if after else None,
                    over_limit_share=(
                        sum(1 for log in done if over_limit(patient, log)) / len(done)
                        if done
                        else None
                    ),
                    spread_further=sum(1 for log in done if log.spread == "further"),
                    worse_next_morning=len(days & worse_about),
                )
            )
    rows.sort(key=lambda r: (r.name, -r.version))
    return rows


def monitoring_figures(
    patient: Patient,
    logs: Sequence[ExerciseLog],
    mornings: Sequence[MorningCheck],
    entries: Sequence[TimeEntry],
    today: date,
    clinic_today: date,
) -> Monitoring:
    """Data days in the current 30-day window since monitoring started; this month's minutes."""
    start = patient.monitoring_started_on
    window_start = window_end = previous_start = previous_end = None
    data_days = previous_days = 0
    days = {log.local_date for log in logs} | {m.local_date for m in mornings}
    if start is not None and start <= today:
        window = timedelta(days=RTM_WINDOW_DAYS)
        window_start = start + window * ((today - start).days // RTM_WINDOW_DAYS)
        window_end = window_start + window - timedelta(days=1)
        data_days = sum(1 for d in days if window_start <= d <= min(window_end, today))
        if window_start > start:
            previous_start, previous_end = window_start - window, window_start - timedelta(days=1)
            previous_days = sum(1 for d in days if previous_start <= d <= previous_end)
    month = [
        e
        for e in entries
        if (e.on_date.year, e.on_date.month) == (clinic_today.year, clinic_today.month)
    ]
    return Monitoring(
        window_start=window_start,
        window_end=window_end,
        data_days=data_days,
        month_label=f"{clinic_today:%B %Y}",
        month_minutes=sum(e.minutes for e in month),
        month_live=any(e.live_interaction for e in month),
        previous_start=previous_start,
        previous_end=previous_end,
        previous_days=previous_days,
    )


def build_review(session: Session, patient: Patient) -> Review:
    """Load the patient's history once and compute every figure and chart of the page."""
    assert patient.id is not None
    today = local_today(patient.timezone)
    grid_start = today - timedelta(days=today.weekday(), weeks=WEEKS - 1)
    grid_end = grid_start + timedelta(weeks=WEEKS, days=-1)
    versions = load_versions(session, [patient.id], grid_end)[patient.id]
    logs = list(
        session.exec(
            select(ExerciseLog)
            .where(ExerciseLog.patient_id == patient.id, col(ExerciseLog.deleted_at).is_(None))
            .order_by(col(ExerciseLog.local_date), col(ExerciseLog.done_at))
        ).all()
    )
    mornings = list(
        session.exec(
            select(MorningCheck)
            .where(MorningCheck.patient_id == patient.id)
            .order_by(col(MorningCheck.local_date))
        ).all()
    )
    flags = session.exec(
        select(Flag).where(Flag.patient_id == patient.id).order_by(col(Flag.created_at).desc())
    ).all()
    staff_names: dict[int, str] = {
        s.id: s.name
        for s in session.exec(
            select(StaffUser).where(StaffUser.clinic_id == patient.clinic_id)
        ).all()
        if s.id is not None
    }
    notes = session.exec(
        select(ClinicalNote)
        .where(ClinicalNote.patient_id == patient.id)
        .order_by(col(ClinicalNote.created_at).desc())
    ).all()
    entries = session.exec(
        select(TimeEntry)
        .where(TimeEntry.patient_id == patient.id)
        .order_by(col(TimeEntry.on_date).desc(), col(TimeEntry.created_at).desc())
    ).all()
    clinic = session.get(Clinic, patient.clinic_id)
    ids = {i.exercise_id for v in versions for i in v.items}
    names = exercise_names(session, list(ids), patient.clinic_id)
    grid = day_statuses(session, [patient], grid_start, grid_end)[patient.id]
    # The eight-week grid always covers the last 30 days.
    last_30 = [s for s in grid if today - timedelta(days=30) <= s.day <= today]
    return Review(
        patient=patient,
        therapist_name=staff_names.get(patient.therapist_id, ""),
        today=today,
        adherence_7=adherence(s for s in grid if today - timedelta(days=7) <= s.day <= today),
        adherence_30=adherence(last_30),
        charts=review_charts.review_charts(grid, logs, mornings, grid_start, today),
        dose_rows=dose_response(patient, versions, logs, mornings, names, today),
        open_flags=urgency_order([f for f in flags if f.resolved_at is None]),
        resolved_flags=[f for f in flags if f.resolved_at is not None],
        history=history(session, patient),
        notes=[(n, staff_names.get(n.author_id, "")) for n in notes],
        time_entries=[(e, staff_names.get(e.staff_id, "")) for e in entries],
        monitoring=monitoring_figures(
            patient,
            logs,
            mornings,
            [e for e in entries if e.removed_at is None],
            today,
            local_today(clinic.timezone if clinic else patient.timezone),
        ),
        staff_names=staff_names,
    )


def add_note(session: Session, patient: Patient, staff: StaffUser, body: str) -> ClinicalNote:
    """Store a session note; ValueError with a message when it is empty or too long."""
    text = body.strip()
    if not text:
        raise ValueError("Write the note before saving it.")
    if len(text) > 5000:
        raise ValueError("A note can be at most 5000 characters.")
    assert patient.id is not None and staff.id is not None
    note = ClinicalNote(patient_id=patient.id, author_id=staff.id, body=text)
    session.add(note)
    session.flush()
    return note


def add_time(
    session: Session,
    patient: Patient,
    staff: StaffUser,
    minutes: str,
    on_date: str,
    note: str,
    activity: str = "review",
    credential: str = "",
) -> TimeEntry:
    """Record minutes spent; ValueError with a message for a bad number, date or note. Only a
    phone or video call is a live interaction, and it needs its summary, as an audit asks."""
    try:
        amount = int(minutes.strip())
    except ValueError:
        raise ValueError("Minutes must be a whole number from 1 to 600.") from None
    if not 1 <= amount <= 600:
        raise ValueError("Minutes must be a whole number from 1 to 600.")
    clinic = session.get(Clinic, staff.clinic_id)
    clinic_today = local_today(clinic.timezone if clinic else "UTC")
    try:
        day = date.fromisoformat(on_date.strip()) if on_date.strip() else clinic_today
    except ValueError:
        raise ValueError("Give the date as YYYY-MM-DD.") from None
    if day > clinic_today or day < clinic_today - timedelta(days=366):
        raise ValueError("The date must be today or within the last year.")
    if len(note) > 500:
        raise ValueError("The note can be at most 500 characters.")
    if activity not in ACTIVITIES:
        raise ValueError("Choose what the time was spent on from the list.")
    if activity in LIVE_ACTIVITIES and not note.strip():
        raise ValueError(
            "Say in a line what the call covered: an audit asks for each call's summary."
        )
    if len(credential.strip()) > 32:
        raise ValueError("The credential can be at most 32 characters.")
    assert patient.id is not None and staff.id is not None
    entry = TimeEntry(
        patient_id=patient.id,
        staff_id=staff.id,
        on_date=day,
        minutes=amount,
        live_interaction=activity in LIVE_ACTIVITIES,
        note=note.strip(),
        activity=activity,
        credential=credential.strip(),
    )
    session.add(entry)
    session.flush()
    return entry

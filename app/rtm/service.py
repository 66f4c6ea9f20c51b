"""The monthly RTM record: device windows and their data days, management minutes and calls.

Two clocks: device codes count data days (days in the patient's time zone with data sent
through the app) in rolling 30-day windows from the start of monitoring; management codes
count minutes in the clinic's calendar month. A window belongs to the month it ends in, so
it is billed once; the record also shows the windows that overlap the month.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from app.core.clock import local_today, zone
from app.models import (
    Clinic,
    ExerciseLog,
    Message,
    MorningCheck,
    OutcomeScore,
    Patient,
    StaffUser,
    TimeEntry,
)
from app.rtm.codes import (
    ACTIVITIES,
    SETUP_DATA_DAYS,
    WINDOW_DAYS,
    DeviceCode,
    device_code,
    management_codes,
)


@dataclass
class Window:
    """One 30-day device window: its days with data and the code it reaches."""

    number: int
    start: date
    end: date
    days: list[date]
    code: DeviceCode | None
    complete: bool  # the window's last day is over

    @property
    def count(self) -> int:
        """Data days in the window."""
        return len(self.days)


@dataclass
class TimeRow:
    """One time-log entry as the record shows it."""

    on_date: date
    minutes: int
    activity: str
    who: str
    credential: str
    live: bool
    note: str


@dataclass
class Communication:
    """An interactive communication of the month: a live call, or a message when they count."""

    on_date: date
    method: str
    summary: str


@dataclass
class MonthRecord:
    """One patient's RTM record for one calendar month."""

    patient: Patient
    month: date  # the first day
    today: date  # the clinic's
    windows: list[Window] = field(default_factory=list)
    time_rows: list[TimeRow] = field(default_factory=list)
    communications: list[Communication] = field(default_factory=list)
    messages_count: bool = False

    @property
    def month_end(self) -> date:
        """The month's last day."""
        return next_month(self.month) - timedelta(days=1)

    @property
    def billable_windows(self) -> list[Window]:
        """Windows ending in this month: each is billed in the month it ends, once."""
        return [w for w in self.windows if self.month <= w.end <= self.month_end]

    @property
    def device_codes(self) -> list[str]:
        """The device code of each window ending this month (at most one per window)."""
        return [w.code.code for w in self.billable_windows if w.code is not None]

    @property
    def setup_done_in_month(self) -> bool:
        """Whether set-up and education were recorded this month."""
        setup = self.patient.rtm_setup_on
        return setup is not None and self.month <= setup <= self.month_end

    @property
    def setup_data_days(self) -> int:
        """Data days from the set-up day on, in the windows the record holds."""
        setup = self.patient.rtm_setup_on
        if setup is None:
            return 0
        return len({d for w in self.windows for d in w.days if d >= setup})

    @property
    def setup_in_month(self) -> bool:
        """Whether set-up and education reach their code this month: done this month (billed
        once per episode) and followed by at least two days of monitoring data."""
        return self.setup_done_in_month and self.setup_data_days >= SETUP_DATA_DAYS

    @property
    def setup_pending(self) -> bool:
        """Set-up done this month, still waiting for its second day of data."""
        return self.setup_done_in_month and not self.setup_in_month

    @property
    def minutes(self) -> int:
        """Treatment-management minutes in the month."""
        return sum(row.minutes for row in self.time_rows)

    @property
    def interactive(self) -> bool:
        """Whether the month has at least one interactive communication."""
        return bool(self.communications)

    @property
    def management(self) -> list[tuple[str, int]]:
        """Management codes the month's minutes reach, with units."""
        return management_codes(self.minutes, self.interactive, self.month)

    @property
    def missing(self) -> list[str]:
        """What the file lacks before a claim can rest on it."""
        out = []
        if self.patient.rtm_consent_on is None:
            out.append("consent date")
        if self.patient.rtm_setup_on is None:
            out.append("set-up date")
        if self.patient.monitoring_started_on is None:
            out.append("monitoring start")
        return out


def next_month(month: date) -> date:
    """The first day of the following month."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def parse_month(text: str, default: date) -> date:
    """The first day of a YYYY-MM month; ValueError with a message for anything else."""
    value = text.strip()
    if not value:
        return default.replace(day=1)
    try:
        year, month = value.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        first = date(int(year), int(month), 1)
    except ValueError:
        raise ValueError("Give the month as YYYY-MM, for example 2026-11.") from None
    if not 2000 <= first.year <= default.year + 1:
        raise ValueError("Choose a month between 2000 and next year.")
    return first


def windows_for(start: date | None, days: set[date], month: date, today: date) -> list[Window]:
    """Every 30-day window from the start of monitoring that overlaps the month."""
    if start is None:
        return []
    last = next_month(month) - timedelta(days=1)
    out = []
    number = max(0, (month - start).days // WINDOW_DAYS)
    while True:
        begin = start + timedelta(days=WINDOW_DAYS * number)
        end = begin + timedelta(days=WINDOW_DAYS - 1)
        if begin > last:
            break
        if end >= month:
            inside = sorted(d for d in days if begin <= d <= end)
            # The rules in force on the window's last day decide its code.
            code = device_code(len(inside), end)
            out.append(Window(number + 1, begin, end, inside, code, end < today))
        number += 1
    return out


def _local_day(moment: datetime, tz_name: str) -> date:
    return moment.astimezone(zone(tz_name)).date()


def data_days(session: Session, patients: Sequence[Patient], month: date) -> dict[int, set[date]]:
    """Days with data sent through the app near the month, per patient, in their time zone."""
    ids = [p.id for p in patients if p.id is not None]
    found: dict[int, set[date]] = {pid: set() for pid in ids}
    if not ids:
        return found
    tz_of = {p.id: p.timezone for p in patients}
    # Windows overlapping the month reach 29 days either side; a day more covers time zones.
    low = datetime.combine(month - timedelta(days=WINDOW_DAYS + 1), time())
    high = datetime.combine(next_month(month) + timedelta(days=WINDOW_DAYS + 1), time())
    low_utc, high_utc = low.replace(tzinfo=zone("UTC")), high.replace(tzinfo=zone("UTC"))
    logs = session.exec(
        select(ExerciseLog.patient_id, ExerciseLog.done_at).where(
            col(ExerciseLog.patient_id).in_(ids),
            col(ExerciseLog.deleted_at).is_(None),
            col(ExerciseLog.done_at) >= low_utc,
            col(ExerciseLog.done_at) < high_utc,
        )
    ).all()
    checks = session.exec(
        select(MorningCheck.patient_id, MorningCheck.answered_at).where(
            col(MorningCheck.patient_id).in_(ids),
            col(MorningCheck.answered_at) >= low_utc,
            col(MorningCheck.answered_at) < high_utc,
        )
    ).all()
    for pid, moment in [*logs, *checks]:
        found[pid].add(_local_day(moment, tz_of[pid]))
    # Outcome answers the patient gave in the app (staff-recorded scores are not device data).
    answers = session.exec(
        select(col(OutcomeScore.patient_id), col(OutcomeScore.taken_on)).where(
            col(OutcomeScore.patient_id).in_(ids),
            col(OutcomeScore.recorded_by_id).is_(None),
            col(OutcomeScore.taken_on) >= low.date(),
            col(OutcomeScore.taken_on) < high.date(),
        )
    ).all()
    for pid, day in answers:
        found[pid].add(day)
    return found


def _month_bounds(month: date, tz_name: str) -> tuple[datetime, datetime]:
    tz = zone(tz_name)
    return datetime.combine(month, time(), tzinfo=tz), datetime.combine(
        next_month(month), time(), tzinfo=tz
    )


def build_records(
    session: Session, clinic: Clinic, patients: Sequence[Patient], month: date
) -> list[MonthRecord]:
    """The month's record for each patient, in a fixed number of queries."""
    assert clinic.id is not None
    today = local_today(clinic.timezone)
    ids = [p.id for p in patients if p.id is not None]
    staff = {
        s.id: s
        for s in session.exec(select(StaffUser).where(StaffUser.clinic_id == clinic.id)).all()
    }
    days = data_days(session, patients, month)
    entries = session.exec(
        select(TimeEntry)
        .where(
            col(TimeEntry.patient_id).in_(ids),
            col(TimeEntry.removed_at).is_(None),
            col(TimeEntry.on_date) >= month,
            col(TimeEntry.on_date) < next_month(month),
        )
        .order_by(col(TimeEntry.on_date), col(TimeEntry.id))
    ).all()
    counts = clinic.messages_count_as_interactive
    messages: list[Message] = []
    if counts and ids:
        start, end = _month_bounds(month, clinic.timezone)
        messages = list(
            session.exec(
                select(Message)
                .where(
                    col(Message.patient_id).in_(ids),
                    Message.author == "staff",
                    col(Message.written_at) >= start,
                    col(Message.written_at) < end,
                )
                .order_by(col(Message.written_at))
            ).all()
        )
    records = []
    for patient in patients:
        record = MonthRecord(patient, month, today, messages_count=counts)
        record.windows = windows_for(
            patient.monitoring_started_on, days.get(patient.id or 0, set()), month, today
        )
        for entry in (e for e in entries if e.patient_id == patient.id):
            who = staff.get(entry.staff_id)
            activity = ACTIVITIES.get(entry.activity, entry.activity)
            record.time_rows.append(
                TimeRow(
                    entry.on_date,
                    entry.minutes,
                    activity,
                    who.name if who else "",
                    entry.credential,
                    entry.live_interaction,
                    entry.note,
                )
            )
            if entry.live_interaction:
                method = activity if entry.activity in ("call", "video") else "Live call"
                record.communications.append(Communication(entry.on_date, method, entry.note))
        # A message from the clinic answers or reaches the patient; the patient's alone does not.
        for message in (m for m in messages if m.patient_id == patient.id):
            record.communications.append(
                Communication(
                    _local_day(message.written_at, clinic.timezone),
                    "Secure message",
                    message.body[:120],
                )
            )
        record.communications.sort(key=lambda c: c.on_date)
        records.append(record)
    return records


def clinic_patients(session: Session, clinic_id: int) -> list[Patient]:
    """The clinic's patients (archived ones too: they may have been monitored that month)."""
    return list(
        session.exec(
            select(Patient)
            .where(Patient.clinic_id == clinic_id, col(Patient.deleted_at).is_(None))
            .order_by(col(Patient.display_name), col(Patient.id))
        ).all()
    )


def save_episode(
    session: Session, patient: Patient, consent: str, setup: str, today: date, started: str = ""
) -> None:
    """Store the dates of consent, set-up and the start of monitoring; ValueError with a message
    for a bad date. Left empty, monitoring starts on the set-up day once consent is recorded:
    the device windows count from it."""

    def parse(text: str, what: str) -> date | None:
        if not text.strip():
            return None
        try:
            value = date.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(f"Give the {what} date as YYYY-MM-DD.") from None
        if value > today:
            raise ValueError(f"The {what} date cannot be in the future.")
        if value.year < 2000:
            raise ValueError(f"The {what} date must be in 2000 or later.")
        return value

    consent_on, setup_on = parse(consent, "consent"), parse(setup, "set-up")
    start_on = parse(started, "monitoring start")
    if start_on is None and consent_on is not None:
        start_on = setup_on
    if start_on is not None and (consent_on is None or start_on < consent_on):
        raise ValueError("Monitoring can start only on or after the consent date.")
    patient.rtm_consent_on, patient.rtm_setup_on = consent_on, setup_on
    patient.monitoring_started_on = start_on
    session.add(patient)
    session.flush()


def last_credential(session: Session, staff: StaffUser) -> str:
    """The credential the staff member gave with their latest time entry, to fill the form."""
    found = session.exec(
        select(TimeEntry.credential)
        .where(TimeEntry.staff_id == staff.id, TimeEntry.credential != "")
        .order_by(col(TimeEntry.id).desc())
        .limit(1)
    ).first()
    return found or ""

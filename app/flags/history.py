"""The history flag rules (silent, doing more than prescribed, pain trending up), read from the
daily rollups, and the daily job that runs them for every patient once a day.

The job runs from the same scheduler as reminders; each patient's day is claimed in the
database, so with several servers each patient is checked once a day. A new log checks the
rules it can change the verdict of (doing more than prescribed that day, the pain trend) from
figures the write has in hand (`rules_on_write`), so those flags need not wait for the next pass;
a write whose day is recomputed runs them all.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.adherence.service import load_rollups
from app.core.clock import local_today, zone
from app.flags.service import SEVERITY, SILENT_DAYS, TREND_POINTS
from app.models import DailyJobClaim, DailyRollup, Flag, Patient, utcnow
from app.patient.facts import PAUSE_HELD_DAYS
from app.rollups.service import fill_through
from app.stamps.service import WARNING_FLAGS
from app.webhooks.events import FLAG_RAISED, emit_for_patients

HISTORY_KINDS = ("silent", "overdoing", "pain_trend")
JOB = "history-flags"
# Silent counts only while something was due in the last month; the trend compares two weeks.
DUE_WINDOW_DAYS = 30


def _day(day: date) -> str:
    """A date as staff read it in a flag, such as "Fri 20 Nov"."""
    return day.strftime("%a %-d %b")


def overdoing(
    today: date, day: date, logs: int, sets: int, prescribed: int
) -> tuple[str, str, str] | None:
    """The "doing more than prescribed" flag one day's figures call for, if any."""
    if logs and prescribed and sets >= prescribed * 1.5 and sets - prescribed >= 2:
        if (today - day).days <= 7:
            return (
                "overdoing",
                f"day:{day.isoformat()}",
                f"{sets} sets logged on {_day(day)}, {prescribed} prescribed",
            )
    return None


def trend_week(today: date) -> str:
    """The key of this week's pain trend flag (its Monday)."""
    return f"week:{(today - timedelta(days=today.weekday())).isoformat()}"


def pain_trend(
    today: date, recent: tuple[int, int], before: tuple[int, int]
) -> tuple[str, str, str] | None:
    """The pain trend flag two weeks of pain-after (sum, count) call for, if any."""
    (recent_sum, recent_n), (before_sum, before_n) = recent, before
    if recent_n < 3 or before_n < 3:
        return None
    now_mean, then_mean = recent_sum / recent_n, before_sum / before_n
    if now_mean - then_mean < TREND_POINTS:
        return None
    detail = f"Pain after exercise averaged {now_mean:.1f}/10 this week, up from {then_mean:.1f}/10"
    return ("pain_trend", trend_week(today), detail)


def flag_rows(patient_id: int, found: list[tuple[str, str, str]]) -> list[dict[str, object]]:
    """Rows for the flag table from (kind, key, detail)."""
    return [
        {
            "patient_id": patient_id,
            "kind": kind,
            "key": key,
            "severity": SEVERITY[kind],
            "detail": detail[:500],
        }
        for kind, key, detail in found
    ]


@dataclass(frozen=True)
class Pause:
    """Where a patient's warning-sign pause stands: holding now, or the day it was lifted."""

    holding: bool = False
    lifted_on: date | None = None


def history_rule_flags(
    patient: Patient,
    today: date,
    rows: dict[date, DailyRollup],
    last_log_day: date | None,
    pause: Pause | None = None,
) -> list[dict[str, object]]:
    """The history flags a patient's rollups call for today, as rows for the flag table."""
    assert patient.id is not None
    found: list[tuple[str, str, str]] = []
    pause = pause or Pause()
    started = patient.monitoring_started_on or patient.created_at.date()
    since = last_log_day or started
    # Asked not to exercise until their therapist calls, a patient is waiting, not silent; the
    # silence counts again from the day the pause was lifted.
    if pause.lifted_on is not None:
        since = max(since, pause.lifted_on)
    window = [r for d, r in rows.items() if today - timedelta(days=DUE_WINDOW_DAYS) <= d <= today]
    quiet = (today - since).days >= SILENT_DAYS and not pause.holding
    if quiet and any(r.in_force and r.prescribed for r in window):
        found.append(
            ("silent", f"since:{since.isoformat()}", f"No exercise logged since {_day(since)}")
        )
    for day, row in sorted(rows.items()):
        prescribed = row.prescribed if row.in_force and day <= today else 0
        over = overdoing(today, day, row.logs, row.sets, prescribed)
        if over is not None:
            found.append(over)
    recent = [r for d, r in rows.items() if 0 <= (today - d).days < 7]
    before = [r for d, r in rows.items() if 7 <= (today - d).days < 14]
    recent_n, before_n = sum(r.pain_after_n for r in recent), sum(r.pain_after_n for r in before)
    recent_sum = sum(r.pain_after_sum for r in recent)
    before_sum = sum(r.pain_after_sum for r in before)
    rising = pain_trend(today, (recent_sum, recent_n), (before_sum, before_n))
    if rising is not None:
        found.append(rising)
    return flag_rows(patient.id, found)


def warning_pauses(
    session: Session, patients: Sequence[Patient], now: datetime | None = None
) -> dict[int, Pause]:
    """Each patient's warning-sign pause, as Today holds it: an unresolved warning flag under
    PAUSE_HELD_DAYS old holds one; the latest resolved one says when it was lifted. One query."""
    zones = {p.id: p.timezone for p in patients if p.id is not None}
    held_since = (now or utcnow()) - timedelta(days=PAUSE_HELD_DAYS)
    rows = session.exec(
        select(Flag.patient_id, Flag.resolved_at).where(
            col(Flag.patient_id).in_(sorted(zones)),
            col(Flag.kind).in_(WARNING_FLAGS),
            (col(Flag.resolved_at).is_(None) & (col(Flag.created_at) >= held_since))
            | (col(Flag.resolved_at) >= held_since - timedelta(days=DUE_WINDOW_DAYS)),
        )
    ).all()
    out: dict[int, Pause] = {}
    for patient_id, resolved in rows:
        was = out.get(patient_id, Pause())
        if resolved is None:
            out[patient_id] = Pause(True, was.lifted_on)
            continue
        day = resolved.astimezone(zone(zones[patient_id])).date()
        out[patient_id] = Pause(was.holding, max(day, was.lifted_on or day))
    return out


def last_log_days(session: Session, patient_ids: Iterable[int]) -> dict[int, date]:
    """Each patient's last day with an exercise logged (not undone): one query."""
    ids = sorted(set(patient_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(DailyRollup.patient_id, func.max(DailyRollup.local_date))
        .where(col(DailyRollup.patient_id).in_(ids), col(DailyRollup.logs) > 0)
        .group_by(col(DailyRollup.patient_id))
    ).all()
    return dict(rows)


def history_flag_keys(session: Session, ids: list[int]) -> set[tuple[int, str, str]]:
    """(patient, kind, key) of every history flag already raised, open or resolved: one query."""
    rows = session.exec(
        select(Flag.patient_id, Flag.kind, Flag.key).where(
            col(Flag.patient_id).in_(ids), col(Flag.kind).in_(HISTORY_KINDS)
        )
    ).all()
    return {(pid, kind, key) for pid, kind, key in rows}


def insert_new_flags(
    session: Session, found: list[dict[str, object]], existing: set[tuple[int, str, str]]
) -> int:
    """Write the flags not raised before in one statement; returns how many were not known."""
    new = [f for f in found if (f["patient_id"], f["kind"], f["key"]) not in existing]
    if not new:
        return 0
    now = utcnow()
    for f in new:
        f.update(created_at=now, resolution_note="", times_raised=1, earlier=[])
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # A write of the same patient may raise the same flag at the same moment: skip, not fail.
    statement = (
        insert(Flag)
        .values(new)
        .on_conflict_do_nothing(index_elements=["patient_id", "kind", "key"])
        .returning(col(Flag.id), col(Flag.patient_id))
    )
    inserted = session.connection().execute(statement).all()
    raised = [(pid, {"flag_id": fid}) for fid, pid in inserted if fid is not None]
    emit_for_patients(session, FLAG_RAISED, raised)
    return len(new)


def run_history_rules(
    session: Session, patients: Sequence[Patient], now: datetime | None = None
) -> int:
    """Run the history rules for these patients from their rollups and raise what is new, in a
    constant number of queries; returns how many flags were raised."""
    ids = [p.id for p in patients if p.id is not None]
    if not ids:
        return 0
    todays = {p.id: local_today(p.timezone, now) for p in patients if p.id is not None}
    start = min(todays.values()) - timedelta(days=DUE_WINDOW_DAYS)
    rollups = load_rollups(session, ids, start, max(todays.values()))
    last_days = last_log_days(session, ids)
    pauses = warning_pauses(session, patients, now)
    found: list[dict[str, object]] = []
    for patient in patients:
        assert patient.id is not None
        today = todays[patient.id]
        mine = {d: r for d, r in rollups[patient.id].items() if d >= today - timedelta(days=30)}
        last = last_days.get(patient.id)
        found.extend(history_rule_flags(patient, today, mine, last, pauses.get(patient.id)))
    if not found:
        return 0
    return insert_new_flags(session, found, history_flag_keys(session, ids))


def rules_on_write(
    session: Session,
    patient: Patient,
    day: date,
    today: date,
    row: dict[str, Any],
    trend: tuple[tuple[int, int], tuple[int, int]] | None,
    known: tuple[bool, bool],
) -> int:
    """The history rules a new log can change the verdict of, from figures in hand: doing more
    than prescribed on its day (`row`, the day's rollup after it), and the pain trend (`trend`,
    the two weeks' pain-after sums with it; None when the log has no pain-after score in them).
    A new log only ends a silence, so "silent" is left to the daily job. `known` says whether
    this day's overdoing and this week's trend flags exist; only a flag not raised is written."""
    assert patient.id is not None
    found: list[tuple[str, str, str]] = []
    prescribed = row["prescribed"] if row["in_force"] and day <= today else 0
    over = overdoing(today, day, row["logs"], row["sets"], prescribed)
    if over is not None and not known[0]:
        found.append(over)
    rising = pain_trend(today, *trend) if trend is not None else None
    if rising is not None and not known[1]:
        found.append(rising)
    if not found:
        return 0
    return insert_new_flags(session, flag_rows(patient.id, found), set())


@dataclass
class JobReport:
    """What one pass of the daily history job did."""

    due: int = 0  # patients whose day was not checked yet
    claimed: int = 0  # checked by this server (the others were claimed elsewhere first)
    raised: int = 0


def _claim(session: Session, due: list[tuple[int, date]]) -> set[int]:
    """Claim these patients' days for this server; the patients it got."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = [
        {"patient_id": p, "local_date": d, "job": JOB, "created_at": utcnow()} for p, d in due
    ]
    statement = (
        insert(DailyJobClaim)
        .values(values)
        .on_conflict_do_nothing(index_elements=["patient_id", "local_date", "job"])
        .returning(col(DailyJobClaim.patient_id))
    )
    return set(session.connection().execute(statement).scalars().all())


def history_job(engine: Engine, now: datetime | None = None, batch: int = 500) -> JobReport:
    """Check each active patient whose day has not been checked yet: bring their rollups up to
    today, then run the history rules. A claim commits with the work, so a failed batch is
    tried again by the next pass."""
    report = JobReport()
    with Session(engine) as session:
        patients = session.exec(
            select(Patient.id, Patient.timezone).where(
                col(Patient.archived_at).is_(None), col(Patient.deleted_at).is_(None)
            )
        ).all()
        if not patients:
            return report
        todays = {tz: local_today(tz, now) for tz in {tz for _, tz in patients}}
        checked = set(
            session.exec(
                select(col(DailyJobClaim.patient_id), col(DailyJobClaim.local_date)).where(
                    DailyJobClaim.job == JOB,
                    col(DailyJobClaim.local_date) >= min(todays.values()),
                )
            ).all()
        )
    due = [(pid, todays[tz]) for pid, tz in patients if pid and (pid, todays[tz]) not in checked]
    report.due = len(due)
    for first in range(0, len(due), batch):
        with Session(engine) as session:
            claimed = _claim(session, due[first : first + batch])
            if claimed:
                mine = session.exec(select(Patient).where(col(Patient.id).in_(claimed))).all()
                for patient in mine:
                    assert patient.id is not None
                    fill_through(session, patient.id, local_today(patient.timezone, now))
                report.claimed += len(mine)
                report.raised += run_history_rules(session, mine, now)
            session.commit()
    return report

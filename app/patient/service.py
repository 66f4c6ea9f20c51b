"""What a patient sees today: the routine in force, split into slots, with what is done."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Date, Integer, bindparam
from sqlmodel import Session, col, select

from app.activity.edits import logged_again
from app.activity.service import EDIT_WINDOW_DAYS
from app.adherence.service import match_item
from app.core.clock import local_today, morning_begun
from app.library.cache import cached_exercises, cached_texts
from app.library.service import texts_for
from app.models import (
    AccessToken,
    Exercise,
    ExerciseLog,
    ExerciseText,
    Patient,
    RoutineItem,
    RoutineVersion,
    SafetyReport,
    utcnow,
)
from app.patient import changes
from app.patient.facts import DayFacts, day_facts, pause_report
from app.routines.service import items_of, version_on

ARM_REGIONS = ("neck_arm", "elbow_forearm", "wrist_hand")


@dataclass
class Slot:
    """One of the day's times for an exercise, and its log if done."""

    number: int
    log: ExerciseLog | None = None
    # The exercise the log was of, when the routine has put another on its line since.
    done_as: str | None = None

    @property
    def done(self) -> bool:
        """Whether this slot has a log."""
        return self.log is not None


@dataclass
class PlanItem:
    """A prescribed exercise as the patient sees it today."""

    item: RoutineItem
    exercise: Exercise
    text: ExerciseText
    slots: list[Slot] = field(default_factory=list)
    change: str | None = None  # "new" or "changed" lately (app.patient.changes)
    before: RoutineItem | None = None  # the dose a "changed" line had

    @property
    def next_slot(self) -> Slot | None:
        """The first slot still to do today."""
        return next((s for s in self.slots if not s.done), None)

    @property
    def limb(self) -> str:
        """'arm' or 'leg', for the dose in plain words."""
        return "arm" if self.exercise.body_region in ARM_REGIONS else "leg"


@dataclass
class TodayPlan:
    """Today's routine for a patient: items, slots, and what needs asking first."""

    day: date
    items: list[PlanItem]
    stopped: SafetyReport | None
    morning_due: bool
    extra_logs: list[ExerciseLog]
    has_routine: bool = True  # False until the therapist has prescribed something in force
    morning_worse: bool = False  # this morning's answer was "worse": go gentler today
    emergency_yesterday: bool = False  # yesterday's answers called for emergency care
    changed_on: date | None = None  # the therapist changed the routine lately, on this day
    spread_today: bool = False  # symptoms spread further down today: a sign to stop for the day

    @property
    def total(self) -> int:
        """Slots due today."""
        return sum(len(p.slots) for p in self.items)

    @property
    def done(self) -> int:
        """Slots done today."""
        return sum(1 for p in self.items for s in p.slots if s.done)

    @property
    def rest_day(self) -> bool:
        """Nothing is prescribed today."""
        return not self.items


_VERSION_ON = (
    select(RoutineVersion.id)
    .where(
        col(RoutineVersion.patient_id) == bindparam("patient_id", type_=Integer()),
        col(RoutineVersion.valid_from) <= bindparam("day", type_=Date()),
    )
    .order_by(col(RoutineVersion.valid_from).desc(), col(RoutineVersion.number).desc())
    .limit(1)
    .scalar_subquery()
)
# Built once: composing a statement costs more than SQLite takes to answer it.
_ITEMS_IN_FORCE: Any = (
    select(RoutineItem)
    .where(col(RoutineItem.version_id) == _VERSION_ON)
    .order_by(col(RoutineItem.position), col(RoutineItem.id))
)
# The day's logs (not undone), oldest first: activity.service.logs_between for one day.
_DAY_LOGS: Any = (
    select(ExerciseLog)
    .where(
        col(ExerciseLog.patient_id) == bindparam("patient_id", type_=Integer()),
        col(ExerciseLog.local_date) == bindparam("day", type_=Date()),
        col(ExerciseLog.deleted_at).is_(None),
    )
    .order_by(col(ExerciseLog.done_at))
)


def items_in_force(session: Session, patient_id: int, day: date) -> Sequence[RoutineItem]:
    """The items of the routine version in force on a day, in order: one query."""
    return session.exec(_ITEMS_IN_FORCE, params={"patient_id": patient_id, "day": day}).all()


def first_of_day(
    session: Session, patient_id: int, day: date, current: Sequence[RoutineItem]
) -> list[RoutineItem]:
    """The items of the first routine version that began on `day`, when a later one replaced it
    that same day after the patient had signed in (and could have read the first); else none."""
    first = session.exec(
        select(RoutineVersion.id)
        .where(RoutineVersion.patient_id == patient_id, RoutineVersion.valid_from == day)
        .order_by(col(RoutineVersion.number))
        .limit(1)
    ).first()
    if first is None or not current or any(item.version_id == first for item in current):
        return []
    saved = session.get(RoutineVersion, current[0].version_id)
    signed_in = session.exec(
        select(AccessToken.id).where(
            AccessToken.patient_id == patient_id,
            AccessToken.purpose == "invite",
            col(AccessToken.used_at) < (saved.created_at if saved else utcnow()),
        )
    ).first()
    return list(items_of(session, first)) if signed_in is not None else []


def day_logs(session: Session, patient_id: int, day: date) -> Sequence[ExerciseLog]:
    """A patient's logs of one day (not undone), oldest first: one query."""
    return session.exec(_DAY_LOGS, params={"patient_id": patient_id, "day": day}).all()


def today_plan(
    session: Session, patient: Patient, now: datetime | None = None, facts: DayFacts | None = None
) -> TodayPlan:
    """Build today's plan in the patient's own time zone."""
    assert patient.id is not None
    day = local_today(patient.timezone, now)
    facts = facts or day_facts(session, patient.id, day)
    every = list(items_in_force(session, patient.id, day))
    items = [i for i in every if i.on_weekday(day.weekday())]
    ids = [i.exercise_id for i in items]
    exercises = cached_exercises(session, ids, facts.library)
    texts = cached_texts(session, exercises.keys(), patient.language, facts.library)
    logs = day_logs(session, patient.id, day)
    # Matched by prescription line, so a routine changed during the day keeps what was done.
    lines = {i.id: i.line_key for i in every if i.id is not None}
    lines.update(
        _line_keys(session, [lg.routine_item_id for lg in logs if lg.routine_item_id not in lines])
    )
    times = {item.id: item.times_per_day for item in items}
    by_item: dict[int, list[ExerciseLog]] = {}
    for log in logs:
        target = match_item(log, items, lines, lambda i: len(by_item.get(i, [])) < times[i])
        by_item.setdefault(target or 0, []).append(log)
    plan_items: list[PlanItem] = []
    used: set[int] = set()
    for item in items:
        assert item.id is not None
        mine = sorted(by_item.get(item.id, []), key=lambda lg: (lg.slot, lg.done_at))
        slots = [Slot(n) for n in range(1, item.times_per_day + 1)]
        for slot in slots:
            match = next((lg for lg in mine if lg.slot == slot.number and id(lg) not in used), None)
            if match is not None:
                slot.log = match
                used.add(id(match))
        for log in mine:  # logs sent for another slot number fill the remaining slots
            free = next((s for s in slots if not s.done), None)
            if free is not None and id(log) not in used:
                free.log = log
                used.add(id(log))
        plan_items.append(
            PlanItem(item, exercises[item.exercise_id], texts[item.exercise_id], slots)
        )
    _name_swapped(session, plan_items, patient.language, facts.library)
    changed_on = facts.changed_on if changes.shown(facts.changed_on, day) and every else None
    if changed_on is not None:
        earlier = list(items_in_force(session, patient.id, changes.day_before(changed_on)))
        if not earlier:
            # A first routine changed on its first day: the patient may have seen it already.
            earlier = first_of_day(session, patient.id, changed_on, every)
        before = changes.by_line(earlier)
        # A routine begun that same day is a first routine: nothing in it is a change.
        for p in plan_items if earlier else []:
            p.before = before.get(p.item.line_key)
            p.change = changes.change_of(p.item, p.before)
        dropped = set(before) - {i.line_key for i in every}
        # Only a note changed (it shows as it is), or nothing the patient would see: no news.
        if not earlier or not (dropped or any(p.change for p in plan_items)):
            changed_on = None
    extra = [lg for lg in logs if id(lg) not in used]
    stopped = pause_report(session, patient.id, facts)
    return TodayPlan(
        day,
        plan_items,
        stopped,
        facts.exercised_yesterday
        and not facts.answered_today
        and morning_begun(patient.timezone, now),
        extra,
        has_routine=bool(every),
        morning_worse=facts.morning == "worse",
        emergency_yesterday=facts.emergency_yesterday,
        changed_on=changed_on,
        spread_today=facts.spread_today,
    )


def _name_swapped(session: Session, items: Sequence[PlanItem], language: str, library: int) -> None:
    """Name the exercise actually done on a slot whose line has another exercise since (a step
    during the day): the session counts, and the patient sees what it was."""
    swapped = [
        (slot, slot.log.exercise_id)
        for p in items
        for slot in p.slots
        if slot.log is not None and slot.log.exercise_id != p.item.exercise_id
    ]
    if not swapped:
        return
    texts = cached_texts(session, {exercise for _, exercise in swapped}, language, library)
    for slot, exercise in swapped:
        text = texts.get(exercise)
        slot.done_as = text.name if text is not None else None


def _line_keys(session: Session, item_ids: Sequence[int | None]) -> dict[int, str]:
    """Prescription lines of the items logs were made against, in one query."""
    ids = sorted({i for i in item_ids if i})
    if not ids:
        return {}
    rows = session.exec(
        select(RoutineItem.id, RoutineItem.line_key).where(col(RoutineItem.id).in_(ids))
    ).all()
    return {item_id: key for item_id, key in rows if item_id is not None}


def _exercises(session: Session, ids: Sequence[int]) -> dict[int, Exercise]:
    if not ids:
        return {}
    rows = session.exec(select(Exercise).where(col(Exercise.id).in_(list(set(ids))))).all()
    return {e.id: e for e in rows if e.id is not None}


def plan_item(session: Session, patient: Patient, item_id: int) -> PlanItem | None:
    """An item of the patient's routine as it stands today, or None when not theirs.

    An item of an earlier version (a page opened before the therapist changed the routine) is
    read as today's item on the same prescription line, or else shown as it was.
    """
    assert patient.id is not None
    plan = today_plan(session, patient)
    found = next((p for p in plan.items if p.item.id == item_id), None)
    if found is not None:
        return found
    item = session.get(RoutineItem, item_id) if 1 <= item_id <= 2_147_483_647 else None
    version = session.get(RoutineVersion, item.version_id) if item is not None else None
    if item is None or version is None or version.patient_id != patient.id:
        return None
    same_line = next((p for p in plan.items if p.item.line_key == item.line_key), None)
    if same_line is not None:
        return same_line
    current = version_on(session, patient.id, plan.day)
    if current is not None and current.id != item.version_id:
        later = next(
            (i for i in items_of(session, current.id or 0) if i.line_key == item.line_key), None
        )
        item = later or item
    exercise = session.get(Exercise, item.exercise_id)
    texts = texts_for(session, [item.exercise_id], patient.language)
    assert exercise is not None
    return PlanItem(item, exercise, texts[item.exercise_id], [])


def own_log(session: Session, patient: Patient, log_uuid: str) -> ExerciseLog | None:
    """A log of this patient by its UUID."""
    import uuid as uuidlib

    try:
        value = uuidlib.UUID(log_uuid)
    except ValueError:
        return None
    return session.exec(
        select(ExerciseLog).where(ExerciseLog.patient_id == patient.id, ExerciseLog.uuid == value)
    ).first()


class Undone(NamedTuple):
    """An entry just taken back, as Today names it."""

    log: ExerciseLog
    item: PlanItem | None  # its exercise in today's plan (None when the routine has moved on)
    restorable: bool  # False once its session has been logged again: it stays taken back


def undone_entry(
    session: Session, patient: Patient, plan: TodayPlan, value: str | None
) -> Undone | None:
    """A log of this patient that was taken back while it may still change, with its exercise
    in today's plan and whether it may be put back."""
    log = own_log(session, patient, value) if value else None
    if log is None or log.deleted_at is None or (plan.day - log.local_date).days > EDIT_WINDOW_DAYS:
        return None
    item = next((p for p in plan.items if p.item.id == log.routine_item_id), None)
    return Undone(log, item, not logged_again(session, log))

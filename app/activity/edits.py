"""Changes to a logged entry: the answers as first logged kept by the first edit, and whether a
taken-back entry's session has been logged again since (then it may not be put back)."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.activity.schemas import LogIn
from app.core.i18n import N_
from app.models import ExerciseLog, RoutineItem, utcnow

# Why a taken-back entry stays taken back; also said on Today and the entry's page.
LOGGED_AGAIN = N_("You have logged this session again since, so this entry stays taken back.")
# What a patient answers about an exercise and may change afterwards, in the order shown.
ANSWERS = (
    "sets_done",
    "reps_done",
    "pain_before",
    "pain_after",
    "symptoms",
    "spread",
    "difficulty",
    "note",
)
LABELS = {
    "sets_done": N_("sets"),
    "reps_done": N_("reps"),
    "pain_before": N_("pain before"),
    "pain_after": N_("pain after"),
    "symptoms": N_("feelings"),
    "spread": N_("spread"),
    "difficulty": N_("felt"),
    "note": N_("note"),
}


def answers_of(log: ExerciseLog) -> dict[str, Any]:
    """A log's answers as plain JSON values."""
    return {n: list(log.symptoms) if n == "symptoms" else getattr(log, n) for n in ANSWERS}


def apply_answers(log: ExerciseLog, data: LogIn) -> bool:
    """Put an edit's answers on the log; if any changed, keep the answers as first logged (on
    the first such edit only) and note when. Returns whether anything changed."""
    before = answers_of(log)
    for name in ("sets_done", "reps_done", "pain_before", "pain_after", "spread", "difficulty"):
        setattr(log, name, getattr(data, name))
    log.symptoms = list(data.symptoms)
    log.note = data.note.strip()
    if answers_of(log) == before:
        return False
    if log.first_answers is None:
        log.first_answers = before
    log.edited_at = utcnow()
    return True


NOTE_SHOWN = 200  # characters of a changed note shown beside the current one


@dataclass(frozen=True)
class Change:
    """One answer changed since the entry was first logged, in words."""

    label: str  # a msgid: translated where shown
    first: str
    now: str


def _words(name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—" if name != "symptoms" else "none"
    if name in ("pain_before", "pain_after"):
        return f"{value}/10"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if name == "note":
        text = str(value)
        return f"“{text[:NOTE_SHOWN]}…”" if len(text) > NOTE_SHOWN else f"“{text}”"
    return str(value)


def changes_since_first(log: ExerciseLog) -> list[Change]:
    """The answers that differ from those first logged (none for an entry never edited)."""
    first = log.first_answers
    if not first:
        return []
    now = answers_of(log)
    return [
        Change(LABELS[name], _words(name, first.get(name)), _words(name, now[name]))
        for name in ANSWERS
        if name in first and first[name] != now[name]
    ]


def logged_again(session: Session, log: ExerciseLog) -> bool:
    """Whether another entry (not taken back) fills the same session of the same exercise on the
    same day: putting this one back would count the session twice."""
    same = select(ExerciseLog.id).where(
        ExerciseLog.patient_id == log.patient_id,
        ExerciseLog.local_date == log.local_date,
        ExerciseLog.slot == log.slot,
        col(ExerciseLog.deleted_at).is_(None),
        ExerciseLog.id != log.id,
    )
    line = None
    if log.routine_item_id is not None:
        line = session.exec(
            select(RoutineItem.line_key).where(RoutineItem.id == log.routine_item_id)
        ).first()
    if line is not None:
        # The same prescription line, whichever version of the routine the entry was made in.
        on_line = select(RoutineItem.id).where(RoutineItem.line_key == line)
        same = same.where(col(ExerciseLog.routine_item_id).in_(on_line))
    else:
        same = same.where(ExerciseLog.exercise_id == log.exercise_id)
    return session.exec(same.limit(1)).first() is not None

"""Prescribing: saving a routine as a new version, stepping up or down, applying a template."""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.core.clock import local_today
from app.models import (
    Exercise,
    ExerciseLog,
    Flag,
    Patient,
    RoutineItem,
    RoutineTemplate,
    RoutineVersion,
    StaffUser,
    TemplateItem,
    utcnow,
)
from app.routines.describe import DAY_NAMES, SIDE_NAMES, describe_changes, history
from app.routines.draft import NUMBER_FIELDS, DraftItem
from app.routines.ladder import LADDER, STEPPED_DOWN, STEPPED_UP, plan_step
from app.routines.service import (
    ItemDose,
    available_exercises,
    dose_key,
    dose_of,
    exercise_names,
    items_of,
    new_version,
    version_on,
    versions_of,
)
from app.routines.templates import (
    nerve_words,
    template_nerves,
    templates_of,
)
from app.stamps.service import WARNING_FLAGS

ADVISED_MAX = 4  # more exercises, lower adherence (Bachmann 2018)
# Warning signs too: a step up waits for a settled nerve whatever said it was not.
RESPONSE_KINDS = ("worse_next_morning", "over_limit", *WARNING_FLAGS)
STEP_SETTLE = timedelta(hours=24)


def current_routine(
    session: Session, patient: Patient
) -> tuple[RoutineVersion | None, list[RoutineItem]]:
    """The version in force on the patient's local today (or the newest one) with its items."""
    assert patient.id is not None
    version = version_on(session, patient.id, local_today(patient.timezone))
    if version is None:
        newest = versions_of(session, patient.id)
        version = newest[0] if newest else None
    if version is None or version.id is None:
        return None, []
    return version, list(items_of(session, version.id))


def save_routine(
    session: Session,
    patient: Patient,
    staff: StaffUser,
    doses: Sequence[ItemDose],
    change_note: str,
    names: Mapping[int, str],
) -> RoutineVersion | None:
    """Write the doses as a new version from the patient's local today; None if nothing changed."""
    assert patient.id is not None
    _version, current = current_routine(session, patient)
    if [dose_key(i) for i in current] == [dose_key(d) for d in doses]:
        return None
    note = change_note.strip() or "; ".join(describe_changes(current, doses, names))
    return new_version(
        session,
        patient.id,
        list(doses),
        local_today(patient.timezone),
        change_note=note or "Routine updated",
        created_by_id=staff.id,
    )


def recent_response_flags(session: Session, patient_id: int, hours: int = 48) -> list[Flag]:
    """Worse-next-morning, over-the-limit or warning-sign flags of the last hours: a reason not
    to step up."""
    since = utcnow() - timedelta(hours=hours)
    return list(
        session.exec(
            select(Flag).where(
                Flag.patient_id == patient_id,
                col(Flag.kind).in_(RESPONSE_KINDS),
                Flag.created_at >= since,
            )
        ).all()
    )


def step_item(
    session: Session, patient: Patient, staff: StaffUser, item_id: int, up: bool
) -> tuple[RoutineVersion, int]:
    """Make a new version with one item of the routine in force moved one step along the ladder;
    the version and the item's place in it (from 1)."""
    assert patient.id is not None
    _version, items = current_routine(session, patient)
    item = next((i for i in items if i.id == item_id), None)
    if item is None:
        raise LookupError("not an item of this patient's current routine")
    exercise = session.get(Exercise, item.exercise_id)
    assert exercise is not None
    library = available_exercises(session, patient.clinic_id)
    names = exercise_names(
        session, [e.id for e in library if e.id] + [item.exercise_id], patient.clinic_id
    )
    others = {i.exercise_id for i in items if i.id != item.id}
    dose, note = plan_step(item, exercise, library, names, up, others)
    # Even when the step swaps the exercise it is the same line: today's entries still count.
    dose.line_key = item.line_key
    doses = [dose if i.id == item.id else dose_of(i) for i in items]
    version = new_version(
        session,
        patient.id,
        doses,
        local_today(patient.timezone),
        change_note=note,
        created_by_id=staff.id,
    )
    return version, items.index(item) + 1


def stepped_down_since(versions: Sequence[RoutineVersion], flags: Sequence[Flag]) -> bool:
    """Whether any of these versions is a step down made after the latest of these flags."""
    if not flags:
        return False
    latest = max(f.created_at for f in flags)
    # A later ordinary save does not undo the step down that answered the flags.
    return any(v.created_at >= latest and v.change_note.startswith(STEPPED_DOWN) for v in versions)


def recent_step_up(versions: Sequence[RoutineVersion], now: datetime) -> str | None:
    """How long ago the routine was last stepped up, if within the day it needs to show how the
    nerve takes it (domain: step up only after 24 hours of stable responses)."""
    # A version dated in the past (a demo's history, an import) is no recent step.
    steps = [
        v
        for v in versions
        if v.change_note.startswith(STEPPED_UP) and v.valid_from >= now.date() - timedelta(days=1)
    ]
    if not steps:
        return None
    latest = max(v.created_at for v in steps)
    # Stepped down since: the step up is taken back, nothing of it is left to settle.
    if any(v.change_note.startswith(STEPPED_DOWN) and v.created_at > latest for v in versions):
        return None
    ago = now - latest
    if ago >= STEP_SETTLE:
        return None
    hours = int(ago.total_seconds() // 3600)
    return "less than an hour ago" if hours < 1 else f"{hours} hour{'s' if hours != 1 else ''} ago"


def no_recent_answers(session: Session, patient: Patient) -> bool:
    """Whether the patient logged nothing yesterday or today: nothing yet shows the nerve is
    settled, so a step up is not advised."""
    since = local_today(patient.timezone) - timedelta(days=1)
    found = session.exec(
        select(ExerciseLog.id).where(
            ExerciseLog.patient_id == patient.id,
            col(ExerciseLog.local_date) >= since,
            col(ExerciseLog.deleted_at).is_(None),
        )
    ).first()
    return found is None


def step_up_cautions(session: Session, patient: Patient) -> list[str]:
    """Why a step up is not advised now, as the routine page warns: responses not stable yet,
    or a step up still settling. A step up then waits for the therapist to confirm it."""
    assert patient.id is not None
    flags = recent_response_flags(session, patient.id)
    versions = [v.version for v in history(session, patient)]
    found = []
    if flags and not stepped_down_since(versions, flags):
        count = sum(f.times_raised for f in flags)
        found.append(
            f"Not stable yet: {count} worse-next-morning, over-limit or warning-sign "
            f"response{'' if count == 1 else 's'} in the last 48 hours."
        )
    ago = recent_step_up(versions, utcnow())
    if ago is not None:
        found.append(
            f"Stepped up {ago}: the nerve's answer to a step can take until the next morning."
        )
    return found


def page_context(
    session: Session, patient: Patient, draft: list[DraftItem], nerve: str
) -> dict[str, Any]:
    """What the prescribing page shows besides the draft: library, templates, history, warnings."""
    assert patient.id is not None
    library = available_exercises(session, patient.clinic_id)
    if not any(e.nerve == nerve for e in library):
        nerve = ""  # a nerve the library has no exercise for: all of them, not an empty list
    ids = [e.id for e in library if e.id is not None]
    flags = recent_response_flags(session, patient.id)
    versions = history(session, patient)
    by_id = {e.id: e for e in library if e.id is not None}
    templates = templates_of(session, patient.clinic_id)
    nerves = {t.id: template_nerves(items, by_id) for t, items in templates}
    # Templates for the patient's recorded nerve first, each named with its nerves.
    templates.sort(
        key=lambda found: bool(patient.nerve) and patient.nerve not in nerves[found[0].id]
    )
    return {
        "patient": patient,
        "draft": draft,
        "names": exercise_names(
            session, ids + [d.exercise_id for d in draft if d.exercise_id], patient.clinic_id
        ),
        "exercises": {e.id: e for e in library},
        "library": [e for e in library if not nerve or e.nerve == nerve],
        "nerves": sorted({e.nerve for e in library}),
        "nerve": nerve,
        "too_many": len(draft) > ADVISED_MAX,
        "advised_max": ADVISED_MAX,
        "recent_flags": flags,
        "no_answers": no_recent_answers(session, patient),
        "stepped_down": stepped_down_since([v.version for v in versions], flags),
        "stepped_up_ago": recent_step_up([v.version for v in versions], utcnow()),
        "templates": templates,
        "template_nerves": {tid: nerve_words(found) for tid, found in nerves.items()},
        "history": versions,
        "number_fields": NUMBER_FIELDS,
        "ladder": LADDER,
        "sides": SIDE_NAMES,
        "day_names": DAY_NAMES,
    }


def apply_template(
    session: Session,
    patient: Patient,
    staff: StaffUser,
    found: tuple[RoutineTemplate, list[TemplateItem]],
) -> RoutineVersion:
    """A new version from a clinic template and its items (archived exercises left out)."""
    assert patient.id is not None
    template, items = found
    allowed = {e.id for e in available_exercises(session, patient.clinic_id)}
    doses = [dose_of(i) for i in items if i.exercise_id in allowed]
    # An exercise the routine already had stays on its line, so today's entries still count.
    _version, current = current_routine(session, patient)
    for dose in doses:
        twin = next((i for i in current if i.exercise_id == dose.exercise_id), None)
        if twin is not None:
            dose.line_key = twin.line_key
            current.remove(twin)
    skipped = len(items) - len(doses)
    note = f"Applied template: {template.name}"
    if skipped:
        note += f" ({skipped} archived exercise(s) left out)"
    return new_version(
        session,
        patient.id,
        doses,
        local_today(patient.timezone),
        change_note=note,
        created_by_id=staff.id,
    )

"""Templates: named routines a clinic reuses across patients."""

from collections.abc import Sequence

from sqlmodel import Session, col, func, select

from app.models import Exercise, Patient, RoutineItem, RoutineTemplate, TemplateItem
from app.routines.service import DOSE_FIELDS, ItemDose

SIDED = ("left", "right")


def save_template(
    session: Session,
    clinic_id: int,
    name: str,
    items: Sequence[RoutineItem | ItemDose],
    created_by_id: int | None = None,
) -> RoutineTemplate:
    """Store items as a named template of the clinic."""
    template = RoutineTemplate(
        clinic_id=clinic_id, name=name.strip()[:120], created_by_id=created_by_id
    )
    session.add(template)
    session.flush()
    assert template.id is not None
    for position, item in enumerate(items):
        values = {field: getattr(item, field) for field in DOSE_FIELDS}
        session.add(TemplateItem(template_id=template.id, position=position, **values))
    session.flush()
    return template


def template_name_taken(session: Session, clinic_id: int, name: str) -> bool:
    """Whether the clinic already has a template of this name, case aside."""
    same = select(RoutineTemplate.id).where(
        RoutineTemplate.clinic_id == clinic_id,
        func.lower(RoutineTemplate.name) == name.lower(),
    )
    return session.exec(same.limit(1)).first() is not None


def templates_of(
    session: Session, clinic_id: int
) -> list[tuple[RoutineTemplate, list[TemplateItem]]]:
    """A clinic's templates by name, each with its items in order (two queries)."""
    templates = session.exec(
        select(RoutineTemplate)
        .where(RoutineTemplate.clinic_id == clinic_id)
        .order_by(func.lower(RoutineTemplate.name), col(RoutineTemplate.id))
    ).all()
    ids = [t.id for t in templates if t.id is not None]
    items: dict[int, list[TemplateItem]] = {tid: [] for tid in ids}
    if ids:
        for item in session.exec(
            select(TemplateItem)
            .where(col(TemplateItem.template_id).in_(ids))
            .order_by(col(TemplateItem.position), col(TemplateItem.id))
        ).all():
            items[item.template_id].append(item)
    return [(t, items[t.id]) for t in templates if t.id is not None]


def template_of_clinic(
    session: Session, clinic_id: int, template_id: int
) -> tuple[RoutineTemplate, list[TemplateItem]] | None:
    """One template with its items, only if it belongs to this clinic."""
    if not 1 <= template_id <= 2_147_483_647:  # no such row can exist (PostgreSQL INTEGER)
        return None
    template = session.get(RoutineTemplate, template_id)
    if template is None or template.clinic_id != clinic_id:
        return None
    items = session.exec(
        select(TemplateItem)
        .where(TemplateItem.template_id == template_id)
        .order_by(col(TemplateItem.position), col(TemplateItem.id))
    ).all()
    return template, list(items)


def delete_template(session: Session, template: RoutineTemplate) -> None:
    """Remove a template and its items (routines made from it keep their own copies)."""
    for item in session.exec(
        select(TemplateItem).where(TemplateItem.template_id == template.id)
    ).all():
        session.delete(item)
    session.flush()
    session.delete(template)
    session.flush()


def nerve_words(nerves: Sequence[str]) -> str:
    """'median nerve', 'sciatic and tibial nerves'."""
    names = [n.replace("_", " ") for n in sorted(set(nerves))]
    if not names:
        return ""
    if len(names) == 1:
        return f"{names[0]} nerve"
    return f"{', '.join(names[:-1])} and {names[-1]} nerves"


def template_nerves(items: Sequence[TemplateItem], exercises: dict[int, Exercise]) -> list[str]:
    """The nerves a template's exercises work on, in order of first appearance."""
    found: list[str] = []
    for item in items:
        exercise = exercises.get(item.exercise_id)
        if exercise is not None and exercise.nerve not in found:
            found.append(exercise.nerve)
    return found


def template_misfits(
    patient: Patient,
    items: Sequence[TemplateItem],
    exercises: dict[int, Exercise],
    current: Sequence[RoutineItem],
) -> list[str]:
    """Why a template may not suit this patient: exercises for another nerve than the one
    recorded for them, or a side other than their routine's; none when it fits."""
    found: list[str] = []
    nerves = template_nerves(items, exercises)
    other = [n for n in nerves if n != patient.nerve]
    if patient.nerve and other:
        found.append(
            f"The template's exercises are for the {nerve_words(other)}; "
            f"{patient.display_name}'s recorded nerve is the {nerve_words([patient.nerve])}."
        )
    sides = {i.side for i in items if i.side in SIDED}
    theirs = {i.side for i in current if i.side in SIDED}
    if sides and theirs and sides != theirs:
        found.append(
            f"The template's exercises are set to the {' and '.join(sorted(sides))} side; "
            f"the routine in force is for the {' and '.join(sorted(theirs))} side."
        )
    return found

"""Moving through the day quickly: what comes next, and the pain answer to start from."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.models import MorningCheck
from app.patient.service import PlanItem, TodayPlan


@dataclass
class NextStep:
    """The next undone exercise and time of day, as a link the patient can follow."""

    entry: PlanItem
    slot: int

    def url(self, quick: bool = False, tempo: float = 1.0) -> str:
        """The exercise page for this slot; straight to the short log when logging quickly."""
        url = f"/exercise/{self.entry.item.id}?slot={self.slot}"
        if quick:
            url += "&log=1"
        if tempo < 1.0:  # a sped-up demonstration stays sped up
            url += f"&tempo={tempo:g}"
        return url


def next_steps(plan: TodayPlan, item_id: int, slot: int) -> list[NextStep]:
    """The undone slots after this one, in the order of the day (wrapping round), or none.

    Sessions go by time of day first (every morning exercise, then every evening one), so the
    patient moves from one exercise to the next within one sitting.
    """
    if plan.stopped is not None:
        return []
    order = sorted(
        (s.number, index, p)
        for index, p in enumerate(plan.items)
        for s in p.slots
        if not s.done and not (p.item.id == item_id and s.number == slot)
    )
    here = next((i for i, p in enumerate(plan.items) if p.item.id == item_id), len(plan.items))
    later = [row for row in order if (row[0], row[1]) > (slot, here)]
    earlier = [row for row in order if (row[0], row[1]) <= (slot, here)]
    return [NextStep(entry, number) for number, _index, entry in later + earlier]


def next_step(plan: TodayPlan, item_id: int, slot: int) -> NextStep | None:
    """The next undone slot of today, or None when all is done."""
    steps = next_steps(plan, item_id, slot)
    return steps[0] if steps else None


def pain_to_start(session: Session, plan: TodayPlan, patient_id: int) -> int | None:
    """The patient's latest pain answer of today, offered as the starting answer, or None.

    Only today's: pain changes from day to day, so the first session of a day asks afresh
    (unless the morning question already did).
    """
    logs = [s.log for p in plan.items for s in p.slots if s.log is not None] + plan.extra_logs
    latest = max(logs, key=lambda lg: lg.done_at, default=None)
    if latest is not None:
        value = latest.pain_after if latest.pain_after is not None else latest.pain_before
        if value is not None:
            return value
    return session.exec(
        select(MorningCheck.pain_now).where(
            MorningCheck.patient_id == patient_id,
            MorningCheck.local_date == plan.day,
            col(MorningCheck.pain_now).is_not(None),
        )
    ).first()

"""Pushing one message to a patient's devices, and noting what each push service answered."""

import logging
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.models import PushSubscription, utcnow
from app.reminders import sending
from app.reminders.push import PushResult, PushTarget, VapidKeys, send_push

log = logging.getLogger(__name__)


Sender = Callable[[VapidKeys, PushTarget, dict[str, str]], PushResult]


def targets_of(session: Session, patient_ids: Iterable[int]) -> dict[int, list[PushTarget]]:
    """Each patient's devices, as plain values safe to use outside the session."""
    ids = sorted(set(patient_ids))
    found: dict[int, list[PushTarget]] = {pid: [] for pid in ids}
    if not ids:
        return found
    rows = session.exec(
        select(PushSubscription)
        .where(col(PushSubscription.patient_id).in_(ids))
        .order_by(col(PushSubscription.id))
    ).all()
    for sub in rows:
        assert sub.id is not None
        found[sub.patient_id].append(PushTarget(sub.id, sub.endpoint, sub.p256dh, sub.auth))
    return found


def record(engine: Engine, target: PushTarget, result: PushResult) -> None:
    """Note what the push service said: gone devices go, failures are counted."""
    with Session(engine) as session:
        sub = session.get(PushSubscription, target.subscription_id)
        if sub is None:
            return
        if result.gone:
            session.delete(sub)
        elif result.ok:
            sub.last_success_at = utcnow()
            sub.failure_count = 0
            session.add(sub)
        else:
            sub.failure_count += 1
            session.add(sub)
        session.commit()


def push_job(
    engine: Engine, keys: VapidKeys, target: PushTarget, payload: dict[str, str], sender: Sender
) -> Callable[[], PushResult]:
    """One device's push and its bookkeeping, as a job for the shared pool."""

    def job() -> PushResult:
        try:
            result = sender(keys, target, payload)
        except Exception as exc:  # a sender bug must not lose the bookkeeping of the others
            log.exception("push to subscription %s failed", target.subscription_id)
            result = PushResult(ok=False, error=str(exc))
        record(engine, target, result)
        return result

    return job


def deliver(
    engine: Engine,
    keys: VapidKeys,
    targets: Sequence[PushTarget],
    payload: dict[str, str],
    sender: Sender = send_push,
) -> list[tuple[PushTarget, PushResult]]:
    """Send one message to each device through the shared pool and wait for the answers."""
    futures = [sending.submit(push_job(engine, keys, t, payload, sender)) for t in targets]
    return [(target, future.result()) for target, future in zip(targets, futures, strict=True)]

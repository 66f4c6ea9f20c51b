"""What the routine page says around a step: the advised button, the note left, the settled flag."""

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.clock import local_today
from app.routines.service import ItemDose, items_of, new_version
from tests.dashboard.helpers import HTML, add_flag, sign_in
from tests.factories import (
    add_log,
    builtin,
    make_clinic,
    make_patient,
    make_staff,
    routine_version,
)

NOTE = "Slightly larger range now"


def _button(page: str, direction: str) -> str:
    """The opening tag of the Step up or Step down button."""
    found = re.search(rf"<button[^>]*step-{direction}[^>]*>", page)
    assert found is not None, direction
    return found.group(0)


def test_step_down_after_bad_responses_is_advised_then_settles_and_recalls_the_note(
    client: TestClient, db: Session
) -> None:
    """Unstable: Step down is the primary button. After it: the warning says it was done, neither
    step looks advised, and the page asks about the note written for the higher dose."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist, slugs=())
    slump = builtin(db, "seated-slump-slider")
    assert patient.id is not None and slump.id is not None
    dose = ItemDose(exercise_id=slump.id, reps=15, ladder_stage=4, note=NOTE)
    new_version(db, patient.id, [dose], local_today(patient.timezone))
    add_flag(db, patient, "over_limit", 2)
    db.commit()
    token = sign_in(client, therapist)
    url = f"/patients/{patient.id}/routine"
    before = client.get(url, headers=HTML).text
    assert "Not stable yet:" in before and "Stepped down since" not in before
    assert "secondary" not in _button(before, "down") and "secondary" in _button(before, "up")
    assert "changes the repetitions by 5 (up to 15, down to 5;" in before

    item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    stepped = client.post(f"{url}/items/{item.id}/step-down", data={"csrf_token": token})
    assert stepped.status_code == 303 and stepped.headers["location"].endswith("&stepped=1")
    after = client.get(stepped.headers["location"], headers=HTML).text
    db.expire_all()
    assert items_of(db, routine_version(db, patient).id)[0].reps == 10  # type: ignore[arg-type]
    assert "Version 3 saved: Stepped down:" in after
    assert f"Your note for the patient still reads “{NOTE}”" in after
    assert 'href="#item-0-note"' in after and 'id="item-0-note"' in after
    assert "Not stable yet:" not in after and "Stepped down since:" in after
    assert "secondary" in _button(after, "down") and "secondary" in _button(after, "up")
    # An ordinary save afterwards does not forget the step down that answered the flags.
    new_version(
        db,
        patient.id,
        [ItemDose(exercise_id=slump.id, reps=10, ladder_stage=4)],
        local_today(patient.timezone),
        change_note="Note cleared",
    )
    db.commit()
    later = client.get(url, headers=HTML).text
    assert "Stepped down since:" in later and "Not stable yet:" not in later
    # A new bad response after the step: unstable again.
    add_flag(db, patient, "worse_next_morning", 2)
    db.commit()
    again = client.get(url, headers=HTML).text
    assert "Not stable yet:" in again and "secondary" not in _button(again, "down")
    # The address alone never conjures the note reminder: only a step's own version does.
    assert "still reads" not in client.get(f"{url}?saved=1&stepped=1", headers=HTML).text


def test_a_step_down_that_swaps_the_exercise_keeps_the_note_and_never_raises_the_dose(
    client: TestClient, db: Session
) -> None:
    """The gentler exercise keeps the therapist's note (and the page asks about it) and takes no
    more sets, repetitions or sessions than the patient was doing."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist, slugs=())
    slider, gentler = builtin(db, "median-slider"), builtin(db, "median-arm-by-side-slider")
    assert patient.id is not None and slider.id is not None
    assert gentler.default_reps > 6 and gentler.default_times_per_day > 1
    dose = ItemDose(
        exercise_id=slider.id,
        sets=1,
        reps=6,
        times_per_day=1,
        ladder_stage=slider.ladder_stage,
        note="Stop before tingling",
    )
    new_version(db, patient.id, [dose], local_today(patient.timezone))
    db.commit()
    token = sign_in(client, therapist)
    item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    stepped = client.post(
        f"/patients/{patient.id}/routine/items/{item.id}/step-down", data={"csrf_token": token}
    )
    page = client.get(stepped.headers["location"], headers=HTML).text
    db.expire_all()
    now = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    assert now.exercise_id == gentler.id and now.note == "Stop before tingling"
    assert (now.sets, now.reps, now.times_per_day) == (1, 6, 1)
    assert "Version 3 saved: Stepped down:" in page and "(1 × 6)" in page
    assert "Your note for the patient still reads “Stop before tingling”" in page


def test_a_tensioner_steps_up_gently_and_the_page_asks_to_wait_a_day(
    client: TestClient, db: Session
) -> None:
    """A tensioner's repetitions rise by 2 to at most 10, and for 24 hours after a step up the
    page says so and Step up no longer looks advised."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist, slugs=())
    tensioner = builtin(db, "seated-slump-tensioner")
    assert patient.id is not None and tensioner.id is not None
    dose = ItemDose(exercise_id=tensioner.id, sets=2, reps=6, ladder_stage=5)
    new_version(db, patient.id, [dose], local_today(patient.timezone))
    db.commit()
    token = sign_in(client, therapist)
    url = f"/patients/{patient.id}/routine"
    assert "Stepped up" not in client.get(url, headers=HTML).text
    seen = []
    for _ in range(4):
        item = items_of(db, routine_version(db, patient).id or 0)[0]
        answer = client.post(
            f"{url}/items/{item.id}/step-up",
            data={"csrf_token": token, "confirm": "yes"},
            follow_redirects=True,
        )
        seen.append(answer.text)
    assert "6 → 8 repetitions" in seen[0] and "8 → 10 repetitions" in seen[1]
    assert "2 → 3 sets" in seen[2]
    assert "already at the top of the ladder: 3 × 10" in seen[3]
    page = client.get(url, headers=HTML).text
    assert "Stepped up less than an hour ago." in page
    assert "secondary" in _button(page, "up") and "recent-step" in _button(page, "up")
    # A step down takes the step up back: nothing of it is left to wait for.
    item = items_of(db, routine_version(db, patient).id or 0)[0]
    client.post(f"{url}/items/{item.id}/step-down", data={"csrf_token": token})
    assert "Stepped up less than an hour ago." not in client.get(url, headers=HTML).text


def test_step_up_is_not_advised_before_any_answer(client: TestClient, db: Session) -> None:
    """Nothing logged yesterday or today: the page says so and Step up does not look advised;
    once the patient logs, it does again."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    db.commit()
    sign_in(client, therapist)
    url = f"/patients/{patient.id}/routine"
    page = client.get(url, headers=HTML).text
    assert "No answers yet:" in page
    assert 'class="secondary" aria-describedby="no-answers"' in _button(page, "up")
    item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    add_log(db, patient, item, local_today(patient.timezone), sets=item.sets)
    db.commit()
    again = client.get(url, headers=HTML).text
    assert "No answers yet:" not in again and "secondary" not in _button(again, "up")

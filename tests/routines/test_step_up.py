"""Step up and step down from the routine editor: the ladder, the new dose, the warnings."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.clock import local_today
from app.models import RoutineItem
from app.routines.service import ItemDose, exercise_names, items_of, new_version
from tests.dashboard.helpers import HTML, add_flag, sign_in
from tests.factories import builtin, routine_version
from tests.routines.helpers import prescriber, routine_versions


def test_step_up_makes_a_new_version_and_leaves_the_old_one(
    client: TestClient, db: Session
) -> None:
    """Step up: more repetitions first, then a third set, then the tensioner (the nearest
    harder exercise, two stages on); the stage never moves without the exercise."""
    therapist, patient = prescriber(db, slugs=("median-slider",))
    token = sign_in(client, therapist)
    old = routine_version(db, patient)
    old_item = items_of(db, old.id)[0]  # type: ignore[arg-type]
    old_dose = (old_item.exercise_id, old_item.reps, old_item.ladder_stage)

    def step(direction: str = "up") -> RoutineItem:
        current = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
        url = f"/patients/{patient.id}/routine/items/{current.id}/step-{direction}"
        # Confirmed: a step up within a day of the last one asks first (tested below).
        response = client.post(url, data={"csrf_token": token, "confirm": "yes"})
        assert response.status_code == 303, response.text
        db.expire_all()
        return items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]

    first = step()
    assert (first.sets, first.reps, first.ladder_stage) == (2, 15, 2)
    assert routine_version(db, patient).change_note.startswith("Stepped up: Median nerve slider")
    second = step()
    assert (second.sets, second.reps, second.ladder_stage) == (3, 15, 2)
    assert routine_version(db, patient).change_note.endswith(": 2 → 3 sets")
    # Nothing at stage 3 or 4 for this nerve and part of the body: the tensioner, at stage 5.
    tensioner = step()
    assert (
        tensioner.exercise_id == builtin(db, "median-tensioner").id and tensioner.ladder_stage == 5
    )
    note = routine_version(db, patient).change_note
    assert (
        note
        == "Stepped up: Median nerve slider (arm and head) → Median nerve tensioner (arm and head)"
        " (2 × 6, was 3 × 15)"
    )
    # The first version is exactly as it was.
    db.expire_all()
    unchanged = items_of(db, old.id)[0]  # type: ignore[arg-type]
    assert (unchanged.exercise_id, unchanged.reps, unchanged.ladder_stage) == old_dose
    assert len(routine_versions(db, patient)) == 4
    # At the top of the ladder: a clear message and no version.
    top = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    for _ in range(3):  # 6 → 8 → 10 repetitions, then a third set
        client.post(
            f"/patients/{patient.id}/routine/items/{top.id}/step-up",
            data={"csrf_token": token, "confirm": "yes"},
        )
        db.expire_all()
        top = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    blocked = client.post(
        f"/patients/{patient.id}/routine/items/{top.id}/step-up",
        data={"csrf_token": token, "confirm": "yes"},
        headers=HTML,
    )
    assert blocked.status_code == 422 and "already at the top of the ladder" in blocked.text
    # Step down from the tensioner goes back to a slider of the same nerve.
    down = step("down")
    assert down.exercise_id != builtin(db, "median-tensioner").id
    assert builtin(db, "median-slider").id == down.exercise_id or down.ladder_stage < 5


def test_step_ladder_for_sciatic_switches_exercises(client: TestClient, db: Session) -> None:
    """Other-leg glide (1) → lying slider (2) → seated slider (3) → ankle pumps (4, tensioner)."""
    therapist, patient = prescriber(db, slugs=())
    glide = builtin(db, "opposite-leg-glide")
    assert patient.id is not None and glide.id is not None
    new_version(
        db,
        patient.id,
        [ItemDose(exercise_id=glide.id, ladder_stage=1)],
        local_today(patient.timezone),
    )
    db.commit()
    token = sign_in(client, therapist)
    seen = []
    for _ in range(3):
        item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
        client.post(
            f"/patients/{patient.id}/routine/items/{item.id}/step-up",
            data={"csrf_token": token, "confirm": "yes"},
        )
        db.expire_all()
        seen.append(items_of(db, routine_version(db, patient).id)[0].exercise_id)  # type: ignore[arg-type]
    slugs = ("supine-sciatic-slider", "seated-slump-slider", "slr-ankle-pumps")
    assert seen == [builtin(db, s).id for s in slugs]
    item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    client.post(
        f"/patients/{patient.id}/routine/items/{item.id}/step-down", data={"csrf_token": token}
    )
    db.expire_all()
    assert (
        items_of(db, routine_version(db, patient).id)[0].exercise_id
        == builtin(db, "seated-slump-slider").id
    )  # type: ignore[arg-type]


def test_step_up_never_lists_an_exercise_twice_and_says_the_new_dose(
    client: TestClient, db: Session
) -> None:
    """The next stage's exercise is already in the routine: step up progresses the dose instead;
    a switch to another exercise names the dose it starts at."""
    therapist, patient = prescriber(db, slugs=())
    lying, seated = builtin(db, "supine-sciatic-slider"), builtin(db, "seated-slump-slider")
    assert patient.id is not None and lying.id is not None and seated.id is not None
    new_version(
        db,
        patient.id,
        [
            ItemDose(exercise_id=seated.id, ladder_stage=3),
            ItemDose(exercise_id=lying.id, ladder_stage=2, sets=2, reps=10),
        ],
        local_today(patient.timezone),
    )
    db.commit()
    token = sign_in(client, therapist)
    item = items_of(db, routine_version(db, patient).id)[1]  # type: ignore[arg-type]
    client.post(
        f"/patients/{patient.id}/routine/items/{item.id}/step-up",
        data={"csrf_token": token, "confirm": "yes"},
    )
    db.expire_all()
    version = routine_version(db, patient)
    items = items_of(db, version.id)  # type: ignore[arg-type]
    assert [i.exercise_id for i in items] == [seated.id, lying.id]
    name = exercise_names(db, [lying.id], patient.clinic_id)[lying.id]
    assert items[1].reps == 15
    assert version.change_note == f"Stepped up: {name}: 10 → 15 repetitions"

    # Alone in the routine, the same step switches exercises and says what the dose becomes.
    new_version(
        db,
        patient.id,
        [ItemDose(exercise_id=lying.id, ladder_stage=2, sets=2, reps=15)],
        local_today(patient.timezone),
    )
    db.commit()
    item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    client.post(
        f"/patients/{patient.id}/routine/items/{item.id}/step-up",
        data={"csrf_token": token, "confirm": "yes"},
    )
    db.expire_all()
    version = routine_version(db, patient)
    switched = items_of(db, version.id)[0]  # type: ignore[arg-type]
    assert switched.exercise_id == seated.id
    dose = f"{switched.sets} × {switched.reps}"
    assert version.change_note.endswith(f"({dose}, was 2 × 15)"), version.change_note


def test_step_up_warns_after_a_worse_morning(client: TestClient, db: Session) -> None:
    """A worse-next-morning flag in the last 48 h shows a warning but does not block."""
    therapist, patient = prescriber(db)
    flag = add_flag(db, patient, "worse_next_morning", 2)
    flag.times_raised = 2  # raised again by a second worse answer: two responses, one flag
    db.add(flag)
    db.commit()
    token = sign_in(client, therapist)
    page = client.get(f"/patients/{patient.id}/routine", headers=HTML).text
    assert "Not stable yet" in page and 'aria-describedby="recent-response"' in page
    assert "2 worse-next-morning, over-limit or warning-sign responses in the last 48 hours" in page
    item = items_of(db, routine_version(db, patient).id)[0]  # type: ignore[arg-type]
    url = f"/patients/{patient.id}/routine/items/{item.id}/step-up"
    # One click does not progress a nerve that is not settled: a page asks first, and nothing
    # is changed until the therapist confirms.
    asked = client.post(url, data={"csrf_token": token}, headers=HTML)
    assert asked.status_code == 200 and "Step up anyway" in asked.text
    assert "Not stable yet: 2 worse-next-morning" in asked.text
    assert "Step down instead" in asked.text and "Nothing has been changed yet" in asked.text
    assert "Sign out" in asked.text  # the workspace's own menu, as on every staff page
    assert len(routine_versions(db, patient)) == 1
    response = client.post(url, data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 303
    assert "Not stable yet" in client.get(response.headers["location"], headers=HTML).text
    assert len(routine_versions(db, patient)) == 2
    # Another patient's item, or none, is not found whatever the cautions.
    missing = client.post(
        f"/patients/{patient.id}/routine/items/999999/step-up", data={"csrf_token": token}
    )
    assert missing.status_code == 404

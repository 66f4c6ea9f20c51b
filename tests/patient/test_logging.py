"""Logging exercises, morning checks and warning signs from the patient's forms."""

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app.core.clock import local_today, utcnow
from app.models import ExerciseLog, Flag, MorningCheck, Patient, SafetyReport
from app.patient.service import today_plan
from tests.factories import csrf, make_clinic, make_patient, make_staff, sign_in_patient


def _setup(client: TestClient, db: Session) -> tuple[int, int]:
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    sign_in_patient(client, db, patient)
    item_id = today_plan(db, patient).items[0].item.id
    assert patient.id is not None and item_id is not None
    return patient.id, item_id


def _log(client: TestClient, item_id: int, **fields: object) -> tuple[str, object]:
    log_uuid = str(fields.pop("uuid", uuid.uuid4()))
    data = {
        "csrf_token": csrf(client),
        "uuid": log_uuid,
        "slot": "1",
        "sets_done": "2",
        "pain_before": "2",
        "pain_after": "2",
        "symptoms": "none",
        **fields,
    }
    return log_uuid, client.post(f"/exercise/{item_id}/log", data=data)


def _flags(db: Session, patient_id: int, kind: str) -> int:
    db.expire_all()
    return db.exec(
        select(func.count())
        .select_from(Flag)
        .where(Flag.patient_id == patient_id, Flag.kind == kind)
    ).one()


def test_same_log_sent_twice_is_stored_once(client: TestClient, db: Session) -> None:
    """Submitting the same form twice (double tap, retry) stores one entry."""
    patient_id, item_id = _setup(client, db)
    log_uuid, first = _log(client, item_id)
    _, second = _log(client, item_id, uuid=log_uuid)
    assert first.status_code == second.status_code == 303
    count = db.exec(
        select(func.count()).select_from(ExerciseLog).where(ExerciseLog.patient_id == patient_id)
    ).one()
    assert count == 1
    page = client.get("/today").text
    assert "1 of 4 done" in page


def test_over_limit_turns_amber_and_flags(client: TestClient, db: Session) -> None:
    """Symptoms pushed to the limit give gentler advice and flag the therapist."""
    patient_id, item_id = _setup(client, db)
    log_uuid, response = _log(client, item_id, pain_before="1", pain_after="4")
    result = client.get(response.headers["location"]).text
    assert "make it gentler" in result
    assert _flags(db, patient_id, "over_limit") == 1


def test_high_pain_that_did_not_rise_is_saved_with_caution_not_cheer(
    client: TestClient, db: Session
) -> None:
    """Over the limit without a rise: no "Well done!", a word to go gently, no flag."""
    patient_id, item_id = _setup(client, db)
    _uuid, response = _log(client, item_id, pain_before="9", pain_after="9")
    # The page's own result, not the phone's hidden screens for entries saved offline.
    result = client.get(response.headers["location"]).text.split("<template", 1)[0]
    assert "Saved. Go gently today" in result and "Well done" not in result
    assert "above your limit of 3 out of 10" in result
    assert _flags(db, patient_id, "over_limit") == 0
    _uuid, response = _log(client, item_id, slot="2", pain_before="2", pain_after="2")
    assert "Saved. Well done!" in client.get(response.headers["location"]).text


def test_symptoms_at_the_limit_are_within_it(client: TestClient, db: Session) -> None:
    """Patients are told to keep symptoms at or below the limit: reaching it is no flag."""
    patient_id, item_id = _setup(client, db)
    _uuid, response = _log(client, item_id, pain_before="1", pain_after="3")
    assert "Saved. Well done!" in client.get(response.headers["location"]).text
    assert _flags(db, patient_id, "over_limit") == 0
    _uuid, response = _log(client, item_id, slot="2", pain_before="1", pain_after="4")
    assert "went above your limit of 3" in client.get(response.headers["location"]).text
    assert _flags(db, patient_id, "over_limit") == 1


def test_stop_signs_pause_today_and_flag(client: TestClient, db: Session) -> None:
    """A stop-and-contact answer stops today's routine and flags the therapist."""
    patient_id, item_id = _setup(client, db)
    _, response = _log(client, item_id, signs="new_weakness")
    result = client.get(response.headers["location"]).text
    assert "Stop your exercises for today" in result
    assert _flags(db, patient_id, "red_flag") == 1
    today = client.get("/today").text
    assert "Pause your exercises today" in today
    # The notice itself offers the call, as the stop screen did.
    notice = today[today.index("Pause your exercises today") :]
    assert "Call the clinic" in notice or "Call your clinic on the number you usually use" in notice


def test_a_paused_day_leads_with_the_notice_not_the_check_in(
    client: TestClient, db: Session
) -> None:
    """A check-in is due, then warning signs pause the day: the notice (with its call button)
    comes first on Today and the check-in waits below it."""
    from tests.outcomes.helpers import schedule

    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    schedule(db, therapist, patient, "pain_avg")
    db.commit()
    sign_in_patient(client, db, patient)
    item_id = today_plan(db, patient).items[0].item.id
    assert item_id is not None
    before = client.get("/today").text
    assert "A short check-in from your therapist" in before
    _log(client, item_id, signs="new_weakness")
    today = client.get("/today").text
    pause = today.index("Pause your exercises today")
    assert pause < today.index("A short check-in from your therapist")
    assert today.index("Call", pause) < today.index("A short check-in from your therapist")


def test_emergency_signs_show_emergency_screen(client: TestClient, db: Session) -> None:
    """Cauda equina answers show the emergency screen and raise an emergency flag."""
    patient_id, _item = _setup(client, db)
    before = client.get("/emergency").text  # opened directly: the advice, no claim of a report
    assert "Get emergency care now" in before and "We have also told your therapist" not in before
    response = client.post(
        "/check",
        data={
            "csrf_token": csrf(client),
            "uuid": str(uuid.uuid4()),
            "signs": ["bladder_change", "saddle_numbness"],
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/emergency"
    after = client.get("/emergency").text
    assert "Get emergency care now" in after and "We have also told your therapist" in after
    assert _flags(db, patient_id, "emergency") == 1


def test_worse_morning_flags(client: TestClient, db: Session) -> None:
    """Worse the next morning advises not to push and flags the therapist."""
    patient_id, _item = _setup(client, db)
    response = client.post(
        "/morning",
        data={
            "csrf_token": csrf(client),
            "uuid": str(uuid.uuid4()),
            "comparison": "worse",
            "pain_now": "5",
        },
    )
    assert response.status_code == 200 and "Take it easier today" in response.text
    assert _flags(db, patient_id, "worse_next_morning") == 1


def test_second_morning_answer_replaces_the_first(client: TestClient, db: Session) -> None:
    """Same, then worse the same morning: worse is what is kept, shown and flagged."""
    patient_id, _item = _setup(client, db)

    def answer(comparison: str) -> str:
        data = {"csrf_token": csrf(client), "uuid": str(uuid.uuid4()), "comparison": comparison}
        response = client.post("/morning", data=data)
        assert response.status_code == 200
        return response.text

    assert "Steady is good" in answer("same")
    assert _flags(db, patient_id, "worse_next_morning") == 0
    assert "You said this morning that you feel worse" not in client.get("/today").text
    assert "Take it easier today" in answer("worse")
    assert _flags(db, patient_id, "worse_next_morning") == 1
    # Today keeps the advice in view for the rest of the day.
    assert "You said this morning that you feel worse" in client.get("/today").text
    checks = db.exec(select(MorningCheck).where(MorningCheck.patient_id == patient_id)).all()
    assert [c.comparison for c in checks] == ["worse"]
    assert "Good to hear" in answer("better")
    assert "You said this morning that you feel worse" not in client.get("/today").text
    db.expire_all()
    stored = select(MorningCheck.comparison).where(MorningCheck.patient_id == patient_id)
    assert db.exec(stored).all() == ["better"]
    assert _flags(db, patient_id, "worse_next_morning") == 1  # the therapist still sees it


def test_bad_input_changes_nothing(client: TestClient, db: Session) -> None:
    """Pain 11 or a missing morning answer gives a clear message, stores nothing."""
    patient_id, item_id = _setup(client, db)
    _, response = _log(client, item_id, pain_after="11")
    assert response.status_code == 422
    assert "Choose a number from 0 to 10." in response.text
    assert (
        db.exec(
            select(func.count())
            .select_from(ExerciseLog)
            .where(ExerciseLog.patient_id == patient_id)
        ).one()
        == 0
    )
    morning = client.post("/morning", data={"csrf_token": csrf(client), "uuid": str(uuid.uuid4())})
    assert morning.status_code == 422 and "better, same or worse" in morning.text


def test_undo_keeps_row_and_blocks_replay(client: TestClient, db: Session) -> None:
    """Undo hides the entry; sending the same entry again does not bring it back."""
    patient_id, item_id = _setup(client, db)
    log_uuid, _ = _log(client, item_id)
    assert (
        client.post(f"/log/{log_uuid}/undo", data={"csrf_token": csrf(client)}).status_code == 303
    )
    _log(client, item_id, uuid=log_uuid)
    db.expire_all()
    logs = db.exec(select(ExerciseLog).where(ExerciseLog.patient_id == patient_id)).all()
    assert len(logs) == 1 and logs[0].deleted_at is not None
    assert "0 of 4 done" in client.get("/today").text
    assert (
        db.exec(
            select(func.count())
            .select_from(ExerciseLog)
            .where(col(ExerciseLog.deleted_at).is_(None), ExerciseLog.patient_id == patient_id)
        ).one()
        == 0
    )


def test_same_day_edit_updates_and_rechecks_limit(client: TestClient, db: Session) -> None:
    """Changing today's answers updates the entry in place and re-checks the symptom limit."""
    patient_id, item_id = _setup(client, db)
    log_uuid, _ = _log(client, item_id)
    page = client.get(f"/log/{log_uuid}").text
    assert "Change your answers" in page and f'action="/log/{log_uuid}"' in page
    bad = client.post(f"/log/{log_uuid}", data={"csrf_token": csrf(client), "pain_after": "12"})
    assert bad.status_code == 422 and "Choose a number from 0 to 10." in bad.text
    response = client.post(
        f"/log/{log_uuid}",
        data={
            "csrf_token": csrf(client),
            "sets_done": "1",
            "pain_before": "1",
            "pain_after": "5",
            "symptoms": "numbness",
            "spread": "further",
        },
    )
    assert response.status_code == 303
    db.expire_all()
    log = db.exec(select(ExerciseLog).where(ExerciseLog.patient_id == patient_id)).one()
    assert (log.sets_done, log.pain_after, log.symptoms, log.spread) == (
        1,
        5,
        ["numbness"],
        "further",
    )
    assert _flags(db, patient_id, "over_limit") == 1


def test_the_day_after_an_emergency_answer_today_asks_about_care(
    client: TestClient, db: Session
) -> None:
    """Yesterday's emergency answer is not forgotten overnight; a stop answer is left to the
    therapist, and the day after that Today is as usual."""
    patient_id, _item = _setup(client, db)
    patient = db.get(Patient, patient_id)
    assert patient is not None
    yesterday = local_today(patient.timezone) - timedelta(days=1)
    notice = "Yesterday you reported signs that need urgent care"
    for level, shown in (("stop", False), ("emergency", True)):
        db.add(
            SafetyReport(
                uuid=uuid.uuid4(),
                patient_id=patient_id,
                local_date=yesterday,
                level=level,
                answers=["bladder_change" if level == "emergency" else "new_weakness"],
                answered_at=utcnow(),
            )
        )
        db.commit()
        page = client.get("/today").text
        assert (notice in page) is shown, level
    assert 'href="/emergency"' in page and "If a doctor has not seen you yet" in page


def test_entry_page_shows_what_was_logged(client: TestClient, db: Session) -> None:
    """The entry page repeats the nerve feelings, where they went and the note, escaped."""
    _, item_id = _setup(client, db)
    log_uuid, _ = _log(
        client,
        item_id,
        symptoms=["tingling", "numbness"],
        spread="eased",
        note="Calf <b>tight</b> after",
    )
    page = client.get(f"/log/{log_uuid}").text
    assert "Nerve feelings: Tingling, Numbness" in page
    assert "Where they went: Eased back" in page
    assert "Your note: Calf &lt;b&gt;tight&lt;/b&gt; after" in page
    quiet, _ = _log(client, item_id, slot="2")
    assert "Nerve feelings:" not in client.get(f"/log/{quiet}").text


def test_spreading_symptoms_point_to_the_warning_signs(client: TestClient, db: Session) -> None:
    """Spreading further down at a low score: a sign to stop for the day, said as it is, with
    the way to the warning signs."""
    patient_id, item_id = _setup(client, db)
    _uuid, response = _log(
        client, item_id, pain_before="2", pain_after="2", symptoms="tingling", spread="further"
    )
    result = client.get(response.headers["location"]).text.split("<template", 1)[0]
    assert "Your nerve symptoms spread further down." in result
    assert "went above your limit" not in result
    assert "Saved. Stop for today" in result and "make it gentler" not in result
    assert "do no more exercises today" in result
    assert "If the tingling or numbness stays, keeps spreading, or you feel weak" in result
    assert 'href="/check"' in result
    assert _flags(db, patient_id, "over_limit") == 1
    # No lead on to the next exercise: the screen asks to wait and see whether they settle.
    assert 'class="next-step"' not in result
    today = client.get("/today").text
    assert "Your symptoms spread further down today" in today and 'href="/check"' in today
    # Nothing on Today invites another session, and nothing praises the day as done.
    assert "Not today" in today and f"/exercise/{item_id}?slot=2&amp;log=1" not in today
    assert "All done for today" not in today
    # Nor does the exercise's own page (opened from a reminder or a saved link): the same
    # notice, no timer and no log sheet.
    for url in (f"/exercise/{item_id}", f"/exercise/{item_id}?slot=2&log=1"):
        page = client.get(url).text.split("<template", 1)[0]
        assert "Your symptoms spread further down today" in page, url
        assert 'id="player"' not in page and 'name="pain_after"' not in page, url
    _uuid, calm = _log(client, item_id, slot="2")
    assert 'class="next-step"' in client.get(calm.headers["location"]).text


def test_a_sheet_opened_before_midnight_and_saved_after_belongs_to_its_evening() -> None:
    """Opened on the 3rd, saved at 00:00:01 on the 4th: the 3rd. Saved at 01:00 or later, or
    sent with a day that is neither, or nonsense: today."""
    from datetime import UTC, date, datetime

    from app.patient.forms import day_opened

    today = date(2026, 12, 4)
    just_after = datetime(2026, 12, 4, 0, 0, 1, tzinfo=UTC)  # London is on UTC in December
    assert day_opened("2026-12-03", "Europe/London", today, just_after) == date(2026, 12, 3)
    later = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    assert day_opened("2026-12-03", "Europe/London", today, later) == today
    for sent in ("2026-12-02", "2026-12-05", "", "yesterday", None):
        assert day_opened(sent, "Europe/London", today, just_after) == today


def test_the_log_sheet_carries_the_day_it_was_opened_for(client: TestClient, db: Session) -> None:
    """The sheet names its day; a stale day sent with it is taken as today."""
    patient_id, item_id = _setup(client, db)
    patient = db.get(Patient, patient_id)
    assert patient is not None
    today = local_today(patient.timezone)
    page = client.get(f"/exercise/{item_id}").text
    assert f'name="opened_day" value="{today.isoformat()}"' in page
    log_uuid, _answer = _log(client, item_id, opened_day=(today - timedelta(days=5)).isoformat())
    stored = db.exec(select(ExerciseLog).where(col(ExerciseLog.uuid) == uuid.UUID(log_uuid))).one()
    assert stored.local_date == today


def test_a_done_badge_names_its_exercise_and_session_for_screen_readers(
    client: TestClient, db: Session
) -> None:
    """'Done' alone, read out six times, says nothing: each names its exercise and session."""
    import re

    _patient_id, item_id = _setup(client, db)
    _log(client, item_id)
    today = client.get("/today").text
    done = re.findall(
        r'Done <span aria-hidden="true">✓</span><span class="visually-hidden"> ([^<]+)</span>',
        today,
    )
    assert len(done) == 1 and ", " in done[0]

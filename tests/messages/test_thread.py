"""The patient writes, the therapist reads and answers, the patient sees the answer."""

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.messages.service import DAILY_LIMIT, TOO_MANY
from app.models import Message, utcnow
from tests.factories import make_clinic, make_patient, make_staff
from tests.messages.helpers import actions, bodies, desk, form, people, phone, section

QUESTION = "Is it normal that my <b>calf</b> tingles after the slump slider?"
ANSWER = "Yes, if it settles within a few minutes. Make the movement smaller next time."


def test_a_question_reaches_the_therapist_and_the_answer_reaches_today(
    client: TestClient, db: Session
) -> None:
    """Sent from Today, counted on the dashboard, read and answered on the review page."""
    therapist, patient = people(db)
    mobile = phone(client, db, patient)
    today = mobile.get("/today").text
    assert 'action="/messages"' in section(today) and "No messages yet" in today
    sent = mobile.post(
        "/messages", data=form(mobile, {"uuid": str(uuid.uuid4()), "body": QUESTION})
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/today#messages"
    assert bodies(db, patient) == [QUESTION]

    laptop = desk(client, therapist)
    board = laptop.get("/dashboard").text
    assert board.count("1 new message") == 1 and f"/patients/{patient.id}#messages" in board
    page = laptop.get(f"/patients/{patient.id}").text
    thread = section(page)
    assert "Is it normal that my &lt;b&gt;calf&lt;/b&gt; tingles" in thread  # escaped
    assert "new</span>" in thread
    assert "Messages this month</dt><dd>1 " in page  # the RTM figures list it
    assert "only live calls count as interactive communication" in page
    assert "1 new message" not in laptop.get("/dashboard").text  # read now

    answer = {"uuid": str(uuid.uuid4()), "body": ANSWER}
    answered = laptop.post(f"/patients/{patient.id}/messages", data=form(laptop, answer))
    assert answered.status_code == 303
    assert answered.headers["location"] == f"/patients/{patient.id}#messages"
    assert bodies(db, patient) == [QUESTION, ANSWER]
    trail = actions(db, patient)
    assert ("messages_viewed", "1 of 1 messages") in trail
    assert [a for a, _ in trail].count("message_sent") == 1

    today = mobile.get("/today").text
    mine = section(today)
    assert ANSWER in mine and "New answer" in mine and "Your therapist" in mine
    # Also at the top of Today, before the exercises, with a way down to the thread.
    top = today.index("Your therapist answered")
    assert top < today.index('id="plan"') and ANSWER in today[top : today.index('id="plan"')]
    assert 'href="#messages"' in today[top:]
    again = mobile.get("/today").text
    assert "New answer" not in section(again) and "Your therapist answered" not in again


def test_htmx_sends_without_reload_and_the_thread_has_its_own_page(
    client: TestClient, db: Session
) -> None:
    """htmx gets the section back; staff get a full thread page too; each showing audited."""
    therapist, patient = people(db)
    mobile = phone(client, db, patient)
    htmx = {"HX-Request": "true", "accept": "text/html"}
    fragment = mobile.post(
        "/messages", data=form(mobile, {"uuid": str(uuid.uuid4()), "body": "Hello"}), headers=htmx
    )
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="messages"' in fragment.text and "Hello" in fragment.text
    assert "HX-Request" in fragment.headers["vary"]

    laptop = desk(client, therapist)
    full = laptop.get(f"/patients/{patient.id}/messages")
    assert full.status_code == 200 and "<html" in full.text and "Hello" in full.text
    reply = laptop.post(
        f"/patients/{patient.id}/messages",
        data=form(laptop, {"uuid": str(uuid.uuid4()), "body": "Hi Mara"}),
        headers=htmx,
    )
    assert reply.status_code == 200 and "<html" not in reply.text and "Hi Mara" in reply.text
    names = [a for a, _ in actions(db, patient) if a.startswith("message")]
    # The full page, then the answer and the thread it returned.
    assert names == ["messages_viewed", "message_sent", "messages_viewed"]


def test_a_repeated_uuid_is_stored_once(client: TestClient, db: Session) -> None:
    """The phone's outbox and a double tap on Send both repeat a UUID: one message is kept."""
    therapist, patient = people(db)
    mobile = phone(client, db, patient)
    token = mobile.get("/api/session").json()["csrf_token"]
    body = {"uuid": str(uuid.uuid4()), "body": "Written on the train"}
    first = mobile.post("/api/messages", json=body, headers={"X-CSRF-Token": token})
    again = mobile.post("/api/messages", json=body, headers={"X-CSRF-Token": token})
    assert first.status_code == 201 and first.json()["status"] == "created"
    assert again.status_code == 200 and again.json()["status"] == "exists"
    assert again.json()["entry"] == first.json()["entry"]
    twice = {"uuid": str(uuid.uuid4()), "body": "Tapped twice"}
    mobile.post("/messages", data=form(mobile, twice))
    mobile.post("/messages", data=form(mobile, twice))
    laptop = desk(client, therapist)
    answer = {"uuid": str(uuid.uuid4()), "body": "Thanks"}
    laptop.post(f"/patients/{patient.id}/messages", data=form(laptop, answer))
    laptop.post(f"/patients/{patient.id}/messages", data=form(laptop, answer))
    assert bodies(db, patient) == ["Written on the train", "Tapped twice", "Thanks"]
    assert [a for a, _ in actions(db, patient)].count("message_sent") == 1


def test_a_day_of_messages_is_capped_and_repeats_still_answer(
    client: TestClient, db: Session
) -> None:
    """Past the day's share a new message is refused in words; a repeat of a stored one is not,
    and a day later the patient may write again."""
    assert str(DAILY_LIMIT) in TOO_MANY
    therapist, patient = people(db)
    assert patient.id is not None
    early = utcnow() - timedelta(hours=25)
    for n in range(DAILY_LIMIT):
        when = early if n == 0 else utcnow()
        db.add(
            Message(
                uuid=uuid.uuid4(),
                patient_id=patient.id,
                author="patient",
                body=f"m{n}",
                written_at=when,
                received_at=when,
            )
        )
    db.commit()
    mobile = phone(client, db, patient)
    token = mobile.get("/api/session").json()["csrf_token"]
    last = {"uuid": str(uuid.uuid4()), "body": "One more"}
    assert (
        mobile.post("/api/messages", json=last, headers={"X-CSRF-Token": token}).status_code == 201
    )
    over = mobile.post(
        "/api/messages",
        json={"uuid": str(uuid.uuid4()), "body": "Too many"},
        headers={"X-CSRF-Token": token},
    )
    assert over.status_code == 422 and "30 messages in the last day" in over.text
    repeat = mobile.post("/api/messages", json=last, headers={"X-CSRF-Token": token})
    assert repeat.status_code == 200 and repeat.json()["status"] == "exists"
    page = mobile.post("/messages", data=form(mobile, {"uuid": str(uuid.uuid4()), "body": "Form"}))
    assert page.status_code == 422 and "phone the clinic" in page.text and "Form" in page.text
    laptop = desk(client, therapist)  # the therapist's answers are not counted
    answer = {"uuid": str(uuid.uuid4()), "body": "Answer"}
    assert (
        laptop.post(f"/patients/{patient.id}/messages", data=form(laptop, answer)).status_code
        == 303
    )
    assert bodies(db, patient).count("Too many") == 0 and "Answer" in bodies(db, patient)


def test_a_written_time_without_a_zone_is_taken_as_utc(client: TestClient, db: Session) -> None:
    """As for logs and mornings: a time or a date without a zone is stored, never a 500 that
    the phone's outbox would send again and again."""
    _therapist, patient = people(db)
    mobile = phone(client, db, patient)
    token = mobile.get("/api/session").json()["csrf_token"]
    for written in ("2026-11-30T08:00:00", "2026-11-30"):
        body = {"uuid": str(uuid.uuid4()), "body": f"Sent {written}", "written_at": written}
        answer = mobile.post("/api/messages", json=body, headers={"X-CSRF-Token": token})
        assert answer.status_code == 201, answer.text
        assert answer.json()["entry"]["written_at"].startswith(
            "2026-11-30T08:00:00" if "T" in written else "2026-11-30T00:00:00"
        )


def test_a_used_uuid_with_other_words_is_refused_not_dropped(
    client: TestClient, db: Session
) -> None:
    """A page kept from before a message was sent carries that message's UUID: new words sent
    with it are refused with a reason (the phone then shows the message as not sent, the form
    keeps the draft), never taken for a repeat and lost."""
    _therapist, patient = people(db)
    mobile = phone(client, db, patient)
    token = mobile.get("/api/session").json()["csrf_token"]
    used = str(uuid.uuid4())
    first = mobile.post(
        "/api/messages", json={"uuid": used, "body": "First"}, headers={"X-CSRF-Token": token}
    )
    assert first.status_code == 201
    other = mobile.post(
        "/api/messages", json={"uuid": used, "body": "Second"}, headers={"X-CSRF-Token": token}
    )
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["body", "uuid"]
    assert "out of date" in other.json()["detail"][0]["msg"]
    page = mobile.post("/messages", data=form(mobile, {"uuid": used, "body": "Second, by form"}))
    assert page.status_code == 422
    assert "Please send it again" in page.text and "Second, by form" in page.text
    assert bodies(db, patient) == ["First"]


def test_other_clinics_and_other_patients_find_nothing(client: TestClient, db: Session) -> None:
    """Another clinic's therapist gets 404; another patient neither sees nor reaches the thread."""
    therapist, patient = people(db)
    mobile = phone(client, db, patient)
    mobile.post("/messages", data=form(mobile, {"uuid": str(uuid.uuid4()), "body": "Private"}))
    stranger = desk(client, make_staff(db, make_clinic(db)))
    url = f"/patients/{patient.id}/messages"
    assert stranger.get(url).status_code == 404
    refused = stranger.post(url, data=form(stranger, {"uuid": str(uuid.uuid4()), "body": "Hi"}))
    assert refused.status_code == 404
    other = phone(client, db, make_patient(db, therapist))
    assert "Private" not in other.get("/today").text
    assert other.get(url, headers={"accept": "text/html"}).status_code in (303, 401, 404)
    same = {"uuid": str(uuid.uuid4()), "body": "Mine"}
    other.post("/messages", data=form(other, same))
    assert bodies(db, patient) == ["Private"]
    assert "Private" not in stranger.get(f"/patients/{patient.id}").text
    assert not [a for a, _ in actions(db, patient) if a.startswith("message")]


def test_empty_or_too_long_changes_nothing_and_says_why(client: TestClient, db: Session) -> None:
    """A clear message in the page, in the patient's language; on the API a 422 naming the field."""
    therapist, patient = people(db, language="es")
    mobile = phone(client, db, patient)
    empty = mobile.post("/messages", data=form(mobile, {"uuid": str(uuid.uuid4()), "body": "  "}))
    assert empty.status_code == 422
    assert "Escribe un mensaje antes de enviarlo." in empty.text and "Hoy" in empty.text
    long = "a" * 2001
    too_long = mobile.post(
        "/messages", data=form(mobile, {"uuid": str(uuid.uuid4()), "body": long})
    )
    assert too_long.status_code == 422 and "como máximo 2.000 caracteres" in too_long.text
    assert long in too_long.text  # the draft is kept to shorten
    token = mobile.get("/api/session").json()["csrf_token"]
    for bad in ("", "   ", "b" * 2001):
        answer = mobile.post(
            "/api/messages",
            json={"uuid": str(uuid.uuid4()), "body": bad},
            headers={"X-CSRF-Token": token},
        )
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["body", "body"]
    assert (
        mobile.post(
            "/api/messages", json={"uuid": "x"}, headers={"X-CSRF-Token": token}
        ).status_code
        == 422
    )
    laptop = desk(client, therapist)
    staff_empty = laptop.post(
        f"/patients/{patient.id}/messages",
        data=form(laptop, {"uuid": str(uuid.uuid4()), "body": ""}),
    )
    assert staff_empty.status_code == 422 and "Write a message before sending." in staff_empty.text
    assert bodies(db, patient) == []
    assert "message_sent" not in [a for a, _ in actions(db, patient)]
    exactly = "c" * 2000
    ok = mobile.post("/messages", data=form(mobile, {"uuid": str(uuid.uuid4()), "body": exactly}))
    assert ok.status_code == 303 and bodies(db, patient) == [exactly]


def test_the_service_worker_storing_today_does_not_use_up_new(
    client: TestClient, db: Session
) -> None:
    """Today stored ahead by the service worker: the patient still sees 'New answer' on opening."""
    therapist, patient = people(db)
    mobile = phone(client, db, patient)
    laptop = desk(client, therapist)
    answer = {"uuid": str(uuid.uuid4()), "body": "How did the new exercise go?"}
    laptop.post(f"/patients/{patient.id}/messages", data=form(laptop, answer))
    ahead = mobile.get("/today", headers={"sec-fetch-mode": "same-origin"}).text
    assert "New answer" in section(ahead)
    opened = mobile.get("/today", headers={"sec-fetch-mode": "navigate"}).text
    assert "New answer" in section(opened)
    assert "New answer" not in section(mobile.get("/today").text)

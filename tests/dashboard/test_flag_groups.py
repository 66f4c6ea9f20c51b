"""The dashboard's open flags read one entry per patient, and a patient's shown flags are
acknowledged in one go (never one raised since, nor another patient's)."""

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import AuditEvent, Flag
from tests.dashboard.helpers import HTML, add_flag, sign_in
from tests.factories import make_clinic, make_patient, make_staff


def _flags_section(page: str) -> str:
    return page[page.index('id="flags-heading"') :]


def test_one_patients_many_flags_fold_under_the_most_urgent(
    client: TestClient, db: Session
) -> None:
    """Warning signs first; the patient with five flags shows one in full and four folded,
    named by kind, with one button to acknowledge the five."""
    clinic = make_clinic(db)
    me = make_staff(db, clinic)
    fatima, linda = make_patient(db, me), make_patient(db, me)
    many = [add_flag(db, fatima, "over_limit", 2, f"day {n}") for n in range(3)]
    many += [add_flag(db, fatima, "worse_next_morning", 2, f"morning {n}") for n in range(2)]
    urgent = add_flag(db, linda, "red_flag", 3, "warning signs")
    db.commit()
    token = sign_in(client, me)
    flags = _flags_section(client.get("/dashboard", headers=HTML).text)
    assert "(6 for 2 patients)" in flags
    assert flags.index(f'id="flag-{urgent.id}"') < flags.index(fatima.display_name)
    summary = re.search(r"<summary>(.*?)</summary>", flags, re.S)
    assert summary is not None
    words = " ".join(re.sub(r"<[^>]+>", "", summary.group(1)).split())
    assert words.startswith(f"4 more open flags for {fatima.display_name}:")
    # The most urgent kind first (a worse morning outranks a day over the limit).
    assert words.endswith(": Worse next morning, Symptoms over limit ×3")
    # Every flag keeps its own actions; the patient's line has one button for all five.
    assert all(f'id="flag-{f.id}"' in flags for f in many)
    assert "Acknowledge all 5" in flags and "Acknowledge all" not in flags.split("<summary>")[0]
    shown = re.findall(r'name="flag" value="(\d+)"', flags)
    assert sorted(map(int, shown)) == sorted(f.id for f in many)  # type: ignore[misc]

    later = add_flag(db, fatima, "over_limit", 2, "raised after the page was shown")
    db.commit()
    sent = [*shown, str(urgent.id), "²", "9" * 40, "-1"]  # another patient's and nonsense too
    answer = client.post(
        f"/patients/{fatima.id}/flags/ack",
        data={"csrf_token": token, "next": "/dashboard", "flag": sent},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard"
    db.expire_all()
    seen = {f.id: f.acknowledged_at is not None for f in db.exec(select(Flag)).all()}
    assert all(seen[f.id] for f in many)
    assert not seen[later.id] and not seen[urgent.id]
    audit = db.exec(
        select(AuditEvent).where(
            AuditEvent.action == "flag_acknowledged", AuditEvent.patient_id == fatima.id
        )
    ).all()
    assert len(audit) == 1 and str(many[0].id) in audit[0].detail
    # Nothing shown, nothing done; another clinic's patient is not found.
    assert client.post(f"/patients/{fatima.id}/flags/ack", data={"csrf_token": token}).is_redirect
    stranger = make_patient(db, make_staff(db, make_clinic(db)))
    theirs = add_flag(db, stranger, "over_limit", 2)
    db.commit()
    refused = client.post(
        f"/patients/{stranger.id}/flags/ack", data={"csrf_token": token, "flag": [str(theirs.id)]}
    )
    assert refused.status_code == 404
    db.expire_all()
    assert db.get(Flag, theirs.id).acknowledged_at is None  # type: ignore[union-attr]


def _tail(html: str, patient_id: int) -> str:
    """The words of a patient's folded-flags summary in a page or fragment."""
    found = re.search(rf'<span id="flag-more-{patient_id}"[^>]*>(.*?)</span>', html, re.S)
    assert found is not None
    return " ".join(found.group(1).split())


def test_acting_on_flags_in_place_keeps_the_patients_summary_true(
    client: TestClient, db: Session
) -> None:
    """With htmx: resolving one folded flag recounts the summary and the Acknowledge all button;
    Acknowledge all updates the flags where they are and says what it did."""
    me = make_staff(db, make_clinic(db))
    fatima = make_patient(db, me)
    flags = [add_flag(db, fatima, "over_limit", 2, f"day {n}") for n in range(4)]
    db.commit()
    token = sign_in(client, me)
    page = client.get("/dashboard", headers=HTML).text
    group = re.search(r'name="group" value="([\d,]+)"', page)
    assert group is not None and _tail(page, fatima.id).startswith("3 more open flags")  # type: ignore[arg-type]
    order = [int(v) for v in group.group(1).split(",")]
    htmx = {**HTML, "HX-Request": "true"}
    folded = order[1]
    answer = client.post(
        f"/flags/{folded}/resolve",
        data={"csrf_token": token, "note": "Called", "group": group.group(1)},
        headers=htmx,
    )
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "flagsChanged"
    assert answer.text.lstrip().startswith(f'<li id="flag-{folded}"') and "Resolved" in answer.text
    assert _tail(answer.text, fatima.id).startswith("2 more open flags")  # type: ignore[arg-type]
    assert 'id="flag-more-' in answer.text and answer.text.count('hx-swap-oob="true"') == 2
    assert "Acknowledge all 3" in answer.text

    later = add_flag(db, fatima, "over_limit", 2, "raised after the page was shown")
    db.commit()
    unseen = [str(i) for i in order if i != folded]
    done = client.post(
        f"/patients/{fatima.id}/flags/ack",
        data={"csrf_token": token, "group": group.group(1), "flag": unseen},
        headers=htmx,
    )
    assert done.status_code == 200 and done.text.lstrip().startswith(
        f'<div id="flag-ack-all-{fatima.id}"'
    )
    assert f"Acknowledged 3 flags for {fatima.display_name}." in done.text
    assert "Acknowledge all" not in done.text and "raised after the page" not in done.text
    for flag_id in unseen:
        assert (
            f'<li id="flag-{flag_id}" class="ws-flag" tabindex="-1" hx-swap-oob="true"' in done.text
        )
    assert _tail(done.text, fatima.id).startswith("2 more open flags")  # type: ignore[arg-type]
    db.expire_all()
    assert db.get(Flag, later.id).acknowledged_at is None  # type: ignore[union-attr]
    assert all(db.get(Flag, f.id).acknowledged_at for f in flags)  # type: ignore[union-attr]

    # The table's refresh brings the counts beside the heading and on the flag panel along.
    refresh = client.get("/dashboard", headers=htmx).text
    assert '<p class="muted" id="dash-summary" hx-swap-oob="true">' in refresh
    assert 'id="flags-count">(4)' in refresh

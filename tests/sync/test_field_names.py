"""A 422 from the sync API names the field that is wrong, not a neighbouring one."""

import uuid
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.sync.test_sync_api import _phone


def test_a_day_out_of_range_names_local_date_and_an_unknown_item_names_the_item(
    client: TestClient, db: Session
) -> None:
    """The future, a day too long ago, and an exercise not in the routine: each names its own."""
    _patient_id, item_id, today, headers = _phone(client, db)
    day = date.fromisoformat(today)
    base = {"routine_item_id": item_id, "local_date": today, "sets_done": 1}

    def wrong_field(**changes: object) -> list[object]:
        body = {**base, "uuid": str(uuid.uuid4()), **changes}
        answer = client.post("/api/logs", json=body, headers=headers)
        assert answer.status_code == 422, answer.text
        return [error["loc"] for error in answer.json()["detail"]]

    future = (day + timedelta(days=5)).isoformat()
    long_ago = (day - timedelta(days=60)).isoformat()
    assert wrong_field(local_date=future) == [["body", "local_date"]]
    assert wrong_field(local_date=long_ago) == [["body", "local_date"]]
    assert wrong_field(routine_item_id=999_999) == [["body", "routine_item_id"]]
    for kind in ("/api/morning", "/api/safety"):
        body = {
            "uuid": str(uuid.uuid4()),
            "local_date": future,
            "comparison": "same",
            "answers": ["night_pain"],
        }
        answer = client.post(kind, json=body, headers=headers)
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["body", "local_date"]

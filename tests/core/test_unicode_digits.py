"""Digits that are not 0-9 ('²', '١') in addresses and forms get a clear answer, never a 500."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.digits import plain_digits
from tests.fhir_api.support import get, make_key, make_setting
from tests.staff.support import HTML, post, sign_in

ODD = ("²", "١٠", "³4")


def test_only_ascii_digits_are_plain() -> None:
    """'²' and Arabic-Indic digits pass str.isdigit() but are not whole numbers here."""
    assert plain_digits("2024") and not plain_digits("") and not plain_digits("-1")
    assert not any(plain_digits(text) for text in ODD)


@pytest.mark.parametrize("odd", ODD)
def test_read_api_answers_400_or_404(client: TestClient, db: Session, odd: str) -> None:
    """Paging, ids and patient references with odd digits are refused, not crashed on."""
    setting = make_setting(db)
    _, secret = make_key(db, setting.admin)
    for url in (
        f"/fhir/r4/Patient?_count={odd}",
        f"/fhir/r4/Patient?_page={odd}",
        f"/fhir/r4/Patient?_id={odd}",
        f"/fhir/r4/Procedure?patient={odd}",
        f"/fhir/r4/Procedure?patient=Patient/{odd}",
    ):
        response = get(client, url, secret)
        assert response.status_code in (400, 404), (url, response.status_code)


@pytest.mark.parametrize("odd", ODD)
def test_workspace_forms_and_pages_answer_without_a_500(
    client: TestClient, db: Session, odd: str
) -> None:
    """The entries page, deleting a score and scheduling a clinic measure take odd digits."""
    setting = make_setting(db)
    sign_in(client, setting.therapist)
    pid = setting.patient.id
    assert client.get(f"/patients/{pid}/entries?page={odd}", headers=HTML).status_code == 200
    for url, data in (
        (f"/patients/{pid}/outcomes/scores/delete", {"score_id": odd}),
        (f"/patients/{pid}/outcomes/schedule", {"measure": f"clinic-{odd}"}),
    ):
        response = post(client, url, data, headers=HTML, follow_redirects=False)
        assert response.status_code < 500, (url, response.status_code)

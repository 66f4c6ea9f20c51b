"""Reading one resource at a Bundle entry's fullUrl: the clinic's own only, with the scope."""

from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.fhir_api.support import get, make_key, make_setting, outcome_code


def test_every_entry_can_be_read_at_its_full_url(client: TestClient, db: Session) -> None:
    """Each entry of each search is served again, the same, at the address its fullUrl gives."""
    setting = make_setting(db)
    _, secret = make_key(db, setting.admin)
    pid = setting.patient.id
    read = 0
    for search in ("Patient", "CarePlan", "ServiceRequest", "Procedure", "Observation"):
        query = "" if search == "Patient" else f"?patient={pid}"
        body = get(client, f"/fhir/r4/{search}{query}", secret).json()
        assert body["total"] >= 1, search
        for entry in body["entry"]:
            address = urlsplit(entry["fullUrl"]).path
            assert address.startswith("/fhir/r4/")
            again = get(client, address, secret)
            assert again.status_code == 200, address
            assert again.json() == entry["resource"]
            read += 1
    assert read >= 12
    plan = get(client, f"/fhir/r4/CarePlan?patient={pid}", secret).json()["entry"][0]
    activity = plan["resource"]["activity"][0]["reference"]["reference"]
    assert get(client, f"/fhir/r4/{activity}", secret).json()["resourceType"] == "ServiceRequest"
    organization = get(client, f"/fhir/r4/Organization/{setting.clinic.id}", secret).json()
    assert organization["resourceType"] == "Organization"


def test_reads_keep_to_the_clinic_and_the_scope(client: TestClient, db: Session) -> None:
    """Another clinic's resources are 404, a type the API does not serve too, scopes hold."""
    own, other = make_setting(db), make_setting(db)
    _, secret = make_key(db, own.admin)
    _, patients_only = make_key(db, own.admin, ("patients:read",))
    _, theirs = make_key(db, other.admin)
    their_pid = other.patient.id
    addresses = [
        urlsplit(entry["fullUrl"]).path
        for search in ("CarePlan", "ServiceRequest", "Procedure", "Observation")
        for entry in get(client, f"/fhir/r4/{search}?patient={their_pid}", theirs).json()["entry"]
    ]
    addresses += [
        f"/fhir/r4/Patient/{their_pid}",
        f"/fhir/r4/Practitioner/{other.therapist.id}",
        f"/fhir/r4/Organization/{other.clinic.id}",
    ]
    for address in addresses:
        response = get(client, address, secret)
        assert response.status_code == 404, address
        assert other.patient.display_name not in response.text
    for address in ("/fhir/r4/Encounter/1", "/fhir/r4/Patient/abc", "/fhir/r4/Patient/0"):
        response = get(client, address, secret)
        assert response.status_code == 404 and outcome_code(response) == "not-found", address
    procedure = get(client, f"/fhir/r4/Procedure?patient={own.patient.id}", secret).json()
    address = urlsplit(procedure["entry"][0]["fullUrl"]).path
    refused = get(client, address, patients_only)
    assert refused.status_code == 403 and outcome_code(refused) == "forbidden"


def test_a_procedure_is_read_only_by_its_own_log_id(client: TestClient, db: Session) -> None:
    """`Procedure/<kind>-N` with another kind's id (a routine, score...) never serves log N."""
    own, other = make_setting(db), make_setting(db)
    _, secret = make_key(db, own.admin)
    _, theirs = make_key(db, other.admin)
    their_logs = {
        entry["resource"]["id"]
        for entry in get(client, f"/fhir/r4/Procedure?patient={other.patient.id}", theirs).json()[
            "entry"
        ]
    }
    assert their_logs
    own_ids = [
        entry["resource"]["id"]
        for search in ("CarePlan", "ServiceRequest", "Observation")
        for entry in get(client, f"/fhir/r4/{search}?patient={own.patient.id}", secret).json()[
            "entry"
        ]
    ]
    # Ids of other kinds whose numbers are the other clinic's log numbers, and our own ids.
    numbers = [name.split("-")[1] for name in their_logs]
    kinds = ("routine", "item", "check", "warning", "score")
    tried = [f"{kind}-{n}" for kind in kinds for n in numbers]
    tried += [i for i in own_ids if not i.startswith("log-")]
    for resource_id in tried:
        response = get(client, f"/fhir/r4/Procedure/{resource_id}", secret)
        assert response.status_code == 404, resource_id
        assert other.patient.display_name not in response.text

"""The searches: paged Bundles with next links, date ranges, 400 for what cannot be read."""

from datetime import timedelta
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import make_patient
from tests.fhir_api.support import get, make_key, make_setting, outcome_code
from tests.staff.support import sign_in


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_patients_are_paged_with_next_links_to_the_end(client: TestClient, db: Session) -> None:
    """Seven patients, two a page: four pages, each patient once, next missing on the last."""
    setting = make_setting(db)
    for _ in range(5):
        make_patient(db, setting.therapist)
    archived = make_patient(db, setting.therapist)
    archived.archived_at = archived.created_at
    db.add(archived)
    db.commit()
    _, secret = make_key(db, setting.admin)
    url = "/fhir/r4/Patient?_count=2"
    seen: list[str] = []
    pages = 0
    while url:
        response = get(client, url, secret)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/fhir+json")
        body = response.json()
        assert body["resourceType"] == "Bundle" and body["type"] == "searchset"
        assert body["total"] == 7
        seen += [e["resource"]["id"] for e in body["entry"]]
        assert all(
            e["fullUrl"].endswith(f"/fhir/r4/Patient/{e['resource']['id']}") for e in body["entry"]
        )
        links = {link["relation"]: link["url"] for link in body["link"]}
        assert "_count=2" in links["self"]
        assert ("previous" in links) == (pages > 0)
        url = _path(links["next"]) if "next" in links else ""
        pages += 1
    assert pages == 4 and len(seen) == 7 and len(set(seen)) == 7
    assert str(archived.id) in seen
    shown = get(client, f"/fhir/r4/Patient/{archived.id}", secret).json()
    assert shown["active"] is False
    beyond = get(client, "/fhir/r4/Patient?_count=2&_page=9", secret).json()
    assert beyond["entry"] == [] and beyond["total"] == 7


def test_a_deleted_patient_is_not_served(client: TestClient, db: Session) -> None:
    """A deleted patient is 404 and out of the list."""
    setting = make_setting(db)
    gone = make_patient(db, setting.therapist)
    gone.deleted_at = setting.patient.created_at
    db.add(gone)
    db.commit()
    _, secret = make_key(db, setting.admin)
    assert get(client, f"/fhir/r4/Patient/{gone.id}", secret).status_code == 404
    listed = get(client, "/fhir/r4/Patient", secret).json()
    assert [e["resource"]["id"] for e in listed["entry"]] == [str(setting.patient.id)]


def test_procedures_and_observations_follow_the_date_range(client: TestClient, db: Session) -> None:
    """Logs on days -10, -5 and 0: ge-6 and le-1 give only day -5, with its pain and check."""
    setting = make_setting(db)
    _, secret = make_key(db, setting.admin)
    pid, today = setting.patient.id, setting.today
    start, end = (today - timedelta(days=6)).isoformat(), (today - timedelta(days=1)).isoformat()
    every = get(client, f"/fhir/r4/Procedure?patient={pid}", secret).json()
    assert every["total"] == 3
    assert all(e["resource"]["status"] == "completed" for e in every["entry"])
    ranged = get(client, f"/fhir/r4/Procedure?patient={pid}&date=ge{start}&date=le{end}", secret)
    body = ranged.json()
    assert body["total"] == 1
    done = body["entry"][0]["resource"]["performedDateTime"]
    assert done.startswith((today - timedelta(days=5)).isoformat())
    obs = get(client, f"/fhir/r4/Observation?patient={pid}&date=ge{start}&date=le{end}", secret)
    resources = [e["resource"] for e in obs.json()["entry"]]
    pain = [r for r in resources if r["code"]["coding"][0]["code"] == "72514-3"]
    assert sorted(r["valueInteger"] for r in pain) == [2, 5]
    assert all(r["partOf"][0]["reference"].startswith("Procedure/") for r in pain)
    mornings = [r for r in resources if r["code"]["coding"][0]["code"] == "morning-check"]
    assert [r["valueCodeableConcept"]["coding"][0]["code"] for r in mornings] == ["compared-worse"]
    one_day = get(client, f"/fhir/r4/Procedure?patient={pid}&date={today.isoformat()}", secret)
    assert one_day.json()["total"] == 1
    after = get(client, f"/fhir/r4/Observation?patient={pid}&date=gt{today.isoformat()}", secret)
    assert after.json()["total"] == 0


def test_observations_page_and_keep_the_range_in_next_links(
    client: TestClient, db: Session
) -> None:
    """Eight observations three a page: the next link carries the patient and the dates."""
    setting = make_setting(db)
    _, secret = make_key(db, setting.admin)
    pid = setting.patient.id
    start = (setting.today - timedelta(days=30)).isoformat()
    url = f"/fhir/r4/Observation?patient=Patient/{pid}&date=ge{start}&_count=3"
    ids: list[str] = []
    while url:
        body = get(client, url, secret).json()
        assert body["total"] == 8  # pain before and after for 3 logs, and 2 morning checks
        ids += [e["resource"]["id"] for e in body["entry"]]
        nxt = [link["url"] for link in body["link"] if link["relation"] == "next"]
        if nxt:
            assert f"patient={pid}" in nxt[0] and f"date=ge{start}" in nxt[0]
        url = _path(nxt[0]) if nxt else ""
    assert len(ids) == 8 and len(set(ids)) == 8


def test_care_plans_show_each_version_of_the_routine(client: TestClient, db: Session) -> None:
    """The routine in force is an active CarePlan with one activity per exercise."""
    setting = make_setting(db)
    _, secret = make_key(db, setting.admin)
    body = get(client, f"/fhir/r4/CarePlan?patient={setting.patient.id}", secret).json()
    assert body["total"] == 1
    plan = body["entry"][0]["resource"]
    assert (plan["status"], plan["intent"]) == ("active", "plan")
    assert plan["subject"]["reference"] == f"Patient/{setting.patient.id}"
    assert len(plan["activity"]) == 2
    patient = get(client, f"/fhir/r4/Patient/{setting.patient.id}", secret).json()
    assert patient["resourceType"] == "Patient"
    assert patient["name"][0]["text"] == setting.patient.display_name
    assert patient["managingOrganization"]["reference"] == f"Organization/{setting.clinic.id}"


def test_parameters_that_cannot_be_read_are_400(client: TestClient, db: Session) -> None:
    """Each bad parameter is a 400 OperationOutcome naming it, and nothing is answered."""
    setting = make_setting(db)
    _, secret = make_key(db, setting.admin)
    pid = setting.patient.id
    for query, word in (
        ("Patient?_count=0", "_count"),
        ("Patient?_count=101", "_count"),
        ("Patient?_count=abc", "_count"),
        ("Patient?_page=-1", "_page"),
        ("Patient?_page=99999999999999999999999", "_page"),
        ("Patient?_id=abc", "_id"),
        ("Patient?_id=99999999999999999999", "_id"),
        ("Patient?name=x", "Unknown"),
        ("CarePlan", "patient is required"),
        ("CarePlan?patient=Practitioner/1", "patient"),
        (f"Procedure?patient={pid}&date=2026-13-01", "date"),
        (f"Procedure?patient={pid}&date=sa2026-01-01", "date"),
        (f"Procedure?patient={pid}&date=ge2026-01-01T10:00", "date"),
        (f"Procedure?patient={pid}&date=gt9999-12-31", "date"),
        (
            f"Observation?patient={pid}&date=ge2026-01-01&date=le2026-02-01&date=eq2026-01-05",
            "date",
        ),
        (f"Observation?patient={pid}&patient={pid}", "patient"),
    ):
        response = get(client, f"/fhir/r4/{query}", secret)
        assert response.status_code == 400, query
        assert outcome_code(response) == "invalid"
        assert word in response.json()["issue"][0]["diagnostics"], query
    for path in ("Patient/abc", "Patient/0", "Patient/99999999999999999999"):
        response = get(client, f"/fhir/r4/{path}", secret)
        assert response.status_code == 404 and outcome_code(response) == "not-found"
    unknown = get(client, "/fhir/r4/Encounter", secret)
    assert unknown.status_code == 404 and outcome_code(unknown) == "not-found"


def test_the_read_api_is_in_the_openapi_document(client: TestClient, db: Session) -> None:
    """Each search with its parameters, the Bearer key scheme and the error answers."""
    setting = make_setting(db)
    sign_in(client, setting.admin)
    document = client.get("/api/openapi.json").json()
    paths = document["paths"]
    for kind in ("Patient", "CarePlan", "Procedure", "Observation"):
        operation = paths[f"/fhir/r4/{kind}"]["get"]
        assert {"400", "401", "403", "429"} <= set(operation["responses"])
        assert operation["security"] == [{"ApiKey": []}]
        names = {p["name"] for p in operation["parameters"]}
        assert {"_count", "_page"} <= names
    assert {p["name"] for p in paths["/fhir/r4/Procedure"]["get"]["parameters"]} >= {"date"}
    assert "/fhir/r4/{resource_type}/{resource_id}" in paths
    scheme = document["components"]["securitySchemes"]["ApiKey"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}

"""The read API's searches, always within the key's clinic, answered as searchset Bundles.

The resources themselves and the clinic-scoped queries are the FHIR export's (app/fhir).
"""

from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session

from app.api_keys.auth import ApiProblem
from app.config import get_settings
from app.fhir import service as fhir
from app.fhir_api.params import DateRange, Paging
from app.models import Patient

BASE_PATH = "/fhir/r4"
# Each searchable resource type: the scope it needs and whether it takes a date range.
SEARCHES = {
    "Patient": ("patients:read", False),
    "CarePlan": ("patients:read", True),
    "ServiceRequest": ("patients:read", True),
    "Procedure": ("results:read", True),
    "Observation": ("results:read", True),
}


def clinic_patient(session: Session, clinic_id: int, patient_id: int) -> Patient:
    """A patient of this clinic who is not deleted; 404 for anyone else, whoever they are."""
    patient = session.get(Patient, patient_id)
    if patient is None or patient.clinic_id != clinic_id or patient.deleted_at is not None:
        raise ApiProblem(404, "not-found", f"No patient {patient_id} in this clinic.")
    return patient


def search(
    session: Session,
    kind: str,
    clinic_id: int,
    patient_id: int | None,
    dates: DateRange,
    paging: Paging,
) -> fhir.Page:
    """One page of one resource type of the clinic (of one patient, when given)."""
    window: dict[str, Any] = {"offset": paging.offset, "count": paging.count}
    if kind == "Patient":
        return fhir.search_patients(session, clinic_id, patient_id=patient_id, **window)
    return fhir.search(
        session,
        kind,
        clinic_id,
        patient_id=patient_id,
        since=dates.start,
        until=dates.end,
        **window,
    )


def _link(
    relation: str, kind: str, params: list[tuple[str, str]], paging: Paging, page: int
) -> Any:
    query = urlencode([*params, ("_count", str(paging.count)), ("_page", str(page))])
    return {"relation": relation, "url": f"{api_base()}/{kind}?{query}"}


def api_base() -> str:
    """The address the read API answers at."""
    return get_settings().base_url.rstrip("/") + BASE_PATH


def bundle(
    kind: str, found: fhir.Page, params: list[tuple[str, str]], paging: Paging
) -> dict[str, Any]:
    """A searchset Bundle of one page, with self, previous and next links."""
    links = [_link("self", kind, params, paging, paging.page)]
    if paging.page > 1:
        links.append(_link("previous", kind, params, paging, paging.page - 1))
    if paging.offset + paging.count < found.total:
        links.append(_link("next", kind, params, paging, paging.page + 1))
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": found.total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{api_base()}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in found.resources
        ],
    }

"""Messages after a change come from a fixed set named in the address, never from its text."""

from sqlmodel import Session

from app.routines.service import items_of
from app.routines.templates import save_template
from tests.factories import make_clinic, make_patient, make_staff, routine_version
from tests.staff.support import HTML, client_from, sign_in

PHISH = "Your licence expired: call 555-0100 and read out your password"


def test_text_in_the_address_is_never_shown_as_the_workspaces_own_message(db: Session) -> None:
    """?done= and ?note= with made-up words show nothing; known keys show our own words."""
    me = make_staff(db, make_clinic(db))
    patient = make_patient(db, me)
    version = routine_version(db, patient)
    version.change_note = "Started gently"
    db.add(version)
    template = save_template(db, me.clinic_id, "Wrist week 1", items_of(db, version.id or 0))
    db.commit()
    with client_from() as client:
        sign_in(client, me)
        for url in (
            f"/templates?done={PHISH}",
            f"/patients/{patient.id}/routine?saved=1&note={PHISH}",
            f"/patients/{patient.id}/routine?note={PHISH}",
        ):
            page = client.get(url, headers=HTML)
            assert page.status_code == 200 and "555-0100" not in page.text, url
        saved = client.get(f"/templates?done=saved&template={template.id}", headers=HTML).text
        assert "Template “Wrist week 1” saved." in saved
        assert "Template deleted." in client.get("/templates?done=deleted", headers=HTML).text
        shown = client.get(f"/patients/{patient.id}/routine?saved=1", headers=HTML).text
        assert "Version 1 saved: Started gently" in shown
        assert (
            "saved:" not in client.get(f"/patients/{patient.id}/routine?saved=9", headers=HTML).text
        )

"""The audit page names a filter it cannot read; it never repeats text from the address."""

from sqlmodel import Session

from tests.factories import make_clinic, make_staff
from tests.staff.support import HTML, client_from, sign_in


def test_the_audit_page_does_not_repeat_typed_dates_as_its_message(db: Session) -> None:
    """A date filter that is not a date is named by its field, not quoted back."""
    admin = make_staff(db, make_clinic(db), role="admin")
    db.commit()
    with client_from() as client:
        sign_in(client, admin)
        page = client.get("/audit", params={"since": "call 555-0100"}, headers=HTML).text
    assert "The start date is not a date like" in page
    assert "555-0100" not in page

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


def test_the_first_and_last_days_there_are_filter_nothing_out(db: Session) -> None:
    """Dates at the ends of the calendar are read as no limit, in a zone ahead of UTC too,
    never as a 500."""
    clinic = make_clinic(db)
    clinic.timezone = "Asia/Tokyo"
    db.add(clinic)
    admin = make_staff(db, clinic, role="admin")
    db.commit()
    with client_from() as client:
        sign_in(client, admin)
        for params in (
            {"until": "9999-12-31"},
            {"since": "0001-01-01"},
            {"since": "0001-01-01", "until": "9999-12-31"},
        ):
            page = client.get("/audit", params=params, headers=HTML)
            assert page.status_code == 200, params

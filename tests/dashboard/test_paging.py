"""The dashboard in pages of 50: order and counts from SQL, the next page by link or htmx."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session

from app.core.clock import local_today
from app.dashboard.query import PAGE_SIZE, base_filter, page_of, ranked
from app.models import Patient
from tests.dashboard.helpers import HTML, add_flag, sign_in, silent_filter_matches_silent_days
from tests.factories import make_clinic, make_patient, make_staff

ROW = re.compile(r'<th scope="row">\s*<a href="/patients/(\d+)">')


NEXT = r'<a class="button secondary" rel="next" href="([^"]+)"'


def _ids(page: str) -> list[int]:
    return [int(i) for i in ROW.findall(page)]


def test_pages_of_fifty_with_counts_search_and_next_links(client: TestClient, db: Session) -> None:
    """120 patients: three pages that together show each once, the flagged first, filter counts
    over all of them, and the filter and search kept in the next page's address."""
    clinic = make_clinic(db)
    therapist = make_staff(db, clinic)
    today = local_today("Europe/London")
    patients: list[Patient] = []
    for n in range(120):
        patient = make_patient(db, therapist, valid_from=today - timedelta(days=10))
        patient.display_name = f"Person {n:03d}"
        db.add(patient)
        patients.append(patient)
    flagged = patients[77]
    add_flag(db, flagged, "red_flag", 3)
    db.commit()
    sign_in(client, therapist)
    first = client.get("/dashboard", headers=HTML).text
    assert _ids(first)[0] == flagged.id
    assert len(_ids(first)) == PAGE_SIZE
    assert "1–50 of 120 shown" in first
    assert "With open flags (1)" in first and "All patients (120)" in first
    link = re.search(NEXT, first)
    assert link is not None
    next_url = link.group(1).replace("&amp;", "&")
    assert "page=2" in next_url and 'hx-get="' in first and 'hx-swap="beforeend"' in first
    seen = _ids(first)
    while next_url:
        page = client.get(next_url, headers=HTML).text
        seen += _ids(page)
        found = re.search(NEXT, page)
        assert 'rel="prev" href="/dashboard?scope=mine&amp;filter=all&amp;q=&amp;page=' in page
        next_url = found.group(1).replace("&amp;", "&") if found else ""
    assert sorted(seen) == sorted(p.id for p in patients)  # each once, none skipped
    # htmx asks for the next page: the fragment carries its rows and the link after them.
    fragment = client.get("/dashboard?page=2", headers={**HTML, "HX-Request": "true"}).text
    assert "<html" not in fragment and 'id="patient-rows"' in fragment
    assert len(_ids(fragment)) == PAGE_SIZE and 'id="next-page"' in fragment
    # Rows added below the first page's: the heading (swapped in too) counts from the first row.
    assert "51–100 of 120 shown" in fragment
    more = client.get("/dashboard?page=2&more=1", headers={**HTML, "HX-Request": "true"}).text
    assert "1–100 of 120 shown" in more and 'hx-select-oob="#next-page,#patients-heading"' in first
    assert 'rel="prev"' not in more  # the first page is still on screen above
    assert "Open flags of patients 1–50" in first
    # The filter's counts come along with every fragment, for the scope and search asked.
    # Each word anywhere in the name, in any order: "00 person" is Person 000-009 and 100.
    searched_fragment = client.get("/dashboard?q=00+person", headers={**HTML, "HX-Request": "true"})
    options = re.search(
        r'<select id="filter" hx-swap-oob="innerHTML">(.*?)</select>', searched_fragment.text, re.S
    )
    assert options is not None and "All patients (11)" in options.group(1)
    # Search and filter stay in the address of the next page.
    # "0" anywhere in the name: Person 000-099, 100-110.
    searched = client.get("/dashboard?q=person+0&filter=all", headers=HTML).text
    assert "q=person+0" in searched and "1–50 of 111 shown" in searched
    flagged_only = client.get("/dashboard?filter=flagged", headers=HTML).text
    assert (
        _ids(flagged_only) == [flagged.id]
        and 'href="/dashboard?scope=mine&amp;filter=flagged' not in flagged_only
    )
    # A page past the end is empty, not an error, and says so with the way back; a silly page
    # number is refused plainly.
    past = client.get("/dashboard?page=9", headers=HTML)
    assert past.status_code == 200
    assert "Page 9 is past the end of this list: it has 120 patients." in past.text
    assert 'href="/dashboard?scope=mine&amp;filter=all&amp;q=">Go to the first page' in past.text
    assert "Open flags of patients" not in past.text and "No patients match" not in past.text
    assert client.get("/dashboard?page=0", headers=HTML).status_code in (400, 422)


def test_pages_ranked_from_the_flagged_alone_match_the_whole_ranking(db: Session) -> None:
    """While the flagged patients alone fill a page, only they are ranked for it: every page,
    across the point where the flagged run out, is the same slice of the ranking of
    the whole clinic, with the same next-page answer."""
    clinic = make_clinic(db)
    therapist = make_staff(db, clinic)
    today = local_today("Europe/London")
    for n in range(23):
        patient = make_patient(db, therapist, valid_from=today - timedelta(days=n % 9))
        patient.display_name = f"Person {n % 5}"  # ties, broken by id
        db.add(patient)
        if n % 2:  # 11 flagged, of three urgencies
            add_flag(db, patient, ("red_flag", "silent", "pain_trend")[n % 3], 1 + n % 2)
    db.commit()
    table = ranked(db, base_filter(therapist, "mine", ""))
    k = table.c
    whole = [
        row.id
        for row in db.connection().execute(
            sa_select(table).order_by(
                k.urgency.desc(),
                func.coalesce(k.silent_days, 0).desc(),
                func.coalesce(k.adherence_7, 2.0),
                func.lower(k.display_name),
                k.id,
            )
        )
    ]
    for size in (4, 11):  # 11: the flagged fill the first page exactly, and more follow
        seen: list[int] = []
        for page in range(1, 24 // size + 2):
            figures, has_next, by_filter = page_of(db, table, "all", page, size=size)
            assert by_filter["flagged"] == 11 and by_filter["all"] == 23
            assert [f.patient_id for f in figures] == whole[(page - 1) * size : page * size]
            assert has_next == (page * size < 23)
            seen += [f.patient_id for f in figures]
        assert seen == whole


def test_silent_filter_counts_the_days_as_silent_days_does(db: Session) -> None:
    """The silent filter compares days; it agrees with the silent days shown at the boundary."""
    silent_filter_matches_silent_days(db, make_staff(db, make_clinic(db)))


def test_search_sets_accents_and_case_aside_and_takes_wildcards_literally(
    client: TestClient, db: Session
) -> None:
    """ "maria" and "LÓPEZ" find María López on the dashboard and the patient list, "oneill"
    finds O’Neill; "%" and "_" are characters of a name, not patterns."""
    clinic = make_clinic(db)
    therapist = make_staff(db, clinic)
    names = ("María López", "Mario Rossi", "Ana 100%", "Bea_Ruiz", "Grace O\u2019Neill")
    for name in names:
        make_patient(db, therapist).display_name = name
    db.commit()
    sign_in(client, therapist)

    def found(path: str, q: str) -> set[str]:
        page = client.get(path, params={"q": q}, headers=HTML).text
        return {n for n in names if n in page}

    for path in ("/dashboard", "/patients"):
        assert found(path, "maria") == {"María López"}, path
        assert found(path, "LÓPEZ") == {"María López"}, path
        assert found(path, "mar") == {"María López", "Mario Rossi"}, path
        assert found(path, "%") == {"Ana 100%"}, path
        assert found(path, "a_r") == {"Bea_Ruiz"}, path
        # Apostrophes are set aside too, straight or curly, in the name and in the search.
        assert found(path, "oneill") == found(path, "O'Neill") == {"Grace O\u2019Neill"}, path


def test_a_search_of_ones_own_patients_says_when_the_clinic_has_a_match(
    client: TestClient, db: Session
) -> None:
    """None of mine is called Maria, a colleague's is: the empty list offers the clinic's."""
    clinic = make_clinic(db)
    me, colleague = make_staff(db, clinic), make_staff(db, clinic)
    make_patient(db, me).display_name = "Omar Own"
    make_patient(db, colleague).display_name = "María Other"
    db.commit()
    sign_in(client, me)
    page = client.get("/dashboard", params={"scope": "mine", "q": "maria"}, headers=HTML).text
    assert "No patients match." in page
    assert "1 patient of the whole clinic matches “maria”: show them" in page
    assert 'href="/dashboard?scope=clinic&amp;filter=all&amp;q=maria"' in page
    mine = client.get("/dashboard", params={"scope": "mine", "q": "omar"}, headers=HTML).text
    assert "of the whole clinic match" not in mine

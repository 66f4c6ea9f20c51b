"""Importing patients from CSV: the dry run by row and column, no duplicates, invite links."""

import re
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlmodel import Session, col, select

from app.cli import run_migrations
from app.db import make_engine
from app.models import AccessToken, Clinic, Patient, StaffUser
from app.patients.importing import (
    MAX_ROWS,
    ImportFileError,
    check_file,
    import_rows,
    template_csv,
)
from tests.factories import csrf, make_clinic, make_staff
from tests.staff.support import HTML, client_from, fake_mail, sign_in
from tests.support.postgres import PostgresServer

HEADER = "name,email,phone,condition,nerve,language,time_zone,therapist_email\n"


def _upload(client: TestClient, text: str | bytes, **fields: str) -> object:
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        "/patients/import",
        data={"csrf_token": csrf(client), "action": "check", **fields},
        files={"file": ("patients.csv", data, "text/csv")},
        headers=HTML,
    )


def _confirm(client: TestClient, page: str, **fields: str) -> object:
    kept = re.search(r'name="kept" value="([^"]+)"', page)
    assert kept, "the dry run keeps the file for the confirmation"
    return client.post(
        "/patients/import",
        data={"csrf_token": csrf(client), "kept": kept.group(1), "action": "import", **fields},
        files={"unused": ("", b"", "application/octet-stream")},
        headers=HTML,
    )


def _clinic_patients(db: Session, staff: StaffUser) -> list[Patient]:
    db.expire_all()
    return list(db.exec(select(Patient).where(Patient.clinic_id == staff.clinic_id)).all())


def test_a_dry_run_shows_problems_by_row_and_column_and_stores_nothing(db: Session) -> None:
    """Every bad cell is named; nothing is added until the user confirms."""
    me = make_staff(db, make_clinic(db))
    db.commit()
    text = HEADER + (
        "Ana García,ana@example.org,,Carpal tunnel,median,es,Europe/Madrid,\n"
        "No Contact,,,,,,,\n"
        "Bad Zone,bz@example.org,,,,en,Mars/Olympus,\n"
        "Bad Nerve,bn@example.org,12,,spleen,fr,,nobody@example.org\n"
        "Twice,ANA@example.org,,,,,,\n"
    )
    with client_from() as client:
        sign_in(client, me)
        page = _upload(client, text)
        assert page.status_code == 200
        html = page.text
        assert (
            "<strong>1</strong> ready to add" in html and "<strong>4</strong> with problems" in html
        )
        problems = re.findall(
            r"<tr>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>[^<]*</td>\s*<td[^>]*><code>(\w+)</code></td>",
            html,
        )
        assert set(problems) >= {
            ("3", "email"),
            ("4", "time_zone"),
            ("5", "phone"),
            ("5", "nerve"),
            ("5", "language"),
            ("5", "therapist_email"),
            ("6", "email"),
        }
        assert "same email as row 2" in html
        assert _clinic_patients(db, me) == []
        # Confirming without choosing to skip the bad rows stores nothing either.
        refused = _confirm(client, html)
        assert refused.status_code == 422 and _clinic_patients(db, me) == []
        done = _confirm(client, html, only_valid="yes")
        assert done.status_code == 200 and "1 patient added" in done.text
    [ana] = _clinic_patients(db, me)
    assert (ana.display_name, ana.email, ana.language, ana.timezone, ana.nerve) == (
        "Ana García",
        "ana@example.org",
        "es",
        "Europe/Madrid",
        "median",
    )
    assert ana.therapist_id == me.id


def test_importing_the_same_file_twice_adds_nobody_twice(db: Session) -> None:
    """Rows match the clinic's patients by email (any case) or phone."""
    clinic = make_clinic(db)
    me = make_staff(db, clinic)
    colleague = make_staff(db, clinic)
    db.commit()
    text = HEADER + (
        f"Ana,ana@example.org,,,,,,{colleague.email.upper()}\n"
        "Tom,,+44 (7700) 900-123,Sciatica,sciatic,en,Europe/London,\n"
    )
    with client_from() as client:
        sign_in(client, me)
        first = _confirm(client, _upload(client, text).text)
        assert "2 patients added" in first.text
        again = _upload(
            client, text.replace("ana@", "ANA@").replace("(7700) 900-123", "7700900123")
        )
        assert "<strong>0</strong> ready to add" in again.text
        assert "<strong>2</strong> already in your clinic" in again.text
        assert "nobody new" in again.text
    found = {p.display_name: p for p in _clinic_patients(db, me)}
    assert len(found) == 2
    assert found["Tom"].phone == "+447700900123" and found["Ana"].therapist_id == colleague.id


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("name,email\nAna,ana@example.org\n".encode("utf-16"), "not UTF-8"),
        (b"nombre;correo\nAna;ana@example.org\n", "columns are not the ones expected"),
        (b"", "empty"),
        (HEADER.encode(), "no patients"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
        ((HEADER + "P,p@example.org,,,,,,\n" * (MAX_ROWS + 1)).encode(), "more than"),
    ],
)
def test_an_unreadable_file_gets_a_clear_message(db: Session, data: bytes, words: str) -> None:
    """Wrong encoding, columns or size: a message in the page, never a 500."""
    me = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        sign_in(client, me)
        page = _upload(client, data)
        assert page.status_code == 422 and words in page.text
    with pytest.raises(ImportFileError):
        check_file(db, me, data)


def test_text_direction_controls_are_taken_out_of_names(db: Session) -> None:
    """A name with a right-to-left override in the file is stored as it reads, as when typed in
    the patient form."""
    me = make_staff(db, make_clinic(db))
    db.commit()
    text = HEADER + "\u202eSmith Jane\u2066,rlo@example.org,,,,,,\n"
    with client_from() as client:
        sign_in(client, me)
        added = _confirm(client, _upload(client, text).text)
        assert "1 patient added" in added.text and "\u202e" not in added.text
    assert [p.display_name for p in _clinic_patients(db, me)] == ["Smith Jane"]


def test_the_template_downloads_and_checks_clean(db: Session) -> None:
    """The example file is accepted as it is."""
    me = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        sign_in(client, me)
        response = client.get("/patients/import/template.csv")
        assert (
            response.status_code == 200 and "attachment" in response.headers["content-disposition"]
        )
        assert response.content.decode("utf-8-sig") == template_csv()
    plan = check_file(db, me, response.content)
    assert len(plan.ready) == 2 and not plan.invalid


def test_invite_links_are_printed_and_emailed(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """One fresh link per imported patient on a printable sheet; those with an email get it."""
    sent = fake_mail(monkeypatch)
    me = make_staff(db, make_clinic(db))
    db.commit()
    text = HEADER + "Ana,ana@example.org,,,,,,\nTom,,+447700900123,,,,,\n"
    with client_from() as client:
        sign_in(client, me)
        done = _confirm(client, _upload(client, text).text)
        ids = re.findall(r'name="patient_id" value="(\d+)"', done.text)
        assert len(ids) == 2
        sheet = client.post(
            "/patients/import/invites",
            data={"csrf_token": csrf(client), "patient_id": ids, "how": "email"},
            headers=HTML,
        )
        assert sheet.status_code == 200 and sheet.headers["cache-control"] == "no-store"
        links = re.findall(r"http://testserver/i/[\w-]+", sheet.text)
        assert len(set(links)) == 2 and sheet.text.count("<svg") == 2
        assert "Emailed to ana@example.org" in sheet.text
        # A slip read days later says whose clinic it is from and until when it works.
        clinic = db.get(Clinic, me.clinic_id)
        assert clinic is not None
        assert sheet.text.count(f"From {escape(clinic.name)}. The link works until ") == 2
    assert [m["To"] for m in sent] == ["ana@example.org"]
    tokens = db.exec(
        select(AccessToken).where(col(AccessToken.patient_id).in_([int(i) for i in ids]))
    ).all()
    assert len(tokens) == 2


def test_invite_links_refuse_another_clinics_patient(db: Session) -> None:
    """A patient id of another clinic in the form is a 404 and makes no link for anyone."""
    me = make_staff(db, make_clinic(db))
    other = make_staff(db, make_clinic(db))
    theirs = Patient(clinic_id=other.clinic_id, therapist_id=other.id or 0, display_name="Theirs")
    db.add(theirs)
    db.commit()
    with client_from() as client:
        sign_in(client, me)
        answer = client.post(
            "/patients/import/invites",
            data={"csrf_token": csrf(client), "patient_id": [str(theirs.id)], "how": "print"},
            headers=HTML,
        )
        assert answer.status_code == 404
    assert db.exec(select(AccessToken).where(AccessToken.patient_id == theirs.id)).all() == []


def test_a_file_too_large_for_the_form_is_refused_plainly(db: Session) -> None:
    """Past the body limit the server answers 413 with words, not a 500."""
    me = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        sign_in(client, me)
        page = _upload(client, HEADER + "x" * (2 * 1024 * 1024))
        assert page.status_code == 413 and "more than 1 MB" in page.text


@pytest.mark.postgres
def test_import_and_reimport_on_postgresql(postgres: PostgresServer) -> None:
    """The same file twice on PostgreSQL: matched by email in any case and by phone."""
    url = postgres.create_database(f"import_{uuid.uuid4().hex[:8]}")
    run_migrations(url)
    engine = make_engine(url)
    text = HEADER + "Ana,Ana@Example.org,,,,,,\nTom,,+44 7700 900123,,,,,\n"
    try:
        with Session(engine, expire_on_commit=False) as db:
            me = make_staff(db, make_clinic(db))
            plan = check_file(db, me, text.encode())
            assert len(import_rows(db, me, plan.rows)) == 2
            db.commit()
        with Session(engine) as db:
            again = check_file(db, me, text.lower().encode())
            assert len(again.existing) == 2 and again.ready == []
            assert import_rows(db, me, again.rows) == []
            count = db.exec(select(Patient).where(Patient.clinic_id == me.clinic_id)).all()
            assert len(count) == 2
    finally:
        engine.dispose()


def test_the_command_line_import_checks_first_and_adds_once(db: Session, tmp_path: Path) -> None:
    """neuroglide import-patients: problems listed, nothing without --only-valid, no repeats."""
    from typer.testing import CliRunner

    from app.cli import cli

    me = make_staff(db, make_clinic(db))
    db.commit()
    path = tmp_path / "patients.csv"
    path.write_text(HEADER + "Ana,ana.cli@example.org,,,,,,\nNo Contact,,,,,,,\n", encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(cli, ["import-patients", str(path), "--as", me.email])
    assert refused.exit_code == 1 and "Give an email address or a phone" in refused.output
    assert _clinic_patients(db, me) == []
    done = runner.invoke(cli, ["import-patients", str(path), "--as", me.email, "--only-valid"])
    assert done.exit_code == 0, done.output
    assert "1 patient added" in done.output and "Importing patients" in done.output
    again = runner.invoke(cli, ["import-patients", str(path), "--as", me.email, "--only-valid"])
    assert "1 already in the clinic" in again.output
    assert [p.display_name for p in _clinic_patients(db, me)] == ["Ana"]


def test_a_phone_typed_on_the_patient_form_is_matched_by_an_import(db: Session) -> None:
    """The form checks and tidies the phone; a file row with that number is already here."""
    me = make_staff(db, make_clinic(db))
    db.commit()
    form = {
        "display_name": "Lee",
        "language": "en",
        "timezone": "Europe/London",
        "irritability": "moderate",
        "symptom_limit": "3",
        "therapist_id": str(me.id),
    }
    with client_from() as client:
        sign_in(client, me)
        bad = client.post(
            "/patients/new",
            data={**form, "phone": "call me", "csrf_token": csrf(client)},
            headers=HTML,
        )
        assert bad.status_code == 422 and "6 to 15 digits" in bad.text
        good = client.post(
            "/patients/new",
            data={**form, "phone": "+44 (0) 7700-900 999", "csrf_token": csrf(client)},
            headers=HTML,
        )
        assert good.status_code == 303
        page = _upload(client, HEADER + "Lee,,+44 0 7700 900999,,,,,\n")
        assert "<strong>1</strong> already in your clinic" in page.text
    [lee] = _clinic_patients(db, me)
    assert lee.phone == "+4407700900999"


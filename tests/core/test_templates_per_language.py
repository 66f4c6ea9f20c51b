"""Templates compiled once per language say exactly what the shared ones say with gettext."""

import re

import pytest
from fastapi.testclient import TestClient
from markupsafe import Markup
from sqlmodel import Session

import app.core.templating as templating
from app.models import Patient
from tests.factories import make_clinic, make_patient, make_staff, sign_in_patient
from tests.staff.support import sign_in

SOURCE = (
    '{{ _("Today") }}|{{ _("100%% of it") }}|{{ _("Hello %(name)s", name=who) }}'
    '|{% set label = _("Done") %}{{ label }}|{{ gettext("Settings") }}'
)


def _shared(language: str, who: str) -> str:
    """The source rendered by the shared environment, which translates as it renders."""
    gettext, _ngettext = templating._gettexts(language)
    template = templating.templates.env.from_string(SOURCE)
    return template.render(_=gettext, gettext=gettext, who=who)


@pytest.mark.parametrize("language", ["en", "es"])
def test_constant_messages_are_translated_when_compiled(language: str) -> None:
    """A language's template needs no gettext at render for a constant message (none is given
    here), escapes a message's variables, and turns "%%" into "%" as gettext does."""
    env = templating.for_language(language).env
    compiled = env.from_string(SOURCE).render(who="<b>Ana</b>")
    assert compiled == _shared(language, "<b>Ana</b>")
    assert "&lt;b&gt;Ana&lt;/b&gt;" in compiled
    assert "100% of it" in compiled
    if language == "es":
        assert compiled.startswith("Hoy|")


def test_a_message_built_at_render_is_still_translated_at_render() -> None:
    """A message whose text is not a constant stays a call, answered by the page's gettext."""
    env = templating.for_language("es").env
    gettext, _ngettext = templating._gettexts("es")
    page = env.from_string("{{ _(word) }}").render(_=gettext, word="Today")
    assert page == Markup("Hoy")


def _patient_pages(db: Session, client: TestClient, language: str) -> list[str]:
    patient = make_patient(db, make_staff(db, make_clinic(db)), language=language)
    sign_in_patient(client, db, patient)
    assert patient.id is not None
    item = client.get("/today").text.split('href="/exercise/', 1)[1].split('"', 1)[0]
    return ["/today", "/progress", "/settings", f"/exercise/{item}", "/morning"]


def _therapist_pages(db: Session, client: TestClient) -> list[str]:
    therapist = make_staff(db, make_clinic(db))
    patient: Patient = make_patient(db, therapist)
    sign_in(client, therapist)
    return ["/dashboard", f"/patients/{patient.id}", "/library"]


# What differs between two renders of one page whatever the templates: a new form's UUID, the
# numbering of a page's charts and the CSRF token, masked afresh for each response.
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_PER_RENDER = re.compile(_UUID + r"|chart-[td]\d+|\b[0-9a-f]{128}\b")


def _bodies(client: TestClient, paths: list[str]) -> dict[str, str]:
    pages = {}
    for path in paths:
        reply = client.get(path)
        assert reply.status_code == 200, path
        pages[path] = _PER_RENDER.sub("*", reply.text)
    return pages


@pytest.mark.parametrize("language", ["en", "es"])
def test_patient_pages_match_the_shared_templates(
    client: TestClient, db: Session, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each patient page, in each language, is the page the shared templates make."""
    paths = _patient_pages(db, client, language)
    compiled = _bodies(client, paths)
    monkeypatch.setattr(templating, "for_language", lambda _language: templating.templates)
    assert _bodies(client, paths) == compiled


def test_therapist_pages_match_the_shared_templates(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard, a patient's review and the library are the pages the shared templates make."""
    paths = _therapist_pages(db, client)
    compiled = _bodies(client, paths)
    monkeypatch.setattr(templating, "for_language", lambda _language: templating.templates)
    assert _bodies(client, paths) == compiled

"""The Spanish catalogue covers every patient-facing string, with the same placeholders."""

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.core.i18n import I18N_DIR, translations

ROOT = Path(__file__).resolve().parents[2]
BABEL_CFG = ROOT / "babel.cfg"
SPANISH_PO = I18N_DIR / "es" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _singular(message_id: str | tuple[str, ...]) -> str:
    """The catalogue key of a message: its msgid, or the singular of a plural."""
    return message_id if isinstance(message_id, str) else message_id[0]


def _forms(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    """A msgid or msgstr as a tuple of its forms (one, or one per plural)."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@pytest.fixture(scope="module")
def spanish() -> Catalog:
    """The Spanish catalogue as stored in the repository."""
    with SPANISH_PO.open("rb") as handle:
        return read_po(handle, locale="es")


@pytest.fixture(scope="module")
def extracted() -> dict[str, tuple[str, int]]:
    """Every msgid Babel finds in the app today, with where it was first seen."""
    with BABEL_CFG.open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, filename=str(BABEL_CFG))
    found: dict[str, tuple[str, int]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, options_map=options_map, keywords=KEYWORDS
    ):
        found.setdefault(_singular(message), (filename, lineno))
    return found


def test_extraction_sees_python_and_templates(extracted: dict[str, tuple[str, int]]) -> None:
    """The extraction really reads both Python code (N_) and Jinja templates."""
    files = {filename for filename, _ in extracted.values()}
    assert any(name.endswith(".py") for name in files)
    assert any(name.endswith(".html") for name in files)
    assert "Today" in extracted


def test_every_extracted_string_has_a_spanish_translation(
    extracted: dict[str, tuple[str, int]], spanish: Catalog
) -> None:
    """Each msgid in the code has a non-empty, non-fuzzy Spanish translation."""
    missing: list[str] = []
    for msgid, (filename, lineno) in sorted(extracted.items()):
        message: Message | None = spanish.get(msgid)
        forms = _forms(message.string) if message is not None else ()
        if message is None or message.fuzzy or not forms or not all(forms):
            missing.append(f"{filename}:{lineno}: {msgid!r}")
    assert not missing, (
        f"{len(missing)} string(s) need Spanish in {SPANISH_PO.relative_to(ROOT)} "
        "(run pybabel extract and update, then translate):\n" + "\n".join(missing)
    )


def test_no_fuzzy_entries_remain(spanish: Catalog) -> None:
    """No entry in the Spanish catalogue is still marked fuzzy."""
    fuzzy = [_singular(message.id) for message in spanish if message.id and message.fuzzy]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"


def test_placeholders_match(spanish: Catalog) -> None:
    """Every translation uses exactly the %(name)s placeholders of its msgid."""
    mismatched: list[str] = []
    for message in spanish:
        if not message.id:
            continue
        expected = {name for form in _forms(message.id) for name in PLACEHOLDER.findall(form)}
        for form in _forms(message.string):
            found = set(PLACEHOLDER.findall(form))
            if form and found != expected:
                msgid = _singular(message.id)
                mismatched.append(f"{msgid!r}: {sorted(found)} != {sorted(expected)}")
    assert not mismatched, "placeholder mismatch:\n" + "\n".join(mismatched)


def test_runtime_catalogue_translates_today() -> None:
    """The catalogue the app compiles at start translates "Today" to "Hoy"."""
    assert translations("es").gettext("Today") == "Hoy"


def test_days_are_written_as_each_language_writes_them() -> None:
    """Spanish joins the weekday with a comma and the month with "de"; English as in the UK;
    a page's own pattern (a chart's short labels) is kept."""
    from datetime import date

    from app.core.templating import format_day

    day = date(2026, 11, 30)
    assert format_day(day, "es") == "lunes, 30 de noviembre"
    assert format_day(day, "en") == "Monday 30 November"
    assert format_day(day, "es", "d MMM") == "30 nov"

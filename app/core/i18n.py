"""Languages: Babel catalogues compiled in memory at start, chosen per request."""

import gettext
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
I18N_DIR = Path(__file__).resolve().parent.parent / "i18n"


@lru_cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue for a language (English is the source language)."""
    po_path = I18N_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def normalize_language(value: str | None, default: str = "en") -> str:
    """A supported language code from a setting or an Accept-Language header."""
    if value:
        for part in value.split(","):
            code = part.split(";")[0].strip().lower()[:2]
            if code in LANGUAGES:
                return code
    return default


def gettext_for(language: str, message: str) -> str:
    """Translate one message outside templates (flags, emails, push texts)."""
    return translations(language).gettext(message)


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where shown."""
    return message

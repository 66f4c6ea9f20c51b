"""Every script and stylesheet a patient page loads is stored ahead for offline use."""

import re

from app.core.static import STATIC_DIR
from app.pwa.service import PRECACHE

TEMPLATES = STATIC_DIR.parent / "templates"
# The templates a patient's pages are built from (the staff pages are not offline).
PATIENT = ["base.html", "patient", "messages", "library/_figure.html"]


def _loaded() -> set[str]:
    found: set[str] = set()
    for name in PATIENT:
        path = TEMPLATES / name
        files = [path] if path.is_file() else sorted(path.rglob("*.html"))
        for file in files:
            text = file.read_text(encoding="utf-8")
            found |= set(re.findall(r"static_url\('([^']+\.(?:js|css))'\)", text))
    return found


def test_every_patient_script_is_cached_ahead() -> None:
    """A script missing from the service worker's list would leave a page dead offline."""
    loaded = _loaded()
    assert "js/player.js" in loaded and "css/app.css" in loaded
    assert loaded <= set(PRECACHE), loaded - set(PRECACHE)


def test_every_cached_file_exists() -> None:
    """The worker's install fails as a whole if one stored-ahead file is missing."""
    assert all((STATIC_DIR / path).is_file() for path in PRECACHE)

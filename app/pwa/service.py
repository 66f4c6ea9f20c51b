"""The app's version (from its static files) and what the service worker caches ahead."""

import hashlib
from functools import lru_cache

from app.core.static import STATIC_DIR, static_url

# Everything the patient pages need to run with no connection.
PRECACHE = (
    "css/app.css",
    "vendor/htmx-2.0.11.min.js",
    "js/app.js",
    "js/player.js",
    "js/figure.js",
    "js/outbox.js",
    "js/offline.js",
    "js/messages.js",
    "js/logsheet.js",
    "js/checkin.js",
    "icons/icon.svg",
    "icons/icon-192.png",
)
# Pages fetched ahead on install so the app opens offline right after it is installed.
PAGES = (
    "/today",
    "/progress",
    "/settings",
    "/morning",
    "/checkin",
    "/check",
    "/emergency",
    "/offline",
)


@lru_cache
def app_version() -> str:
    """A hash of every static file and template: changes whenever anything shipped changes."""
    digest = hashlib.sha256()
    roots = (STATIC_DIR, STATIC_DIR.parent / "templates")
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(path.relative_to(root.parent).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def precache_urls() -> list[str]:
    """The versioned static URLs the service worker stores on install."""
    return [static_url(path) for path in PRECACHE]


def manifest() -> dict[str, object]:
    """The web app manifest: installable, standalone, starting at Today."""
    icon = "/static/icons/"
    return {
        "name": "Neuroglide",
        "short_name": "Neuroglide",
        "description": "Your nerve exercises, guided, with a quick log for your therapist.",
        "id": "/today",
        "start_url": "/today",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f6f8f7",
        "theme_color": "#0f5e66",
        "categories": ["health", "medical", "fitness"],
        "icons": [
            {
                "src": icon + "icon-192.png",
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": icon + "icon-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": icon + "maskable-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": icon + "icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        ],
        "shortcuts": [
            {
                "name": "Today",
                "url": "/today",
                "icons": [{"src": icon + "icon-192.png", "sizes": "192x192"}],
            },
            {
                "name": "My progress",
                "url": "/progress",
                "icons": [{"src": icon + "icon-192.png", "sizes": "192x192"}],
            },
            {
                "name": "Something feels wrong?",
                "url": "/check",
                "icons": [{"src": icon + "icon-192.png", "sizes": "192x192"}],
            },
        ],
    }

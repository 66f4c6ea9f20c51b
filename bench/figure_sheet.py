"""Contact sheet: every built-in exercise's start and end poses, light and dark, in one PNG.

Run: .venv/bin/python -m bench.figure_sheet (writes tests/artifacts/figures.png)
"""

import re
import sys
from pathlib import Path

from app.library.figures import load_figures, svg

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "artifacts" / "figures.png"
CSS = (ROOT / "app" / "static" / "css" / "app.css").read_text(encoding="utf-8")
# The app's dark colours, applied to one column so both schemes sit side by side.
DARK = re.search(r"prefers-color-scheme: dark\)\s*\{\s*:root\s*\{([^}]*)\}", CSS)


def _row(slug: str, figure: dict) -> str:
    """One exercise: its name and kind, then every keyframe from start to end."""
    frames = "".join(f"<td>{svg(figure, frame=i)}</td>" for i in range(len(figure["keyframes"])))
    return f"<tr><th>{slug}<br><small>{figure['kind']}</small></th>{frames}</tr>"


def sheet_html() -> str:
    """Two tables, light and dark, with a row per exercise."""
    rows = "".join(_row(slug, figure) for slug, figure in load_figures().items())
    dark = DARK.group(1) if DARK else ""
    return (
        f"<!doctype html><html><head><style>{CSS}"
        f" .dark {{ {dark} background: var(--bg); color: var(--text); }}"
        " .light { background: var(--bg); }"
        " td { width: 150px; } th { text-align: left; font-size: 11px; width: 120px; }"
        " table { border-collapse: collapse; } td, th { border: 1px solid var(--line); }"
        " body { display: flex; gap: 8px; margin: 0; }"
        f'</style></head><body><table class="light">{rows}</table>'
        f'<table class="dark">{rows}</table></body></html>'
    )


def main() -> None:
    """Write the contact sheet."""
    from playwright.sync_api import sync_playwright

    OUT.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(color_scheme="light", viewport={"width": 1600, "height": 800})
        page.set_content(sheet_html())
        page.screenshot(path=str(OUT), full_page=True)
        browser.close()
    print(OUT)


if __name__ == "__main__":
    sys.exit(main())

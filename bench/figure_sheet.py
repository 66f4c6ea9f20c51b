"""Contact sheets: every built-in exercise's poses beside its written start and steps.

Run: .venv/bin/python -m bench.figure_sheet
Writes tests/artifacts/figures.png (light) and tests/artifacts/figures-dark.png (dark), drawn
with the app's own stylesheet at a phone's pixel density, so each figure appears the size it
has on a Pixel 7. Add --pages to also write one image per six exercises, easier to read.
"""

import sys
from html import escape
from pathlib import Path
from typing import Any, Literal

from app.library.figures import load_figures, svg
from app.library.service import load_library_file

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "artifacts"
CSS = (ROOT / "app" / "static" / "css" / "app.css").read_text(encoding="utf-8")
PER_PAGE = 6


def _row(slug: str, figure: dict[str, Any], text: dict[str, Any], columns: int) -> str:
    """One exercise: name and kind, every keyframe from start to end, then its words."""
    frames = "".join(
        f"<td>{svg(figure, frame=i)}<small>{'start' if i == 0 else f'pose {i + 1}'}</small></td>"
        for i in range(len(figure["keyframes"]))
    )
    frames += "<td></td>" * (columns - len(figure["keyframes"]))
    steps = "".join(f"<li>{escape(step)}</li>" for step in text.get("steps", []))
    words = (
        f"<b>Start:</b> {escape(text.get('start_position', ''))}<ol>{steps}</ol>" if text else ""
    )
    return (
        f"<tr><th>{slug}<br><small>{figure['kind']} · {figure['view']} view</small></th>"
        f'{frames}<td class="words">{words}</td></tr>'
    )


def sheet_html(slugs: list[str] | None = None) -> str:
    """A table with a row per exercise, in the app's colours for the emulated scheme."""
    figures = load_figures()
    texts = {e["slug"]: e["texts"]["en"] for e in load_library_file()}
    columns = max(len(figure["keyframes"]) for figure in figures.values())
    rows = "".join(
        _row(slug, figures[slug], texts.get(slug, {}), columns) for slug in (slugs or list(figures))
    )
    return (
        f"<!doctype html><html><head><meta name='color-scheme' content='light dark'><style>{CSS}"
        " td { width: 150px; vertical-align: top; text-align: center; }"
        " td small { color: var(--muted); font-size: 10px; }"
        " th { text-align: left; font-size: 12px; width: 130px; vertical-align: top; }"
        " td.words { width: 430px; text-align: left; font-size: 11px; line-height: 1.3; }"
        " td.words ol { margin: 2px 0 0; padding-left: 16px; }"
        " table { border-collapse: collapse; }"
        " td, th { border: 1px solid var(--line); padding: 3px; }"
        " body { margin: 0; padding: 4px; }"
        f"</style></head><body><table>{rows}</table></body></html>"
    )


def main() -> None:
    """Write the light and dark contact sheets (and, with --pages, one image per few rows)."""
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    slugs = list(load_figures())
    pages = "--pages" in sys.argv
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        schemes: tuple[tuple[Literal["light", "dark"], str], ...] = (
            ("light", "figures"),
            ("dark", "figures-dark"),
        )
        for scheme, name in schemes:
            page = browser.new_page(
                color_scheme=scheme, viewport={"width": 1080, "height": 800}, device_scale_factor=1
            )
            page.set_content(sheet_html())
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
            print(OUT / f"{name}.png")
            if pages:
                for start in range(0, len(slugs), PER_PAGE):
                    page.set_content(sheet_html(slugs[start : start + PER_PAGE]))
                    path = OUT / f"{name}-{start // PER_PAGE + 1}.png"
                    page.screenshot(path=str(path), full_page=True)
                    print(path)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()

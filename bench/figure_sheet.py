"""Contact sheet: every built-in exercise's start and end poses, light and dark, as one PNG."""

import sys
from pathlib import Path

from app.library.figures import load_figures, svg

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "artifacts"
CSS = (ROOT / "app" / "static" / "css" / "app.css").read_text(encoding="utf-8")


def sheet_html(scheme: str) -> str:
    """One page with a row per exercise: slug, kind, start pose, end pose."""
    rows = []
    for slug, figure in load_figures().items():
        last = len(figure["keyframes"]) - 1
        middle = "".join(f"<td>{svg(figure, frame=i)}</td>" for i in range(1, last)) or "<td></td>"
        rows.append(
            f"<tr><th>{slug}<br><small>{figure['kind']}</small></th>"
            f"<td>{svg(figure, frame=0)}</td>{middle}<td>{svg(figure, frame=last)}</td></tr>"
        )
    return (
        f'<!doctype html><html><head><meta name="color-scheme" content="{scheme}">'
        f"<style>{CSS} td{{width:190px}} th{{text-align:left;font-size:12px;width:150px}}"
        "table{border-collapse:collapse} td,th{border:1px solid var(--line);padding:2px}"
        f"</style></head><body><table>{''.join(rows)}</table></body></html>"
    )


def main() -> None:
    """Write tests/artifacts/figures-light.png and figures-dark.png."""
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        for scheme in ("light", "dark"):
            page = browser.new_page(color_scheme=scheme, viewport={"width": 980, "height": 800})
            page.set_content(sheet_html(scheme))
            path = OUT / f"figures-{scheme}.png"
            page.screenshot(path=str(path), full_page=True)
            print(path)
        browser.close()


if __name__ == "__main__":
    sys.exit(main())

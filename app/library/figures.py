"""Moving figures of the built-in exercises: joint-angle keyframes to an SVG pictogram."""

# Angles are absolute, in degrees: 0 points down, 90 forward (the way the figure faces, or in
# a front view out toward the working arm), 180 up. Each segment is drawn in its parent's
# frame, so a group rotates by the difference between its angle and its parent's, and SMIL
# <animateTransform> moves it: SMIL needs no script or inline style under the app's CSP, runs
# without JavaScript, and the guided player can seek and pause it (setCurrentTime). CSS
# keyframes would need a generated stylesheet per exercise and tempo, and could not be seeked.

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

FIGURES_FILE = Path(__file__).resolve().parent / "figures.json"
KINDS = ("slider", "two_ended_tensioner", "one_ended_tensioner")
VIEWS = ("side", "front")
WIDTH, HEIGHT = 240, 180
EASE = ".42 0 .58 1"


@dataclass(frozen=True)
class Segment:
    """One body part: its parent, where it hangs on the parent, length and thickness."""

    name: str
    parent: str | None
    attach: tuple[float, float]
    length: float
    width: float
    behind: bool = False


def _skeleton(view: str) -> list[Segment]:
    """The body model of a view, parents before children."""
    front = view == "front"
    near, far = (16.0, -16.0) if front else (0.0, 0.0)
    hip = 8.0 if front else 0.0
    parts = [Segment("trunk", None, (0, 0), 58, 15), Segment("neck", "trunk", (0, 58), 9, 6)]
    for side, dx, hx, behind in (("l", near, -hip, not front), ("r", far, hip, False)):
        parts += [
            Segment(f"{side}_upper", "trunk", (dx, 53), 29, 8, behind),
            Segment(f"{side}_fore", f"{side}_upper", (0, 29), 26, 7, behind),
            Segment(f"{side}_hand", f"{side}_fore", (0, 26), 8, 7, behind),
            Segment(f"{side}_fingers", f"{side}_hand", (0, 8), 8, 5, behind),
            Segment(f"{side}_thigh", None, (hx, 0), 42, 11, behind),
            Segment(f"{side}_shin", f"{side}_thigh", (0, 42), 40, 9, behind),
            Segment(f"{side}_foot", f"{side}_shin", (0, 40), 14, 6, behind),
        ]
    return parts


SEGMENTS = {view: _skeleton(view) for view in VIEWS}
NAMES = frozenset(s.name for s in SEGMENTS["side"])
STANDING = {
    "trunk": 180, "neck": 180,
    "l_upper": 0, "l_fore": 0, "l_hand": 0, "l_fingers": 0,
    "r_upper": 0, "r_fore": 0, "r_hand": 0, "r_fingers": 0,
    "l_thigh": 0, "l_shin": 0, "l_foot": 90, "r_thigh": 0, "r_shin": 0, "r_foot": 90,
}  # fmt: skip


@lru_cache
def load_figures(path: Path = FIGURES_FILE) -> dict[str, dict[str, Any]]:
    """Every built-in exercise's figure, keyed by slug."""
    data: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def poses(figure: dict[str, Any]) -> list[dict[str, float]]:
    """The full pose of every keyframe: standing, then each keyframe's changes in turn."""
    pose: dict[str, float] = dict(STANDING)
    pose.update(figure.get("base", {}))
    out = []
    for frame in figure["keyframes"]:
        pose = {**pose, **frame["angles"]}
        out.append(pose)
    return out


def lengths(figure: dict[str, Any]) -> list[dict[str, float]]:
    """Each keyframe's foreshortening: a segment pointing at the viewer is drawn shorter."""
    scale: dict[str, float] = {}
    out = []
    for frame in figure["keyframes"]:
        scale = {**scale, **frame.get("len", {})}
        out.append(scale)
    return out


def _box(figure: dict[str, Any]) -> list[float]:
    return list(figure.get("zoom", [0, 0, WIDTH, HEIGHT]))


def _mirror(figure: dict[str, Any], mirrored: bool) -> str:
    x, _y, w, _h = _box(figure)
    return f' transform="translate({2 * x + w:g} 0) scale(-1 1)"' if mirrored else ""


def _props(figure: dict[str, Any]) -> str:
    parts = []
    for prop in figure.get("props", []):
        if prop["type"] == "rect":
            parts.append(
                f'<rect x="{prop["x"]}" y="{prop["y"]}" width="{prop["w"]}" height="{prop["h"]}"'
                f' rx="{prop.get("r", 3)}"/>'
            )
        else:
            parts.append(
                f'<line x1="{prop["x1"]}" y1="{prop["y1"]}" x2="{prop["x2"]}" y2="{prop["y2"]}"/>'
            )
    return f'<g class="fg-prop">{"".join(parts)}</g>' if parts else ""


def _spline(values: list[str], times: list[float], dur: float, what: str = "rotate") -> str:
    keys = ";".join(values)
    stamps = ";".join(f"{t:.4g}" for t in times)
    splines = ";".join([EASE] * (len(values) - 1))
    head = (
        '<animate attributeName="y2"'
        if what == "y2"
        else f'<animateTransform attributeName="transform" type="{what}"'
    )
    return (
        f'{head} values="{keys}" keyTimes="{stamps}" calcMode="spline" keySplines="{splines}"'
        f' dur="{dur:g}s" repeatCount="indefinite"/>'
    )


def timeline(frames: int, cycle: float, hold: float) -> tuple[list[int], list[float], float]:
    """Which keyframe is shown at each key time of one cycle: out, hold, back."""
    out = list(range(frames))
    order = out + ([frames - 1] if hold > 0 else []) + out[-2::-1]
    half = cycle / 2
    total = cycle + hold
    steps = frames - 1
    times = [half * i / steps for i in range(frames)]
    if hold > 0:
        times.append(half + hold)
    times += [half + hold + half * i / steps for i in range(1, frames)]
    return order, [t / total for t in times], total


def _draw(
    figure: dict[str, Any],
    frames: list[dict[str, float]],
    scales: list[dict[str, float]],
    anim: tuple[list[int], list[float], float] | None,
) -> str:
    view = figure["view"]
    highlight = set(figure.get("highlight", []))
    children: dict[str | None, list[Segment]] = {}
    for segment in SEGMENTS[view]:
        children.setdefault(segment.parent, []).append(segment)

    def track(value: Callable[[int], str]) -> tuple[str, list[str]]:
        """The first value, and its values through the cycle when it changes."""
        first = value(0)
        if anim is None:
            return first, []
        values = [value(i) for i in anim[0]]
        return first, values if len(set(values)) > 1 else []

    def node(segment: Segment) -> str:
        def turn(i: int) -> str:
            pose = frames[i]
            parent = pose[segment.parent] if segment.parent else 0.0
            return f"{-(pose[segment.name] - parent):g}"

        def reach(i: int) -> str:
            return f"{segment.length * scales[i].get(segment.name, 1):.3g}"

        def place(i: int) -> str:
            factor = scales[i].get(segment.parent or "", 1)
            return f"{segment.attach[0]:g} {segment.attach[1] * factor:.3g}"

        parts = []
        for fn, what in ((place, "translate"), (turn, "rotate"), (reach, "y2")):
            first, values = track(fn)
            move = ""
            if values and anim:
                move = _spline(values, anim[1], anim[2], what)
                if what == "rotate" and track(place)[1] == []:
                    deltas = [f"{float(v) - float(first):g}" for v in values]
                    move = _spline(deltas, anim[1], anim[2], what).replace(
                        "/>", ' additive="sum"/>'
                    )
            parts.append((first, move))
        (at, at_move), (rot, rot_move), (size, size_move) = parts
        cls = "fg-hl" if segment.name in highlight else ("fg-far" if segment.behind else "")
        mark = f' class="{cls}"' if cls else ""
        width = segment.width * figure.get("stroke", 1)
        line = f'<line y2="{size}" stroke-width="{width:g}"{mark}'
        shape = f"{line}>{size_move}</line>" if size_move else f"{line}/>"
        if segment.name == "neck":
            nose = (
                f'<circle cx="-9" cy="{segment.length + 12:g}" r="3"/>' if view != "front" else ""
            )
            head = f'<ellipse cy="{segment.length + 12:g}" rx="10" ry="12.5"/>'
            if view != "front":
                head = f'<circle cy="{segment.length + 12:g}" r="11"/>'
            shape += f"<g{mark}>{head}{nose}</g>"
        kids = children.get(segment.name, [])
        back = "".join(node(k) for k in kids if k.behind)
        front = "".join(node(k) for k in kids if not k.behind)
        inner = f"{back}{shape}{front}"
        if at_move:
            return (
                f'<g transform="translate({at})">{at_move}<g transform="rotate({rot})">{rot_move}'
                f"{inner}</g></g>"
            )
        # One group when its place is fixed: the rotation animates on top of it (additive).
        moves = [
            p for p, on in ((f"translate({at})", at != "0 0"), (f"rotate({rot})", rot != "0")) if on
        ]
        place_attr = f' transform="{" ".join(moves)}"' if moves else ""
        return f"<g{place_attr}>{rot_move}{inner}</g>"

    x, y = figure["root"]
    roots = children[None]
    body = "".join(node(s) for s in roots if s.behind) + "".join(
        node(s) for s in roots if not s.behind
    )
    return f'<g transform="translate({x:g} {y:g})">{body}</g>'


def _sole(figure: dict[str, Any], angles: list[float], anim: Any) -> str:
    """The foot seen from behind, in a corner: turning the sole in or out leaves the plane of a
    side view, so this small back view shows it (positive turns the sole in)."""
    if not angles:
        return ""
    bx, by, _w, _h = _box(figure)
    # Clear of the frame by more than the circle's outline, which the edge would otherwise cut.
    x, y = figure.get("sole_at", [bx + 28, by + 40])
    move = ""
    if anim is not None:
        values = [f"{angles[i]:g}" for i in anim[0]]
        move = _spline(values, anim[1], anim[2]) if len(set(values)) > 1 else ""
    return (
        f'<g transform="translate({x:g} {y:g})"><circle class="fg-inset" cy="-8" r="24"/>'
        '<line y2="-26" stroke-width="7"/>'
        f'<g transform="rotate({angles[0]:g})">{move}'
        '<line x1="-10" x2="10" y1="5" y2="5" stroke-width="6" class="fg-hl"/></g></g>'
    )


def svg(
    figure: dict[str, Any],
    *,
    frame: int | None = None,
    cycle: float = 5,
    hold: float = 0,
    mirrored: bool = False,
    css: str = "",
) -> str:
    """One SVG: the moving figure, or with frame given a still of that keyframe."""
    frames, scales = poses(figure), lengths(figure)
    soles = list(figure.get("sole", []))
    anim = None
    if frame is not None:
        frames, scales, soles = [frames[frame]], [scales[frame]], soles[frame : frame + 1]
    else:
        anim = timeline(len(frames), cycle, hold)
    box = " ".join(f"{v:g}" for v in _box(figure))
    return (
        f'<svg class="{" ".join(["fg", css]).strip()}" viewBox="{box}" aria-hidden="true">'
        f'<g class="fg-flip"{_mirror(figure, mirrored)}>'
        f"{_props(figure)}{_draw(figure, frames, scales, anim)}{_sole(figure, soles, anim)}"
        "</g></svg>"
    )


def is_mirrored(view: str, side: str) -> bool:
    """Side views are drawn from the right side; front views show the left arm (as seen)."""
    right = side != "left"
    return right if view == "front" else not right


def render_figure(
    slug: str | None,
    *,
    mode: str = "move",
    side: str = "right",
    cycle: float = 5,
    hold: float = 0,
    tempo: float = 1.0,
    lang: str = "en",
    label_start: str = "Start",
    label_end: str = "End",
) -> Markup:
    """The figure of an exercise as HTML: moving (with its reduced-motion pair), still or pair."""
    figure = load_figures().get(slug or "")
    if figure is None:
        return Markup("")
    mirrored = is_mirrored(figure["view"], side)
    alt = figure["alt"].get(lang) or figure["alt"]["en"]
    last = len(figure["keyframes"]) - 1
    pair = (
        f'<div class="fg-pair"><figure>{svg(figure, frame=0, mirrored=mirrored)}'
        f"<figcaption>{escape(label_start)}</figcaption></figure>"
        '<span class="fg-arrow" aria-hidden="true">→</span>'
        f"<figure>{svg(figure, frame=last, mirrored=mirrored)}"
        f"<figcaption>{escape(label_end)}</figcaption></figure></div>"
    )
    if mode == "still":
        inner = svg(figure, frame=0, mirrored=mirrored)
    elif mode == "pair":
        inner = pair
    else:
        scaled_cycle, scaled_hold = cycle * tempo, hold * tempo
        moving = svg(figure, cycle=scaled_cycle, hold=scaled_hold, mirrored=mirrored, css="fg-move")
        inner = moving + pair
        half = scaled_cycle * 500
        return Markup(
            f'<div class="figure fg-{mode}-mode" role="img" aria-label="{escape(alt)}"'
            f' data-slug="{escape(slug)}"'
            f' data-mirrored="{int(mirrored)}" data-half="{half:g}"'
            f' data-hold="{scaled_hold * 1000:g}">{inner}</div>'
        )
    return Markup(
        f'<div class="figure fg-{mode}-mode" role="img" aria-label="{escape(alt)}">{inner}</div>'
    )

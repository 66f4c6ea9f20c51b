"""Small server-rendered SVG charts that read without JavaScript."""

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 320, 160
LEFT, RIGHT, TOP, BOTTOM = 26, 8, 10, 22


@dataclass
class Series:
    """One line or bar group on a chart: a CSS class for its colour and a value per point."""

    label: str
    css: str
    values: Sequence[float | None]


def _tag(name: str, text: str = "", **attrs: object) -> str:
    """An SVG element; attribute names use _ for -, numbers are rounded to 0.1."""
    rendered = " ".join(
        f'{k.rstrip("_").replace("_", "-")}="{v:.1f}"'
        if isinstance(v, float)
        else f'{k.rstrip("_").replace("_", "-")}="{escape(str(v))}"'
        for k, v in attrs.items()
    )
    return f"<{name} {rendered}>{escape(text)}</{name}>" if text else f"<{name} {rendered}/>"


def _open(title: str) -> list[str]:
    return [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}">'
    ]


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], top: float = 10
) -> Markup:
    """A 0..top line chart with dots, gaps where a value is missing, and first/last labels."""
    step = (WIDTH - LEFT - RIGHT) / (max(len(labels), 2) - 1)

    def x(i: int) -> float:
        return float(LEFT + i * step)

    def y(v: float) -> float:
        return float(TOP + (HEIGHT - TOP - BOTTOM) * (1 - v / top))

    parts = _open(title)
    for tick in (0.0, top / 2, top):
        parts.append(
            _tag(
                "line",
                class_="axis",
                x1=float(LEFT),
                x2=float(WIDTH - RIGHT),
                y1=y(tick),
                y2=y(tick),
            )
        )
        parts.append(_tag("text", f"{tick:g}", x=float(LEFT - 4), y=y(tick) + 4, text_anchor="end"))
    if labels:
        parts.append(_tag("text", labels[0], x=float(LEFT), y=float(HEIGHT - 4)))
        parts.append(
            _tag("text", labels[-1], x=float(WIDTH - RIGHT), y=float(HEIGHT - 4), text_anchor="end")
        )
    for s in series:
        runs: list[list[str]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
                continue
            runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
            parts.append(_tag("circle", class_=f"dot-{s.css}", cx=x(i), cy=y(v), r=2.5))
        parts.extend(
            _tag("polyline", class_=s.css, points=" ".join(run)) for run in runs if len(run) > 1
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def count_ticks(biggest: float) -> list[int]:
    """Whole-number ticks from 0 to at least biggest, at most five of them, in round steps."""
    step = 1
    while biggest / step > 4:
        # 1, 2, 5, 10, 20, 50...: steps a reader can add up at a glance.
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    top = max(step, -(-int(biggest) // step) * step)
    return list(range(0, top + 1, step))


def bar_chart(title: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """Grouped bars per label on a counted y-axis, scaled to a round top."""
    ticks = count_ticks(max((v or 0 for s in series for v in s.values), default=0))
    top = ticks[-1]
    group_w = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bar_w = max(group_w / (len(series) + 1), 2)
    base = float(HEIGHT - BOTTOM)
    parts = _open(title)
    for tick in ticks:
        y = base - (base - TOP) * tick / top
        parts.append(
            _tag("line", class_="axis", x1=float(LEFT), x2=float(WIDTH - RIGHT), y1=y, y2=y)
        )
        parts.append(_tag("text", str(tick), x=float(LEFT - 4), y=y + 4, text_anchor="end"))
    parts.append(
        _tag("line", class_="axis y-axis", x1=float(LEFT), x2=float(LEFT), y1=float(TOP), y2=base)
    )
    for g, label in enumerate(labels):
        for k, s in enumerate(series):
            h = (base - TOP) * (s.values[g] or 0) / top
            parts.append(
                _tag(
                    "rect",
                    class_=f"bar-{s.css}",
                    x=LEFT + g * group_w + (k + 0.5) * bar_w,
                    y=base - h,
                    width=bar_w - 1,
                    height=float(h),
                )
            )
        parts.append(
            _tag(
                "text",
                label,
                x=LEFT + (g + 0.5) * group_w,
                y=float(HEIGHT - 4),
                text_anchor="middle",
            )
        )
    parts.append("</svg>")
    return Markup("".join(parts))

"""Server-rendered SVG charts for the workspace and the patient app, in one place."""

from app.charts.svg import (
    Cell,
    Chart,
    bar_chart,
    day_grid,
    legend,
    line_chart,
    short_day,
    sparkline,
)

__all__ = [
    "Cell",
    "Chart",
    "bar_chart",
    "day_grid",
    "legend",
    "line_chart",
    "short_day",
    "sparkline",
]

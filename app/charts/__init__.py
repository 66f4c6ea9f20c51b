"""Server-rendered SVG charts, one module for the dashboard, the review page and the patient app."""

from app.charts.svg import (
    COMPACT,
    WIDE,
    Cell,
    Chart,
    Series,
    bar_chart,
    count_ticks,
    day_grid,
    legend,
    line_chart,
    short_day,
    sparkline,
)

__all__ = [
    "COMPACT",
    "WIDE",
    "Cell",
    "Chart",
    "Series",
    "bar_chart",
    "count_ticks",
    "day_grid",
    "legend",
    "line_chart",
    "short_day",
    "sparkline",
]

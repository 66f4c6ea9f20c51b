"""The dashboard's sparkline: its label escaped, gaps skipped, the last score marked."""

from app.charts.svg import sparkline


def test_the_label_is_escaped_and_gaps_are_skipped() -> None:
    """A name with markup stays text; days without a score draw no point."""
    svg = str(sparkline([None, 3.0, None, 7.5, 2.25], 'Pain <b>"x"</b> & more'))
    assert 'aria-label="Pain &lt;b&gt;&#34;x&#34;&lt;/b&gt; &amp; more"' in svg
    assert '<polyline class="after" points="31.0,18.8 89.0,8.0 118.0,20.6"></polyline>' in svg
    assert svg.count("<circle") == 1 and 'cx="118.0" cy="20.6"' in svg
    assert svg.startswith('<svg class="chart spark" viewBox="0 0 120 28"')
    assert svg.endswith("</svg>")


def test_one_score_is_a_dot_and_none_is_an_axis() -> None:
    """One day's score is a dot without a line; no score is the axis alone."""
    one = str(sparkline([None, 5.0], "one"))
    assert "<polyline" not in one and one.count("<circle") == 1
    empty = str(sparkline([None, None], "none"))
    assert "<polyline" not in empty and "<circle" not in empty
    assert '<line class="axis" x1="0" y1="27" x2="120" y2="27"></line>' in empty

"""The benchmark's rounds: each endpoint's median round, and ratios paired within a round."""

from bench.throughput import BARE, TODAY, Throughput
from bench.wrk import WrkResult


def _run(rps: float, p99: float = 10.0) -> WrkResult:
    return WrkResult(rps=rps, p50=1.0, p99=p99, errors=0, cpu=100.0)


def test_a_ratio_is_the_median_of_the_rounds_ratios_not_of_the_medians() -> None:
    """The machine slows in round 2 and speeds up in round 3: each round's ratio moves
    little, where a ratio of figures from different rounds would move with the machine."""
    found = Throughput(
        rounds={
            BARE: [_run(3000, 1), _run(2000, 2), _run(4000, 3)],
            TODAY: [_run(900, 4), _run(610, 5), _run(1180, 6)],
        }
    )
    assert found.paired(TODAY, BARE) == 0.3  # rounds: 0.30, 0.305, 0.295
    assert found.results[TODAY].p99 == 4  # the median round itself, with its own latencies
    assert found.results[BARE].rps == 3000
    assert found.rates(TODAY) == "900, 610, 1180"


def test_an_even_number_of_rounds_takes_the_lower_middle_round() -> None:
    """Two rounds: the slower one is reported, not a mean of two runs."""
    found = Throughput(rounds={BARE: [_run(3000), _run(2000)]})
    assert found.results[BARE].rps == 2000

"""The simulators' latency model: a fixed delay, or a log-normal one whose median is
`latency_ms` with a long right tail (the benchmarks' realistic profile relies on both)."""

from __future__ import annotations

import statistics

from simulators.common.faults import FaultConfig, FaultInjector


def _sample(config: FaultConfig, n: int = 4000) -> list[float]:
    injector = FaultInjector(config)
    return sorted(injector.latency() * 1000 for _ in range(n))


def test_no_latency_by_default() -> None:
    assert set(_sample(FaultConfig(), 10)) == {0.0}


def test_fixed_latency_without_a_tail() -> None:
    assert set(_sample(FaultConfig(latency_ms=120), 50)) == {120.0}


def test_a_tail_keeps_the_median_and_stretches_the_top() -> None:
    delays = _sample(FaultConfig(latency_ms=120, latency_tail=0.6, seed=7))
    median = statistics.median(delays)
    p99 = delays[int(len(delays) * 0.99)]
    assert 110 <= median <= 130, median
    # exp(2.33 * 0.6) ~ 4.0: the slowest 1 % take about four times the median.
    assert 3.3 * median <= p99 <= 4.8 * median, (median, p99)
    assert min(delays) > 0

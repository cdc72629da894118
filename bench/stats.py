"""Summaries of measured samples."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100): a value that was actually measured."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summarize(values: Sequence[float], digits: int = 4) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "min": round(min(values), digits),
        "p50": round(percentile(values, 50) or 0.0, digits),
        "p95": round(percentile(values, 95) or 0.0, digits),
        "p99": round(percentile(values, 99) or 0.0, digits),
        "max": round(max(values), digits),
        "mean": round(sum(values) / len(values), digits),
    }


def mib(value: int | None) -> float | None:
    return None if value is None else round(value / 2**20, 1)

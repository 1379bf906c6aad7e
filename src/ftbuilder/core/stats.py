"""Summary statistics shared by validate, stats and the faces (one definition of p5/p95)."""

from __future__ import annotations

from collections.abc import Iterable


def percentile(sorted_values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation (numpy's default method)."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    pos = (len(sorted_values) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def distribution(values: Iterable[float]) -> dict[str, float] | None:
    """min, max, mean, median, p5 and p95 of ``values`` (None when there are none)."""
    data = sorted(values)
    if not data:
        return None
    return {"min": int(data[0]), "max": int(data[-1]),
            "mean": round(sum(data) / len(data), 2), "median": float(percentile(data, 50)),
            "p5": float(percentile(data, 5)), "p95": float(percentile(data, 95))}

"""The drift statistics monitor-model computes: PSI of a numeric feature over the training data's quantile bins, a
two-sample Kolmogorov-Smirnov test, and PSI of a categorical distribution (the predicted classes).

PSI (population stability index) = sum over bins of (a - e) * ln(a / e), with e and a the shares of the reference
(training) and the window (live) in each bin. Rules of thumb: below 0.1 stable, 0.1-0.2 some shift, above 0.2 a
shift worth acting on. Empty bins are smoothed with EPSILON so one empty bin does not make it infinite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from scipy import stats

BINS = 10
EPSILON = 1e-4


def quantile_edges(reference: np.ndarray, bins: int = BINS) -> np.ndarray:
    """Inner bin edges at the reference's quantiles, without repeats (a feature with few values gets fewer bins).

    Edges are values the reference holds (no interpolation), so a discrete feature's bins fall on its values."""
    edges = np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1], method="inverted_cdf")
    return np.unique(edges)


def shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The share of ``values`` in each bin (-inf, e1], (e1, e2], ..., (ek, inf)."""
    counts = np.bincount(np.searchsorted(edges, values, side="left"), minlength=len(edges) + 1)
    return counts / max(len(values), 1)


def psi_of_shares(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI of two distributions over the same bins (shares summing to 1)."""
    e = np.clip(expected, EPSILON, None)
    a = np.clip(actual, EPSILON, None)
    return float(np.sum((a - e) * np.log(a / e)))


def psi(reference: np.ndarray, live: np.ndarray, bins: int = BINS) -> float:
    """PSI of a numeric feature: ``live`` against ``reference``, over the reference's quantile bins."""
    edges = quantile_edges(reference, bins)
    return psi_of_shares(shares(reference, edges), shares(live, edges))


def ks_pvalue(reference: np.ndarray, live: np.ndarray) -> float:
    """The p-value of the two-sample KS test: small when the two samples are unlikely to share a distribution."""
    return float(stats.ks_2samp(reference, live, method="asymp").pvalue)  # exact is slow and adds nothing at these sizes


def categorical_psi(expected_counts: dict[str, float], live_counts: dict[str, float]) -> float:
    """PSI of two categorical distributions given as counts per category (the union of categories)."""
    categories = sorted(set(expected_counts) | set(live_counts))
    e = np.array([expected_counts.get(c, 0.0) for c in categories], dtype=np.float64)
    a = np.array([live_counts.get(c, 0.0) for c in categories], dtype=np.float64)
    if e.sum() == 0 or a.sum() == 0:
        return 0.0
    return psi_of_shares(e / e.sum(), a / a.sum())


@dataclass(frozen=True)
class Thresholds:
    """When a feature counts as drifted: PSI above ``psi`` and KS p-value below ``ks_pvalue`` divided by the number
    of features (both must agree, which keeps false alarms rare on small windows); nothing is decided below
    ``min_samples`` rows."""

    psi: float = 0.2
    ks_pvalue: float = 0.01
    min_samples: int = 100


def feature_drift(name: str, reference: np.ndarray, live: np.ndarray, thresholds: Thresholds, tests: int = 1) -> dict[str, Any]:
    """One feature's drift figures and verdict, the KS level shared by ``tests`` features (Bonferroni)."""
    value = psi(reference, live)
    p = ks_pvalue(reference, live)
    return {
        "feature": name,
        "psi": round(value, 6),
        "ksPValue": float(f"{p:.6g}"),
        "liveMean": float(np.mean(live)),
        "trainingMean": float(np.mean(reference)),
        "drifted": bool(value > thresholds.psi and p < thresholds.ks_pvalue / tests),
    }


def drift_report(features: Sequence[str], reference: np.ndarray, live: np.ndarray, thresholds: Thresholds) -> list[dict[str, Any]]:
    """Per-feature drift of ``live`` rows against ``reference`` rows (columns in ``features`` order).

    ``ks_pvalue`` is the level for the whole model, not per feature: each feature's KS test gets ``ks_pvalue /
    len(features)`` (Bonferroni), or a model with 30 features would see some p below 0.01 in a quarter of all
    unshifted windows."""
    return [feature_drift(name, reference[:, i], live[:, i], thresholds, len(features)) for i, name in enumerate(features)]

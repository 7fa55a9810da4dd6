"""Outliers: per column by z-score and IQR together, per row by IsolationForest (fixed seed, deterministic).

Calibration of the defaults (declared in workflows/steps/validate-dataset.ts; the tests hold both sides of it):
- A value counts as an outlier only when |z| > 6 AND it lies more than 20 IQRs outside the quartiles.
  Each rule alone misfires on the bundled scikit-learn datasets: breast_cancer's heavy tails reach |z| 12
  and 18 IQRs, and digits' sparse pixel columns reach |z| 42 (the most one value in 1797 can reach).
  A value 50 standard deviations out lands at least 21 IQRs out and, even with three of them inflating the
  column's own standard deviation, above |z| 6.
- Columns whose IQR is 0 (more than half the values equal, e.g. digits' mostly-blank pixels) have no
  meaningful fence, so no value in them counts; constant columns are skipped too.
- With ``maxOutlierFraction`` 0 a single such value fails the column.
- IsolationForest calls 8-25% of the bundled datasets' rows anomalous with scikit-learn's own threshold
  (score above 0.5), so the row check only fires when more than 30% of rows look unlike the rest: it catches
  broad contamination, not a handful of bad cells (those are the column check's job).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from validation_request import OutlierPolicy
from validation_issues import WARNING, issue, number, percent
from validation_table import NumericColumn

MIN_VALUES = 4  # quartiles and a standard deviation need a few values
MIN_FOREST_ROWS = 16
FOREST_TREES = 100
LISTED_ROWS = 10  # most anomalous rows named in the report


def column_outliers(column: NumericColumn, policy: OutlierPolicy) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The column's outlier issue (if over the limit) and its statistics for the report."""
    values = column.present
    stats: dict[str, Any] = {"name": column.name, "values": int(values.size), "missing": column.missing, "nonNumeric": column.non_numeric}
    if values.size < MIN_VALUES:
        return [], {**stats, "outliers": None, "skipped": f"fewer than {MIN_VALUES} numeric values"}
    with np.errstate(over="ignore", invalid="ignore"):  # values near the float limit overflow the sums
        mean, std = float(values.mean()), float(values.std(ddof=1))
    q1, q3 = (float(q) for q in np.percentile(values, [25, 75]))
    iqr = q3 - q1
    stats.update(min=float(values.min()), max=float(values.max()), q1=q1, q3=q3,
                 mean=mean if math.isfinite(mean) else None, std=std if math.isfinite(std) else None)
    if not (math.isfinite(mean) and math.isfinite(std) and math.isfinite(iqr)):
        return [], {**stats, "outliers": None, "skipped": "values too large for a mean and standard deviation"}
    if std == 0 or iqr == 0:
        reason = "constant column" if std == 0 else "IQR is 0 (most values equal): no fence to be outside of"
        return [], {**stats, "outliers": None, "skipped": reason}

    z = np.abs(values - mean) / std
    fence = policy.iqr_factor * iqr
    outside = (values < q1 - fence) | (values > q3 + fence)
    flagged = outside & (z > policy.z_score)
    count = int(flagged.sum())
    fraction = count / values.size
    stats["outliers"] = {"count": count, "fraction": fraction, "lowerFence": q1 - fence, "upperFence": q3 + fence}
    if fraction <= policy.max_outlier_fraction:
        return [], stats
    worst = int(np.argmax(np.where(flagged, z, -1.0)))
    stats["outliers"]["mostExtreme"] = {"value": float(values[worst]), "z": float(z[worst])}
    message = (
        f'column "{column.name}": {percent(fraction)} of values are outliers ({count} of {values.size} with '
        f"|z| > {policy.z_score:g} and beyond {policy.iqr_factor:g}×IQR), limit {percent(policy.max_outlier_fraction)}; "
        f"most extreme {number(float(values[worst]))} (z {z[worst]:.1f})"
    )
    return [issue("outliers", WARNING, message, column=column.name, value=fraction, limit=policy.max_outlier_fraction)], stats


def row_anomalies(columns: list[NumericColumn], policy: OutlierPolicy) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """IsolationForest over the numeric feature columns: an issue when too many rows are anomalous."""
    forest_policy = policy.isolation_forest
    summary: dict[str, Any] = {"enabled": forest_policy.enabled, "seed": forest_policy.seed}
    usable = [c for c in columns if c.non_numeric == 0 and c.present.size > 0]
    rows = len(columns[0].values) if columns else 0
    if not forest_policy.enabled:
        return [], summary
    if rows < MIN_FOREST_ROWS or not usable:
        return [], {**summary, "skipped": f"needs at least {MIN_FOREST_ROWS} rows and one numeric column"}

    # Imported here: scikit-learn's ensemble module takes a moment to load and only this check needs it.
    from sklearn.ensemble import IsolationForest

    matrix = np.column_stack([c.values for c in usable])
    # IsolationForest takes no missing values: a missing cell gets its column's median (the missing check reports it).
    medians = np.nanmedian(matrix, axis=0)
    matrix = np.where(np.isnan(matrix), medians, matrix)
    # The trees work in float32: clip what would overflow it (the value stays the most extreme of its column).
    limit = float(np.finfo(np.float32).max)
    matrix = np.clip(matrix, -limit, limit)
    forest = IsolationForest(n_estimators=FOREST_TREES, random_state=forest_policy.seed)
    labels = forest.fit_predict(matrix)
    scores = -forest.score_samples(matrix)  # the paper's anomaly score: near 1 anomalous, below 0.5 normal
    anomalous = int((labels == -1).sum())
    fraction = anomalous / rows
    worst = np.argsort(-scores, kind="stable")[:LISTED_ROWS]
    summary.update(
        columns=len(usable), anomalies=anomalous, fraction=fraction,
        mostAnomalous=[{"row": int(i) + 1, "score": float(scores[i])} for i in worst],  # data rows from 1
    )
    if fraction <= forest_policy.max_anomaly_fraction:
        return [], summary
    message = (
        f"isolation forest: {percent(fraction)} of rows are anomalous ({anomalous} of {rows}), "
        f"limit {percent(forest_policy.max_anomaly_fraction)}; most anomalous: row {int(worst[0]) + 1}"
    )
    return [issue("isolationForest", WARNING, message, value=fraction, limit=forest_policy.max_anomaly_fraction)], summary

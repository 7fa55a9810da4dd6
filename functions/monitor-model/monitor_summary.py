"""The monitoring summary of one window: per-feature drift of the logged inputs against the training data, the
predicted classes against the holdout's, live accuracy from feedback, and the same per hour (the report's plots).

The window's drift value (``drift.value``, the run's BatonDrift) is the largest PSI: of any feature, or of the
predicted classes. Drift is *detected* when at least ``min_samples`` rows were logged and a feature drifted (PSI
above the threshold and KS p-value below its own) or the predicted classes' PSI is above the threshold.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Optional

import numpy as np

from drift_stats import Thresholds, categorical_psi, drift_report, psi
from inference_records import LoggedRequest, WindowRecords
from training_reference import TrainingReference

# An hour needs this many rows for its own PSI point in the plot over time (fewer make a noisy point).
MIN_HOURLY_ROWS = 20


def _label(value: Any) -> str:
    """Class labels as text, so 1, 1.0 and "1" count as one class."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _accuracy(requests: list[LoggedRequest], labels: dict[str, list[Any]]) -> tuple[Optional[float], int]:
    """Accuracy over the rows whose request got feedback (labels joined by request id), and how many rows those are."""
    right = total = 0
    for request in requests:
        given = labels.get(request.request_id)
        if given is None or len(given) != len(request.predictions):
            continue
        right += sum(_label(p) == _label(t) for p, t in zip(request.predictions, given))
        total += len(given)
    return (right / total if total else None), total


def _hourly(reference: TrainingReference, records: WindowRecords, start: datetime, end: datetime) -> list[dict[str, Any]]:
    series = []
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour < end:
        inside = [r for r in records.requests if hour <= r.ts < hour + timedelta(hours=1)]
        rows = [row for r in inside for row in r.rows]
        max_psi = None
        if len(rows) >= MIN_HOURLY_ROWS:
            live = np.array(rows, dtype=np.float64)
            max_psi = round(max(psi(reference.rows[:, i], live[:, i]) for i in range(len(reference.features))), 6)
        accuracy, labeled = _accuracy(inside, records.labels)
        series.append({"hour": hour.strftime("%Y-%m-%dT%H:00:00Z"), "samples": len(rows), "maxPsi": max_psi, "accuracy": accuracy, "labeled": labeled})
        hour += timedelta(hours=1)
    return series


def summarize(reference: TrainingReference, records: WindowRecords, start: datetime, end: datetime, thresholds: Thresholds) -> dict[str, Any]:
    """The window's monitoring summary (the JSON stored beside the report)."""
    rows = [row for request in records.requests for row in request.rows]
    samples = len(rows)
    features: list[dict[str, Any]] = []
    prediction_psi: Optional[float] = None
    live_predictions: dict[str, float] = {}
    if samples:
        features = drift_report(reference.features, reference.rows, np.array(rows, dtype=np.float64), thresholds)
        served = [r for r in records.requests if r.version == reference.version] or records.requests
        live_predictions = dict(Counter(_label(p) for r in served for p in r.predictions))
        prediction_psi = round(categorical_psi(reference.holdout_predictions, live_predictions), 6) if reference.holdout_predictions else None
    values = [f["psi"] for f in features] + ([prediction_psi] if prediction_psi is not None else [])
    value = max(values) if values else None
    drifted = [f["feature"] for f in features if f["drifted"]]
    predictions_drifted = prediction_psi is not None and prediction_psi > thresholds.psi
    enough = samples >= thresholds.min_samples
    detected = enough and bool(drifted or predictions_drifted)
    if not enough:
        reason = f"{samples} rows logged in the window, fewer than minSamples {thresholds.min_samples}: no decision"
    elif detected:
        parts = [f"features {', '.join(drifted)} drifted (PSI > {thresholds.psi} and KS p < {thresholds.ks_pvalue})"] if drifted else []
        if predictions_drifted:
            parts.append(f"predicted classes drifted (PSI {prediction_psi:.3f} > {thresholds.psi})")
        reason = "; ".join(parts)
    else:
        reason = f"no feature drifted; largest PSI {value:.3f} (threshold {thresholds.psi})"
    live_accuracy, labeled = _accuracy(records.requests, records.labels)
    return {
        "model": {"name": reference.name, "version": reference.version},
        "dataset": reference.dataset,
        "window": {"start": _iso(start), "end": _iso(end), "hours": round((end - start).total_seconds() / 3600, 3)},
        "thresholds": {"psi": thresholds.psi, "ksPValue": thresholds.ks_pvalue, "minSamples": thresholds.min_samples},
        "requests": len(records.requests),
        "samples": samples,
        "skippedLines": records.skipped,
        "features": features,
        "predictions": {"psi": prediction_psi, "live": live_predictions, "holdout": reference.holdout_predictions, "drifted": predictions_drifted},
        "drift": {"value": value, "detected": detected, "features": drifted, "reason": reason},
        "accuracy": {"live": live_accuracy, "labeled": labeled, "holdout": reference.holdout_accuracy},
        "series": _hourly(reference, records, start, end),
    }


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

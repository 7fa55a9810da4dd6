"""The scores evaluate reports for a model on labelled rows: macro averages over the given labels."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support


class Scores(NamedTuple):
    """``metrics`` {accuracy, f1, precision, recall, holdoutRows}, the confusion matrix (rows: true labels, in
    ``labels`` order) and the per-class scores."""

    metrics: dict[str, Any]
    confusion_matrix: list[list[int]]
    per_class: list[dict[str, Any]]


def score(model: Any, x: np.ndarray, y: np.ndarray, labels: list[int]) -> Scores:
    """Scores ``model`` on ``x``/``y``; each class counts the same in the averages, whatever its size."""
    predicted = model.predict(x)
    precision, recall, f1, support = precision_recall_fscore_support(y, predicted, labels=labels, zero_division=0)
    metrics = {
        "accuracy": float(accuracy_score(y, predicted)),
        "f1": float(f1.mean()),
        "precision": float(precision.mean()),
        "recall": float(recall.mean()),
        "holdoutRows": int(len(y)),
    }
    per_class = [
        {"label": label, "precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(labels, precision, recall, f1, support)
    ]
    return Scores(metrics, confusion_matrix(y, predicted, labels=labels).tolist(), per_class)

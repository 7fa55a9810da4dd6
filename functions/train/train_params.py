"""The estimator factory. The model types, their hyperparameters, ranges and defaults are the step's schema
(``modelSpec`` in workflows/steps/schemas.ts, checked by the wrapper): only the listed keywords ever reach here."""

from __future__ import annotations

from typing import Any

from sklearn.base import ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression


def build_estimator(model_type: str, params: dict[str, Any], seed: int) -> ClassifierMixin:
    """The scikit-learn estimator for checked params, seeded for reproducibility."""
    if model_type == "logistic_regression":
        return LogisticRegression(C=params["C"], max_iter=params["max_iter"], random_state=seed)
    return RandomForestClassifier(
        n_estimators=params["n_estimators"],
        max_depth=params["max_depth"],
        min_samples_leaf=params["min_samples_leaf"],
        random_state=seed,
    )

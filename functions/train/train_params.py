"""Model types and their hyperparameters: an explicit allow-list with ranges, and the estimator factory.

Anything not listed here is refused, so a caller can never pass an arbitrary keyword to scikit-learn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

from sklearn.base import ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression


@dataclass(frozen=True)
class Param:
    """One hyperparameter: integer or real, its default and its bounds."""

    integer: bool
    default: Any
    low: Optional[float] = None
    high: Optional[float] = None
    low_exclusive: bool = False
    nullable: bool = False

    def describe(self) -> str:
        """The accepted values in words, for error messages."""
        kind = "an integer" if self.integer else "a number"
        low = "" if self.low is None else f"{'>' if self.low_exclusive else '>='} {self.low:g}"
        high = "" if self.high is None else f"<= {self.high:g}"
        bounds = " and ".join(b for b in (low, high) if b)
        return f"{kind}{' ' + bounds if bounds else ''}{' or null' if self.nullable else ''}"

    def coerce(self, value: Any) -> Any:
        """Returns the value to use, or raises ValueError with what is accepted."""
        if value is None and self.nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"must be {self.describe()}")
        if self.integer:
            # 100.0 is an integer for a JSON/zod caller; 100.5 is not.
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(f"must be {self.describe()}")
            value = int(value)
        else:
            value = float(value)
        too_low = self.low is not None and (value <= self.low if self.low_exclusive else value < self.low)
        too_high = self.high is not None and value > self.high
        if too_low or too_high:
            raise ValueError(f"must be {self.describe()}")
        return value


MODELS: dict[str, dict[str, Param]] = {
    "logistic_regression": {
        "C": Param(integer=False, default=1.0, low=0, low_exclusive=True),
        # 1000, not sklearn's 100: lbfgs may stop short on wider datasets (digits) and only warn.
        "max_iter": Param(integer=True, default=1000, low=1, high=10000),
    },
    "random_forest": {
        "n_estimators": Param(integer=True, default=100, low=1, high=1000),
        "max_depth": Param(integer=True, default=None, low=1, high=100, nullable=True),
        "min_samples_leaf": Param(integer=True, default=1, low=1),
    },
}


def check_params(model_type: str, params: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Effective params (defaults filled in) and the problems as (param name, message) pairs."""
    allowed = MODELS[model_type]
    effective: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for name in params:
        if name not in allowed:
            problems.append((name, f"unknown hyperparameter for {model_type}; allowed: {', '.join(allowed)}"))
    for name, param in allowed.items():
        if name not in params:
            effective[name] = param.default
            continue
        try:
            effective[name] = param.coerce(params[name])
        except ValueError as error:
            problems.append((name, str(error)))
    return effective, problems


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

"""predict's input: which model (and optionally which version), and the rows to score, checked field by field.

Rows come as lists in the model's feature order (``rows``) or as objects keyed by feature name (``instances``);
the feature names and their order are the registered version's ``features`` (model.json).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from baton_step import Issue, StepInputError, describe_issues, is_model_name
from baton_step.registry import MODEL_NAME_HINT, VERSION_HINT, is_version

# One call scores at most this many rows: the answer stays a few MB and the call well inside exec_timeout.
MAX_ROWS = 10_000
# Past this many bad values the caller has enough to go on; the message says how many more there were.
MAX_ISSUES = 20
_KEYS = ("model", "version", "rows", "instances")


@dataclass(frozen=True)
class PredictRequest:
    """A checked request: the model name, a pinned version (None: production), and the raw rows or instances."""

    model: str
    version: Optional[str]
    rows: Optional[list[Any]]
    instances: Optional[list[Any]]

    @property
    def count(self) -> int:
        """How many rows to score."""
        return len(self.rows if self.rows is not None else self.instances or [])


def parse_request(raw: Any) -> PredictRequest:
    """Checks everything that does not depend on the model: names, version, one of rows/instances, the row count."""
    if not isinstance(raw, dict):
        raise StepInputError('input must be an object {model, rows} or {model, instances}, optionally with "version"', path="")
    issues: list[Issue] = [
        {"path": key, "message": f"unrecognized key; expected {', '.join(_KEYS)}"} for key in sorted(set(raw) - set(_KEYS))
    ]
    model = raw.get("model")
    if not is_model_name(model):
        issues.append({"path": "model", "message": f"required: the registered model's name ({MODEL_NAME_HINT})"})
    version = raw.get("version")
    if version is not None and not is_version(version):
        issues.append({"path": "version", "message": f"must be a registered version ({VERSION_HINT}); leave it out to use production's"})
    rows, instances = raw.get("rows"), raw.get("instances")
    if (rows is None) == (instances is None):
        issues.append({"path": "rows", "message": "give exactly one of rows (lists in feature order) or instances (objects by feature name)"})
    for field, value in (("rows", rows), ("instances", instances)):
        if value is None:
            continue
        if not isinstance(value, list) or not value:
            issues.append({"path": field, "message": "must be a non-empty list"})
        elif len(value) > MAX_ROWS:
            issues.append({"path": field, "message": f"at most {MAX_ROWS} rows per call, got {len(value)}: split them over several calls"})
    _raise_if_any(issues)
    return PredictRequest(model, version, rows, instances)


def feature_matrix(request: PredictRequest, features: list[str]) -> np.ndarray:
    """The rows as a float matrix in the order of ``features``; every bad value is named by its path
    (``rows.3.1``, ``instances.3.<feature>``)."""
    issues: list[Issue] = []
    if request.rows is not None:
        matrix = [_row(row, i, features, issues) for i, row in enumerate(request.rows)]
    else:
        matrix = [_instance(item, i, features, issues) for i, item in enumerate(request.instances or [])]
    _raise_if_any(issues)
    return np.asarray(matrix, dtype=np.float64).reshape(len(matrix), len(features))


def _row(row: Any, index: int, features: list[str], issues: list[Issue]) -> list[float]:
    if not isinstance(row, list) or len(row) != len(features):
        got = f"{len(row)} values" if isinstance(row, list) else "no list"
        issues.append({"path": f"rows.{index}", "message": f"expected a list of {len(features)} numbers ({_hint(features)}), got {got}"})
        return []
    return [_number(value, f"rows.{index}.{column}", issues) for column, value in enumerate(row)]


def _instance(item: Any, index: int, features: list[str], issues: list[Issue]) -> list[float]:
    if not isinstance(item, dict):
        issues.append({"path": f"instances.{index}", "message": f"expected an object of {len(features)} numbers by feature name ({_hint(features)})"})
        return []
    for name in item:
        if name not in features:
            issues.append({"path": f"instances.{index}.{name}", "message": f"unknown feature; the model's features: {_hint(features)}"})
    for name in features:
        if name not in item:
            issues.append({"path": f"instances.{index}.{name}", "message": "missing: the model needs every one of its features"})
    return [_number(item.get(name), f"instances.{index}.{name}", issues) for name in features if name in item]


def _number(value: Any, path: str, issues: list[Issue]) -> float:
    number = math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an integer too large for a float
            pass
    if not math.isfinite(number):
        issues.append({"path": path, "message": "must be a finite number"})
    return number


def _hint(features: list[str]) -> str:
    # digits has 64 features: list a few, not all of them, in every message.
    shown = ", ".join(features[:8])
    return shown if len(features) <= 8 else f"{shown}, ... ({len(features)} in all, see the version's model.json)"


def _raise_if_any(issues: list[Issue]) -> None:
    if not issues:
        return
    shown = issues[:MAX_ISSUES]
    more = f" (and {len(issues) - len(shown)} more)" if len(issues) > len(shown) else ""
    summary = describe_issues(shown[:3])
    raise StepInputError(f"invalid predict input: {summary}{more}", issues=shown)

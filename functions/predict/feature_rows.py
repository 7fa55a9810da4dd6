"""predict's rows as the model's feature matrix. The input's shape (names, version, at most 10 000 rows of numbers)
is checked by the wrapper against step.schema.json (workflows/steps/predict.ts); what depends on the model is
checked here: each row's width, each instance's feature names, and numbers a float cannot hold. A refusal names the
signature the served version expects (its feature names, in order), so the caller can fix the request."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from baton_step import Issue, StepInputError, describe_issues

# Past this many bad values the caller has enough to go on; the message says how many more there were.
MAX_ISSUES = 20
# A refusal's parts: the wrapper cuts messages at 2000 characters, and the expected signature must survive
# (every issue stays in full in the answer's issues).
MAX_SUMMARY_CHARS = 500
MAX_SIGNATURE_CHARS = 1200


def one_source(input: dict[str, Any]) -> None:
    """Exactly one of rows or instances (a rule across two fields the schema leaves to the handler)."""
    if (input.get("rows") is None) == (input.get("instances") is None):
        raise StepInputError("invalid predict input: give exactly one of rows (lists in feature order) or instances (objects by feature name)",
                             path="rows")


def feature_matrix(input: dict[str, Any], features: list[str], served: str) -> np.ndarray:
    """The rows as a float matrix in the order of ``features``; every bad value is named by its path
    (``rows.3.1``, ``instances.3.<feature>``), and the refusal says what ``served`` (e.g. ``model "iris" version
    0123456789ab``) expects."""
    issues: list[Issue] = []
    if input.get("rows") is not None:
        matrix = [_row(row, i, features, issues) for i, row in enumerate(input["rows"])]
    else:
        matrix = [_instance(item, i, features, issues) for i, item in enumerate(input.get("instances") or [])]
    _raise_if_any(issues, expected_signature(served, features))
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


def expected_signature(served: str, features: list[str]) -> str:
    """What the served version reads, e.g. ``model "iris" version 0123456789ab expects 4 numbers per row, in this
    order: a, b, c, d``; a very long list ends with how many names there are in all."""
    names = ", ".join(features)
    if len(names) > MAX_SIGNATURE_CHARS:
        names = names[:MAX_SIGNATURE_CHARS].rsplit(", ", 1)[0] + f", ... ({len(features)} in all, see the version's model.json)"
    return f"{served} expects {len(features)} numbers per row, in this order: {names} (rows: lists in this order; instances: objects keyed by these names)"


def _raise_if_any(issues: list[Issue], expected: str) -> None:
    if not issues:
        return
    shown = issues[:MAX_ISSUES]
    more = f" (and {len(issues) - len(shown)} more)" if len(issues) > len(shown) else ""
    summary = describe_issues(shown[:3])
    if len(summary) > MAX_SUMMARY_CHARS:
        summary = summary[: MAX_SUMMARY_CHARS - 1] + "…"
    raise StepInputError(f"invalid predict input: {summary}{more}. The {expected}", issues=shown)

"""Parses and checks validate-dataset's input: the dataset version and the validation policy.

The policy's defaults live in ``policy_defaults.json`` beside this file; the pipeline side
(``workflows/steps/validate-dataset.ts``) declares the same defaults and a test keeps the two equal.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from typing import Any, Optional

from baton_step import ArtifactRef, is_artifact_ref
from baton_step.checks import MAX_SEED, check_dataset, check_object, raise_if_issues

POLICY_DEFAULTS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "policy_defaults.json")
ON_ISSUE = ("warn", "fail")
# Names and versions become object-key segments: no slashes, no "..", nothing that leaves datasets/<name>/.
_KEY_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def load_policy_defaults() -> dict[str, Any]:
    """The default policy, as the pipeline input schema declares it too."""
    with open(POLICY_DEFAULTS_FILE, encoding="utf-8") as file:
        return json.load(file)


POLICY_DEFAULTS = load_policy_defaults()


@dataclass(frozen=True)
class IsolationForestPolicy:
    """Row outliers: the largest tolerated fraction of rows IsolationForest calls anomalous, and its seed."""

    enabled: bool
    max_anomaly_fraction: float
    seed: int


@dataclass(frozen=True)
class OutlierPolicy:
    """Per-column outliers: a value counts when |z| > z_score AND it lies more than iqr_factor IQRs outside
    the quartiles; a column fails when more than max_outlier_fraction of its values count."""

    z_score: float
    iqr_factor: float
    max_outlier_fraction: float
    isolation_forest: IsolationForestPolicy


@dataclass(frozen=True)
class Policy:
    """What counts as an issue, and whether an issue fails the step (``fail``) or only warns (``warn``)."""

    on_issue: str
    max_missing_fraction: float
    max_row_count_change: float
    max_size_change: float
    outliers: OutlierPolicy

    def as_json(self) -> dict[str, Any]:
        """The effective policy in the input's camelCase shape (for the report)."""
        forest = self.outliers.isolation_forest
        return {
            "onIssue": self.on_issue,
            "maxMissingFraction": self.max_missing_fraction,
            "maxRowCountChange": self.max_row_count_change,
            "maxSizeChange": self.max_size_change,
            "outliers": {
                "zScore": self.outliers.z_score,
                "iqrFactor": self.outliers.iqr_factor,
                "maxOutlierFraction": self.outliers.max_outlier_fraction,
                "isolationForest": {
                    "enabled": forest.enabled,
                    "maxAnomalyFraction": forest.max_anomaly_fraction,
                    "seed": forest.seed,
                },
            },
        }


@dataclass(frozen=True)
class DatasetVersion:
    """The dataset version to validate (ingest's output object)."""

    name: str
    version: str
    data: ArtifactRef
    schema: ArtifactRef
    rows: Optional[int]
    features: list[str]
    target: str
    previous_version: Optional[str]


@dataclass(frozen=True)
class ValidateRequest:
    """A checked validate-dataset input with the policy's defaults applied."""

    dataset: DatasetVersion
    policy: Policy


def parse_input(raw: Any) -> ValidateRequest:
    """Checks the whole input and raises one StepInputError listing every problem."""
    issues: list[dict[str, str]] = []
    root = check_object(raw, "", issues, {"dataset", "policy"})
    dataset = _parse_dataset(root.get("dataset"), issues)
    policy = parse_policy(root.get("policy"), issues)
    raise_if_issues(issues, "validate-dataset")
    assert dataset is not None
    return ValidateRequest(dataset, policy)


def _parse_dataset(raw: Any, issues: list) -> Optional[DatasetVersion]:
    data, features, target = check_dataset(raw, issues)
    if not isinstance(raw, dict):
        return None
    if not is_artifact_ref(raw.get("schema")):
        issues.append({"path": "dataset.schema", "message": "must be an artifact reference {uri: s3://bucket/key, sha256, size}"})
    name = _key_segment(raw.get("name"), "dataset.name", issues, required=True)
    version = _key_segment(raw.get("version"), "dataset.version", issues, required=True)
    previous = _key_segment(raw.get("previousVersion"), "dataset.previousVersion", issues, required=False)
    rows = raw.get("rows")
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 0):
        issues.append({"path": "dataset.rows", "message": "must be a whole number of rows"})
        rows = None
    return DatasetVersion(name or "", version or "", data, raw.get("schema"), rows, features, target, previous)


def _key_segment(value: Any, path: str, issues: list, required: bool) -> Optional[str]:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not _KEY_SEGMENT.match(value) or ".." in value:
        issues.append({"path": path, "message": "must be a name like \"wine\" or a version like \"0a1b2c3d4e5f\" (letters, digits, '_', '-', '.')"})
        return None
    return value


def parse_policy(raw: Any, issues: list) -> Policy:
    """The policy with defaults applied; each problem is noted with its path (``policy.<field>``)."""
    defaults = POLICY_DEFAULTS
    policy = check_object(raw, "policy", issues, set(defaults))
    outliers = check_object(policy.get("outliers"), "policy.outliers", issues, set(defaults["outliers"]))
    forest_defaults = defaults["outliers"]["isolationForest"]
    forest = check_object(outliers.get("isolationForest"), "policy.outliers.isolationForest", issues, set(forest_defaults))

    on_issue = policy.get("onIssue", defaults["onIssue"])
    if not isinstance(on_issue, str) or on_issue not in ON_ISSUE:
        issues.append({"path": "policy.onIssue", "message": 'must be "warn" or "fail"'})
        on_issue = defaults["onIssue"]
    enabled = forest.get("enabled", forest_defaults["enabled"])
    if not isinstance(enabled, bool):
        issues.append({"path": "policy.outliers.isolationForest.enabled", "message": "must be true or false"})
        enabled = forest_defaults["enabled"]

    def fraction(source: dict, fallback: dict, key: str, path: str) -> float:
        return _number(source, fallback, key, path, issues, high=1.0)

    return Policy(
        on_issue=on_issue,
        max_missing_fraction=fraction(policy, defaults, "maxMissingFraction", "policy"),
        max_row_count_change=_number(policy, defaults, "maxRowCountChange", "policy", issues),
        max_size_change=_number(policy, defaults, "maxSizeChange", "policy", issues),
        outliers=OutlierPolicy(
            z_score=_number(outliers, defaults["outliers"], "zScore", "policy.outliers", issues, low_exclusive=True),
            iqr_factor=_number(outliers, defaults["outliers"], "iqrFactor", "policy.outliers", issues),
            max_outlier_fraction=fraction(outliers, defaults["outliers"], "maxOutlierFraction", "policy.outliers"),
            isolation_forest=IsolationForestPolicy(
                enabled=enabled,
                max_anomaly_fraction=fraction(forest, forest_defaults, "maxAnomalyFraction", "policy.outliers.isolationForest"),
                seed=_seed(forest, forest_defaults, issues),
            ),
        ),
    )


def _number(source: dict, fallback: dict, key: str, parent: str, issues: list,
            high: Optional[float] = None, low_exclusive: bool = False) -> float:
    """A non-negative finite number (positive with ``low_exclusive``, at most ``high`` when given)."""
    value = source.get(key, fallback[key])
    low_ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and (value > 0 if low_exclusive else value >= 0)
    if not low_ok or (high is not None and value > high):
        bounds = "> 0" if low_exclusive else ">= 0"
        issues.append({"path": f"{parent}.{key}", "message": f"must be a number {bounds}{'' if high is None else f' and <= {high:g}'}"})
        return float(fallback[key])
    return float(value)


def _seed(forest: dict, defaults: dict, issues: list) -> int:
    seed = forest.get("seed", defaults["seed"])
    if isinstance(seed, float) and seed.is_integer():
        seed = int(seed)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        issues.append({"path": "policy.outliers.isolationForest.seed", "message": f"must be an integer between 0 and {MAX_SEED}"})
        return int(defaults["seed"])
    return seed

"""validate-dataset's input as typed fields: the wrapper has already checked it against step.schema.json (generated
from ``validationPolicy`` in workflows/steps/validate-dataset.ts, which holds the bounds and defaults)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from baton_ml.datasets import feature_columns
from baton_step import ArtifactRef


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
    """validate-dataset's input, already checked against step.schema.json (the policy's defaults filled in) by the
    wrapper, as typed fields."""

    dataset: DatasetVersion
    policy: Policy

    @classmethod
    def of(cls, input: dict[str, Any]) -> "ValidateRequest":
        """Reads the checked input; only the columns-vs-target rule is checked here (JSON Schema cannot say it)."""
        raw, policy = input["dataset"], input["policy"]
        dataset = DatasetVersion(raw["name"], raw["version"], raw["data"], raw["schema"], raw.get("rows"), feature_columns(raw),
                                 raw["target"], raw.get("previousVersion"))
        outliers, forest = policy["outliers"], policy["outliers"]["isolationForest"]
        return cls(dataset, Policy(
            on_issue=policy["onIssue"],
            max_missing_fraction=float(policy["maxMissingFraction"]),
            max_row_count_change=float(policy["maxRowCountChange"]),
            max_size_change=float(policy["maxSizeChange"]),
            outliers=OutlierPolicy(
                z_score=float(outliers["zScore"]),
                iqr_factor=float(outliers["iqrFactor"]),
                max_outlier_fraction=float(outliers["maxOutlierFraction"]),
                isolation_forest=IsolationForestPolicy(forest["enabled"], float(forest["maxAnomalyFraction"]), forest["seed"]),
            ),
        ))

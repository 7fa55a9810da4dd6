"""Parses and checks train-epochs' input, collecting every problem with its path (``epochs``, ``split.seed``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from baton_step import ArtifactRef, StepInputError, is_artifact_ref

MAX_SEED = 2**32 - 1  # numpy's random_state range
MAX_EPOCHS = 1000
MAX_SECONDS_PER_EPOCH = 600
DEFAULTS = {"epochs": 20, "secondsPerEpoch": 0, "alpha": 0.0001, "testSize": 0.2, "seed": 42}


@dataclass(frozen=True)
class EpochsRequest:
    """A checked train-epochs input with defaults applied."""

    data: ArtifactRef
    features: list[str]
    target: str
    epochs: int
    seconds_per_epoch: float
    alpha: float
    test_size: float
    seed: int


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _integer(value: Any) -> Any:
    # 20.0 is an integer for a JSON/zod caller; 20.5 is not.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _object(value: Any, path: str, issues: list, allowed: set[str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        issues.append({"path": path, "message": "must be an object"})
        return {}
    for key in sorted(set(value) - allowed):
        issues.append({"path": f"{path}.{key}" if path else key, "message": f"unrecognized key; expected {', '.join(sorted(allowed))}"})
    return value


def _dataset(raw: Any, issues: list) -> tuple[Any, list[str], str]:
    # Lenient on extra keys: this is ingest's output object, which may grow.
    if not isinstance(raw, dict):
        issues.append({"path": "dataset", "message": "required: the dataset object from ingest"})
        return None, [], ""
    data = raw.get("data")
    if not is_artifact_ref(data):
        issues.append({"path": "dataset.data", "message": "must be an artifact reference {uri: s3://bucket/key, sha256, size}"})
    columns = raw.get("columns")
    if not (isinstance(columns, list) and columns and all(isinstance(c, str) and c for c in columns) and len(set(columns)) == len(columns)):
        issues.append({"path": "dataset.columns", "message": "must be a non-empty list of distinct feature names"})
        columns = []
    target = raw.get("target", "target")
    if not isinstance(target, str) or not target or target in columns:
        issues.append({"path": "dataset.target", "message": "must be the target column name, not a feature"})
    return data, columns, target


def parse_input(raw: Any) -> EpochsRequest:
    """Checks the whole input and raises one StepInputError listing every problem."""
    issues: list[dict[str, str]] = []
    root = _object(raw, "", issues, {"dataset", "epochs", "secondsPerEpoch", "alpha", "split"})
    data, features, target = _dataset(root.get("dataset"), issues)

    epochs = _integer(root.get("epochs", DEFAULTS["epochs"]))
    if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= MAX_EPOCHS:
        issues.append({"path": "epochs", "message": f"must be an integer between 1 and {MAX_EPOCHS}"})
    seconds = root.get("secondsPerEpoch", DEFAULTS["secondsPerEpoch"])
    if not _number(seconds) or not 0 <= seconds <= MAX_SECONDS_PER_EPOCH:
        issues.append({"path": "secondsPerEpoch", "message": f"must be a number of seconds between 0 and {MAX_SECONDS_PER_EPOCH}"})
    alpha = root.get("alpha", DEFAULTS["alpha"])
    if not _number(alpha) or alpha <= 0:
        issues.append({"path": "alpha", "message": "must be a number > 0 (the regularization strength)"})

    split = _object(root.get("split"), "split", issues, {"testSize", "seed"})
    test_size = split.get("testSize", DEFAULTS["testSize"])
    if not _number(test_size) or not 0 < test_size < 1:
        issues.append({"path": "split.testSize", "message": "must be a number between 0 and 1 (exclusive)"})
    seed = _integer(split.get("seed", DEFAULTS["seed"]))
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        issues.append({"path": "split.seed", "message": f"must be an integer between 0 and {MAX_SEED}"})

    if issues:
        summary = "; ".join(f"{i['path'] or 'input'}: {i['message']}" for i in issues)
        raise StepInputError(f"invalid train-epochs input: {summary}", issues=issues)
    return EpochsRequest(data, features, target, epochs, float(seconds), float(alpha), float(test_size), seed)

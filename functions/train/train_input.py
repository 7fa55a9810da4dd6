"""Parses and checks train's input, collecting every problem with its path."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from baton_step import ArtifactRef, StepInputError, is_artifact_ref

from train_params import MODELS, check_params

MAX_SEED = 2**32 - 1  # numpy's random_state range
DEFAULT_MODEL = "logistic_regression"
DEFAULT_TEST_SIZE = 0.2
DEFAULT_SEED = 42


@dataclass(frozen=True)
class TrainRequest:
    """A checked train input with defaults applied."""

    data: ArtifactRef
    features: list[str]
    target: str
    model_type: str
    params: dict[str, Any]
    test_size: float
    seed: int


def _object(value: Any, path: str, issues: list, allowed: set[str] | None = None) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        issues.append({"path": path, "message": "must be an object"})
        return {}
    if allowed is not None:
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


def parse_input(raw: Any) -> TrainRequest:
    """Checks the whole input and raises one StepInputError listing every problem."""
    issues: list[dict[str, str]] = []
    root = _object(raw, "", issues, {"dataset", "model", "split"})
    data, features, target = _dataset(root.get("dataset"), issues)

    model = _object(root.get("model"), "model", issues, {"type", "params"})
    model_type = model.get("type", DEFAULT_MODEL)
    params: dict[str, Any] = {}
    if not isinstance(model_type, str) or model_type not in MODELS:
        issues.append({"path": "model.type", "message": f"must be one of {', '.join(MODELS)}"})
    else:
        raw_params = _object(model.get("params"), "model.params", issues)
        params, problems = check_params(model_type, raw_params)
        issues.extend({"path": f"model.params.{name}", "message": message} for name, message in problems)

    split = _object(root.get("split"), "split", issues, {"testSize", "seed"})
    test_size = split.get("testSize", DEFAULT_TEST_SIZE)
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) or not (math.isfinite(test_size) and 0 < test_size < 1):
        issues.append({"path": "split.testSize", "message": "must be a number between 0 and 1 (exclusive)"})
    seed = split.get("seed", DEFAULT_SEED)
    if isinstance(seed, float) and seed.is_integer():
        seed = int(seed)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        issues.append({"path": "split.seed", "message": f"must be an integer between 0 and {MAX_SEED}"})

    if issues:
        summary = "; ".join(f"{i['path'] or 'input'}: {i['message']}" for i in issues)
        raise StepInputError(f"invalid train input: {summary}", issues=issues)
    return TrainRequest(data, features, target, model_type, params, float(test_size), seed)

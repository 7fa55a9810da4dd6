"""Input checks the ML steps share: they collect every problem with its path, for one StepInputError."""

from __future__ import annotations

import math
from typing import Any

from .artifacts import is_artifact_ref
from .errors import StepInputError, describe_issues

MAX_SEED = 2**32 - 1  # numpy's random_state range
DEFAULT_TEST_SIZE = 0.2
DEFAULT_SEED = 42


def check_object(value: Any, path: str, issues: list, allowed: set[str] | None = None) -> dict:
    """The value as a dict ({} when absent); notes a non-object and keys outside ``allowed``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        issues.append({"path": path, "message": "must be an object"})
        return {}
    if allowed is not None:
        for key in sorted(set(value) - allowed):
            issues.append({"path": f"{path}.{key}" if path else key, "message": f"unrecognized key; expected {', '.join(sorted(allowed))}"})
    return value


def check_dataset(raw: Any, issues: list) -> tuple[Any, list[str], str]:
    """The data reference, feature columns and target of ingest's dataset object."""
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


def check_split(raw: Any, issues: list) -> tuple[float, int]:
    """``split.testSize`` (0..1, exclusive) and ``split.seed`` (an integer numpy accepts), with defaults."""
    split = check_object(raw, "split", issues, {"testSize", "seed"})
    test_size = split.get("testSize", DEFAULT_TEST_SIZE)
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) or not (math.isfinite(test_size) and 0 < test_size < 1):
        issues.append({"path": "split.testSize", "message": "must be a number between 0 and 1 (exclusive)"})
        test_size = DEFAULT_TEST_SIZE
    seed = split.get("seed", DEFAULT_SEED)
    if isinstance(seed, float) and seed.is_integer():
        seed = int(seed)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        issues.append({"path": "split.seed", "message": f"must be an integer between 0 and {MAX_SEED}"})
        seed = DEFAULT_SEED
    return float(test_size), seed


def raise_if_issues(issues: list, step: str) -> None:
    """One StepInputError listing every problem, when there is any."""
    if issues:
        summary = describe_issues(issues, root="input")
        raise StepInputError(f"invalid {step} input: {summary}", issues=issues)

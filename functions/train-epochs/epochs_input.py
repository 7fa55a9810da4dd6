"""Parses and checks train-epochs' input, collecting every problem with its path (``epochs``, ``split.seed``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from baton_step import ArtifactRef
from baton_step.checks import check_dataset, check_object, check_split, raise_if_issues

MAX_EPOCHS = 1000
MAX_SECONDS_PER_EPOCH = 600
DEFAULTS = {"epochs": 20, "secondsPerEpoch": 0, "alpha": 0.0001}


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


def parse_input(raw: Any) -> EpochsRequest:
    """Checks the whole input and raises one StepInputError listing every problem."""
    issues: list[dict[str, str]] = []
    root = check_object(raw, "", issues, {"dataset", "epochs", "secondsPerEpoch", "alpha", "split"})
    data, features, target = check_dataset(root.get("dataset"), issues)

    epochs = _integer(root.get("epochs", DEFAULTS["epochs"]))
    if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= MAX_EPOCHS:
        issues.append({"path": "epochs", "message": f"must be an integer between 1 and {MAX_EPOCHS}"})
    seconds = root.get("secondsPerEpoch", DEFAULTS["secondsPerEpoch"])
    if not _number(seconds) or not 0 <= seconds <= MAX_SECONDS_PER_EPOCH:
        issues.append({"path": "secondsPerEpoch", "message": f"must be a number of seconds between 0 and {MAX_SECONDS_PER_EPOCH}"})
    alpha = root.get("alpha", DEFAULTS["alpha"])
    if not _number(alpha) or alpha <= 0:
        issues.append({"path": "alpha", "message": "must be a number > 0 (the regularization strength)"})

    test_size, seed = check_split(root.get("split"), issues)
    raise_if_issues(issues, "train-epochs")
    return EpochsRequest(data, features, target, epochs, float(seconds), float(alpha), test_size, seed)

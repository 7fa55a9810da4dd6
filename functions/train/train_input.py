"""Parses and checks train's input, collecting every problem with its path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from baton_step import ArtifactRef
from baton_step.checks import check_dataset, check_object, check_split, raise_if_issues

from train_params import MODELS, check_params

DEFAULT_MODEL = "logistic_regression"


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


def parse_input(raw: Any) -> TrainRequest:
    """Checks the whole input and raises one StepInputError listing every problem."""
    issues: list[dict[str, str]] = []
    root = check_object(raw, "", issues, {"dataset", "model", "split"})
    data, features, target = check_dataset(root.get("dataset"), issues)

    model = check_object(root.get("model"), "model", issues, {"type", "params"})
    model_type = model.get("type", DEFAULT_MODEL)
    params: dict[str, Any] = {}
    if not isinstance(model_type, str) or model_type not in MODELS:
        issues.append({"path": "model.type", "message": f"must be one of {', '.join(MODELS)}"})
    else:
        raw_params = check_object(model.get("params"), "model.params", issues)
        params, problems = check_params(model_type, raw_params)
        issues.extend({"path": f"model.params.{name}", "message": message} for name, message in problems)

    test_size, seed = check_split(root.get("split"), issues)
    raise_if_issues(issues, "train")
    return TrainRequest(data, features, target, model_type, params, test_size, seed)

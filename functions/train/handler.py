"""train: fits StandardScaler + a classifier on a stratified split and saves it with skops.

Input  {"dataset": <ingest's dataset>, "model": {"type", "params"}, "split": {"testSize", "seed"}}
Output {"model": {artifact, format, type, params, features, classes, target}, "holdout", "trainRows",
        "holdoutRows"}; metrics {trainAccuracy}
Keys   runs/<workflowId>/<step>/model.skops and holdout.csv (a retry overwrites them).
"""

from __future__ import annotations

import tempfile
import warnings
from typing import Any

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from baton_step import StepContext

from baton_ml.datasets import feature_columns
from baton_ml.tables import load_stratified_split
from baton_ml.trained import store_trained_model

from train_params import build_estimator


def handle(input: Any, ctx: StepContext) -> dict[str, Any]:
    """Downloads data.csv (sha256-checked), trains, uploads model.skops and holdout.csv. ``input`` is checked
    against step.schema.json, with its defaults, by the wrapper."""
    dataset, model, split = input["dataset"], input["model"], input["split"]
    features, target, model_type, params, seed = feature_columns(dataset), dataset["target"], model["type"], model["params"], split["seed"]
    store = ctx.artifacts
    with tempfile.TemporaryDirectory(prefix="baton-train-") as tmp:
        x_train, x_test, y_train, y_test = load_stratified_split(
            store, dataset["data"], features, target, split["testSize"], seed, tmp
        )

        pipeline = Pipeline([
            ("scaler", StandardScaler()),
            ("model", build_estimator(model_type, params, seed)),
        ])
        # catch_warnings is process-global; fine here because train runs one call at a time (max_inflight 1).
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pipeline.fit(x_train, y_train)
        for warning in caught:
            ctx.log(f"fit warning: {warning.category.__name__}: {warning.message}")
        train_accuracy = float(pipeline.score(x_train, y_train))

        output = store_trained_model(
            ctx, pipeline,
            {"type": model_type, "params": params, "features": features, "target": target},
            x_train, x_test, y_test, tmp,
        )

    ctx.log(f"train {model_type}: {len(y_train)} rows, train accuracy {train_accuracy:.4f}")
    return {
        "output": output,
        "metrics": {"trainAccuracy": train_accuracy},
    }

"""train: fits StandardScaler + a classifier on a stratified split and saves it with skops.

Input  {"dataset": <ingest's dataset>, "model": {"type", "params"}, "split": {"testSize", "seed"}}
Output {"model": {artifact, format, type, params, features, classes, target}, "holdout", "trainRows",
        "holdoutRows"}; metrics {trainAccuracy}
Keys   runs/<workflowId>/<step>/model.skops and holdout.csv (a retry overwrites them).
"""

from __future__ import annotations

import os
import tempfile
import warnings
from typing import Any

import skops.io
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from baton_step import StepContext, StepInputError

from train_input import parse_input
from train_params import build_estimator
from baton_step.tables import read_table, write_table


def handle(input: Any, ctx: StepContext) -> dict[str, Any]:
    """Downloads data.csv (sha256-checked), trains, uploads model.skops and holdout.csv."""
    request = parse_input(input)
    store = ctx.artifacts
    with tempfile.TemporaryDirectory(prefix="baton-train-") as tmp:
        data_path = store.get_to_file(request.data, os.path.join(tmp, "data.csv"))
        x, y = read_table(data_path, request.features, request.target, field="dataset.data")
        try:
            x_train, x_test, y_train, y_test = train_test_split(
                x, y, test_size=request.test_size, random_state=request.seed, stratify=y
            )
        except ValueError as error:
            # e.g. a class with one row, or fewer holdout rows than classes.
            raise StepInputError(f"cannot split the data stratified: {error}", path="split.testSize") from None

        pipeline = Pipeline([
            ("scaler", StandardScaler()),
            ("model", build_estimator(request.model_type, request.params, request.seed)),
        ])
        # catch_warnings is process-global; fine here because train runs one call at a time (max_inflight 1).
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pipeline.fit(x_train, y_train)
        for warning in caught:
            ctx.log(f"fit warning: {warning.category.__name__}: {warning.message}")
        train_accuracy = float(pipeline.score(x_train, y_train))

        model_path = os.path.join(tmp, "model.skops")
        skops.io.dump(pipeline, model_path)  # skops, never pickle: loading it cannot run arbitrary code
        holdout_path = os.path.join(tmp, "holdout.csv")
        write_table(holdout_path, request.features, request.target, x_test, y_test)
        model_ref = store.put_file(ctx.run_key("model.skops"), model_path, content_type="application/octet-stream")
        holdout_ref = store.put_file(ctx.run_key("holdout.csv"), holdout_path, content_type="text/csv")

    ctx.log(f"train {request.model_type}: {len(y_train)} rows, train accuracy {train_accuracy:.4f}")
    return {
        "output": {
            "model": {
                "artifact": model_ref,
                "format": "skops",
                "type": request.model_type,
                "params": request.params,
                "features": request.features,
                "classes": [int(c) for c in pipeline.classes_],
                "target": request.target,
            },
            "holdout": holdout_ref,
            "trainRows": int(len(y_train)),
            "holdoutRows": int(len(y_test)),
        },
        "metrics": {"trainAccuracy": train_accuracy},
    }

"""How a training step hands its result on: the fitted pipeline (skops) and the holdout rows, by reference."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .tables import write_table


def store_trained_model(
    ctx: Any,
    pipeline: Any,
    model: dict[str, Any],
    x_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    tmp_dir: str,
) -> dict[str, Any]:
    """Uploads model.skops and holdout.csv under the run; answers the train steps' shared output shape.

    ``model`` holds ``type``, ``params``, ``features`` and ``target``; the classes come from the pipeline.
    """
    # Imported here: only the training steps need skops.
    import skops.io

    model_path = os.path.join(tmp_dir, "model.skops")
    skops.io.dump(pipeline, model_path)  # skops, never pickle: loading it cannot run arbitrary code
    holdout_path = os.path.join(tmp_dir, "holdout.csv")
    write_table(holdout_path, model["features"], model["target"], x_test, y_test)
    store = ctx.artifacts
    return {
        "model": {
            "artifact": store.put_file(ctx.run_key("model.skops"), model_path, content_type="application/octet-stream"),
            "format": "skops",
            **model,
            "classes": [int(c) for c in pipeline.classes_],
        },
        "holdout": store.put_file(ctx.run_key("holdout.csv"), holdout_path, content_type="text/csv"),
        "trainRows": int(len(x_train)),
        "holdoutRows": int(len(y_test)),
    }

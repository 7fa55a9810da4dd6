"""predict: serves the production version of a registered model (or a pinned version) to people and pipelines.

Input  {"model": <name>, "rows": [[number, ...], ...]}       rows in the model's feature order, or
       {"model": <name>, "instances": [{<feature>: number}]}  rows by feature name (model.json's features);
       optional "version": a registered version instead of the one in production. At most 10 000 rows per call.
Output {"model": {name, version}, "predictions": [...], "probabilities"?: [[...] per row, in classes' order],
        "classes": [...]}
Direct calls: people POST {"input": {...}} through the gateway (DIRECT_CALLS) with an API key granting viewer
(Authorization: Bearer baton_...; the template checks it against system/api-keys.json); pipelines send the usual
signed envelope.

Each call reads models/<name>/production.json, so a promotion is served by the next call without a restart;
loaded versions stay in memory (served_models.py). A model file loads only when its size and sha256 match and
every type in it is allow-listed (skops, never pickle). No production version → 422 saying how to promote one;
rows that do not fit the served version → 422 naming every bad value and the features it expects, in order.
"""

from __future__ import annotations

from typing import Any

from baton_step import StepContext

from feature_rows import feature_matrix, one_source
from served_models import resolve

# People call this function directly: {"input": {...}} without a run, with a viewer API key (see the template's app.py).
DIRECT_CALLS = True


def handle(input: Any, ctx: StepContext) -> dict[str, Any]:
    """Finds the version to serve, loads it (or takes it from memory), scores the rows."""
    one_source(input)  # the rest of the input's shape was checked by the wrapper (step.schema.json)
    served = resolve(ctx.artifacts, input["model"], input.get("version"), ctx.log)
    x = feature_matrix(input, served.features, f'model "{served.name}" version {served.version}')
    pipeline = served.pipeline
    output: dict[str, Any] = {
        "model": {"name": served.name, "version": served.version},
        "predictions": pipeline.predict(x).tolist(),
        "classes": served.classes,
    }
    if hasattr(pipeline, "predict_proba"):  # every model train makes has it; a hinge-loss SGD would not
        output["probabilities"] = pipeline.predict_proba(x).tolist()
    return {"output": output, "metrics": {"rows": len(x)}}

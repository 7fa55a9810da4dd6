"""predict: serves the production version of a registered model (or a pinned version) to people and pipelines.

Input  {"model": <name>, "rows": [[number, ...], ...]}       rows in the model's feature order, or
       {"model": <name>, "instances": [{<feature>: number}]}  rows by feature name (model.json's features);
       optional "version": a registered version instead of the one in production. At most 10 000 rows per call.
Output {"model": {name, version}, "predictions": [...], "probabilities"?: [[...] per row, in classes' order],
        "classes": [...], "requestId": <the caller's X-Request-Id, else a made uuid4; also the answer's X-Request-Id>}
Direct calls: people POST {"input": {...}} through the gateway (DIRECT_CALLS) with an API key granting viewer
(Authorization: Bearer baton_...; the template checks it against system/api-keys.json); pipelines send the usual
signed envelope.

Each call reads models/<name>/production.json, so a promotion is served by the next call without a restart;
loaded versions stay in memory (served_models.py). A model file loads only when its size and sha256 match and
every type in it is allow-listed (skops, never pickle).

Each call (sampled by ``inference_log_sample_rate``) is recorded in the inference log, and ``POST /feedback``
(``/function/predict/feedback``, same API key) records the true labels of a request: both written to the bucket off
the request path, in the layout inference_log.py documents; ``on_stop`` (SIGTERM) writes what is still queued. No production version → 422 saying how to promote one;
rows that do not fit the served version → 422 naming every bad value and the features it expects, in order.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from baton_step import StepContext, StepUnavailableError

from feature_rows import feature_matrix, one_source
from feedback import parse_feedback
from inference_log import FEEDBACK_PREFIX, LOG_PREFIX, BatchLog, LogSettings, iso, utc_now
from request_ids import REQUEST_ID_HEADER, request_id_of
from served_models import resolve

# People call this function directly: {"input": {...}} without a run, with a viewer API key (see the template's app.py).
DIRECT_CALLS = True

# Read once, at start: a bad setting stops the function with an error naming its key.
LOG_SETTINGS = LogSettings.from_env(os.environ)
INFERENCE_LOG = BatchLog(LOG_PREFIX, LOG_SETTINGS)
FEEDBACK_LOG = BatchLog(FEEDBACK_PREFIX, LOG_SETTINGS)


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
        "requestId": request_id_of(ctx.request_headers),
    }
    if hasattr(pipeline, "predict_proba"):  # every model train makes has it; a hinge-loss SGD would not
        output["probabilities"] = pipeline.predict_proba(x).tolist()
    ctx.response_headers[REQUEST_ID_HEADER] = output["requestId"]
    if LOG_SETTINGS.sampled():
        ts = utc_now()
        INFERENCE_LOG.offer(ctx.artifacts, served.name, ts, {
            "requestId": output["requestId"],
            "ts": iso(ts),
            "model": output["model"],
            "features": served.features,
            "rows": x,  # the numpy matrix: made a list by the writer thread, not here
            "predictions": output["predictions"],
            "probabilities": output.get("probabilities"),
            "classes": served.classes,
        })
    return {"output": output, "metrics": {"rows": len(x)}}


def record_feedback(body: Any, ctx: StepContext) -> tuple[int, dict[str, Any]]:
    """``POST /feedback``: queues the labels of one request for the feedback log; 202 once queued."""
    model, request_id, labels = parse_feedback(body)
    ts = utc_now()
    if not FEEDBACK_LOG.offer(ctx.artifacts, model, ts, {"requestId": request_id, "ts": iso(ts), "labels": labels}):
        raise StepUnavailableError("the feedback queue is full: send it again in a moment", retry_after_seconds=1)
    ctx.response_headers[REQUEST_ID_HEADER] = request_id
    return 202, {"accepted": True, "model": model, "requestId": request_id, "labels": len(labels)}


ROUTES = {"feedback": record_feedback}


def on_stop(budget_seconds: float) -> None:
    """On SIGTERM (the wrapper calls it): writes every queued record of both logs within ``budget_seconds``."""
    deadline = time.monotonic() + budget_seconds
    for log in (FEEDBACK_LOG, INFERENCE_LOG):  # feedback first: it is small, and it cannot be sampled again
        complete = log.close(max(0.0, deadline - time.monotonic()))
        print(f"predict: {log.prefix} closed: {log.written} written, {log.dropped} dropped, {log.lost} lost"
              f"{'' if complete else ' (incomplete)'}", file=sys.stderr, flush=True)

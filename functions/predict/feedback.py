"""``POST /function/predict/feedback``: the true labels of a request predict answered.

Body ``{"model": <name>, "requestId": <the answer's requestId>, "labels": [<label per row, in the rows' order>]}``;
the model names the log's folder (``inference-feedback/<model>/...``, see inference_log.py), so monitor-model finds the
labels beside the predictions. Answers 202 once the record is queued (it lands in the bucket within
``inference_log_flush_seconds``); 422 naming the field; 503 with Retry-After when the queue is full.
"""

from __future__ import annotations

import math
from typing import Any

from baton_ml import is_model_name
from baton_step import StepInputError

from request_ids import MAX_REQUEST_ID_CHARS, valid_request_id

# As predict's rows per call (workflows/steps/predict.ts): one label per row of one request.
MAX_LABELS = 10_000
MAX_LABEL_CHARS = 200


def _label_problem(label: Any) -> str | None:
    if isinstance(label, bool) or label is None:
        return "must be a class label: a string or a number"
    if isinstance(label, (int, float)):
        return None if math.isfinite(label) else "must be a finite number"
    if isinstance(label, str):
        return None if 0 < len(label) <= MAX_LABEL_CHARS else f"must be 1 to {MAX_LABEL_CHARS} characters"
    return "must be a class label: a string or a number"


def parse_feedback(body: Any) -> tuple[str, str, list[Any]]:
    """``(model, requestId, labels)`` of a feedback body; StepInputError naming every bad field otherwise."""
    if not isinstance(body, dict):
        raise StepInputError('feedback must be a JSON object {"model", "requestId", "labels"}', path="(root)")
    issues = []
    unknown = sorted(set(body) - {"model", "requestId", "labels"})
    for key in unknown:
        issues.append({"path": key, "message": 'unknown field: feedback has only "model", "requestId" and "labels"'})
    model = body.get("model")
    if not is_model_name(model):
        issues.append({"path": "model", "message": "must be the registered model's name predict answered with (output.model.name)"})
    request_id = body.get("requestId")
    if not valid_request_id(request_id):
        issues.append({"path": "requestId", "message": f"must be the requestId of predict's answer (1 to {MAX_REQUEST_ID_CHARS} letters, digits or ._:-)"})
    labels = body.get("labels")
    if not isinstance(labels, list) or not 0 < len(labels) <= MAX_LABELS:
        issues.append({"path": "labels", "message": f"must be a list of 1 to {MAX_LABELS} labels, one per row of the request"})
    else:
        for i, label in enumerate(labels):
            problem = _label_problem(label)
            if problem is not None:
                issues.append({"path": f"labels.{i}", "message": problem})
                if len(issues) >= 20:
                    break
    if issues:
        raise StepInputError("invalid feedback: " + "; ".join(f"{i['path']}: {i['message']}" for i in issues[:5]), issues=issues)
    return model, request_id, labels

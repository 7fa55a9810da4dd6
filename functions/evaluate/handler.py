"""evaluate: scores a trained model on its holdout rows and writes a JSON report.

Input  {"model": <train's model object>, "holdout": ArtifactRef}
Output {"metrics": {accuracy, f1, precision, recall, holdoutRows}, "confusionMatrix", "labels", "report"}
Keys   runs/<workflowId>/<step>/report.json (a retry overwrites it).
Scores are macro averages over the model's classes (each class counts the same, whatever its size).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from baton_step import ArtifactRef, StepContext, StepInputError, is_artifact_ref

from baton_step.tables import read_table
from evaluate_trust import load_trusted_model

REF_HINT = "must be an artifact reference {uri: s3://bucket/key, sha256, size}"


def parse_input(raw: Any) -> tuple[dict[str, Any], ArtifactRef]:
    """Checks the model object (lenient on extra keys: it is train's output) and the holdout ref."""
    issues: list[dict[str, str]] = []
    if not isinstance(raw, dict):
        raise StepInputError("input must be an object {model, holdout}", path="")
    for key in sorted(set(raw) - {"model", "holdout"}):
        issues.append({"path": key, "message": "unrecognized key; expected holdout, model"})
    model = raw.get("model")
    if not isinstance(model, dict):
        issues.append({"path": "model", "message": "required: the model object from train"})
        model = {}
    else:
        if not is_artifact_ref(model.get("artifact")):
            issues.append({"path": "model.artifact", "message": REF_HINT})
        if model.get("format", "skops") != "skops":
            issues.append({"path": "model.format", "message": 'only "skops" models can be evaluated'})
        features = model.get("features")
        if not (isinstance(features, list) and features and all(isinstance(f, str) for f in features)):
            issues.append({"path": "model.features", "message": "must be a non-empty list of feature names"})
        if not isinstance(model.get("target", "target"), str):
            issues.append({"path": "model.target", "message": "must be the target column name"})
    holdout = raw.get("holdout")
    if not is_artifact_ref(holdout):
        issues.append({"path": "holdout", "message": REF_HINT})
    if issues:
        summary = "; ".join(f"{i['path']}: {i['message']}" for i in issues)
        raise StepInputError(f"invalid evaluate input: {summary}", issues=issues)
    return model, holdout


def handle(input: Any, ctx: StepContext) -> dict[str, Any]:
    """Downloads model and holdout (sha256-checked), loads the model safely, scores it."""
    model_info, holdout = parse_input(input)
    features, target = model_info["features"], model_info.get("target", "target")
    store = ctx.artifacts
    with tempfile.TemporaryDirectory(prefix="baton-evaluate-") as tmp:
        model_path = store.get_to_file(model_info["artifact"], os.path.join(tmp, "model.skops"))
        model = load_trusted_model(model_path, model_info["artifact"]["uri"], field="model.artifact")
        holdout_path = store.get_to_file(holdout, os.path.join(tmp, "holdout.csv"))
        x, y = read_table(holdout_path, features, target, field="holdout")
    if getattr(model, "n_features_in_", len(features)) != len(features):
        raise StepInputError(
            f"the model expects {model.n_features_in_} features, model.features lists {len(features)}",
            path="model.features",
        )

    labels = [int(c) for c in model.classes_]
    predicted = model.predict(x)
    precision, recall, f1, support = precision_recall_fscore_support(y, predicted, labels=labels, zero_division=0)
    metrics = {
        "accuracy": float(accuracy_score(y, predicted)),
        "f1": float(f1.mean()),
        "precision": float(precision.mean()),
        "recall": float(recall.mean()),
        "holdoutRows": int(len(y)),
    }
    matrix = confusion_matrix(y, predicted, labels=labels).tolist()
    report = {
        "model": model_info["artifact"],
        "modelType": model_info.get("type"),
        "holdout": holdout,
        "run": {"workflowId": ctx.run.workflow_id, "runId": ctx.run.run_id, "step": ctx.run.step},
        "metrics": metrics,
        "average": "macro",
        "labels": labels,
        "confusionMatrix": matrix,
        "perClass": [
            {"label": label, "precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        ],
    }
    report_ref = store.put_json(ctx.run_key("report.json"), report)
    ctx.log(f"evaluate: accuracy {metrics['accuracy']:.4f}, macro f1 {metrics['f1']:.4f} on {len(y)} rows")
    return {
        "output": {"metrics": metrics, "confusionMatrix": matrix, "labels": labels, "report": report_ref},
        "metrics": metrics,
    }

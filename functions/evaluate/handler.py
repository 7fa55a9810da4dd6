"""evaluate: scores a trained model on its holdout rows, optionally against the model now in production, and
writes a JSON report.

Input  {"model": <train's model object>, "holdout": ArtifactRef, "compareWith"?: {"modelName": <registry name>}}
Output {"metrics": {accuracy, f1, precision, recall, holdoutRows}, "confusionMatrix", "labels", "report",
        "production"?: {version, metrics} | null, "inProduction"?: {version, signature, notScored?} | null}
Keys   runs/<workflowId>/<step>/report.json (a retry overwrites it).
Scores are macro averages over the model's classes (each class counts the same, whatever its size). With
``compareWith``, the production version of that registered model is scored on the same rows; ``production`` is
null (a log line says why) when there is none, it is the candidate itself, or it reads other features; and
``inProduction`` names the version in production whether scored or not, with its signature (the promotion
compares it with the candidate's) and, when not scored, why.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Optional

from baton_step import ArtifactRef, StepContext, StepInputError, describe_issues, is_artifact_ref
from baton_ml import UntrustedModelError, is_model_name, load_trusted_model
from baton_ml.registry import MODEL_NAME_HINT
from baton_ml.tables import read_table

from compare_production import production_scores
from evaluate_scores import score

REF_HINT = "must be an artifact reference {uri: s3://bucket/key, sha256, size}"


def parse_input(raw: Any) -> tuple[dict[str, Any], ArtifactRef, Optional[str]]:
    """Checks the model object (lenient on extra keys: it is train's output), the holdout ref and compareWith."""
    issues: list[dict[str, str]] = []
    if not isinstance(raw, dict):
        raise StepInputError("input must be an object {model, holdout, compareWith?}", path="")
    for key in sorted(set(raw) - {"model", "holdout", "compareWith"}):
        issues.append({"path": key, "message": "unrecognized key; expected compareWith, holdout, model"})
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
    compare_with = raw.get("compareWith")
    compare_name: Optional[str] = None
    if compare_with is not None:
        if not isinstance(compare_with, dict):
            issues.append({"path": "compareWith", "message": "must be an object {modelName}"})
        else:
            for key in sorted(set(compare_with) - {"modelName"}):
                issues.append({"path": f"compareWith.{key}", "message": "unrecognized key; expected modelName"})
            compare_name = compare_with.get("modelName")
            if not is_model_name(compare_name):
                issues.append({"path": "compareWith.modelName", "message": f"required: a registered model's name ({MODEL_NAME_HINT})"})
    if issues:
        summary = describe_issues(issues)
        raise StepInputError(f"invalid evaluate input: {summary}", issues=issues)
    return model, holdout, compare_name


def handle(input: Any, ctx: StepContext) -> dict[str, Any]:
    """Downloads model and holdout (sha256-checked), loads the model safely, scores it (and production's)."""
    model_info, holdout, compare_name = parse_input(input)
    features, target = model_info["features"], model_info.get("target", "target")
    store = ctx.artifacts
    with tempfile.TemporaryDirectory(prefix="baton-evaluate-") as tmp:
        model_path = store.get_to_file(model_info["artifact"], os.path.join(tmp, "model.skops"))
        try:
            model = load_trusted_model(model_path, model_info["artifact"]["uri"])
        except UntrustedModelError as error:
            raise StepInputError(str(error), path="model.artifact") from None
        holdout_path = store.get_to_file(holdout, os.path.join(tmp, "holdout.csv"))
        x, y = read_table(holdout_path, features, target, field="holdout")
    if getattr(model, "n_features_in_", len(features)) != len(features):
        raise StepInputError(
            f"the model expects {model.n_features_in_} features, model.features lists {len(features)}",
            path="model.features",
        )

    labels = model.classes_.tolist()  # whole numbers or text
    scores = score(model, x, y, labels)
    metrics = scores.metrics
    production = in_production = None
    if compare_name is not None:
        production, in_production = production_scores(store, compare_name, model_info, x, y, labels, ctx.log)
    report = {
        "model": model_info["artifact"],
        "modelType": model_info.get("type"),
        "holdout": holdout,
        "run": {"workflowId": ctx.run.workflow_id, "runId": ctx.run.run_id, "step": ctx.run.step},
        "metrics": metrics,
        "average": "macro",
        "labels": labels,
        "confusionMatrix": scores.confusion_matrix,
        "perClass": scores.per_class,
    }
    if compare_name is not None:
        report["production"] = None if production is None else {"modelName": compare_name, **production}
        report["inProduction"] = in_production
    report_ref = store.put_json(ctx.run_key("report.json"), report)
    ctx.log(f"evaluate: accuracy {metrics['accuracy']:.4f}, macro f1 {metrics['f1']:.4f} on {len(y)} rows")
    output: dict[str, Any] = {"metrics": metrics, "confusionMatrix": scores.confusion_matrix, "labels": labels, "report": report_ref}
    if compare_name is not None:
        output["production"] = None if production is None else {"version": production["version"], "metrics": production["metrics"]}
        output["inProduction"] = in_production
    return {"output": output, "metrics": metrics}

"""monitor-model's handler in-process, on an in-memory bucket laid out as register-model, promote-model, evaluate and
predict's inference log write it."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from baton_step import StepInputError
from baton_step.handler_loader import load_handler
from baton_step.testing import call_step, make_context, memory_store

monitor_model = load_handler(os.path.dirname(os.path.abspath(__file__)), module_name="monitor_model_handler")

FEATURES = ["a", "b", "c"]
VERSION = "0123456789ab"
END = datetime(2026, 12, 7, 6, 0, tzinfo=timezone.utc)
PARAMETERS = {"dataset": "breast_cancer", "modelName": "demo", "model": {"type": "logistic_regression", "params": {}}}


def registered(store, rng) -> np.ndarray:
    """A production version of model "demo" trained on 600 rows of three standard normal features."""
    rows = rng.normal(0, 1, (600, 3))
    labels = (rows[:, 0] > 0).astype(int)
    csv = "a,b,c,target\n" + "".join(f"{r[0]!r},{r[1]!r},{r[2]!r},{y}\n" for r, y in zip(rows.tolist(), labels.tolist()))
    data = store.put_bytes("datasets/demo/aaaaaaaaaaaa/data.csv", csv.encode())
    report = store.put_json("runs/train-1/evaluate/report.json", {"labels": [0, 1], "confusionMatrix": [[55, 5], [5, 55]], "metrics": {"accuracy": 0.9167}})
    model = {"uri": store.uri(f"models/demo/{VERSION}/model.skops"), "sha256": VERSION + "0" * 52, "size": 10}
    store.put_json(f"models/demo/{VERSION}/model.json", {
        "name": "demo", "version": VERSION, "registeredAt": "2026-12-01T00:00:00Z",
        "model": {**model, "format": "skops", "type": "LogisticRegression"}, "params": {}, "features": FEATURES,
        "classes": [0, 1], "target": "target", "metrics": {"accuracy": 0.9167},
        "lineage": {
            "dataset": {"name": "demo", "version": "aaaaaaaaaaaa", "uri": data["uri"]},
            "run": {"pipeline": "train-classifier", "workflowId": "train-1", "runId": "r", "step": "register-model"},
            "parameters": PARAMETERS, "trainedArtifact": "s3://x/y", "evaluationReport": report["uri"],
        },
    })
    store.put_json("models/demo/production.json", {"version": VERSION, "model": model, "promotedAt": "2026-12-01T00:00:00Z", "by": "t", "reason": "t"})
    return rows


def log(store, rng, hours: int, per_hour: int, shift: float, feedback_accuracy: float | None = None) -> None:
    """``hours`` hours of logged requests (10 rows each) before END, feature b shifted by ``shift``; with feedback
    labels right in ``feedback_accuracy`` of the rows."""
    for h in range(hours):
        hour = END - timedelta(hours=h + 1)
        lines, feedback = [], []
        for i in range(per_hour // 10):
            rows = rng.normal(0, 1, (10, 3))
            rows[:, 1] += shift
            predictions = (rows[:, 0] > 0).astype(int).tolist()
            request_id = f"req-{h}-{i}"
            ts = (hour + timedelta(minutes=i % 60)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            # the log's features may come in another order: the monitor reads them by name
            lines.append({"requestId": request_id, "ts": ts, "model": {"name": "demo", "version": VERSION}, "features": ["c", "a", "b"],
                          "rows": rows[:, [2, 0, 1]].tolist(), "predictions": predictions, "probabilities": None, "classes": [0, 1]})
            if feedback_accuracy is not None:
                right = int(round(feedback_accuracy * 10))
                feedback.append({"requestId": request_id, "ts": ts, "labels": predictions[:right] + [1 - p for p in predictions[right:]]})
        part = f"date={hour:%Y-%m-%d}/hour={hour:%H}"
        store.put_bytes(f"inference-log/demo/{part}/replica1-1-{h}.jsonl", ("\n".join(json.dumps(line) for line in lines) + "\n").encode())
        if feedback:
            store.put_bytes(f"inference-feedback/demo/{part}/fb-{h}.jsonl", ("\n".join(json.dumps(line) for line in feedback) + "\n").encode())


def run(store, **input):
    return call_step(monitor_model, {"modelName": "demo", "windowEnd": "2026-12-07T06:00:00Z", **input}, make_context(store, step="monitor-model"))


def test_shifted_inputs_are_reported_as_drift_naming_the_feature_with_report_and_summary():
    store, rng = memory_store(), np.random.default_rng(5)
    registered(store, rng)
    log(store, rng, hours=4, per_hour=100, shift=1.5, feedback_accuracy=0.8)
    result = run(store, windowHours=6)
    out = result["output"]
    assert out["model"] == {"name": "demo", "version": VERSION}
    assert out["samples"] == 400
    assert out["drift"]["detected"] is True
    assert out["drift"]["features"] == ["b"]
    assert out["drift"]["value"] > 0.2
    assert out["accuracy"] == {"live": pytest.approx(0.8), "labeled": 400, "holdout": 0.9167}
    assert out["retraining"] == {"pipeline": "train-classifier", "parameters": PARAMETERS}
    assert out["summary"]["uri"].endswith("monitoring/demo/20261207T060000Z/summary.json")
    summary = json.loads(store.backend.read("monitoring/demo/20261207T060000Z/summary.json"))
    assert [point["samples"] for point in summary["series"]] == [0, 0, 100, 100, 100, 100]
    assert all(point["maxPsi"] > 0.2 for point in summary["series"][2:])
    assert summary["predictions"]["holdout"] == {"0": 60.0, "1": 60.0}
    html = store.backend.read("monitoring/demo/20261207T060000Z/report.html").decode()
    assert "Drift detected" in html and "<svg" in html and "<script" not in html and "http" not in html.split("<body>")[1]
    assert result["metrics"]["drift"] == out["drift"]["value"]


def test_unshifted_inputs_are_not_drift():
    store, rng = memory_store(), np.random.default_rng(6)
    registered(store, rng)
    log(store, rng, hours=3, per_hour=100, shift=0.0)
    out = run(store, windowHours=3)["output"]
    assert out["samples"] == 300
    assert out["drift"]["detected"] is False, out["drift"]
    assert out["drift"]["value"] < 0.2
    assert out["accuracy"]["live"] is None and out["accuracy"]["labeled"] == 0


def test_too_few_rows_decide_nothing_even_when_shifted():
    store, rng = memory_store(), np.random.default_rng(7)
    registered(store, rng)
    log(store, rng, hours=1, per_hour=50, shift=3.0)
    out = run(store, windowHours=2)["output"]
    assert out["samples"] == 50
    assert out["drift"]["detected"] is False
    assert "fewer than minSamples 100" in out["drift"]["reason"]
    assert run(store, windowHours=2, thresholds={"minSamples": 20})["output"]["drift"]["detected"] is True


def test_records_outside_the_window_and_malformed_lines_are_left_out():
    store, rng = memory_store(), np.random.default_rng(8)
    registered(store, rng)
    log(store, rng, hours=3, per_hour=100, shift=0.0)
    hour = END - timedelta(hours=1)
    store.put_bytes(f"inference-log/demo/date={hour:%Y-%m-%d}/hour={hour:%H}/bad.jsonl", b'not json\n{"requestId": 1}\n')
    out = run(store, windowHours=2)["output"]
    assert out["samples"] == 200, "the third hour is outside a two-hour window"
    summary = json.loads(store.backend.read("monitoring/demo/20261207T060000Z/summary.json"))
    assert summary["skippedLines"] == 2


def test_a_model_without_production_version_is_refused_naming_the_field():
    with pytest.raises(StepInputError) as refused:
        run(memory_store(), windowHours=1)
    assert refused.value.issues[0]["path"] == "modelName"
    assert "no production version" in str(refused.value)

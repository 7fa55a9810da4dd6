"""train-epochs against the in-memory artifact store and a stand-in orchestrator: progress and checkpoints
per epoch, resuming after a killed attempt with the same result, padding, input checks, and evaluate
scoring its model unchanged."""

from __future__ import annotations

import json
import os
import time
import types

import numpy as np
import pytest
import skops.io

from baton_step import ErrorType, StepInputError
from baton_step.app import create_app
from baton_step.envelope import load_validator
from baton_step.handler_loader import load_handler
from baton_step.secrets import SecretReader
from baton_step.step_schema import load_step_schema
from baton_step.testing import call_step, TEST_STEP_KEY, signing_client, ProgressServer, make_context, memory_store

HERE = os.path.dirname(os.path.abspath(__file__))
ingest = load_handler(os.path.join(HERE, "..", "ingest"), module_name="ingest_handler")
evaluate = load_handler(os.path.join(HERE, "..", "evaluate"), module_name="evaluate_handler")
train_epochs = load_handler(HERE, module_name="train_epochs_handler")
REPORT_SCHEMA = load_validator(definition="progressReport")


class Killed(Exception):
    """Stands for the replica dying right after a given epoch's checkpoint was reported."""


@pytest.fixture
def store():
    return memory_store()


@pytest.fixture
def dataset(store):
    return ingest.handle({"dataset": "breast_cancer"}, make_context(store, step="ingest"))["output"]["dataset"]


def checkpoint_reports(reports):
    return [r for r in reports if "checkpoint" in r]


def read_json(store, ref, tmp_path, name):
    with open(store.get_to_file(ref, str(tmp_path / name)), encoding="utf-8") as file:
        return json.load(file)


def coefficients(store, ref, tmp_path, name):
    model = skops.io.load(store.get_to_file(ref, str(tmp_path / name)), trusted=[])
    return model.named_steps["model"].coef_


def test_five_epochs_report_five_checkpoints_and_progress(store, dataset, tmp_path):
    with ProgressServer() as server:
        with make_context(store, step="fit", workflow_id="wf-e", progress_url=server.url) as ctx:
            result = call_step(train_epochs, {"dataset": dataset, "epochs": 5}, ctx)
        reports = server.reports
    assert not [e for r in reports for e in REPORT_SCHEMA.iter_errors(r)]
    saved = [k for k in store.backend.puts if "/checkpoints/" in k]
    assert saved == [f"runs/wf-e/fit/checkpoints/epoch-{n}.skops" for n in range(1, 6)]

    # Each epoch: one report with its fraction and metrics, then one naming its new checkpoint as well.
    firsts = []
    for report in reports:
        if "checkpoint" in report and report["checkpoint"]["uri"] not in [f["checkpoint"]["uri"] for f in firsts]:
            firsts.append(report)
    assert [r["checkpoint"]["uri"] for r in firsts] == [f"s3://baton-test/{k}" for k in saved]
    assert [r["epoch"] for r in firsts] == [1, 2, 3, 4, 5]
    assert [r["fraction"] for r in firsts] == [0.2, 0.4, 0.6, 0.8, 1.0] and all("loss" in r["metrics"] for r in firsts)
    progress = [r for r in reports if r["fraction"] > 0 and r["epoch"] == round(r["fraction"] * 5)]
    assert sorted({r["fraction"] for r in progress}) == [0.2, 0.4, 0.6, 0.8, 1.0]
    last = reports[-1]
    assert last["fraction"] == 1.0 and last["epoch"] == 5 and last["checkpoint"] == firsts[-1]["checkpoint"]
    assert set(last["metrics"]) == {"loss", "accuracy"} and last["metrics"]["accuracy"] > 0.9
    assert "resumedFromEpoch" not in last

    out = result["output"]
    assert out["model"]["artifact"]["uri"] == "s3://baton-test/runs/wf-e/fit/model.skops"
    assert out["holdout"]["uri"] == "s3://baton-test/runs/wf-e/fit/holdout.csv"
    # The curve: one point per epoch, the very loss and accuracy each epoch's progress report carried.
    assert out["curve"]["uri"] == "s3://baton-test/runs/wf-e/fit/curve.json"
    assert store.backend.objects[("baton-test", "runs/wf-e/fit/curve.json")][1] == "application/json"
    curve = read_json(store, out["curve"], tmp_path, "curve.json")
    assert [p["epoch"] for p in curve] == [1, 2, 3, 4, 5]
    assert [{"loss": p["loss"], "accuracy": p["accuracy"]} for p in curve] == [r["metrics"] for r in firsts]
    assert curve[-1]["loss"] < curve[0]["loss"] and all(0 <= p["accuracy"] <= 1 for p in curve)
    assert (out["model"]["type"], out["model"]["format"], out["model"]["classes"]) == ("sgd_classifier", "skops", [0, 1])
    assert out["model"]["params"] == {"loss": "log_loss", "alpha": 0.0001, "epochs": 5}
    assert (out["trainRows"], out["holdoutRows"]) == (455, 114)
    assert result["metrics"]["epochs"] == 5 and result["metrics"]["trainAccuracy"] > 0.95
    assert "resumedFromEpoch" not in result["metrics"]


def test_a_killed_attempt_resumes_after_its_last_checkpoint_with_the_same_result(store, dataset, tmp_path):
    request = {"dataset": dataset, "epochs": 6, "split": {"seed": 7}}
    uninterrupted = call_step(train_epochs, request, make_context(store, step="whole", workflow_id="wf-a"))

    with ProgressServer() as server:
        # Attempt 1 dies after epoch 3 (its checkpoint saved and reported).
        first = make_context(store, step="fit", workflow_id="wf-b", progress_url=server.url)
        real_save = first.checkpoint.save_file

        def save_then_die(path, epoch, ext=None):
            ref = real_save(path, epoch, ext)
            if epoch == 3:
                raise Killed()
            return ref

        first.checkpoint.save_file = save_then_die
        with first, pytest.raises(Killed):
            call_step(train_epochs, request, first)
        # What the orchestrator keeps: the newest report; the next attempt's envelope carries its checkpoint.
        checkpoint = server.reports[-1]["checkpoint"]
        assert checkpoint["uri"].endswith("/wf-b/fit/checkpoints/epoch-3.skops")
        count = len(server.reports)

        with make_context(store, step="fit", workflow_id="wf-b", progress_url=server.url, checkpoint=checkpoint, attempt=2) as second:
            resumed = call_step(train_epochs, request, second)
        later = server.reports[count:]

    assert later[0] == {"fraction": 0.0, "checkpoint": checkpoint}  # alive at once, still naming epoch 3
    assert all(r["resumedFromEpoch"] == 3 for r in later[1:])
    assert later[2] == {"fraction": 0.5, "epoch": 3, "checkpoint": checkpoint, "resumedFromEpoch": 3,
                        "message": "resumed after epoch 3 from its checkpoint"}
    assert sorted({r["epoch"] for r in later if "metrics" in r}) == [4, 5, 6]  # epochs 1-3 are not redone
    assert [k for k in store.backend.puts if "wf-b/fit/checkpoints" in k] == [
        f"runs/wf-b/fit/checkpoints/epoch-{n}.skops" for n in (1, 2, 3, 4, 5, 6)
    ]
    assert resumed["metrics"] == {**uninterrupted["metrics"], "resumedFromEpoch": 3}
    # The curve is complete after the resume: epochs 1-3 come from the checkpoint, 4-6 from the second attempt,
    # and it is the uninterrupted run's curve, point for point.
    curve = read_json(store, resumed["output"]["curve"], tmp_path, "resumed-curve.json")
    assert [p["epoch"] for p in curve] == [1, 2, 3, 4, 5, 6]
    assert curve == read_json(store, uninterrupted["output"]["curve"], tmp_path, "whole-curve.json")

    # Same model, so the same holdout accuracy as the uninterrupted run.
    np.testing.assert_array_equal(
        coefficients(store, resumed["output"]["model"]["artifact"], tmp_path, "a"),
        coefficients(store, uninterrupted["output"]["model"]["artifact"], tmp_path, "b"),
    )
    scores = [
        evaluate.handle({"model": r["output"]["model"], "holdout": r["output"]["holdout"]}, make_context(store, step="evaluate"))
        for r in (uninterrupted, resumed)
    ]
    assert scores[0]["metrics"]["accuracy"] == scores[1]["metrics"]["accuracy"] > 0.9


def test_a_checkpoint_of_other_settings_is_not_resumed(store, dataset, capsys):
    first = make_context(store, step="fit")
    call_step(train_epochs, {"dataset": dataset, "epochs": 2}, first)
    checkpoint = first.checkpoint.latest
    result = call_step(train_epochs, {"dataset": dataset, "epochs": 2, "alpha": 0.01}, make_context(store, step="fit", checkpoint=checkpoint))
    assert "resumedFromEpoch" not in result["metrics"]
    assert "trained on other data, split or alpha" in capsys.readouterr().err


def test_a_checkpoint_without_a_curve_resumes_and_the_curve_starts_after_it(store, dataset, tmp_path, capsys):
    # A checkpoint written before the curve existed: same state, no "curve" key.
    first = make_context(store, step="fit", workflow_id="wf-old")
    call_step(train_epochs, {"dataset": dataset, "epochs": 2}, first)
    state = skops.io.load(store.get_to_file(first.checkpoint.latest, str(tmp_path / "new.skops")), trusted=[])
    del state["curve"]
    skops.io.dump(state, str(tmp_path / "old.skops"))
    old = store.put_file("runs/wf-old/fit/checkpoints/epoch-2.skops", str(tmp_path / "old.skops"))

    result = call_step(train_epochs, {"dataset": dataset, "epochs": 4}, make_context(store, step="fit", workflow_id="wf-old", checkpoint=old, attempt=2))
    assert result["metrics"]["resumedFromEpoch"] == 2
    assert [p["epoch"] for p in read_json(store, result["output"]["curve"], tmp_path, "curve.json")] == [3, 4]
    assert "checkpoint has no curve of epochs 1..2: curve.json starts at epoch 3" in capsys.readouterr().err


def test_a_tampered_checkpoint_means_starting_over(store, dataset, capsys):
    first = make_context(store, step="fit")
    call_step(train_epochs, {"dataset": dataset, "epochs": 2}, first)
    checkpoint = first.checkpoint.latest
    store.put_bytes(checkpoint["uri"].split("/", 3)[3], b"not the checkpoint")
    result = call_step(train_epochs, {"dataset": dataset, "epochs": 2}, make_context(store, step="fit", checkpoint=checkpoint))
    assert "resumedFromEpoch" not in result["metrics"] and result["metrics"]["epochs"] == 2
    assert "does not match its reference" in capsys.readouterr().err


def test_seconds_per_epoch_pads_each_epoch(store, dataset):
    started = time.monotonic()
    call_step(train_epochs, {"dataset": dataset, "epochs": 3, "secondsPerEpoch": 0.3}, make_context(store))
    assert time.monotonic() - started >= 0.9


def test_through_the_wrapper_a_cancel_stops_the_training_with_409(store, dataset):
    module = types.ModuleType("handler")
    module.handle = train_epochs.handle
    app = create_app(module, load_validator(), SecretReader("/nonexistent"), lambda: store, "train-epochs", progress_interval=0.05, step_key=TEST_STEP_KEY,
                     input_schema=load_step_schema(HERE))
    run = {"workflowId": "wf-c", "runId": "r", "pipeline": "p", "step": "fit", "attempt": 1}
    # The orchestrator asks to cancel while epoch 1 pads for 10 s: the keep-alive hears it, the padding stops.
    with ProgressServer() as server:
        server.answer = lambda report: (200, {"cancelRequested": len(server.reports) >= 4})
        started = time.monotonic()
        response = signing_client(app).post("/", data=json.dumps({
            "input": {"dataset": dataset, "epochs": 50, "secondsPerEpoch": 10}, "run": run, "progressUrl": server.url,
        }), headers={"Content-Type": "application/json"})
    assert response.status_code == 409 and response.get_json()["error"]["type"] == ErrorType.CANCELLED
    assert time.monotonic() - started < 5
    assert [k for k in store.backend.puts if k.startswith("runs/wf-c/")] == []  # stopped before epoch 1's checkpoint
    assert not store.exists("runs/wf-c/fit/model.skops")


@pytest.mark.parametrize(
    "patch, path",
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": 1001}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"epochs": "20"}, "epochs"),
        ({"secondsPerEpoch": -1}, "secondsPerEpoch"),
        ({"secondsPerEpoch": 601}, "secondsPerEpoch"),
        ({"alpha": 0}, "alpha"),
        ({"alpha": True}, "alpha"),
        ({"split": {"testSize": 1}}, "split.testSize"),
        ({"split": {"seed": -1}}, "split.seed"),
        ({"split": {"shuffle": True}}, "split.shuffle"),
        ({"learningRate": "optimal"}, "learningRate"),
        ({"dataset": None}, "dataset"),
    ],
)
def test_bad_input_names_the_field(store, dataset, patch, path):
    before = list(store.backend.puts)
    with pytest.raises(StepInputError) as caught:
        call_step(train_epochs, {"dataset": dataset, **patch}, make_context(store))
    assert [issue["path"] for issue in caught.value.issues] == [path]
    assert store.backend.puts == before  # refused before any work


def test_integral_floats_and_defaults(store, dataset):
    result = call_step(train_epochs, {"dataset": dataset, "epochs": 2.0, "split": {"seed": 3.0}}, make_context(store))
    assert result["output"]["model"]["params"]["epochs"] == 2


@pytest.mark.parametrize("name", ["iris", "wine"])
def test_multiclass_model_is_scored_by_evaluate(store, name):
    data = ingest.handle({"dataset": name}, make_context(store, step="ingest"))["output"]["dataset"]
    out = call_step(train_epochs, {"dataset": data, "epochs": 10}, make_context(store, step="fit"))["output"]
    scored = evaluate.handle({"model": out["model"], "holdout": out["holdout"]}, make_context(store, step="evaluate"))
    assert scored["metrics"]["accuracy"] > 0.8 and out["model"]["classes"] == [0, 1, 2]

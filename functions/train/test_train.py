"""train end to end against the in-memory artifact store, and its hyperparameter allow-list."""

from __future__ import annotations

import csv
import io
import os

import pytest
import skops.io

from baton_step import ArtifactIntegrityError, StepInputError
from baton_step.handler_loader import load_handler
from baton_step.testing import call_step, make_context, memory_store

HERE = os.path.dirname(os.path.abspath(__file__))
ingest = load_handler(os.path.join(HERE, "..", "ingest"), module_name="ingest_handler")
train = load_handler(HERE, module_name="train_handler")


@pytest.fixture
def store():
    return memory_store()


@pytest.fixture
def dataset(store):
    return ingest.handle({"dataset": "breast_cancer"}, make_context(store, step="ingest"))["output"]["dataset"]


def test_logistic_regression_with_defaults(store, dataset):
    result = call_step(train, {"dataset": dataset}, make_context(store, step="train", workflow_id="wf-9"))
    out = result["output"]
    model = out["model"]
    assert model["artifact"]["uri"] == "s3://baton-test/runs/wf-9/train/model.skops"
    assert out["holdout"]["uri"] == "s3://baton-test/runs/wf-9/train/holdout.csv"
    assert (model["format"], model["type"], model["target"]) == ("skops", "logistic_regression", "target")
    assert model["params"] == {"C": 1.0, "max_iter": 1000}
    assert model["features"] == dataset["columns"] and model["classes"] == [0, 1]
    assert (out["trainRows"], out["holdoutRows"]) == (455, 114)
    assert result["metrics"]["trainAccuracy"] > 0.95

    holdout = list(csv.reader(io.StringIO(store.backend.read("runs/wf-9/train/holdout.csv").decode())))
    assert holdout[0] == [*dataset["columns"], "target"] and len(holdout) == 115
    # The model file is skops (a zip of JSON + arrays), not a pickle.
    assert store.backend.read("runs/wf-9/train/model.skops")[:2] == b"PK"


def test_random_forest_with_params(store, dataset):
    params = {"n_estimators": 20, "max_depth": 5, "min_samples_leaf": 2}
    out = call_step(train, {"dataset": dataset, "model": {"type": "random_forest", "params": params}, "split": {"testSize": 0.25, "seed": 7}},
                       make_context(store, step="train"))["output"]
    assert out["model"]["params"] == params and out["holdoutRows"] == 143


def test_same_seed_same_split(store, dataset):
    first = call_step(train, {"dataset": dataset}, make_context(store, step="a"))["output"]["holdout"]
    second = call_step(train, {"dataset": dataset}, make_context(store, step="b"))["output"]["holdout"]
    other = call_step(train, {"dataset": dataset, "split": {"seed": 1}}, make_context(store, step="c"))["output"]["holdout"]
    assert first["sha256"] == second["sha256"] != other["sha256"]


def test_integral_floats_are_integers(store, dataset):
    out = call_step(train, {"dataset": dataset, "model": {"type": "logistic_regression", "params": {"max_iter": 200.0, "C": 2}}}, make_context(store))["output"]
    assert out["model"]["params"] == {"C": 2.0, "max_iter": 200}


@pytest.mark.parametrize(
    "model, path",
    [
        ({"type": "logistic_regression", "params": {"C": 0}}, "model.params.C"),
        ({"type": "logistic_regression", "params": {"C": -1.5}}, "model.params.C"),
        ({"type": "logistic_regression", "params": {"C": "1"}}, "model.params.C"),
        ({"type": "logistic_regression", "params": {"max_iter": 0}}, "model.params.max_iter"),
        ({"type": "logistic_regression", "params": {"max_iter": 10001}}, "model.params.max_iter"),
        ({"type": "logistic_regression", "params": {"max_iter": 1.5}}, "model.params.max_iter"),
        ({"type": "logistic_regression", "params": {"penalty": "l1"}}, "model.params.penalty"),
        ({"type": "random_forest", "params": {"n_estimators": 0}}, "model.params.n_estimators"),
        ({"type": "random_forest", "params": {"n_estimators": 1001}}, "model.params.n_estimators"),
        ({"type": "random_forest", "params": {"max_depth": 0}}, "model.params.max_depth"),
        ({"type": "random_forest", "params": {"max_depth": 101}}, "model.params.max_depth"),
        ({"type": "random_forest", "params": {"min_samples_leaf": 0}}, "model.params.min_samples_leaf"),
        ({"type": "random_forest", "params": {"min_samples_leaf": True}}, "model.params.min_samples_leaf"),
        ({"type": "random_forest", "params": {"C": 1}}, "model.params.C"),
        ({"type": "svm"}, "model.type"),
        ({"type": "logistic_regression", "params": [1]}, "model.params"),
        ({"type": "logistic_regression", "kind": "x"}, "model.kind"),
    ],
)
def test_bad_hyperparameters_name_the_field(store, dataset, model, path):
    before = list(store.backend.puts)
    with pytest.raises(StepInputError) as caught:
        call_step(train, {"dataset": dataset, "model": model}, make_context(store))
    assert [issue["path"] for issue in caught.value.issues] == [path]
    assert store.backend.puts == before  # refused before any work


def test_every_problem_is_reported_at_once(store, dataset):
    raw = {"dataset": {}, "model": {"type": "logistic_regression", "params": {"C": 0, "max_iter": 0}}, "split": {"testSize": 1, "seed": -1}, "extra": 1}
    with pytest.raises(StepInputError) as caught:
        call_step(train, raw, make_context(store))
    paths = {issue["path"] for issue in caught.value.issues}
    assert {"extra", "dataset.data", "dataset.columns", "model.params.C", "model.params.max_iter", "split.testSize", "split.seed"} <= paths


def test_tampered_dataset_is_refused(store, dataset):
    key = dataset["data"]["uri"].split("/", 3)[3]
    store.put_bytes(key, store.backend.read(key).replace(b"\n1", b"\n0", 1))
    with pytest.raises(ArtifactIntegrityError, match=dataset["data"]["uri"]):
        call_step(train, {"dataset": dataset}, make_context(store))


def test_columns_missing_from_the_csv(store, dataset):
    with pytest.raises(StepInputError) as caught:
        call_step(train, {"dataset": {**dataset, "columns": ["no such column"]}}, make_context(store))
    assert caught.value.issues[0]["path"] == "dataset.data"


def test_saved_model_predicts(store, dataset, tmp_path):
    out = call_step(train, {"dataset": dataset}, make_context(store, step="train"))["output"]
    path = store.get_to_file(out["model"]["artifact"], str(tmp_path / "m.skops"))
    model = skops.io.load(path, trusted=[])
    assert list(model.named_steps) == ["scaler", "model"]

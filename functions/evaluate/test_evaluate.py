"""evaluate end to end (ingest -> train -> evaluate) and its refusal of untrusted model types."""

from __future__ import annotations

import builtins
import json
import os

import pytest
import skops.io
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from baton_step import StepInputError
from baton_step.handler_loader import load_handler
from baton_step.testing import make_context, memory_store

HERE = os.path.dirname(os.path.abspath(__file__))
ingest = load_handler(os.path.join(HERE, "..", "ingest"), module_name="ingest_handler")
train = load_handler(os.path.join(HERE, "..", "train"), module_name="train_handler")
evaluate = load_handler(HERE, module_name="evaluate_handler")


@pytest.fixture
def store():
    return memory_store()


def run_pipeline(store, dataset="breast_cancer", model=None):
    data = ingest.handle({"dataset": dataset}, make_context(store, step="ingest"))["output"]["dataset"]
    trained = train.handle({"dataset": data, **({"model": model} if model else {})}, make_context(store, step="train"))["output"]
    result = evaluate.handle({"model": trained["model"], "holdout": trained["holdout"]}, make_context(store, step="evaluate"))
    return trained, result


def test_breast_cancer_pipeline_scores_well(store):
    trained, result = run_pipeline(store)
    out = result["output"]
    assert out["metrics"]["accuracy"] > 0.9
    assert all(0.9 < out["metrics"][name] <= 1 for name in ("f1", "precision", "recall"))
    assert out["metrics"]["holdoutRows"] == trained["holdoutRows"] == 114
    assert out["labels"] == [0, 1]
    assert sum(map(sum, out["confusionMatrix"])) == 114
    assert result["metrics"] == out["metrics"]
    assert out["report"]["uri"] == "s3://baton-test/runs/wf-test/evaluate/report.json"
    report = json.loads(store.backend.read("runs/wf-test/evaluate/report.json"))
    assert report["metrics"] == out["metrics"] and report["model"] == trained["model"]["artifact"]
    assert [c["label"] for c in report["perClass"]] == [0, 1]


@pytest.mark.parametrize("dataset", ["iris", "wine", "digits"])
def test_random_forest_loads_with_its_allowed_tree_type(store, dataset):
    _, result = run_pipeline(store, dataset, {"type": "random_forest", "params": {"n_estimators": 30}})
    assert result["output"]["metrics"]["accuracy"] > 0.85


def test_untrusted_type_is_refused(store, tmp_path):
    trained, _ = run_pipeline(store)
    evil = Pipeline([("evil", FunctionTransformer(func=builtins.eval)), ("model", LogisticRegression())])
    path = str(tmp_path / "evil.skops")
    skops.io.dump(evil, path)
    model = {**trained["model"], "artifact": store.put_file("runs/x/train/model.skops", path)}
    puts = len(store.backend.puts)
    with pytest.raises(StepInputError, match="builtins.eval") as caught:
        evaluate.handle({"model": model, "holdout": trained["holdout"]}, make_context(store, step="evaluate"))
    assert caught.value.issues[0]["path"] == "model.artifact"
    assert len(store.backend.puts) == puts  # no report


def test_not_a_skops_file(store):
    trained, _ = run_pipeline(store)
    model = {**trained["model"], "artifact": store.put_bytes("junk.skops", b"not a zip")}
    with pytest.raises(StepInputError) as caught:
        evaluate.handle({"model": model, "holdout": trained["holdout"]}, make_context(store))
    assert caught.value.issues[0]["path"] == "model.artifact"


@pytest.mark.parametrize(
    "raw, path",
    [
        ({"model": {"artifact": {}, "features": ["a"]}, "holdout": None}, "model.artifact"),
        ({"holdout": None}, "model"),
        ({"model": None, "holdout": {"uri": "s3://b/k", "sha256": "x", "size": 1}}, "holdout"),
        ("x", ""),
    ],
)
def test_bad_input_names_the_field(store, raw, path):
    with pytest.raises(StepInputError) as caught:
        evaluate.handle(raw, make_context(store))
    assert path in [issue["path"] for issue in caught.value.issues]

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

from baton_ml import RegistryError
from baton_step import ArtifactIntegrityError, StepInputError
from baton_step.handler_loader import load_handler
from baton_step.testing import call_step, make_context, memory_store

HERE = os.path.dirname(os.path.abspath(__file__))
ingest = load_handler(os.path.join(HERE, "..", "ingest"), module_name="ingest_handler")
train = load_handler(os.path.join(HERE, "..", "train"), module_name="train_handler")
evaluate = load_handler(HERE, module_name="evaluate_handler")


@pytest.fixture
def store():
    return memory_store()


def run_pipeline(store, dataset="breast_cancer", model=None):
    data = ingest.handle({"dataset": dataset}, make_context(store, step="ingest"))["output"]["dataset"]
    trained = call_step(train, {"dataset": data, **({"model": model} if model else {})}, make_context(store, step="train"))["output"]
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


# --- compareWith: the candidate against the model now in production ------------------------------------------------

def register(store, name, trained_model, promote=True):
    """Puts a trained model in the registry as register-model and promote-model lay it out; returns the version."""
    data = store.get_bytes(trained_model["artifact"])
    version = trained_model["artifact"]["sha256"][:12]
    ref = store.put_bytes(f"models/{name}/{version}/model.skops", data)
    store.put_json(f"models/{name}/{version}/model.json", {
        "name": name, "version": version, "model": {**ref, "format": "skops", "type": trained_model["type"]},
        "features": trained_model["features"], "classes": trained_model["classes"], "target": trained_model["target"],
    })
    if promote:
        store.put_json(f"models/{name}/production.json", {"version": version, "model": ref, "promotedAt": "2025-01-01T00:00:00Z", "by": "test", "reason": "test"})
    return version


def evaluate_against(store, trained, name="wine"):
    ctx = make_context(store, step="evaluate")
    return evaluate.handle({"model": trained["model"], "holdout": trained["holdout"], "compareWith": {"modelName": name}}, ctx)


@pytest.fixture
def wine(store):
    """Two models trained on the same wine split: a weak one in production and a random forest as the candidate."""
    data = ingest.handle({"dataset": "wine"}, make_context(store, step="ingest"))["output"]["dataset"]
    weak = call_step(train, {"dataset": data, "model": {"type": "logistic_regression", "params": {"C": 0.0005}}}, make_context(store, step="train-weak"))["output"]
    candidate = call_step(train, {"dataset": data, "model": {"type": "random_forest", "params": {"n_estimators": 50}}}, make_context(store, step="train"))["output"]
    return weak, candidate


def test_the_production_model_is_scored_on_the_same_holdout(store, wine):
    weak, candidate = wine
    version = register(store, "wine", weak["model"])
    result = evaluate_against(store, candidate)["output"]
    assert result["production"]["version"] == version
    production = result["production"]["metrics"]
    assert production["holdoutRows"] == result["metrics"]["holdoutRows"] == candidate["holdoutRows"]
    assert production["accuracy"] < result["metrics"]["accuracy"], "a C=0.0005 model scores worse than the forest"
    alone = evaluate.handle({"model": weak["model"], "holdout": candidate["holdout"]}, make_context(store, step="alone"))["output"]
    assert production == alone["metrics"], "the same scores as evaluating the production model by itself"
    assert "production" not in alone, "without compareWith the output keeps its old shape"
    report = json.loads(store.backend.read("runs/wf-test/evaluate/report.json"))
    assert report["production"]["version"] == version and report["production"]["modelName"] == "wine"
    assert report["production"]["confusionMatrix"] == alone["confusionMatrix"]


def test_no_production_version_gives_null_and_says_why(store, wine, capsys):
    weak, candidate = wine
    register(store, "wine", weak["model"], promote=False)
    assert evaluate_against(store, candidate)["output"]["production"] is None
    assert 'model "wine" has no production version' in capsys.readouterr().err


def test_the_candidate_itself_in_production_is_not_compared(store, wine, capsys):
    _, candidate = wine
    register(store, "wine", candidate["model"])
    assert evaluate_against(store, candidate)["output"]["production"] is None
    assert "which is in production" in capsys.readouterr().err


def test_a_production_model_with_other_features_gives_null_and_says_why(store, capsys):
    iris = ingest.handle({"dataset": "iris"}, make_context(store, step="ingest"))["output"]["dataset"]
    wine = ingest.handle({"dataset": "wine"}, make_context(store, step="ingest"))["output"]["dataset"]
    other = call_step(train, {"dataset": iris}, make_context(store, step="train-iris"))["output"]
    candidate = call_step(train, {"dataset": wine}, make_context(store, step="train"))["output"]
    register(store, "wine", other["model"])
    assert evaluate_against(store, candidate)["output"]["production"] is None
    assert "not compared" in capsys.readouterr().err


def evaluate_step(store, trained, name="wine"):
    """evaluate through the wrapper's contract (input and output checked against step.schema.json)."""
    return call_step(evaluate, {"model": trained["model"], "holdout": trained["holdout"], "compareWith": {"modelName": name}},
                     make_context(store, step="evaluate"))["output"]


def signature_of(trained_model):
    return {"inputs": [{"name": name, "type": "float64"} for name in trained_model["features"]],
            "output": {"classes": trained_model["classes"], "target": trained_model["target"]}}


def test_in_production_names_the_scored_version_and_its_signature(store, wine):
    weak, candidate = wine
    version = register(store, "wine", weak["model"])
    output = evaluate_step(store, candidate)
    assert output["production"]["version"] == version
    assert output["inProduction"] == {"version": version, "signature": signature_of(weak["model"])}, (
        "a model.json without a signature (registered before them) signs as its features and classes"
    )
    assert json.loads(store.backend.read("runs/wf-test/evaluate/report.json"))["inProduction"] == output["inProduction"]


def test_in_production_says_why_a_version_with_other_features_was_not_scored(store):
    """The breast-cancer demo model in production, a wine model as the candidate (issue 14's scenario)."""
    cancer = ingest.handle({"dataset": "breast_cancer"}, make_context(store, step="ingest"))["output"]["dataset"]
    wine = ingest.handle({"dataset": "wine"}, make_context(store, step="ingest"))["output"]["dataset"]
    demo = call_step(train, {"dataset": cancer}, make_context(store, step="train-demo"))["output"]
    candidate = call_step(train, {"dataset": wine}, make_context(store, step="train"))["output"]
    version = register(store, "classifier", demo["model"])
    recorded = {"inputs": [{"name": "recorded", "type": "float64"}], "output": {"classes": [0, 1]}}
    key = f"models/classifier/{version}/model.json"
    store.put_json(key, {**json.loads(store.backend.read(key)), "signature": recorded})
    output = evaluate_step(store, candidate, name="classifier")
    assert output["production"] is None, "not scored: its scores on wine rows would mean nothing"
    assert output["inProduction"] == {"version": version, "signature": recorded, "notScored": "it reads other features"}, (
        "model.json's own signature when it has one"
    )


def test_in_production_is_null_when_nothing_is_and_says_when_it_is_the_candidate(store, wine):
    weak, candidate = wine
    register(store, "wine", weak["model"], promote=False)
    assert evaluate_step(store, candidate)["inProduction"] is None
    version = register(store, "wine", candidate["model"])
    assert evaluate_step(store, candidate)["inProduction"] == {
        "version": version, "signature": signature_of(candidate["model"]), "notScored": "it is this candidate"}


def test_a_malformed_recorded_signature_names_the_document(store, wine):
    weak, candidate = wine
    version = register(store, "wine", weak["model"])
    key = f"models/wine/{version}/model.json"
    store.put_json(key, {**json.loads(store.backend.read(key)), "signature": {"inputs": "a,b"}})
    with pytest.raises(RegistryError, match=f"{key}: signature.inputs"):
        evaluate_step(store, candidate)


def test_an_untrusted_production_model_is_refused_naming_compare_with(store, wine, tmp_path):
    weak, candidate = wine
    evil = Pipeline([("evil", FunctionTransformer(func=builtins.eval)), ("model", LogisticRegression())])
    path = str(tmp_path / "evil.skops")
    skops.io.dump(evil, path)
    register(store, "wine", {**weak["model"], "artifact": store.put_file("runs/x/train/model.skops", path)})
    with pytest.raises(StepInputError, match="builtins.eval") as caught:
        evaluate_against(store, candidate)
    assert caught.value.issues[0]["path"] == "compareWith.modelName"


def test_a_tampered_production_model_is_not_loaded(store, wine):
    weak, candidate = wine
    version = register(store, "wine", weak["model"])
    store.put_bytes(f"models/wine/{version}/model.skops", store.get_bytes(candidate["model"]["artifact"]))
    with pytest.raises(ArtifactIntegrityError, match=f"models/wine/{version}/model.skops"):
        evaluate_against(store, candidate)


@pytest.mark.parametrize(
    "compare_with, path",
    [({}, "compareWith.modelName"), ({"modelName": "Wine!"}, "compareWith.modelName"), ({"modelName": "wine", "x": 1}, "compareWith.x"), ("wine", "compareWith")],
)
def test_bad_compare_with_names_the_field(store, compare_with, path):
    trained, _ = run_pipeline(store)
    with pytest.raises(StepInputError) as caught:
        evaluate.handle({"model": trained["model"], "holdout": trained["holdout"], "compareWith": compare_with}, make_context(store))
    assert path in [issue["path"] for issue in caught.value.issues]

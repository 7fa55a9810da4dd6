"""Reading the model registry: pointer and metadata checks, verified downloads, the one allow-list of model types."""

from __future__ import annotations

import builtins
import hashlib

import pytest
import skops.io
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from baton_step import ArtifactIntegrityError, ArtifactNotFoundError
from baton_ml import RegistryError, UntrustedModelError, load_model, model_metadata, production
from baton_ml.registry import metadata_key, model_key, production_key
from baton_step.testing import memory_store

X, Y = load_iris(return_X_y=True)
FEATURES = ["a", "b", "c", "d"]


def fitted(estimator):
    return Pipeline([("scaler", StandardScaler()), ("model", estimator)]).fit(X, Y)


def register(store, name, pipeline_or_bytes, features=FEATURES, promote=True):
    data = pipeline_or_bytes if isinstance(pipeline_or_bytes, bytes) else skops.io.dumps(pipeline_or_bytes)
    version = hashlib.sha256(data).hexdigest()[:12]
    ref = store.put_bytes(model_key(name, version), data)
    store.put_json(metadata_key(name, version), {"name": name, "version": version, "model": {**ref, "format": "skops"}, "features": features})
    if promote:
        store.put_json(production_key(name), {"version": version, "model": ref, "promotedAt": "2025-01-01T00:00:00Z", "by": "t", "reason": "r"})
    return version, ref


@pytest.fixture
def store():
    return memory_store()


def test_keys_follow_the_layout():
    assert production_key("iris") == "models/iris/production.json"
    assert metadata_key("iris", "0123456789ab") == "models/iris/0123456789ab/model.json"
    assert model_key("iris", "0123456789ab") == "models/iris/0123456789ab/model.skops"
    with pytest.raises(ValueError, match="invalid model name"):
        production_key("../etc")
    with pytest.raises(ValueError, match="invalid model version"):
        model_key("iris", "../x")


def test_production_reads_the_pointer_as_stored_now(store):
    assert production(store, "iris") is None
    first, _ = register(store, "iris", fitted(LogisticRegression(max_iter=1000)))
    assert production(store, "iris")["version"] == first
    second, ref = register(store, "iris", fitted(LogisticRegression(C=0.1, max_iter=1000)))
    pointer = production(store, "iris")
    assert pointer["version"] == second and pointer["model"] == ref
    assert model_metadata(store, "iris", first)["features"] == FEATURES
    assert model_metadata(store, "iris", "0123456789ab") is None


@pytest.mark.parametrize(
    "document, complaint",
    [
        ("v1", "JSON object"),
        ({"version": "ABCDEF012345"}, "version must be"),
        ({"version": "0123456789ab", "model": {"uri": "s3://b/k"}}, "model must be an artifact reference"),
        ({"version": "0123456789ab", "model": {"uri": "s3://b/models/iris/0123456789ab/model.skops", "sha256": "f" * 64, "size": 1}}, "sha256"),
        ({"version": "ffffffffffff", "model": {"uri": "s3://b/models/other/ffffffffffff/model.skops", "sha256": "f" * 64, "size": 1}}, "must point at models/iris/ffffffffffff/model.skops"),
    ],
)
def test_a_malformed_pointer_is_a_registry_error_naming_key_and_field(store, document, complaint):
    store.put_json(production_key("iris"), document)
    with pytest.raises(RegistryError, match=complaint) as caught:
        production(store, "iris")
    assert "models/iris/production.json" in str(caught.value)


@pytest.mark.parametrize("features, complaint", [([], "features"), (["a", "a", "b", "c"], "repeat"), ("abcd", "features")])
def test_malformed_metadata_is_a_registry_error(store, features, complaint):
    version, _ = register(store, "iris", fitted(LogisticRegression(max_iter=1000)), features=features, promote=False)
    with pytest.raises(RegistryError, match=complaint):
        model_metadata(store, "iris", version)


@pytest.mark.parametrize(
    "estimator",
    [LogisticRegression(max_iter=1000), RandomForestClassifier(n_estimators=5, random_state=0), SGDClassifier(loss="log_loss", random_state=0)],
    ids=["logistic_regression", "random_forest", "sgd_classifier"],
)
def test_every_model_train_makes_loads(store, estimator):
    _, ref = register(store, "iris", fitted(estimator))
    model = load_model(store, production(store, "iris")["model"])
    assert isinstance(model, Pipeline) and model.score(X, Y) > 0.8
    assert ref == production(store, "iris")["model"]


def test_a_tampered_file_is_refused_before_loading(store):
    version, ref = register(store, "iris", fitted(LogisticRegression(max_iter=1000)))
    store.put_bytes(model_key("iris", version), skops.io.dumps(fitted(LogisticRegression(C=0.01, max_iter=1000))))
    with pytest.raises(ArtifactIntegrityError, match=f"models/iris/{version}/model.skops"):
        load_model(store, ref)


def test_a_missing_file_is_not_found(store):
    version, ref = register(store, "iris", fitted(LogisticRegression(max_iter=1000)))
    del store.backend.objects[(store.bucket, model_key("iris", version))]
    with pytest.raises(ArtifactNotFoundError):
        load_model(store, ref)


@pytest.mark.parametrize("func, refused", [(builtins.eval, "builtins.eval"), (builtins.exec, "builtins.exec")])
def test_a_type_outside_the_allow_list_is_refused_before_any_object_is_built(store, func, refused):
    evil = Pipeline([("evil", FunctionTransformer(func=func)), ("model", LogisticRegression())])
    _, ref = register(store, "iris", skops.io.dumps(evil))
    with pytest.raises(UntrustedModelError, match=refused) as caught:
        load_model(store, ref)
    assert "allow-list" in str(caught.value) and ref["uri"] in str(caught.value)


@pytest.mark.parametrize(
    "data, complaint",
    [(b"not a zip", "not a readable skops file"), (skops.io.dumps({"just": "a dict"}), "not a fitted scikit-learn Pipeline"),
     (skops.io.dumps(Pipeline([("model", LogisticRegression())])), "not a fitted scikit-learn Pipeline")],
    ids=["junk", "dict", "unfitted"],
)
def test_only_fitted_classifier_pipelines_load(store, data, complaint):
    _, ref = register(store, "iris", data)
    with pytest.raises(UntrustedModelError, match=complaint):
        load_model(store, ref)

"""predict against an in-memory registry laid out as register-model and promote-model write it."""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import types

import numpy as np
import pytest
import skops.io
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from baton_step import ArtifactIntegrityError, StepInputError
from baton_ml import RegistryError, UntrustedModelError
from baton_step.app import create_app
from baton_step.envelope import load_validator
from baton_step.handler_loader import load_handler
from baton_step.secrets import SecretReader
from baton_step.step_schema import load_step_schema
from baton_step.testing import call_step, TEST_STEP_KEY, bearer_headers, issue_api_key, signing_client, make_context, memory_store

HERE = os.path.dirname(os.path.abspath(__file__))
predict = load_handler(HERE, module_name="predict_handler")
import served_models  # noqa: E402 - beside the handler, importable once load_handler put its folder on sys.path

IRIS = load_iris()
FEATURES = list(IRIS.feature_names)


@pytest.fixture(autouse=True)
def fresh_cache():
    served_models.clear()
    yield
    served_models.clear()


def fit(estimator, data=IRIS.data):
    return Pipeline([("scaler", StandardScaler()), ("model", estimator)]).fit(data, IRIS.target)


def register(store, name, pipeline, features=FEATURES):
    """Writes models/<name>/<version>/{model.skops, model.json} as register-model does; returns the version."""
    data = skops.io.dumps(pipeline)
    version = hashlib.sha256(data).hexdigest()[:12]
    ref = store.put_bytes(f"models/{name}/{version}/model.skops", data)
    store.put_json(f"models/{name}/{version}/model.json", {
        "name": name, "version": version, "registeredAt": "2025-01-01T00:00:00Z",
        "model": {**ref, "format": "skops", "type": type(pipeline[-1]).__name__},
        "params": {}, "features": features, "classes": [0, 1, 2], "target": "target", "metrics": {}, "lineage": {},
    })
    return version


def promote(store, name, version):
    """Writes models/<name>/production.json as promote-model does."""
    metadata = json.loads(store.backend.read(f"models/{name}/{version}/model.json"))
    model = {key: metadata["model"][key] for key in ("uri", "sha256", "size")}
    store.put_json(f"models/{name}/production.json", {
        "version": version, "model": model, "promotedAt": "2025-01-01T00:00:00Z", "by": "test", "reason": "test",
    })


def count_gets(store):
    """Wraps the backend's get so a test can count reads per key."""
    gets: list[str] = []
    original = store.backend.get

    def get(bucket, key):
        gets.append(key)
        return original(bucket, key)

    store.backend.get = get
    return gets


@pytest.fixture
def registry():
    store = memory_store()
    logistic = register(store, "iris", fit(LogisticRegression(max_iter=1000)))
    forest = register(store, "iris", fit(RandomForestClassifier(n_estimators=20, random_state=1)))
    promote(store, "iris", logistic)
    return types.SimpleNamespace(store=store, logistic=logistic, forest=forest)


def call(store, input):
    return call_step(predict, input, make_context(store, step="predict"))


def test_serves_the_production_version(registry):
    rows = IRIS.data[::10].tolist()
    out = call(registry.store, {"model": "iris", "rows": rows})
    assert out["output"]["model"] == {"name": "iris", "version": registry.logistic}
    assert out["output"]["classes"] == [0, 1, 2]
    predictions = out["output"]["predictions"]
    assert len(predictions) == len(rows)
    assert np.mean(np.array(predictions) == IRIS.target[::10]) > 0.9
    probabilities = np.array(out["output"]["probabilities"])
    assert probabilities.shape == (len(rows), 3)
    assert np.allclose(probabilities.sum(axis=1), 1)
    assert out["metrics"] == {"rows": len(rows)}


def test_a_promotion_is_served_by_the_next_call_and_loaded_versions_stay_in_memory(registry):
    store = registry.store
    gets = count_gets(store)
    rows = IRIS.data[:3].tolist()
    assert call(store, {"model": "iris", "rows": rows})["output"]["model"]["version"] == registry.logistic
    promote(store, "iris", registry.forest)
    assert call(store, {"model": "iris", "rows": rows})["output"]["model"]["version"] == registry.forest
    promote(store, "iris", registry.logistic)  # a rollback: the old version is still in memory
    assert call(store, {"model": "iris", "rows": rows})["output"]["model"]["version"] == registry.logistic
    assert gets.count("models/iris/production.json") == 3, "production.json is read on every call"
    model_reads = [key for key in gets if key.endswith("/model.skops")]
    assert sorted(model_reads) == sorted([f"models/iris/{registry.logistic}/model.skops", f"models/iris/{registry.forest}/model.skops"])


def test_instances_by_feature_name_give_the_same_answer_as_rows(registry):
    rows = IRIS.data[45:55].tolist()
    instances = [dict(zip(reversed(FEATURES), reversed(row))) for row in rows]  # key order does not matter
    by_rows = call(registry.store, {"model": "iris", "rows": rows})["output"]
    by_name = call(registry.store, {"model": "iris", "instances": instances})["output"]
    assert by_name.pop("requestId") != by_rows.pop("requestId")  # each call is its own request
    assert by_name == by_rows


def test_missing_and_unknown_features_name_the_instance_and_feature(registry):
    instances = [dict(zip(FEATURES, row)) for row in IRIS.data[:5].tolist()]
    del instances[3]["petal width (cm)"]
    instances[4]["colour"] = 1.0
    with pytest.raises(StepInputError) as caught:
        call(registry.store, {"model": "iris", "instances": instances})
    assert {i["path"] for i in caught.value.issues} == {"instances.3.petal width (cm)", "instances.4.colour"}


def test_a_refusal_names_the_signature_the_served_version_expects(registry):
    """Issue 14: callers sending the demo's 30 features to a 13-feature model learn what it reads, in order."""
    with pytest.raises(StepInputError) as caught:
        call(registry.store, {"model": "iris", "rows": [list(range(30))]})
    assert caught.value.issues == [{"path": "rows.0", "message": caught.value.issues[0]["message"]}]
    assert caught.value.message.endswith(
        f'The model "iris" version {registry.logistic} expects 4 numbers per row, in this order: '
        f'{", ".join(FEATURES)} (rows: lists in this order; instances: objects keyed by these names)'
    )
    with pytest.raises(StepInputError, match=r"expects 4 numbers per row, in this order: sepal length \(cm\), "):
        call(registry.store, {"model": "iris", "instances": [{"mean radius": 1.0}]})


def test_a_long_signature_is_cut_to_fit_the_message_and_says_how_many_features(registry):
    pixels = [f"pixel_{i:04d}_{'x' * 20}" for i in range(200)]
    wide = Pipeline([("scaler", StandardScaler()), ("model", LogisticRegression(max_iter=200))]).fit(
        np.random.default_rng(1).random((30, 200)), [0, 1, 2] * 10)
    promote(registry.store, "wide", register(registry.store, "wide", wide, features=pixels))
    with pytest.raises(StepInputError) as caught:
        call(registry.store, {"model": "wide", "rows": [[1.0] * 3] * 30})
    message = caught.value.message
    assert "expects 200 numbers per row, in this order: pixel_0000_" in message
    assert "... (200 in all, see the version's model.json)" in message
    assert len(message) < 2000, "the wrapper cuts messages at 2000 characters"


@pytest.mark.parametrize(
    "rows, path",
    [
        ([[1.0, 2.0, 3.0]], "rows.0"),
        ([[1.0, 2.0, 3.0, 4.0], [1.0, "x", 3.0, 4.0]], "rows.1.1"),
        ([[1.0, 2.0, 3.0, True]], "rows.0.3"),
        ([[1.0, 2.0, 3.0, 10 ** 400]], "rows.0.3"),
        (["1,2,3,4"], "rows.0"),
    ],
)
def test_bad_rows_name_the_row_and_column(registry, rows, path):
    with pytest.raises(StepInputError) as caught:
        call(registry.store, {"model": "iris", "rows": rows})
    assert [i["path"] for i in caught.value.issues] == [path]


@pytest.mark.parametrize(
    "input, path",
    [
        ({"rows": [[1, 2, 3, 4]]}, "model"),
        ({"model": "Iris!", "rows": [[1, 2, 3, 4]]}, "model"),
        ({"model": "iris"}, "rows"),
        ({"model": "iris", "rows": [[1, 2, 3, 4]], "instances": []}, "instances"),  # the schema: empty
        ({"model": "iris", "rows": [[1, 2, 3, 4]], "instances": [{"a": 1}]}, "rows"),  # the handler: both
        ({"model": "iris", "rows": []}, "rows"),
        ({"model": "iris", "rows": [[1, 2, 3, 4]], "version": "latest"}, "version"),
        ({"model": "iris", "rows": [[1, 2, 3, 4]], "extra": 1}, "extra"),
    ],
)
def test_bad_requests_name_the_field(registry, input, path):
    with pytest.raises(StepInputError) as caught:
        call(registry.store, input)
    assert path in [i["path"] for i in caught.value.issues]


def test_more_rows_than_the_limit_are_refused_before_any_read(registry):
    gets = count_gets(registry.store)
    with pytest.raises(StepInputError, match="rows: at most 10000 items") as caught:
        call(registry.store, {"model": "iris", "rows": [[1, 2, 3, 4]] * 10_001})
    assert caught.value.issues[0]["path"] == "rows"
    assert gets == []
    assert len(call(registry.store, {"model": "iris", "rows": [[1, 2, 3, 4]] * 10_000})["output"]["predictions"]) == 10_000


def test_no_production_version_says_how_to_promote_one(registry):
    with pytest.raises(StepInputError, match=r"baton models promote wine <version>") as caught:
        call(registry.store, {"model": "wine", "rows": [[1, 2, 3, 4]]})
    assert caught.value.issues[0]["path"] == "model"


def test_a_pinned_version_is_served_whatever_production_says(registry):
    out = call(registry.store, {"model": "iris", "version": registry.forest, "rows": [[5.1, 3.5, 1.4, 0.2]]})["output"]
    assert out["model"] == {"name": "iris", "version": registry.forest}
    assert out["predictions"] == [0]
    with pytest.raises(StepInputError, match="has no version 0123456789ab") as caught:
        call(registry.store, {"model": "iris", "version": "0123456789ab", "rows": [[1, 2, 3, 4]]})
    assert caught.value.issues[0]["path"] == "version"


def test_a_tampered_model_file_is_refused_not_loaded_and_not_remembered(registry):
    store = registry.store
    key = f"models/iris/{registry.forest}/model.skops"
    genuine = store.backend.read(key)
    store.put_bytes(key, skops.io.dumps(fit(LogisticRegression(C=0.01, max_iter=1000))))
    promote_pointer = {"model": "iris", "version": registry.forest, "rows": [[1, 2, 3, 4]]}
    with pytest.raises(ArtifactIntegrityError, match=key):
        call(store, promote_pointer)
    assert served_models.cache_info().currsize == 0
    store.put_bytes(key, genuine)
    assert call(store, promote_pointer)["output"]["model"]["version"] == registry.forest


def test_a_model_needing_an_untrusted_type_is_refused(registry):
    store = registry.store
    evil = Pipeline([("evil", FunctionTransformer(func=builtins.abs)), ("model", LogisticRegression(max_iter=1000))]).fit(IRIS.data, IRIS.target)
    version = register(store, "iris", evil)
    promote(store, "iris", version)
    with pytest.raises(UntrustedModelError, match="builtins.abs"):
        call(store, {"model": "iris", "rows": [[1, 2, 3, 4]]})


@pytest.mark.parametrize(
    "pointer, complaint",
    [
        ({"version": "latest"}, "version"),
        ({"version": "0123456789ab", "model": {"uri": "s3://baton-test/x", "sha256": "0" * 64, "size": 1}}, "sha256"),
        ([], "JSON object"),
    ],
)
def test_a_malformed_production_pointer_is_a_registry_error(registry, pointer, complaint):
    registry.store.put_json("models/iris/production.json", pointer)
    with pytest.raises(RegistryError, match=complaint):
        call(registry.store, {"model": "iris", "rows": [[1, 2, 3, 4]]})


def test_people_call_it_directly_through_the_wrapper(registry):
    app = create_app(predict, load_validator(), SecretReader("/nonexistent"), lambda: registry.store, "predict", step_key=TEST_STEP_KEY,
                     input_schema=load_step_schema(HERE))
    client = signing_client(app)
    assert client.get("/").get_json()["directCalls"] is True
    rows = {"input": {"model": "iris", "rows": [[5.1, 3.5, 1.4, 0.2]]}}
    assert client.post("/", json=rows).status_code == 401, "people need an API key"
    key = bearer_headers(issue_api_key(registry.store, ["viewer"]))
    ok = client.post("/", json=rows, headers=key)
    assert ok.status_code == 200, ok.get_data(as_text=True)
    assert ok.get_json()["output"]["model"] == {"name": "iris", "version": registry.logistic}
    bad = client.post("/", json={"input": {"model": "iris", "instances": [{"sepal length (cm)": 1}]}}, headers=key)
    assert bad.status_code == 422
    assert "input.instances.0.petal width (cm)" in [i["path"] for i in bad.get_json()["error"]["issues"]]
    none = client.post("/", json={"input": {"model": "nope", "rows": [[1, 2, 3, 4]]}}, headers=key)
    assert none.status_code == 422
    assert "baton models promote nope <version>" in none.get_json()["error"]["message"]

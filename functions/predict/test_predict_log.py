"""predict with its inference log and feedback route, through the template's wrapper (in memory): what a call logs,
the request id it answers with, sampling off, the feedback route's answers, and on_stop writing what is queued."""

from __future__ import annotations

import os
import uuid

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from baton_step.app import create_app
from baton_step.envelope import load_validator
from baton_step.handler_loader import load_handler
from baton_step.secrets import SecretReader
from baton_step.step_schema import load_step_schema
from baton_step.testing import TEST_STEP_KEY, bearer_headers, issue_api_key, memory_store, signing_client

from inference_log import BatchLog, LogSettings
from test_inference_log import log_files
from test_predict import fit, promote, register

HERE = os.path.dirname(os.path.abspath(__file__))
predict = load_handler(HERE, module_name="predict_log_handler")
FEATURES = list(load_iris().feature_names)
ROWS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]


@pytest.fixture
def served(monkeypatch):
    """A registry with one production iris model, fresh logs (flushed only by on_stop), the app and a viewer key."""
    store = memory_store()
    version = register(store, "iris", fit(LogisticRegression(max_iter=1000)))
    promote(store, "iris", version)
    settings = LogSettings(flush_seconds=3600)
    monkeypatch.setattr(predict, "LOG_SETTINGS", settings)
    monkeypatch.setattr(predict, "INFERENCE_LOG", BatchLog("inference-log", settings, replica="r", start_millis=1))
    monkeypatch.setattr(predict, "FEEDBACK_LOG", BatchLog("inference-feedback", settings, replica="r", start_millis=1))
    app = create_app(predict, load_validator(), SecretReader("/nonexistent"), lambda: store, "predict", step_key=TEST_STEP_KEY,
                     input_schema=load_step_schema(HERE))
    key = bearer_headers(issue_api_key(store, ["viewer"]))
    yield type("Served", (), {"store": store, "version": version, "client": signing_client(app), "key": key})
    predict.on_stop(5)


def test_a_call_is_logged_with_its_request_id(served):
    answer = served.client.post("/", json={"input": {"model": "iris", "rows": ROWS}}, headers={**served.key, "X-Request-Id": "order-7"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    output = answer.get_json()["output"]
    assert output["requestId"] == "order-7" and answer.headers["X-Request-Id"] == "order-7"
    assert log_files(served.store) == {}, "written off the request path, not during the call"
    predict.on_stop(5)
    [(key, [line])] = log_files(served.store).items()
    assert key.startswith("inference-log/iris/date=") and "/hour=" in key and key.endswith("/r-1-1.jsonl")
    assert line == {
        "requestId": "order-7", "ts": line["ts"], "model": {"name": "iris", "version": served.version},
        "features": FEATURES, "rows": ROWS, "predictions": output["predictions"],
        "probabilities": output["probabilities"], "classes": [0, 1, 2],
    }
    assert line["ts"].endswith("Z") and key.split("/")[2] == "date=" + line["ts"][:10]


def test_an_unsafe_request_id_is_replaced(served):
    answer = served.client.post("/", json={"input": {"model": "iris", "rows": ROWS}}, headers={**served.key, "X-Request-Id": "x" * 200})
    made = answer.get_json()["output"]["requestId"]
    assert uuid.UUID(made).version == 4 and answer.headers["X-Request-Id"] == made


def test_sample_rate_zero_logs_nothing(served, monkeypatch):
    monkeypatch.setattr(predict, "LOG_SETTINGS", LogSettings(sample_rate=0.0))
    for _ in range(3):
        assert served.client.post("/", json={"input": {"model": "iris", "rows": ROWS}}, headers=served.key).status_code == 200
    predict.on_stop(5)
    assert log_files(served.store) == {}


def test_feedback_is_accepted_and_recorded(served):
    answer = served.client.post("/feedback", json={"model": "iris", "requestId": "order-7", "labels": [0, 2]}, headers=served.key)
    assert answer.status_code == 202, answer.get_data(as_text=True)
    assert answer.get_json() == {"accepted": True, "model": "iris", "requestId": "order-7", "labels": 2}
    predict.on_stop(5)
    [(key, [line])] = log_files(served.store, "inference-feedback/").items()
    assert key.startswith("inference-feedback/iris/date=")
    assert line == {"requestId": "order-7", "ts": line["ts"], "labels": [0, 2]}


def test_feedback_needs_the_same_api_key_as_predict(served):
    body = {"model": "iris", "requestId": "order-7", "labels": [0]}
    assert served.client.post("/feedback", json=body).status_code == 401
    admin_only = bearer_headers(issue_api_key(served.store, [], name="nobody"))
    assert served.client.post("/feedback", json=body, headers=admin_only).status_code == 403


@pytest.mark.parametrize("body, path", [
    ({"model": "iris", "requestId": "has space", "labels": [0]}, "requestId"),
    ({"model": "iris", "labels": [0]}, "requestId"),
    ({"model": "Iris!", "requestId": "a", "labels": [0]}, "model"),
    ({"model": "iris", "requestId": "a", "labels": []}, "labels"),
    ({"model": "iris", "requestId": "a", "labels": [0] * 10_001}, "labels"),
    ({"model": "iris", "requestId": "a", "labels": [0, None]}, "labels.1"),
    ({"model": "iris", "requestId": "a", "labels": [0], "extra": 1}, "extra"),
    ([1, 2], "(root)"),
])
def test_bad_feedback_is_a_422_naming_the_field(served, body, path):
    answer = served.client.post("/feedback", json=body, headers=served.key)
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert path in [issue["path"] for issue in answer.get_json()["error"]["issues"]]
    predict.on_stop(5)
    assert log_files(served.store, "inference-feedback/") == {}


def test_feedback_that_is_not_json_is_a_400(served):
    answer = served.client.post("/feedback", data=b"{nope", content_type="application/json", headers=served.key)
    assert answer.status_code == 400

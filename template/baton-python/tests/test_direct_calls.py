"""Direct calls: a handler module with ``DIRECT_CALLS = True`` answers people's ``{"input": ...}`` without a run
(each with a viewer API key; the key checks themselves are in test_api_keys.py)."""

from __future__ import annotations

import json
import types

import pytest

from baton_step import ConfigError, ErrorType, StepInputError
from baton_step.app import create_app
from baton_step.envelope import load_validator
from baton_step.secrets import SecretReader
from baton_step.testing import TEST_STEP_KEY, bearer_headers, issue_api_key, signature_headers, ProgressServer, memory_store

RUN = {"workflowId": "wf-1", "runId": "run-1", "pipeline": "demo", "step": "predict", "attempt": 1}
VALIDATOR = load_validator()


def run_info(input, ctx):
    run = ctx.run
    return {"output": {"got": input, "run": [run.workflow_id, run.run_id, run.pipeline, run.step, run.attempt],
                       "key": ctx.run_key("x.json"), "callId": ctx.call_id}}


def make_client(handle, direct_calls):
    module = types.ModuleType("handler")
    module.handle = handle
    if direct_calls is not None:
        module.DIRECT_CALLS = direct_calls
    store = memory_store()
    client = create_app(module, VALIDATOR, SecretReader("/nonexistent"), lambda: store, "predict", step_key=TEST_STEP_KEY).test_client()
    client.key = issue_api_key(store, ["viewer"])
    return client


def post(client, body, **headers):
    """A pipeline call (with run) goes signed, a person's call with the client's viewer key."""
    data = json.dumps(body)
    signed = signature_headers("predict", data) if isinstance(body.get("run"), dict) else bearer_headers(client.key)
    return client.post("/", data=data, headers={"Content-Type": "application/json", **signed, **headers})


def test_a_direct_call_gets_a_run_of_its_own():
    response = post(make_client(run_info, True), {"input": {"a": 1}}, **{"X-Call-Id": "call-7"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["output"] == {
        "got": {"a": 1},
        "run": ["direct", "call-7", "direct", "predict", 1],
        "key": "runs/direct/predict/x.json",
        "callId": "call-7",
    }


def test_without_a_call_id_the_run_is_named_by_a_fresh_one():
    first = post(make_client(run_info, True), {"input": {}}).get_json()["output"]
    second = post(make_client(run_info, True), {"input": {}}).get_json()["output"]
    assert first["run"][1] == first["callId"] and first["callId"] != second["callId"]


def test_a_pipeline_call_to_a_direct_function_still_needs_the_signature():
    client = make_client(run_info, True)
    response = client.post("/", data=json.dumps({"input": {}, "run": RUN}), headers={"Content-Type": "application/json"})
    assert response.status_code == 401 and "missing X-Baton-Signature" in response.get_json()["error"]["message"]


def test_a_pipeline_call_to_the_same_function_keeps_its_run():
    response = post(make_client(run_info, True), {"input": {}, "run": RUN})
    assert response.get_json()["output"]["run"] == ["wf-1", "run-1", "demo", "predict", 1]


@pytest.mark.parametrize("flag", [None, False, "yes", 1])
def test_functions_without_the_flag_still_need_a_run(flag):
    response = post(make_client(run_info, flag), {"input": {}})
    assert response.status_code == 400
    assert response.get_json()["error"]["issues"] == [{"path": "run", "message": "required"}]


@pytest.mark.parametrize(
    "body, path",
    [
        ({}, "input"),
        ({"input": {}, "surprise": 1}, "surprise"),
        ({"input": {}, "run": {**RUN, "attempt": 0}}, "run.attempt"),
        ({"input": {}, "progressUrl": "http://127.0.0.1:9/progress"}, "progressUrl"),
        ({"input": {}, "checkpoint": {"uri": "s3://b/k", "sha256": "0" * 64, "size": 1}}, "checkpoint"),
    ],
)
def test_the_rest_of_a_direct_call_stays_checked(body, path):
    response = post(make_client(run_info, True), body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["type"] == ErrorType.INVALID_ENVELOPE
    assert path in [issue["path"] for issue in error["issues"]]


def test_a_direct_call_never_reports_progress_to_a_url_of_the_caller():
    with ProgressServer() as server:
        response = post(make_client(run_info, True), {"input": {}, "progressUrl": server.url})
        assert response.status_code == 400
    assert server.reports == []


def test_get_says_whether_direct_calls_are_accepted():
    direct = make_client(run_info, True).get("/").get_json()
    assert direct["directCalls"] is True and '{"input": {...}} and no run' in direct["usage"]
    assert "Authorization: Bearer <API key with role viewer>" in direct["usage"]
    step = make_client(run_info, None).get("/").get_json()
    assert step["directCalls"] is False and "no run" not in step["usage"]


def echo_headers(input, ctx):
    ctx.response_headers["X-Echo"] = ctx.request_headers.get("X-Ask", "none")
    return {"output": {}}


def test_a_handler_reads_request_headers_and_sets_response_headers():
    response = post(make_client(echo_headers, True), {"input": {}}, **{"X-Ask": "hello"})
    assert response.status_code == 200 and response.headers["X-Echo"] == "hello"


def routed_client(routes, direct_calls=True):
    module = types.ModuleType("handler")
    module.handle = run_info
    module.DIRECT_CALLS = direct_calls
    module.ROUTES = routes
    store = memory_store()
    client = create_app(module, VALIDATOR, SecretReader("/nonexistent"), lambda: store, "predict", step_key=TEST_STEP_KEY).test_client()
    client.key = issue_api_key(store, ["viewer"])
    return client


def note(body, ctx):
    if body.get("bad"):
        raise StepInputError("bad note", path="bad")
    ctx.response_headers["X-Noted"] = "yes"
    return 202, {"noted": body, "run": ctx.run.workflow_id}


def test_a_route_serves_people_with_the_same_key_check():
    client = routed_client({"note": note})
    ok = client.post("/note", json={"a": 1}, headers=bearer_headers(client.key))
    assert ok.status_code == 202 and ok.get_json() == {"noted": {"a": 1}, "run": "direct"} and ok.headers["X-Noted"] == "yes"
    assert client.post("/note", json={"a": 1}).status_code == 401
    assert client.post("/note", json={"a": 1}, headers=bearer_headers("baton_nope_nope")).status_code == 401
    bad = client.post("/note", json={"bad": True}, headers=bearer_headers(client.key))
    assert bad.status_code == 422 and bad.get_json()["error"]["issues"] == [{"path": "bad", "message": "bad note"}]
    assert client.get("/note").status_code == 405
    assert client.post("/other", json={}, headers=bearer_headers(client.key)).status_code == 404


@pytest.mark.parametrize("routes, direct_calls, complaint", [
    ({"note": note}, False, "without DIRECT_CALLS"),
    ([note], True, "must be a dict"),
    ({"Note/x": note}, True, "lowercase path segment"),
    ({"note": "not callable"}, True, "lowercase path segment"),
])
def test_bad_routes_stop_the_function(routes, direct_calls, complaint):
    with pytest.raises(ConfigError, match=complaint):
        routed_client(routes, direct_calls)

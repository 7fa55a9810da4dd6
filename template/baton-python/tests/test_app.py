"""The wrapper's answers, through Flask's test client: 200, 400, 422, 500 and friends."""

from __future__ import annotations

import json
import types

import numpy as np
import pytest

from baton_step import ErrorType, StepInputError, StepUnavailableError
from baton_step.app import create_app
from baton_step.envelope import load_validator
from baton_step.secrets import SecretReader
from baton_step.testing import TEST_STEP_KEY, memory_store, signature_headers

RUN = {"workflowId": "wf-1", "runId": "run-1", "pipeline": "demo", "step": "train", "attempt": 1}
VALIDATOR = load_validator()


def make_client(handle, secrets_dir="/nonexistent"):
    module = types.ModuleType("handler")
    module.handle = handle
    store = memory_store()
    app = create_app(module, VALIDATOR, SecretReader(str(secrets_dir)), lambda: store, "demo", step_key=TEST_STEP_KEY)
    return app.test_client()


def post(client, body, **headers):
    """POSTs ``body``, signed for "demo" as the orchestrator would when it is an envelope with a run."""
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    signed = signature_headers("demo", data) if isinstance(body, dict) and isinstance(body.get("run"), dict) else {}
    return client.post("/", data=data, headers={"Content-Type": "application/json", **signed, **headers})


def echo(input, ctx):
    return {"output": {"got": input, "callId": ctx.call_id, "key": ctx.run_key("x.bin")}, "metrics": {"n": 1}}


def test_success_returns_output_and_metrics():
    response = post(make_client(echo), {"input": {"a": 1}, "run": RUN}, **{"X-Call-Id": "call-42"})
    assert response.status_code == 200
    assert response.get_json() == {
        "output": {"got": {"a": 1}, "callId": "call-42", "key": "runs/wf-1/train/x.bin"},
        "metrics": {"n": 1},
    }


def test_metrics_are_optional_and_numpy_values_serialize():
    client = make_client(lambda i, c: {"output": {"v": np.float32(0.5), "arr": np.arange(3)}})
    response = post(client, {"input": None, "run": RUN})
    assert response.status_code == 200
    assert response.get_json() == {"output": {"v": 0.5, "arr": [0, 1, 2]}}


def test_get_describes_the_function():
    response = make_client(echo).get("/")
    assert response.status_code == 200
    assert response.get_json()["function"] == "demo"


def test_malformed_json_is_400():
    response = post(make_client(echo), b"{not json")
    assert response.status_code == 400
    assert response.get_json()["error"]["issues"] == [{"path": "(root)", "message": "invalid JSON"}]


def test_nan_is_not_json():
    response = post(make_client(echo), '{"input": NaN, "run": %s}' % json.dumps(RUN))
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body, path",
    [
        ({"input": {}, "run": {k: v for k, v in RUN.items() if k != "attempt"}}, "run.attempt"),
        ({"input": {}, "run": {**RUN, "attempt": 0}}, "run.attempt"),
        ({"input": {}, "run": {**RUN, "attempt": "1"}}, "run.attempt"),
        ({"input": {}, "run": {**RUN, "workflowId": ""}}, "run.workflowId"),
        ({"input": {}, "run": {**RUN, "extra": 1}}, "run.extra"),
        ({"run": RUN}, "input"),
        ({"input": {}}, "run"),
        ({"input": {}, "run": RUN, "surprise": True}, "surprise"),
        ({"input": {}, "run": RUN, "checkpoint": {"uri": "http://x", "sha256": "0" * 64, "size": 1}}, "checkpoint.uri"),
        ({"input": {}, "run": RUN, "progressUrl": "not a url"}, "progressUrl"),
        ([1, 2], "(root)"),
    ],
)
def test_bad_envelope_is_400_with_dotted_paths(body, path):
    response = post(make_client(echo), body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["type"] == ErrorType.INVALID_ENVELOPE
    assert path in [issue["path"] for issue in error["issues"]]


def test_step_input_error_is_422_under_input():
    def handle(input, ctx):
        raise StepInputError("C must be > 0", path="model.params.C")

    response = post(make_client(handle), {"input": {}, "run": RUN})
    assert response.status_code == 422
    assert response.get_json() == {
        "error": {
            "message": "C must be > 0",
            "type": ErrorType.INVALID_INPUT,
            "issues": [{"path": "input.model.params.C", "message": "C must be > 0"}],
        }
    }


def test_step_input_error_with_several_issues():
    def handle(input, ctx):
        raise StepInputError("bad", issues=[{"path": "a", "message": "x"}, {"path": ("b", 0), "message": "y"}, {"path": "", "message": "z"}])

    issues = post(make_client(handle), {"input": {}, "run": RUN}).get_json()["error"]["issues"]
    assert [i["path"] for i in issues] == ["input.a", "input.b.0", "input"]


def test_crash_is_500_with_message_only(capsys):
    def handle(input, ctx):
        raise RuntimeError("disk on fire")

    response = post(make_client(handle), {"input": {}, "run": RUN}, **{"X-Call-Id": "c-9"})
    assert response.status_code == 500
    assert response.get_json() == {"error": {"message": "disk on fire", "type": "RuntimeError"}}
    assert "Traceback" not in response.get_data(as_text=True)
    logged = capsys.readouterr().err
    assert "[c-9]" in logged and "Traceback" in logged and "disk on fire" in logged


def test_secret_values_never_leave_in_errors(tmp_path, capsys):
    (tmp_path / "api-key").write_text("s3cr3t-value\n")

    def handle(input, ctx):
        raise RuntimeError(f"login failed with {ctx.secret('api-key')}")

    response = post(make_client(handle, tmp_path), {"input": {}, "run": RUN})
    assert response.status_code == 500
    assert "s3cr3t-value" not in response.get_data(as_text=True)
    assert "s3cr3t-value" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "result",
    [None, {"out": 1}, {"output": 1, "extra": 2}, {"output": 1, "metrics": {"m": "high"}}, {"output": 1, "metrics": {"m": float("nan")}}, {"output": float("inf")}],
)
def test_handler_breaking_the_contract_is_500(result):
    response = post(make_client(lambda i, c: result), {"input": {}, "run": RUN})
    assert response.status_code == 500
    assert response.get_json()["error"]["type"] == "HandlerContractError"


def test_other_methods_and_paths_answer_json():
    client = make_client(echo)
    put = client.put("/")
    assert put.status_code == 405 and put.get_json()["error"]["type"] == ErrorType.METHOD_NOT_ALLOWED
    missing = client.get("/nope")
    assert missing.status_code == 404 and "error" in missing.get_json()


def test_oversized_body_is_413():
    response = post(make_client(echo), {"input": "x" * (3 * 1024 * 1024), "run": RUN})
    assert response.status_code == 413
    assert response.get_json()["error"]["message"]
    assert response.get_json()["error"]["type"] == ErrorType.PAYLOAD_TOO_LARGE


def unavailable(retry_after_seconds=None):
    def handle(input, ctx):
        raise StepUnavailableError("database db.example:5432 is down", retry_after_seconds)

    return handle


def test_step_unavailable_error_is_503_with_retry_after(capsys):
    response = post(make_client(unavailable(30)), {"input": {}, "run": RUN})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.get_json() == {"error": {"message": "database db.example:5432 is down", "type": ErrorType.UNAVAILABLE}}
    assert "503 database db.example:5432 is down" in capsys.readouterr().err


def test_step_unavailable_error_without_a_delay_sends_no_retry_after():
    response = post(make_client(unavailable()), {"input": {}, "run": RUN})
    assert response.status_code == 503 and "Retry-After" not in response.headers
    assert response.get_json()["error"]["type"] == ErrorType.UNAVAILABLE


def test_a_write_on_a_full_disk_is_507_storage_full(capsys):
    # /dev/full answers every write with ENOSPC: a real full disk without a mount.
    def local_write(input, ctx):
        with open("/dev/full", "wb") as full:
            full.write(b"x" * 65536)
            full.flush()
        return {"output": {}}

    response = post(make_client(local_write), {"input": {}, "run": RUN})
    assert response.status_code == 507
    error = response.get_json()["error"]
    assert error["type"] == ErrorType.STORAGE_FULL
    assert error["message"].startswith("the storage is full: [Errno 28] No space left on device")
    assert "507 the storage is full" in capsys.readouterr().err


def test_minio_storage_full_wrapped_by_the_handler_is_507():
    from minio.error import S3Error

    def handle(input, ctx):
        try:
            raise S3Error(None, "XMinioStorageFull", "Storage backend has reached its minimum free drive threshold.", "/b/k", "r", "h")
        except S3Error as error:
            raise RuntimeError("could not store the dataset") from error

    response = post(make_client(handle), {"input": {}, "run": RUN})
    assert response.status_code == 507
    assert response.get_json() == {
        "error": {"message": "the storage is full: could not store the dataset", "type": ErrorType.STORAGE_FULL}
    }


def test_step_unavailable_error_redacts_secret_values(tmp_path):
    (tmp_path / "postgres-password").write_text("hunter2-very-secret\n")

    def handle(input, ctx):
        ctx.secret("postgres-password")
        raise StepUnavailableError("login with hunter2-very-secret failed", 5)

    response = post(make_client(handle, tmp_path), {"input": {}, "run": RUN})
    assert response.status_code == 503 and "hunter2-very-secret" not in response.get_data(as_text=True)


@pytest.mark.parametrize("bad", [-1, 1.5, "10", True])
def test_step_unavailable_error_refuses_a_delay_that_is_not_whole_seconds(bad):
    with pytest.raises(ValueError, match="retry_after_seconds"):
        StepUnavailableError("down", bad)


def test_error_types_are_the_contracts():
    """errors.ErrorType holds the names the TypeScript wrapper answers with (generated into the contract schema)."""
    from baton_step.envelope import SCHEMA_PATH

    with open(SCHEMA_PATH, encoding="utf-8") as file:
        shared = json.load(file)["x-baton-error-types"]
    ours = {name: value for name, value in vars(ErrorType).items() if not name.startswith("_")}
    assert sorted(ours.values()) == sorted(shared.values())
    assert all(key == value for key, value in shared.items())


SIGNED_RUN = {"workflowId": "w", "runId": "r", "pipeline": "p", "step": "s", "attempt": 1}
UNSIGNED_BODY = json.dumps({"input": {"n": 1}, "run": SIGNED_RUN})


@pytest.mark.parametrize("name, headers, data, message", [
    ("missing", {}, UNSIGNED_BODY, "missing X-Baton-Signature"),
    ("expired", signature_headers("demo", UNSIGNED_BODY, expires_in=-1), UNSIGNED_BODY, "expired"),
    ("another function", signature_headers("other", UNSIGNED_BODY), UNSIGNED_BODY, "not signed for demo"),
    ("another key", signature_headers("demo", UNSIGNED_BODY, key="another-key-0123456789abcdef0123456789"), UNSIGNED_BODY, "does not match"),
    ("altered body", signature_headers("demo", UNSIGNED_BODY), json.dumps({"input": {"n": 2}, "run": SIGNED_RUN}), "altered"),
    ("altered run", signature_headers("demo", UNSIGNED_BODY), json.dumps({"input": {"n": 1}, "run": {**SIGNED_RUN, "runId": "x"}}), "altered"),
    ("malformed", {"X-Baton-Signature": "v1,sig=abc"}, UNSIGNED_BODY, "malformed"),
])
def test_a_call_without_a_valid_signature_is_401_and_the_handler_does_not_run(name, headers, data, message):
    ran = []
    client = make_client(lambda input, ctx: ran.append(1) or {"output": {}})
    response = client.post("/", data=data, headers={"Content-Type": "application/json", **headers})
    assert response.status_code == 401, name
    error = response.get_json()["error"]
    assert error["type"] == ErrorType.UNAUTHORIZED
    assert message in error["message"]
    assert TEST_STEP_KEY not in response.get_data(as_text=True)
    assert ran == []


def test_a_signed_call_reaches_the_handler():
    response = make_client(echo).post(
        "/", data=UNSIGNED_BODY, headers={"Content-Type": "application/json", **signature_headers("demo", UNSIGNED_BODY)})
    assert response.status_code == 200
    assert response.get_json()["output"]["got"] == {"n": 1}


def test_every_answer_to_a_signed_call_is_signed_for_its_status_run_and_body():
    from baton_step.signature import reply_signature_problem

    def handle(input, ctx):
        if input.get("bad"):
            raise StepInputError("bad input", [{"path": "bad", "message": "no"}])
        if input.get("crash"):
            raise RuntimeError("boom")
        return {"output": {"ok": True}}

    client = make_client(handle)
    for given, status in (({}, 200), ({"bad": True}, 422), ({"crash": True}, 500)):
        response = post(client, {"input": given, "run": RUN})
        assert response.status_code == status
        signature = response.headers.get("X-Baton-Signature")
        body = response.get_data()
        assert reply_signature_problem(signature, "demo", RUN, body, TEST_STEP_KEY, "answer", status) is None, status
        assert reply_signature_problem(signature, "demo", RUN, body, TEST_STEP_KEY, "answer", 299), "the status is signed"
        assert reply_signature_problem(signature, "demo", {**RUN, "attempt": 2}, body, TEST_STEP_KEY, "answer", status)
    # Calls the function could not authenticate get no signature: there is no verified run to sign for.
    assert "X-Baton-Signature" not in post(client, b"{not json").headers
    unsigned = client.post("/", data=json.dumps({"input": {}, "run": RUN}), headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401 and "X-Baton-Signature" not in unsigned.headers

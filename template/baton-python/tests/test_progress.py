"""Progress reports, keep-alive, cancellation and checkpoints, against a real local HTTP server standing in
for the orchestrator (baton_step.testing.ProgressServer) and the in-memory artifact store."""

from __future__ import annotations

import hashlib
import json
import os
import time
import types

import pytest

from baton_step import ArtifactIntegrityError, ErrorType, StepCancelledError
from baton_step.app import create_app
from baton_step.config import WrapperConfig
from baton_step.envelope import load_validator
from baton_step.errors import ConfigError
from baton_step.progress import safe_url
from baton_step.secrets import SecretReader
from baton_step.signature import reply_signature_problem
from baton_step.testing import TEST_STEP_KEY, signature_headers, ProgressServer, make_context, memory_store
from baton_test_procs import free_port

RUN = {"workflowId": "wf-1", "runId": "run-1", "pipeline": "demo", "step": "train", "attempt": 1}
VALIDATOR = load_validator()
REPORT_SCHEMA = load_validator(definition="progressReport")


def make_client(handle, store=None, interval=5.0):
    module = types.ModuleType("handler")
    module.handle = handle
    store = store if store is not None else memory_store()
    app = create_app(module, VALIDATOR, SecretReader("/nonexistent"), lambda: store, "demo", progress_interval=interval, step_key=TEST_STEP_KEY)
    return app.test_client()


def post(client, body, **headers):
    data = json.dumps(body)
    signed = signature_headers("demo", data) if isinstance(body.get("run"), dict) else {}
    return client.post("/", data=data, headers={"Content-Type": "application/json", **signed, "X-Call-Id": "call-7", **headers})


def assert_valid_reports(reports):
    for report in reports:
        assert not list(REPORT_SCHEMA.iter_errors(report)), report


def test_reports_reach_the_progress_url_with_the_right_json():
    def handle(input, ctx):
        ctx.progress(0.5, metrics={"loss": 0.25, "accuracy": 0.9}, epoch=1, message="epoch 1 done")
        ctx.progress(1.0, epoch=2)
        return {"output": {"ok": True}}

    with ProgressServer() as server:
        response = post(make_client(handle), {"input": {}, "run": RUN, "progressUrl": server.url})
        assert response.status_code == 200 and response.get_json() == {"output": {"ok": True}}
        assert server.reports == [
            {"fraction": 0.0},  # at once when the call starts
            {"fraction": 0.5, "epoch": 1, "metrics": {"loss": 0.25, "accuracy": 0.9}, "message": "epoch 1 done"},
            {"fraction": 1.0, "epoch": 2, "metrics": {"loss": 0.25, "accuracy": 0.9}},  # metrics kept, message not
        ]
        assert_valid_reports(server.reports)
        path, headers = server.requests[0]
        assert path.endswith(ProgressServer.TOKEN)
        assert headers["Content-Type"] == "application/json" and headers["X-Call-Id"] == "call-7"
        # Each report is signed by the function with its step key, for exactly this run and body.
        for (_, sent), body in zip(server.requests, server.bodies):
            signature = sent.get("X-Baton-Signature")
            assert reply_signature_problem(signature, "demo", RUN, body, TEST_STEP_KEY, "progress") is None
            assert reply_signature_problem(signature, "demo", {**RUN, "attempt": 2}, body, TEST_STEP_KEY, "progress")
            assert reply_signature_problem(signature, "demo", RUN, body, TEST_STEP_KEY, "answer", 200), "a report's signature is no answer's"


def test_keep_alive_repeats_the_last_report_and_stops_with_the_handler():
    def handle(input, ctx):
        ctx.progress(0.25, epoch=1)
        time.sleep(0.5)
        return {"output": None}

    with ProgressServer() as server:
        assert post(make_client(handle, interval=0.05), {"input": {}, "run": RUN, "progressUrl": server.url}).status_code == 200
        count = len(server.reports)
        assert server.reports[0] == {"fraction": 0.0}
        repeats = server.reports[1:]
        assert len(repeats) >= 4, repeats
        assert all(report == {"fraction": 0.25, "epoch": 1} for report in repeats)
        time.sleep(0.2)
        assert len(server.reports) == count, "no report after the answer"


def test_keep_alive_runs_while_a_handler_never_reports():
    def handle(input, ctx):
        time.sleep(0.35)
        return {"output": None}

    with ProgressServer() as server:
        post(make_client(handle, interval=0.1), {"input": {}, "run": RUN, "progressUrl": server.url})
        assert len(server.reports) >= 3 and all(report == {"fraction": 0.0} for report in server.reports)


@pytest.mark.parametrize("answer", [(409, {"error": {"message": "stale attempt"}}), (200, {"cancelRequested": True})])
def test_409_or_cancel_requested_stops_the_handler_with_409(answer):
    reached = []

    def handle(input, ctx):
        ctx.progress(0.1, epoch=1)
        reached.append("after first report")
        ctx.progress(0.2, epoch=2)  # the orchestrator says stop here
        reached.append("after second report")
        return {"output": None}

    with ProgressServer(lambda report: answer if report.get("epoch") == 2 else (200, {"cancelRequested": False})) as server:
        response = post(make_client(handle), {"input": {}, "run": RUN, "progressUrl": server.url})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["type"] == ErrorType.CANCELLED and "train" in error["message"]
    assert reached == ["after first report"]


def test_cancellation_raises_from_every_later_call_and_blocks_checkpoints():
    with ProgressServer(lambda report: (200, {"cancelRequested": report["fraction"] >= 0.5})) as server:
        ctx = make_context(progress_url=server.url)
        ctx.progress(0.1)
        assert not ctx.cancel_requested
        with pytest.raises(StepCancelledError):
            ctx.progress(0.5)
        sent = len(server.reports)
        with pytest.raises(StepCancelledError):
            ctx.progress(0.6)
        with pytest.raises(StepCancelledError):
            ctx.checkpoint.save_json({"w": 1}, epoch=3)
        assert ctx.cancel_requested and len(server.reports) == sent
        assert ctx.artifacts.backend.puts == []


def test_cancel_seen_by_the_keep_alive_is_raised_at_the_next_progress():
    def handle(input, ctx):
        deadline = time.monotonic() + 5
        while not ctx.cancel_requested and time.monotonic() < deadline:
            time.sleep(0.01)
        ctx.progress(0.9)
        return {"output": "not reached"}

    answers = iter([(200, {"cancelRequested": False})])
    with ProgressServer(lambda report: next(answers, (200, {"cancelRequested": True}))) as server:
        response = post(make_client(handle, interval=0.05), {"input": {}, "run": RUN, "progressUrl": server.url})
    assert response.status_code == 409


def test_a_stale_attempt_is_refused_before_the_handler_runs():
    ran = []
    with ProgressServer(lambda report: (409, {"error": {"message": "stale"}})) as server:
        response = post(make_client(lambda i, c: ran.append(1)), {"input": {}, "run": RUN, "progressUrl": server.url})
        assert response.status_code == 409 and ran == []
        assert len(server.reports) == 1


def test_a_wrapped_cancellation_is_still_409():
    def handle(input, ctx):
        try:
            ctx.progress(0.5)
        except StepCancelledError as error:
            raise RuntimeError("training aborted") from error

    with ProgressServer(lambda report: (200, {"cancelRequested": report["fraction"] > 0})) as server:
        response = post(make_client(handle), {"input": {}, "run": RUN, "progressUrl": server.url})
    assert response.status_code == 409 and response.get_json()["error"]["type"] == ErrorType.CANCELLED


@pytest.mark.parametrize("status", [500, 503, 401, 404])
def test_orchestrator_errors_do_not_fail_the_handler(status, capsys):
    def handle(input, ctx):
        ctx.progress(0.5)
        ctx.checkpoint.save_json({"w": [1, 2]}, epoch=1)
        return {"output": "done"}

    with ProgressServer(lambda report: (status, {"error": {"message": "boom"}})) as server:
        response = post(make_client(handle), {"input": {}, "run": RUN, "progressUrl": server.url})
        assert response.status_code == 200 and response.get_json() == {"output": "done"}
        assert len(server.reports) == 3
    logged = capsys.readouterr().err
    assert f"HTTP {status}" in logged and ProgressServer.TOKEN not in logged


def test_orchestrator_down_does_not_fail_the_handler_and_the_token_is_never_logged(capsys):
    url = f"http://127.0.0.1:{free_port()}/function/baton/progress/tok-VERY-SECRET-9876?sig=abcdef"

    def handle(input, ctx):
        for epoch in range(1, 4):
            ctx.progress(epoch / 3, epoch=epoch, metrics={"loss": 1 / epoch})
        ref = ctx.checkpoint.save_bytes(b"state", epoch=3, ext="bin")
        return {"output": ref["uri"]}

    response = post(make_client(handle, interval=0.05), {"input": {}, "run": RUN, "progressUrl": url})
    assert response.status_code == 200
    assert response.get_json() == {"output": "s3://baton-test/runs/wf-1/train/checkpoints/epoch-3.bin"}
    logged = capsys.readouterr().err
    assert "progress report to http://127.0.0.1:" in logged and "/function/baton/progress/***" in logged
    assert "tok-VERY-SECRET-9876" not in logged and "abcdef" not in logged


def test_a_synchronous_call_only_logs_once(capsys):
    def handle(input, ctx):
        ctx.progress(0.5)
        ctx.progress(1.0)
        assert not ctx.cancel_requested
        return {"output": ctx.checkpoint.save_json({"a": 1}, epoch=0)["uri"]}

    response = post(make_client(handle), {"input": {}, "run": RUN})
    assert response.status_code == 200
    assert response.get_json()["output"].endswith("/checkpoints/epoch-0.json")
    assert capsys.readouterr().err.count("no progressUrl") == 1


def test_checkpoint_save_reports_at_once_keeping_fraction_and_metrics():
    store = memory_store()
    with ProgressServer() as server:
        with make_context(store, step="fit", workflow_id="wf-5", progress_url=server.url) as ctx:
            ctx.progress(0.4, metrics={"loss": 0.5}, epoch=2)
            ref = ctx.checkpoint.save_bytes(b'{"w": [1, 2]}', epoch=2, ext="json")
            ctx.progress(0.6, epoch=3)
        assert ref == {
            "uri": "s3://baton-test/runs/wf-5/fit/checkpoints/epoch-2.json",
            "sha256": hashlib.sha256(b'{"w": [1, 2]}').hexdigest(),
            "size": 13,
        }
        assert server.reports == [
            {"fraction": 0.0},
            {"fraction": 0.4, "epoch": 2, "metrics": {"loss": 0.5}},
            {"fraction": 0.4, "epoch": 2, "metrics": {"loss": 0.5}, "checkpoint": ref},
            {"fraction": 0.6, "epoch": 3, "metrics": {"loss": 0.5}, "checkpoint": ref},  # the checkpoint stays
        ]
        assert_valid_reports(server.reports)
        assert ctx.checkpoint.latest == ref


def test_checkpoint_round_trip_with_sha256_check(tmp_path):
    store = memory_store()
    state = tmp_path / "state.skops"
    state.write_bytes(b"PK\x03\x04 pretend skops " * 100)
    with ProgressServer() as server:
        first = make_context(store, step="fit", progress_url=server.url)
        assert first.checkpoint.load_file() is None and first.checkpoint.epoch is None
        ref = first.checkpoint.save_file(str(state), epoch=7)
        assert ref["uri"].endswith("/fit/checkpoints/epoch-7.skops")

        # The next attempt's envelope carries the newest checkpoint.
        with make_context(store, step="fit", progress_url=server.url, checkpoint=ref, attempt=2) as second:
            path = second.checkpoint.load_file()
            assert open(path, "rb").read() == state.read_bytes()
            assert second.checkpoint.load_bytes() == state.read_bytes()
            assert second.checkpoint.epoch == 7
            second.checkpoint.resumed_from_epoch = 7
            second.progress(0.8, epoch=8)
        assert not os.path.exists(path), "the temp copy goes when the call ends"
        resumed = server.reports[-3:]
        # The first report of the resumed attempt still names the checkpoint it started from.
        assert resumed[0] == {"fraction": 0.0, "checkpoint": ref}
        assert resumed[1] == {"fraction": 0.0, "checkpoint": ref, "resumedFromEpoch": 7}
        assert resumed[2] == {"fraction": 0.8, "epoch": 8, "checkpoint": ref, "resumedFromEpoch": 7}

    # A checkpoint changed behind its reference is refused.
    store.put_bytes(ref["uri"].split("/", 3)[3], b"tampered")
    with pytest.raises(ArtifactIntegrityError, match="epoch-7.skops"):
        make_context(store, step="fit", checkpoint=ref).checkpoint.load_file()


@pytest.mark.parametrize("call", [
    lambda c: c.checkpoint.save_bytes(b"x", epoch=1, ext="pkl"),
    lambda c: c.checkpoint.save_bytes(b"x", epoch=1, ext="joblib"),
    lambda c: c.checkpoint.save_bytes(b"x", epoch=-1),
    lambda c: c.checkpoint.save_bytes(b"x", epoch=1, ext="../x"),
    lambda c: c.progress(1.5),
    lambda c: c.progress(float("nan")),
    lambda c: c.progress(0.5, epoch=1.5),
    lambda c: c.progress(0.5, metrics={"loss": "low"}),
])
def test_bad_arguments_are_refused(call):
    with ProgressServer() as server:
        with pytest.raises(ValueError):
            call(make_context(progress_url=server.url))


def test_non_finite_metrics_are_left_out(capsys):
    with ProgressServer() as server:
        make_context(progress_url=server.url).progress(0.5, metrics={"loss": float("inf"), "accuracy": 0.5})
        assert server.reports == [{"fraction": 0.5, "metrics": {"accuracy": 0.5}}]
    assert '"loss" is inf' in capsys.readouterr().err


def test_progress_interval_setting():
    assert WrapperConfig.from_env({}).progress_interval == 5.0
    assert WrapperConfig.from_env({"BATON_PROGRESS_INTERVAL": "0.5"}).progress_interval == 0.5
    for bad in ("x", "0", "-1", "nan", "99999"):
        with pytest.raises(ConfigError, match="BATON_PROGRESS_INTERVAL"):
            WrapperConfig.from_env({"BATON_PROGRESS_INTERVAL": bad})


def test_safe_url_hides_the_token():
    assert safe_url("http://gw:8080/function/baton/progress/abc.def?x=1") == "http://gw:8080/function/baton/progress/***"
    assert safe_url("https://user:pw@host/t0ken") == "https://host/***"
    assert safe_url("http://host") == "http://host"

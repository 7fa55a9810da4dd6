"""index.py for real: waitress on a loopback port, and exit when the parent process dies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

import pytest

from baton_step.testing import TEST_STEP_KEY, signature_headers
from baton_test_procs import free_port, is_gone, stop, wait_http

TEMPLATE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = {"workflowId": "wf-1", "runId": "run-1", "pipeline": "demo", "step": "echo", "attempt": 1}


@pytest.fixture
def handler_dir(tmp_path):
    (tmp_path / "handler.py").write_text(textwrap.dedent("""
        from baton_step import StepInputError

        def handle(input, ctx):
            if input.get("fail"):
                raise StepInputError("fail requested", path="fail")
            return {"output": {"echo": input, "callId": ctx.call_id}, "metrics": {"one": 1}}
    """))
    return str(tmp_path)


# As `npm run gen:contract` writes it: one field with a default and a bound, the rest open.
ECHO_SCHEMA = {"step": "echo", "input": {"type": "object", "properties": {"times": {"default": 1, "type": "integer", "minimum": 1}}}}


def wrapper_env(handler_dir, port):
    """The environment of one wrapper; its secrets folder holds echo's step key, its folder echo's step schema."""
    with open(os.path.join(handler_dir, "step.schema.json"), "w", encoding="utf-8") as file:
        json.dump(ECHO_SCHEMA, file)
    secrets_dir = os.path.join(handler_dir, "secrets")
    os.makedirs(secrets_dir, exist_ok=True)
    with open(os.path.join(secrets_dir, "baton-step-key-echo"), "w", encoding="utf-8") as file:
        file.write(TEST_STEP_KEY + "\n")
    return {**os.environ, "http_port": str(port), "BATON_HANDLER_DIR": handler_dir,
            "BATON_SECRETS_DIR": secrets_dir, "BATON_FUNCTION": "echo", "PYTHONUNBUFFERED": "1"}


def post(port, body, sign=True):
    data = json.dumps(body).encode()
    signed = signature_headers("echo", data) if sign else {}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", data=data,
                                     headers={"Content-Type": "application/json", "X-Call-Id": "c-1", **signed})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_serves_the_envelope_over_http(handler_dir):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "index.py"], cwd=TEMPLATE_DIR, env=wrapper_env(handler_dir, port),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc)
        assert post(port, {"input": {"a": 1}, "run": RUN}) == (200, {"output": {"echo": {"a": 1, "times": 1}, "callId": "c-1"}, "metrics": {"one": 1}})
        status, body = post(port, {"input": {"times": 0}, "run": RUN})
        assert status == 422 and body["error"]["issues"] == [{"path": "input.times", "message": "must be >= 1"}]
        status, body = post(port, {"input": {"fail": True}, "run": RUN})
        assert status == 422 and body["error"]["issues"][0]["path"] == "input.fail"
        status, body = post(port, {"input": {}, "run": {**RUN, "attempt": 0}})
        assert status == 400 and body["error"]["issues"][0]["path"] == "run.attempt"
    finally:
        stop(proc)


def test_without_its_name_the_function_is_named_by_its_one_step_key_and_refuses_unsigned_calls(handler_dir):
    port = free_port()
    env = {k: v for k, v in wrapper_env(handler_dir, port).items() if k != "BATON_FUNCTION"}
    proc = subprocess.Popen([sys.executable, "index.py"], cwd=TEMPLATE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc)
        assert post(port, {"input": {"a": 1}, "run": RUN})[0] == 200
        status, body = post(port, {"input": {"a": 1}, "run": RUN}, sign=False)
        assert status == 401 and "missing X-Baton-Signature" in body["error"]["message"]
    finally:
        stop(proc)


@pytest.mark.parametrize("key, message", [(None, 'secret "baton-step-key-echo" is missing'),
                                          ("tiny-key-value", 'secret "baton-step-key-echo" is too short')])
def test_a_missing_or_short_step_key_stops_the_function_naming_the_secret(handler_dir, key, message):
    env = wrapper_env(handler_dir, free_port())
    key_file = os.path.join(env["BATON_SECRETS_DIR"], "baton-step-key-echo")
    if key is None:
        os.remove(key_file)
    else:
        with open(key_file, "w", encoding="utf-8") as file:
            file.write(key)
    result = subprocess.run([sys.executable, "index.py"], cwd=TEMPLATE_DIR, capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 2 and message in result.stderr
    assert "tiny-key-value" not in result.stderr


def test_bad_configuration_exits_with_the_key_named(tmp_path):
    result = subprocess.run([sys.executable, "index.py"], cwd=TEMPLATE_DIR, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "BATON_HANDLER_DIR": str(tmp_path), "http_port": "x"})
    assert result.returncode == 2 and "http_port" in result.stderr


def test_without_its_step_schema_the_function_does_not_start(handler_dir):
    env = wrapper_env(handler_dir, free_port())
    os.remove(os.path.join(handler_dir, "step.schema.json"))
    done = subprocess.run([sys.executable, "index.py"], cwd=TEMPLATE_DIR, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "no step.schema.json in" in done.stderr and "npm run gen:contract" in done.stderr


def test_exits_when_its_parent_dies(handler_dir):
    port = free_port()
    # A stand-in watchdog: starts the wrapper, prints its pid, waits.
    parent_code = (
        "import subprocess, sys\n"
        f"child = subprocess.Popen([sys.executable, 'index.py'], cwd={TEMPLATE_DIR!r})\n"
        "print(child.pid, flush=True)\n"
        "child.wait()\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code], env=wrapper_env(handler_dir, port), stdout=subprocess.PIPE, text=True)
    child_pid = int(parent.stdout.readline())
    try:
        wait_http(f"http://127.0.0.1:{port}/", parent)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while not is_gone(child_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert is_gone(child_pid), "the wrapper outlived its parent"
    finally:
        stop(parent)
        if not is_gone(child_pid):
            os.kill(child_pid, signal.SIGKILL)


def test_reports_progress_over_http_at_the_configured_interval(tmp_path):
    from baton_step.testing import ProgressServer

    (tmp_path / "handler.py").write_text(textwrap.dedent("""
        import time

        def handle(input, ctx):
            ctx.progress(0.5, epoch=1, metrics={"loss": 0.5})
            time.sleep(0.6)
            ctx.progress(0.9, epoch=2)
            return {"output": "done"}
    """))
    port = free_port()
    env = {**wrapper_env(str(tmp_path), port), "BATON_PROGRESS_INTERVAL": "0.1"}
    proc = subprocess.Popen([sys.executable, "index.py"], cwd=TEMPLATE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc)
        with ProgressServer() as server:
            assert post(port, {"input": {}, "run": RUN, "progressUrl": server.url}) == (200, {"output": "done"})
            reports = list(server.reports)
    finally:
        stop(proc)
    assert reports[0] == {"fraction": 0.0} and reports[-1] == {"fraction": 0.9, "epoch": 2, "metrics": {"loss": 0.5}}
    repeats = [r for r in reports if r == {"fraction": 0.5, "epoch": 1, "metrics": {"loss": 0.5}}]
    assert len(repeats) >= 3, reports  # the first, then the keep-alive every 0.1 s over 0.6 s (about 6)
    assert all(headers["X-Call-Id"] == "c-1" for _, headers in server.requests)


def test_a_bad_progress_interval_exits_with_the_key_named(tmp_path, handler_dir):
    result = subprocess.run([sys.executable, "index.py"], cwd=TEMPLATE_DIR, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "BATON_HANDLER_DIR": handler_dir, "BATON_PROGRESS_INTERVAL": "soon"})
    assert result.returncode == 2 and "BATON_PROGRESS_INTERVAL" in result.stderr


def test_sigterm_runs_the_handlers_on_stop_before_exiting(tmp_path):
    # What predict's inference log relies on: the watchdog's SIGTERM lets the handler write what it holds.
    marker = tmp_path / "stopped"
    (tmp_path / "handler.py").write_text(textwrap.dedent(f"""
        import time

        def handle(input, ctx):
            return {{"output": {{}}}}

        def on_stop(budget_seconds):
            time.sleep(0.3)  # a flush takes a moment: the process must wait for it
            open({str(marker)!r}, "w").write(f"budget={{budget_seconds}}")
    """))
    port = free_port()
    proc = subprocess.Popen([sys.executable, "index.py"], cwd=TEMPLATE_DIR, env=wrapper_env(str(tmp_path), port),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert marker.read_text() == "budget=8.0"
    finally:
        stop(proc)

"""The step span and its S3 child spans, exported to an in-memory exporter of the real SDK."""

from __future__ import annotations

import json
import types

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from baton_step import tracing
from baton_step.app import create_app
from baton_step.artifacts import ArtifactStore
from baton_step.envelope import load_validator
from baton_step.errors import ConfigError
from baton_step.s3_backend import MinioBackend
from baton_step.secrets import SecretReader
from baton_step.testing import TEST_STEP_KEY, signature_headers

RUN = {"workflowId": "wf-1", "runId": "run-1", "pipeline": "demo", "step": "train", "attempt": 3}
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


class FakeMinio:
    """Stands for the minio client: answers as S3 would for one bucket."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def bucket_exists(self, bucket):
        return True

    def put_object(self, bucket, key, stream, length, **_):
        self.objects[key] = stream.read(length)

    def stat_object(self, bucket, key):
        raise AssertionError("not called here")


@pytest.fixture
def exporter():
    spans = InMemorySpanExporter()
    assert tracing.start_tracing("demo", {}, exporter=spans)
    yield spans
    tracing.shutdown_tracing()  # the other tests run untraced


def make_client(handle):
    module = types.ModuleType("handler")
    module.handle = handle
    store = ArtifactStore(MinioBackend(FakeMinio(), "us-east-1"), "bucket-1")
    app = create_app(module, load_validator(), SecretReader("/nonexistent"), lambda: store, "demo", step_key=TEST_STEP_KEY)
    return app.test_client()


def post(client, body, **headers):
    data = json.dumps(body)
    return client.post("/", data=data, headers={"Content-Type": "application/json", **signature_headers("demo", data), **headers})


def writes_a_report(input, ctx):
    ctx.artifacts.put_bytes(ctx.run_key("report.json"), b"{}")
    if input.get("fail"):
        raise RuntimeError("exploded with token sk-not-in-a-span")
    return {"output": {"ok": True}}


def test_a_step_call_is_a_span_under_the_callers_traceparent_with_its_s3_calls_as_children(exporter):
    response = post(make_client(writes_a_report), {"input": {}, "run": RUN},
                    traceparent=f"00-{TRACE_ID}-{CALLER_SPAN}-01", **{"X-Call-Id": "call-7"})
    assert response.status_code == 200
    spans = {span.name: span for span in exporter.get_finished_spans()}
    step = spans["step train"]
    assert step.kind == SpanKind.SERVER
    assert format(step.context.trace_id, "032x") == TRACE_ID
    assert format(step.parent.span_id, "016x") == CALLER_SPAN
    assert dict(step.attributes) == {
        "baton.run.id": "wf-1",
        "baton.run.temporal_run_id": "run-1",
        "baton.pipeline": "demo",
        "baton.step": "train",
        "baton.attempt": 3,
        "faas.name": "demo",
        "faas.invocation_id": "call-7",
        "http.response.status_code": 200,
    }
    assert step.resource.attributes["service.name"] == "demo"
    put = spans["S3.PutObject"]
    assert put.kind == SpanKind.CLIENT
    assert put.parent.span_id == step.context.span_id
    assert put.attributes["aws.s3.bucket"] == "bucket-1"
    assert put.attributes["aws.s3.key"] == "runs/wf-1/train/report.json"


def test_a_failed_call_marks_the_span_as_an_error_without_its_message_or_headers(exporter):
    response = post(make_client(writes_a_report), {"input": {"fail": True}, "run": RUN},
                    traceparent=f"00-{TRACE_ID}-{CALLER_SPAN}-01", Authorization="Bearer sk-secret")
    assert response.status_code == 500
    step = next(span for span in exporter.get_finished_spans() if span.name == "step train")
    assert step.status.status_code == StatusCode.ERROR
    assert step.attributes["http.response.status_code"] == 500
    dumped = "".join(span.to_json() for span in exporter.get_finished_spans())
    assert "sk-secret" not in dumped and "sk-not-in-a-span" not in dumped and "Signature" not in dumped


def test_an_unsigned_call_is_not_traced(exporter):
    client = make_client(writes_a_report)
    response = client.post("/", data=json.dumps({"input": {}, "run": RUN}), headers={"Content-Type": "application/json"})
    assert response.status_code == 401
    assert exporter.get_finished_spans() == ()


def test_tracing_is_off_without_an_endpoint_and_then_yields_no_span():
    assert not tracing.start_tracing("demo", {})
    assert not tracing.active()
    assert not tracing.tracing_requested({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"})
    assert not tracing.tracing_requested({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"})
    assert tracing.tracing_requested({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"})
    with tracing.step_span({}, RUN, "demo", "c") as span:
        assert span is None


def test_another_otlp_protocol_is_refused_naming_the_key():
    with pytest.raises(ConfigError, match="OTEL_EXPORTER_OTLP_PROTOCOL=grpc"):
        tracing.start_tracing("demo", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"})

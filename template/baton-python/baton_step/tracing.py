"""OpenTelemetry tracing of a Python step function (the same spans as the baton-node template's tracing.ts).

On when an OTLP endpoint is set (``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``): each
verified call runs in a span ``step <name>`` that continues the caller's W3C ``traceparent``, with the run, attempt
and function as attributes, and each S3 call is a child span. Spans go over OTLP/HTTP (protobuf). Off otherwise:
the SDK is never imported and ``step_span``/``s3_span`` yield None at no cost. Never a token or a secret in a span:
the call's headers and body stay out of it.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Mapping, Optional

from .errors import ConfigError

# The attribute keys of a step span (template/baton-node/step-span.ts uses the same).
RUN_ID = "baton.run.id"
TEMPORAL_RUN_ID = "baton.run.temporal_run_id"
PIPELINE = "baton.pipeline"
STEP = "baton.step"
ATTEMPT = "baton.attempt"
FUNCTION = "faas.name"
CALL_ID = "faas.invocation_id"
STATUS = "http.response.status_code"

TRACER_NAME = "baton"

_provider: Any = None


def tracing_requested(env: Mapping[str, str]) -> bool:
    """Whether the environment asks for traces: an OTLP endpoint set, and neither the SDK nor the exporter off."""
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none":
        return False
    return bool(env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip() or env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip())


def check_protocol(env: Mapping[str, str]) -> None:
    """Baton exports OTLP over HTTP with protobuf bodies only: another protocol setting is named at start."""
    for key in ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"):
        value = env.get(key, "").strip()
        if value and value != "http/protobuf":
            raise ConfigError(
                f"{key}={value} is not supported: Baton exports traces as OTLP over HTTP (http/protobuf); unset it and "
                "point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's OTLP/HTTP port (usually 4318)"
            )


def active() -> bool:
    """Whether this process exports spans."""
    return _provider is not None


def start_tracing(service_name: str, env: Mapping[str, str], exporter: Any = None) -> bool:
    """Starts tracing once, as service ``service_name`` unless ``OTEL_SERVICE_NAME`` says otherwise, when the
    environment asks for it; returns whether it is on. ``exporter`` replaces the OTLP one (tests)."""
    global _provider
    if _provider is not None:
        return True
    if exporter is None and not tracing_requested(env):
        return False
    check_protocol(env)
    # Imported only when on: an untraced function never loads the SDK.
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    if exporter is None:
        # Reads the endpoint, headers, timeout and compression from the OTEL_EXPORTER_OTLP_* variables.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor: Any = BatchSpanProcessor(OTLPSpanExporter())  # delays and sizes from OTEL_BSP_*
    else:
        processor = SimpleSpanProcessor(exporter)
    # Resource.create reads OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME (which wins over the default name).
    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME") or service_name})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(processor)
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(provider)  # for libraries that trace through the global provider
    _provider = provider
    return True


def shutdown_tracing() -> None:
    """Exports what is buffered and stops; harmless when tracing is off."""
    global _provider
    if _provider is not None:
        provider, _provider = _provider, None
        provider.shutdown()


@contextlib.contextmanager
def step_span(headers: Mapping[str, str], run: Mapping[str, Any], function_name: str, call_id: str) -> Iterator[Any]:
    """The span of one verified step call, a child of the caller's ``traceparent``; None when tracing is off."""
    if _provider is None:
        yield None
        return
    from opentelemetry.propagate import extract
    from opentelemetry.trace import SpanKind

    parent = extract({key.lower(): value for key, value in headers.items()})
    attributes = {
        RUN_ID: str(run.get("workflowId", "")),
        TEMPORAL_RUN_ID: str(run.get("runId", "")),
        PIPELINE: str(run.get("pipeline", "")),
        STEP: str(run.get("step", "")),
        ATTEMPT: int(run.get("attempt", 0)),
        FUNCTION: function_name,
        CALL_ID: call_id,
    }
    tracer = _provider.get_tracer(TRACER_NAME)
    # The handler's errors are answered (and recorded by record_status), not raised through the span.
    with tracer.start_as_current_span(
        f"step {run.get('step', '')}", context=parent, kind=SpanKind.SERVER, attributes=attributes
    ) as span:
        yield span


def record_status(span: Optional[Any], status: int) -> None:
    """Records the answer's HTTP status; a 5xx (the attempt failed and is retried) marks the span as an error."""
    if span is None:
        return
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute(STATUS, status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR, f"answered {status}"))


@contextlib.contextmanager
def s3_span(operation: str, bucket: str, key: Optional[str] = None) -> Iterator[Any]:
    """A client span ``S3.<operation>`` (child of the step span) with the bucket and key; None when tracing is off."""
    if _provider is None:
        yield None
        return
    from opentelemetry.trace import SpanKind

    attributes: dict[str, Any] = {"rpc.system": "aws-api", "rpc.service": "S3", "rpc.method": operation, "aws.s3.bucket": bucket}
    if key is not None:
        attributes["aws.s3.key"] = key
    # This process's provider, not the global one: the global is set once per process, a test starts tracing anew.
    with _provider.get_tracer(TRACER_NAME).start_as_current_span(f"S3.{operation}", kind=SpanKind.CLIENT, attributes=attributes) as span:
        yield span

"""The HTTP wrapper around one handler: checks the envelope, runs the handler, shapes answers.

Answers: 200 ``{output, metrics?}``; 400 bad JSON or envelope; 422 StepInputError (paths under
``input.``); 409 StepCancelledError (the orchestrator asked the attempt to stop); 503 StepUnavailableError
(something the handler needs is down for now; ``Retry-After`` when the error gives one: retried); 507 StorageFull
(a write failed on a full disk: ENOSPC, or MinIO's XMinioStorageFull; retried); 500 any other
exception (message only: the stack goes to stderr). Secret values are scrubbed from every message
and log line. With a ``progressUrl`` the call reports progress while the handler runs (see progress.py).

Direct calls: a handler module that sets ``DIRECT_CALLS = True`` (a service such as predict) may also be called
by people with ``{"input": {...}}`` and no ``run`` (see ``envelope.direct_call_envelope``), each call with a Baton API
key that grants ``viewer`` (``Authorization: Bearer <key>``, checked by api_keys.py): 401 without one or with an unknown
or revoked one, 403 when its roles grant no viewer, 503 when the key list cannot be read. Such a module may also declare
``ROUTES = {"<name>": fn}``: more POST paths (``/function/<function>/<name>`` through the gateway) for the same callers,
with the same key check; ``fn(body, ctx)`` answers ``(status, body)``. A handler may set ``ctx.response_headers``
(added to a successful answer) and read ``ctx.request_headers``.
"""

from __future__ import annotations

import errno
import json
import math
import re
import sys
import time
import traceback
import uuid
from types import ModuleType
from typing import Any, Callable, Optional

from flask import Flask, Response, g, request
from jsonschema import Draft202012Validator
from werkzeug.exceptions import HTTPException

from .api_keys import HOW_TO_GET_A_KEY, ApiKeyChecker, KeyCheckError, bearer, parse_api_key
from .artifacts import ArtifactStore
from .config import DEFAULT_PROGRESS_INTERVAL
from .context import RunInfo, StepContext
from .envelope import direct_call_envelope, envelope_issues
from .errors import ConfigError, ErrorType, HandlerContractError, describe_issues, Issue, StepCancelledError, StepInputError, StepUnavailableError
from .secrets import SecretReader
from .signature import SIGNATURE_HEADER, sign, signature_problem
from .step_schema import StepInputSchema
from .tracing import record_status, step_span

CALL_ID_HEADER = "X-Call-Id"
# Envelopes carry references, never artifact bytes (same limit as the baton-node wrapper).
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_MESSAGE_CHARS = 2000


def _numpy_friendly(value: Any) -> Any:
    # Handlers often return numpy scalars or arrays; both have tolist().
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (the TypeScript side could never send them).
    raise ValueError(f"{name} is not valid JSON")


# How long the function's signature of its answer or of a progress report holds: both are sent at once; this is the
# clock skew between function and orchestrator plus the async queue's callback delivery, with room to spare.
REPLY_SIGNATURE_TTL_SECONDS = 300


# werkzeug's names where the TypeScript wrapper answers the same status with a name of the shared vocabulary.
_HTTP_ERROR_TYPES = {405: ErrorType.METHOD_NOT_ALLOWED, 413: ErrorType.PAYLOAD_TOO_LARGE}


def _json(status: int, body: Any) -> Response:
    text = json.dumps(body, allow_nan=False, default=_numpy_friendly, ensure_ascii=False)
    return Response(text, status=status, mimetype="application/json")


def _error(status: int, message: str, type_: str, issues: Optional[list[Issue]] = None) -> Response:
    error: dict[str, Any] = {"message": message[:MAX_MESSAGE_CHARS], "type": type_}
    if issues is not None:
        error["issues"] = issues
    return _json(status, {"error": error})


def _unauthorized(message: str) -> Response:
    response = _error(401, message, ErrorType.UNAUTHORIZED)
    response.headers["WWW-Authenticate"] = 'Bearer realm="baton"'
    return response


def _under_input(path: str) -> str:
    if path == "input" or path.startswith("input."):
        return path
    return f"input.{path}" if path else "input"


def _check_result(result: Any) -> dict[str, Any]:
    if not isinstance(result, dict) or "output" not in result:
        raise HandlerContractError('handle() must return a dict {"output": ..., "metrics": {...}}')
    unknown = set(result) - {"output", "metrics"}
    if unknown:
        raise HandlerContractError(f"handle() returned unknown keys {sorted(unknown)}: only output and metrics")
    metrics = result.get("metrics")
    if metrics is None:
        return {"output": result["output"]}
    if not isinstance(metrics, dict):
        raise HandlerContractError("handle() returned metrics that are not a dict of name -> number")
    for name, value in metrics.items():
        number = _numpy_friendly(value) if hasattr(value, "tolist") else value
        if not isinstance(name, str) or isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
            raise HandlerContractError(f'metric "{name}" must be a finite number')
    return {"output": result["output"], "metrics": metrics}


_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_FULL_S3_CODES = {"XMinioStorageFull"}


def _storage_full(error: BaseException) -> bool:
    """Whether a write failed on a full disk: a local one (ENOSPC, EDQUOT) or MinIO's (XMinioStorageFull), anywhere in
    the exception chain. Answered 507 StorageFull: retried, and the operator reads that the disk is full."""
    seen: set[int] = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError) and current.errno in _FULL_ERRNOS:
            return True
        if getattr(current, "code", None) in _FULL_S3_CODES:
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _cancellation(error: BaseException) -> Optional[StepCancelledError]:
    # A handler may wrap the cancellation in its own exception: follow the chain.
    seen: set[int] = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        if isinstance(current, StepCancelledError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def create_app(
    handler: ModuleType,
    validator: Draft202012Validator,
    secrets: SecretReader,
    store_provider: Callable[[], ArtifactStore],
    function_name: str,
    progress_interval: float = DEFAULT_PROGRESS_INTERVAL,
    *,
    step_key: str,
    api_keys: Optional[ApiKeyChecker] = None,
    input_schema: Optional[StepInputSchema] = None,
) -> Flask:
    """Builds the Flask app serving ``handler.handle(input, ctx)`` at ``POST /``; only calls signed with
    ``step_key`` for ``function_name`` (or a ``DIRECT_CALLS`` function's calls without ``run`` that carry a viewer
    API key, checked by ``api_keys``, by default against the store of ``store_provider``) reach it. With
    ``input_schema`` (the step's generated schema) the input is checked and its defaults filled in first: 422 naming
    each bad field."""
    app = Flask(function_name)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # Only True itself counts: a truthy string or object set by mistake does not open the function to people.
    direct_calls = getattr(handler, "DIRECT_CALLS", False) is True
    usage = "POST / with a step envelope {input, run: {workflowId, runId, pipeline, step, attempt}}"
    if direct_calls:
        usage += ', or directly with {"input": {...}} and no run, with "Authorization: Bearer <API key with role viewer>"'
        api_keys = api_keys or ApiKeyChecker(store_provider)

    def log(call_id: str, text: str) -> None:
        print(f"[{call_id}] {secrets.redact(text)}", file=sys.stderr, flush=True)

    def refuse_caller(call_id: str) -> Optional[Response]:
        # People's calls carry no signature: the caller's API key stands for it. Only its id is ever logged.
        assert api_keys is not None
        credential = bearer(request.headers.get("Authorization"))
        if credential is None:
            log(call_id, "401 direct call without an API key")
            return _unauthorized(f"{function_name} needs an API key: {HOW_TO_GET_A_KEY}")
        try:
            holder = api_keys.holder(credential)
        except KeyCheckError as error:
            log(call_id, f"503 {error}: {error.__cause__}")
            return _error(503, f"cannot check API keys now: {error}", ErrorType.KEY_CHECK_FAILED)
        if holder is None:
            parsed = parse_api_key(credential)
            log(call_id, f"401 direct call: {f'API key {parsed[0]}' if parsed else 'a credential that is no API key'} not accepted")
            return _unauthorized(f"{function_name} did not accept the credential (unknown, revoked or not a Baton API key): {HOW_TO_GET_A_KEY}")
        if not holder.may("viewer"):
            log(call_id, f"403 API key {holder.id} has no role granting viewer")
            return _error(403, f'API key {holder.id} has no role granting "viewer": ask an admin for a key with role viewer', ErrorType.FORBIDDEN)
        return None

    def failure(call_id: str, error: Exception, path_of: Callable[[str], str]) -> Response:
        """The answer to a handler's exception: 422 bad input (issue paths through ``path_of``), 503 unavailable, 409
        cancelled, else 500 (message only: the stack goes to the log)."""
        if isinstance(error, StepInputError):
            found = [{"path": path_of(i["path"]), "message": secrets.redact(i["message"])} for i in error.issues]
            log(call_id, "422 " + describe_issues(found))
            return _error(422, secrets.redact(error.message), ErrorType.INVALID_INPUT, found)
        if isinstance(error, StepUnavailableError):
            log(call_id, f"503 {secrets.redact(error.message)}")
            response = _error(503, secrets.redact(error.message), ErrorType.UNAVAILABLE)
            if error.retry_after_seconds is not None:
                response.headers["Retry-After"] = str(error.retry_after_seconds)
            return response
        cancelled = _cancellation(error)
        if cancelled is not None:
            how = "" if cancelled is error else f" (raised as {type(error).__name__})"
            log(call_id, f"409 {cancelled}{how}")
            return _error(409, secrets.redact(str(cancelled)) or "cancelled", ErrorType.CANCELLED)
        if _storage_full(error):
            message = f"the storage is full: {secrets.redact(str(error)) or type(error).__name__}"
            log(call_id, f"507 {message}")
            return _error(507, message, ErrorType.STORAGE_FULL)
        log(call_id, f"500 {function_name} failed:\n{traceback.format_exc().rstrip()}")
        return _error(500, secrets.redact(str(error)) or type(error).__name__, type(error).__name__)

    @app.get("/")
    def describe() -> Response:
        return _json(200, {
            "function": function_name,
            "template": "baton-python",
            "contract": "baton step v1",
            "usage": usage,
            "directCalls": direct_calls,
        })

    @app.post("/")
    def invoke() -> Response:
        call_id = request.headers.get(CALL_ID_HEADER) or str(uuid.uuid4())
        raw = request.get_data(cache=False) or b""
        try:
            body = json.loads(raw, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError):
            log(call_id, "400 request body is not valid JSON")
            return _error(400, "request body is not valid JSON", ErrorType.INVALID_ENVELOPE, [{"path": "(root)", "message": "invalid JSON"}])
        direct = direct_calls and isinstance(body, dict) and "run" not in body
        if direct:
            # Who calls comes first: a caller without a key learns nothing of the envelope's rules.
            refused = refuse_caller(call_id)
            if refused is not None:
                return refused
            body, pipeline_only = direct_call_envelope(body, call_id, function_name)
            issues = pipeline_only + envelope_issues(validator, body)
        else:
            issues = envelope_issues(validator, body)
        if issues:
            log(call_id, "400 invalid step envelope: " + describe_issues(issues))
            return _error(400, "invalid step envelope", ErrorType.INVALID_ENVELOPE, issues)
        # Before the handler: a pipeline call must be signed by the orchestrator with this function's key. A direct
        # call carries no run (its run is made up here): its caller's API key was checked above.
        unsigned = None if direct else signature_problem(request.headers.get(SIGNATURE_HEADER), function_name, body["run"], raw, step_key)
        if unsigned:
            log(call_id, f"401 {unsigned}")
            return _error(401, unsigned, ErrorType.UNAUTHORIZED)
        def answer() -> Response:
            sign_report: Optional[Callable[[bytes], str]] = None
            if not direct:
                # From here on every answer is signed (sign_answer) and so is every progress report: a long step's answer
                # reaches the orchestrator through the gateway's queue, which copies the response headers onto the callback.
                run = body["run"]
                g.baton_signed_run = run

                def sign_report(data: bytes) -> str:
                    return sign(function_name, run, int(time.time()) + REPLY_SIGNATURE_TTL_SECONDS, data, step_key, "progress")
            ctx = StepContext(
                RunInfo.from_envelope(body["run"]),
                call_id,
                secrets,
                store_provider,
                checkpoint=body.get("checkpoint"),
                progress_url=body.get("progressUrl"),
                progress_interval=progress_interval,
                sign_report=sign_report,
                request_headers=request.headers,
            )
            try:
                step_input = body["input"] if input_schema is None else input_schema.apply(body["input"])
                try:
                    ctx.start()  # first progress report + keep-alive (only with a progressUrl)
                    result = _check_result(handler.handle(step_input, ctx))
                finally:
                    ctx.close()  # no progress report follows the answer
                try:
                    response = _json(200, result)
                except (TypeError, ValueError) as error:
                    raise HandlerContractError(f"handle() returned a value that is not JSON: {error}") from error
                response.headers.update(ctx.response_headers)
                return response
            except Exception as error:  # noqa: BLE001 - failure() answers each kind of failure
                return failure(call_id, error, _under_input)

        # Only verified calls are traced: the span continues the orchestrator's trace (W3C traceparent).
        with step_span(request.headers, body["run"], function_name, call_id) as span:
            response = answer()
            record_status(span, response.status_code)
            return response

    for name, route in _direct_routes(handler, direct_calls).items():
        app.add_url_rule(f"/{name}", endpoint=f"route_{name}", view_func=_route_view(route, name, refuse_caller, failure, secrets, store_provider, function_name),
                         methods=["POST"])

    @app.after_request
    def sign_answer(response: Response) -> Response:
        run = g.get("baton_signed_run")
        if run is not None:
            expires = int(time.time()) + REPLY_SIGNATURE_TTL_SECONDS
            response.headers[SIGNATURE_HEADER] = sign(function_name, run, expires, response.get_data(), step_key, "answer", response.status_code)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        # 404, 405, 413 ... as JSON error bodies like every other answer.
        return _error(error.code or 500, error.description or error.name, _HTTP_ERROR_TYPES.get(error.code or 500, error.name.replace(" ", "")))

    return app


# A route's name: one lowercase path segment (the gateway passes /function/<name>/<route> on as /<route>).
_ROUTE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
RouteAnswer = tuple[int, Any]


def _direct_routes(handler: ModuleType, direct_calls: bool) -> dict[str, Callable[[Any, StepContext], RouteAnswer]]:
    """The handler's ``ROUTES``: ``{"<name>": fn}``, each served at ``POST /<name>`` for people's direct calls (so only
    with ``DIRECT_CALLS = True``); ``fn(body, ctx)`` gets the parsed JSON body and returns ``(status, body)``."""
    routes = getattr(handler, "ROUTES", None)
    if routes is None:
        return {}
    if not direct_calls:
        raise ConfigError("handler.py declares ROUTES without DIRECT_CALLS = True: its routes are for people's direct calls only")
    if not isinstance(routes, dict):
        raise ConfigError('handler.py: ROUTES must be a dict {"<name>": fn(body, ctx) -> (status, body)}')
    for name, route in routes.items():
        if not isinstance(name, str) or not _ROUTE_NAME.match(name) or not callable(route):
            raise ConfigError(f'handler.py: ROUTES entry {name!r} must map a lowercase path segment like "feedback" to fn(body, ctx)')
    return routes


def _route_view(
    route: Callable[[Any, StepContext], RouteAnswer],
    name: str,
    refuse_caller: Callable[[str], Optional[Response]],
    failure: Callable[[str, Exception, Callable[[str], str]], Response],
    secrets: SecretReader,
    store_provider: Callable[[], ArtifactStore],
    function_name: str,
) -> Callable[[], Response]:
    """One route's view: the caller's API key first (as the function's own direct calls), then the JSON body, then
    ``route(body, ctx)``; failures answer as the function's do, with issue paths as the body's own fields."""

    def serve() -> Response:
        call_id = request.headers.get(CALL_ID_HEADER) or str(uuid.uuid4())
        refused = refuse_caller(call_id)
        if refused is not None:
            return refused
        raw = request.get_data(cache=False) or b""
        try:
            body = json.loads(raw, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError):
            return _error(400, f"POST /{name}: request body is not valid JSON", ErrorType.INVALID_INPUT, [{"path": "(root)", "message": "invalid JSON"}])
        envelope, _ = direct_call_envelope({}, call_id, function_name)
        ctx = StepContext(RunInfo.from_envelope(envelope["run"]), call_id, secrets, store_provider, request_headers=request.headers)
        try:
            status, answer = route(body, ctx)
            response = _json(status, answer)
        except Exception as error:  # noqa: BLE001 - failure() answers each kind of failure
            return failure(call_id, error, lambda path: path or "(root)")
        finally:
            ctx.close()
        response.headers.update(ctx.response_headers)
        return response

    return serve

"""Test helpers: an in-memory object backend, a ready-made StepContext, so handler tests run the real
ArtifactStore code without MinIO, a stand-in orchestrator that records progress reports, and API keys issued into a
store as the orchestrator issues them (for direct calls)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets as random
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, BinaryIO, Callable, Iterator, Optional

from .api_keys import API_KEYS_DOCUMENT
from .artifacts import ArtifactRef, ArtifactStore, ListedObject, ObjectInfo
from .config import DEFAULT_PROGRESS_INTERVAL
from .context import RunInfo, StepContext
from .errors import ArtifactNotFoundError
from .secrets import SecretReader
from .signature import SIGNATURE_HEADER, sign
from .step_schema import STEP_SCHEMA_FILE, load_step_schema

TEST_BUCKET = "baton-test"


def call_step(handler: Any, input: Any, ctx: StepContext) -> dict[str, Any]:
    """Calls ``handler.handle`` as the wrapper does: the input checked against the ``step.schema.json`` beside the
    handler module, defaults filled in (StepInputError naming each bad field otherwise), then ``handle``."""
    folder = os.path.dirname(os.path.abspath(handler.__file__))
    schema = load_step_schema(folder)
    if schema is None:
        raise AssertionError(f"no {STEP_SCHEMA_FILE} in {folder}: run `npm run gen:contract`")
    return handler.handle(schema.apply(input), ctx)


class MemoryBackend:
    """Objects in a dict; records every put so tests can assert on uploads."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], tuple[bytes, str, str]] = {}  # -> (data, content type, sha256)
        self.puts: list[str] = []
        self._lock = threading.Lock()

    def ensure_bucket(self, bucket: str) -> None:
        """Buckets need no creation in memory."""

    def put(self, bucket: str, key: str, stream: BinaryIO, size: int, content_type: str, sha256: str) -> None:
        """Stores exactly ``size`` bytes from ``stream``."""
        data = stream.read(size)
        if len(data) != size:
            raise IOError(f"stream ended after {len(data)} of {size} bytes")
        with self._lock:
            self.objects[(bucket, key)] = (data, content_type, sha256)
            self.puts.append(key)

    def get(self, bucket: str, key: str) -> Iterator[bytes]:
        """Yields the object in small chunks, like a network stream."""
        with self._lock:
            found = self.objects.get((bucket, key))
        if found is None:
            raise ArtifactNotFoundError(f"artifact s3://{bucket}/{key} does not exist")
        data = found[0]
        for start in range(0, len(data), 64 * 1024):
            yield data[start:start + 64 * 1024]

    def stat(self, bucket: str, key: str) -> Optional[ObjectInfo]:
        """Size and sha256 of a stored object, or None."""
        with self._lock:
            found = self.objects.get((bucket, key))
        return None if found is None else ObjectInfo(len(found[0]), found[2])

    def list_keys(self, bucket: str, prefix: str) -> list[str]:
        """Every key under ``prefix`` in ``bucket``, sorted."""
        with self._lock:
            return sorted(key for (b, key) in self.objects if b == bucket and key.startswith(prefix))

    def list_objects(self, bucket: str, prefix: str) -> Iterator[ListedObject]:
        """Objects under ``prefix``; the ETag is the md5 of the bytes, as S3 gives for a single-part upload."""
        with self._lock:
            found = [(key, value[0]) for (name, key), value in self.objects.items() if name == bucket and key.startswith(prefix)]
        for key, data in found:
            yield ListedObject(key, hashlib.md5(data).hexdigest(), len(data))

    def read(self, key: str, bucket: str = TEST_BUCKET) -> bytes:
        """The bytes stored at ``key`` (for assertions)."""
        return self.objects[(bucket, key)][0]


def memory_store(bucket: str = TEST_BUCKET) -> ArtifactStore:
    """An ArtifactStore over a fresh MemoryBackend (reach it as ``store.backend``)."""
    return ArtifactStore(MemoryBackend(), bucket)


def make_context(
    store: Optional[ArtifactStore] = None,
    step: str = "step",
    workflow_id: str = "wf-test",
    call_id: str = "call-test",
    secrets_dir: Optional[str] = None,
    checkpoint: Optional[ArtifactRef] = None,
    progress_url: Optional[str] = None,
    progress_interval: float = DEFAULT_PROGRESS_INTERVAL,
    attempt: int = 1,
) -> StepContext:
    """A StepContext for calling ``handle(input, ctx)`` directly in a test.

    With ``progress_url``, use it as ``with make_context(...) as ctx:`` to get the first report and the
    keep-alive as the wrapper runs them (``ctx.progress`` reports either way).
    """
    store = store if store is not None else memory_store()
    run = RunInfo(workflow_id=workflow_id, run_id="run-test", pipeline="test", step=step, attempt=attempt)
    # No secrets unless the test provides a folder: a read then fails like a missing secret.
    secrets = SecretReader(secrets_dir or os.path.join(tempfile.gettempdir(), "baton-test-no-secrets"))
    return StepContext(run, call_id, secrets, lambda: store, checkpoint=checkpoint,
                       progress_url=progress_url, progress_interval=progress_interval)


class ProgressServer:
    """A stand-in orchestrator on a loopback port: records every progress report POSTed to ``url`` and
    answers with ``answer(report) -> (status, body)`` (default ``200 {"cancelRequested": false}``).

    Use as ``with ProgressServer() as server:``; ``server.reports`` holds the JSON bodies in arrival
    order, ``server.requests`` the (path, headers) of each and ``server.bodies`` the exact bytes (signed).
    """

    TOKEN = "tok-SECRET-1234"  # the URL's last segment, like the orchestrator's attempt reference

    def __init__(self, answer: Optional[Callable[[dict[str, Any]], tuple[int, Any]]] = None) -> None:
        self.answer = answer or (lambda report: (200, {"cancelRequested": False}))
        self.reports: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.bodies: list[bytes] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the gateway speaks it
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                report = json.loads(body or b"null")
                with outer._lock:
                    outer.reports.append(report)
                    outer.requests.append((self.path, dict(self.headers.items())))
                    outer.bodies.append(body)
                status, answer = outer.answer(report)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet tests

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/function/baton/progress/{self.TOKEN}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="baton-test-progress", daemon=True)

    def __enter__(self) -> "ProgressServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 5.0) -> list[dict[str, Any]]:
        """Waits until ``predicate(reports)`` holds; returns the reports (fails the test on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                reports = list(self.reports)
            if predicate(reports):
                return reports
            time.sleep(0.01)
        raise AssertionError(f"progress reports did not arrive as expected within {timeout}s: {self.reports}")


# A step key for wrapper tests (never a real secret); the baton-node template's testing.ts has the same.
TEST_STEP_KEY = "test-step-key-0123456789abcdef0123456789abcdef"


def signature_headers(fn: str, data: bytes | str, key: str = TEST_STEP_KEY, expires_in: int = 60) -> dict[str, str]:
    """The signature header the orchestrator would send with ``data`` (an envelope with ``run``) to ``fn``;
    ``expires_in`` may be negative to make an expired one."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    run = json.loads(raw)["run"]
    return {SIGNATURE_HEADER: sign(fn, run, int(time.time()) + expires_in, raw, key)}


def signing_client(app: Any, key: str = TEST_STEP_KEY) -> Any:
    """A Flask test client of a wrapper app (``create_app(..., step_key=key)``) that signs each POSTed envelope
    with a run for the app's function, as the orchestrator does; other requests go as they are."""
    from flask.testing import FlaskClient

    class SigningClient(FlaskClient):
        def post(self, *args: Any, **kwargs: Any) -> Any:
            if "json" in kwargs:
                kwargs["data"] = json.dumps(kwargs.pop("json"))
                kwargs.setdefault("content_type", "application/json")
            data = kwargs.get("data")
            try:
                envelope = json.loads(data) if isinstance(data, (str, bytes)) else None
            except ValueError:
                envelope = None
            if isinstance(envelope, dict) and isinstance(envelope.get("run"), dict):
                kwargs["headers"] = {**signature_headers(app.import_name, data, key), **dict(kwargs.get("headers") or {})}
            return super().post(*args, **kwargs)

    app.test_client_class = SigningClient
    return app.test_client()


def issue_api_key(store: ArtifactStore, roles: list[str], name: str = "test-key", revoked: bool = False) -> str:
    """Adds a key to the store's ``system/api-keys.json`` as the orchestrator's key store writes it (only the
    secret's SHA-256 is stored) and returns the key, ``baton_<id>_<secret>``; ``revoked`` marks it revoked."""
    key_id = random.token_hex(6)
    secret = base64.urlsafe_b64encode(random.token_bytes(32)).rstrip(b"=").decode("ascii")
    record: dict[str, Any] = {
        "id": key_id, "name": name, "roles": roles, "secretSha256": hashlib.sha256(secret.encode("ascii")).hexdigest(),
        "createdAt": "2026-01-01T00:00:00.000Z", "createdBy": "admin",
    }
    if revoked:
        record.update(revokedAt="2026-01-02T00:00:00.000Z", revokedBy="admin")
    document = store.read_json(API_KEYS_DOCUMENT) or {"keys": []}
    store.put_json(API_KEYS_DOCUMENT, {"keys": [*document["keys"], record]})
    return f"baton_{key_id}_{secret}"


def revoke_api_key(store: ArtifactStore, key: str) -> None:
    """Marks ``key`` (as ``issue_api_key`` answered it) revoked in the store's key list."""
    key_id = key.split("_")[1]
    document = store.read_json(API_KEYS_DOCUMENT)
    keys = [{**k, "revokedAt": "2026-01-03T00:00:00.000Z", "revokedBy": "admin"} if k["id"] == key_id else k for k in document["keys"]]
    store.put_json(API_KEYS_DOCUMENT, {"keys": keys})


def bearer_headers(key: str) -> dict[str, str]:
    """``Authorization: Bearer <key>``, as people send their API key."""
    return {"Authorization": f"Bearer {key}"}

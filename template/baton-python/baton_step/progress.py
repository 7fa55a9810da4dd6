"""Progress reports of a long step to the orchestrator's ``progressUrl``, and the keep-alive repeating them.

A report is the contract's ``progressReport`` JSON, POSTed with ``Content-Type: application/json``, ``X-Call-Id``
and ``X-Baton-Signature`` (the function's signature of the report, made with its step key: the URL names the
attempt but proves nothing). The answer ``200 {cancelRequested}`` or ``409`` (stale attempt) tells the step to stop; any
other failure (network, 5xx, orchestrator down) is logged and ignored: the next report retries.

The URL's last path segment (the attempt's reference) and its query never reach a log line.
"""

from __future__ import annotations

import json
import math
import numbers
import threading
import time
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

import urllib3

from .artifacts import ArtifactRef
from .config import DEFAULT_PROGRESS_INTERVAL

REPORT_TIMEOUT_SECONDS = 5.0  # a report never holds a training longer than this
MAX_MESSAGE_CHARS = 500  # the contract's limit on progressReport.message
FAILURE_LOG_EVERY = 12  # while the orchestrator stays unreachable, log one failure in this many (once a minute at 5 s)
_UNSET: Any = object()

# One pool for the process: connections to the gateway are kept alive between reports and calls.
_POOL = urllib3.PoolManager(num_pools=4, maxsize=8, retries=False, block=False)


def safe_url(url: str) -> str:
    """The URL without its last path segment (the token), query, fragment or user info, for logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    path = parts.path
    if path.strip("/"):
        path = path.rstrip("/").rsplit("/", 1)[0] + "/***"
    return f"{parts.scheme}://{host}{path}"


def _check_fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or not 0 <= value <= 1:
        raise ValueError(f"progress fraction must be a number between 0 and 1, got {value!r}")
    return float(value)


def check_epoch(value: Any, what: str = "epoch") -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{what} must be an integer >= 0, got {value!r}")
    return int(value)


def _check_metrics(value: Any, log: Callable[[str], None]) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ValueError("progress metrics must be a dict of name -> number")
    metrics: dict[str, float] = {}
    for name, number in value.items():
        if not isinstance(name, str) or isinstance(number, bool) or not isinstance(number, numbers.Real):
            raise ValueError(f'progress metric "{name}" must be a number')
        if not math.isfinite(number):
            # A diverging loss must not end a training: the metric is left out of this report.
            log(f'progress metric "{name}" is {number}: left out of the report (JSON has no NaN/Infinity)')
            continue
        metrics[name] = float(number)
    return metrics


class ProgressReporter:
    """Sends the progress reports of one call, in order, and repeats the last one as a keep-alive.

    The report is cumulative: ``fraction``, ``epoch`` and ``metrics`` keep their last value until changed;
    ``checkpoint`` (starting with the envelope's) and ``resumedFromEpoch`` stay once set, so whichever report
    the orchestrator keeps last always names the newest checkpoint; ``message`` belongs to one update.
    """

    def __init__(
        self,
        url: str,
        call_id: str,
        log: Callable[[str], None],
        interval: float = DEFAULT_PROGRESS_INTERVAL,
        checkpoint: Optional[ArtifactRef] = None,
        timeout: float = REPORT_TIMEOUT_SECONDS,
        pool: urllib3.PoolManager = _POOL,
        sign: Optional[Callable[[bytes], str]] = None,
    ) -> None:
        self.url = url
        self._sign = sign  # the X-Baton-Signature of a report body (the wrapper signs with the function's step key)
        self._call_id = call_id
        self._log = log
        self.interval = interval
        self._timeout = timeout
        self._pool = pool
        self._state: dict[str, Any] = {"fraction": 0.0}
        if checkpoint is not None:
            self._state["checkpoint"] = dict(checkpoint)
        self._state_lock = threading.Lock()
        self._send_lock = threading.Lock()  # one report on the wire at a time: they arrive in order
        self._stopped = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._last_sent = 0.0
        self._failures = 0
        self.cancel_reason: Optional[str] = None  # set once the orchestrator asks this attempt to stop
        self.stale = False  # a 409: nothing this attempt reports will be accepted any more
        self.sent = 0  # reports the orchestrator accepted (2xx), for logs and tests
        parts = urlsplit(url)
        token = parts.path.rstrip("/").rsplit("/", 1)[-1] if parts.path.strip("/") else ""
        # Redacted wherever an error message might quote the URL.
        self._hidden = sorted({p for p in (url, parts.path, parts.query, token) if len(p) >= 4}, key=len, reverse=True)
        self._shown = safe_url(url)

    @property
    def cancelled(self) -> bool:
        """Whether the orchestrator asked this attempt to stop (cancelRequested or 409)."""
        return self.cancel_reason is not None

    def snapshot(self) -> dict[str, Any]:
        """The current report (a copy)."""
        with self._state_lock:
            return json.loads(json.dumps(self._state))

    def update(
        self,
        fraction: Any = _UNSET,
        epoch: Any = _UNSET,
        metrics: Any = _UNSET,
        message: Optional[str] = None,
        checkpoint: Any = _UNSET,
        resumed_from_epoch: Any = _UNSET,
    ) -> dict[str, Any]:
        """Changes the report (None/unset keeps a field) and returns it; checks types (ValueError)."""
        changes: dict[str, Any] = {}
        if fraction is not _UNSET and fraction is not None:
            changes["fraction"] = _check_fraction(fraction)
        if epoch is not _UNSET and epoch is not None:
            changes["epoch"] = check_epoch(epoch)
        if metrics is not _UNSET and metrics is not None:
            changes["metrics"] = _check_metrics(metrics, self._log)
        if checkpoint is not _UNSET and checkpoint is not None:
            changes["checkpoint"] = dict(checkpoint)
        if resumed_from_epoch is not _UNSET and resumed_from_epoch is not None:
            changes["resumedFromEpoch"] = check_epoch(resumed_from_epoch, "resumedFromEpoch")
        if message is not None and not isinstance(message, str):
            raise ValueError("progress message must be a string")
        with self._state_lock:
            self._state.update(changes)
            self._state.pop("message", None)
            if message:
                self._state["message"] = message[:MAX_MESSAGE_CHARS]
            return json.loads(json.dumps(self._state))

    def send(self) -> None:
        """POSTs the current report. Never raises for network or server trouble."""
        with self._send_lock:
            if self._stopped.is_set() or self.stale:
                return  # the call has ended (no report may follow its answer), or nothing would be accepted
            # Taken under the send lock: a report waiting for its turn never overtakes a newer state.
            body = json.dumps(self.snapshot(), allow_nan=False).encode("utf-8")
            self._last_sent = time.monotonic()
            try:
                response = self._pool.request(
                    "POST",
                    self.url,
                    body=body,
                    headers=self._headers(body),
                    timeout=urllib3.Timeout(total=self._timeout),
                    retries=False,
                )
            except Exception as error:  # noqa: BLE001 - any transport failure is logged, never raised
                self._failed(f"{type(error).__name__}: {self._redact(str(error))}")
                return
            self._answered(response.status, response.data)

    def _headers(self, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "X-Call-Id": self._call_id}
        if self._sign is not None:
            headers["X-Baton-Signature"] = self._sign(body)
        return headers

    def start(self) -> None:
        """Sends the first report at once (fraction 0), then repeats the last one every ``interval`` seconds
        in a daemon thread while nothing else was sent."""
        self.send()
        if self.stale:
            return
        self._thread = threading.Thread(target=self._keep_alive, name=f"baton-progress-{self._call_id}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops the keep-alive; once this returns no further report is sent."""
        self._stopped.set()
        with self._send_lock:  # waits for a report in flight (at most the timeout)
            pass
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=1.0)

    def _keep_alive(self) -> None:
        while not self.stale:
            wait = self._last_sent + self.interval - time.monotonic()
            if self._stopped.wait(max(wait, 0.0)):
                return
            if time.monotonic() - self._last_sent >= self.interval - 1e-3:
                self.send()

    def _answered(self, status: int, data: bytes) -> None:
        if status == 409:
            self.stale = True
            if self.cancel_reason is None:
                self.cancel_reason = "the orchestrator answered 409: this attempt is stale or cancelled"
                self._log(f"progress report to {self._shown}: 409, this attempt must stop")
            return
        if not 200 <= status < 300:
            self._failed(f"HTTP {status}")
            return
        if self._failures:
            self._log(f"progress reports reach {self._shown} again (after {self._failures} failed)")
        self._failures = 0
        self.sent += 1
        try:
            answer = json.loads(data or b"{}")
        except ValueError:
            self._log(f"progress report to {self._shown}: the answer is not JSON, ignored")
            return
        if isinstance(answer, dict) and answer.get("cancelRequested") is True and self.cancel_reason is None:
            self.cancel_reason = "the orchestrator requested cancellation"
            self._log(f"progress report to {self._shown}: cancellation requested, this attempt must stop")

    def _failed(self, reason: str) -> None:
        self._failures += 1
        if self._failures == 1 or self._failures % FAILURE_LOG_EVERY == 0:
            self._log(
                f"progress report to {self._shown} failed ({reason}); the step goes on "
                f"({self._failures} failed in a row, retried with the next report)"
            )

    def _redact(self, text: str) -> str:
        for part in self._hidden:
            text = text.replace(part, "***")
        return text

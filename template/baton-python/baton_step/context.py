"""What a handler gets besides its input: run info, call id, secrets, artifacts, a logger, and for long
steps progress reports and checkpoints."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

from .artifacts import ArtifactRef, ArtifactStore, parse_uri, run_key
from .config import DEFAULT_PROGRESS_INTERVAL
from .errors import StepCancelledError
from .progress import ProgressReporter, check_epoch
from .secrets import SecretReader

# Pickle-based formats run code when loaded: a checkpoint is JSON, skops, npz... never one of these.
_UNSAFE_EXTENSIONS = frozenset({"pkl", "pickle", "joblib", "dill"})
_EXTENSION = re.compile(r"^[a-z0-9]+(\.[a-z0-9]+)?$")
_EPOCH_IN_KEY = re.compile(r"/checkpoints/epoch-(\d+)(\.[^/]*)?$")


@dataclass(frozen=True)
class RunInfo:
    """Which run, step and attempt a call belongs to (the envelope's ``run``)."""

    workflow_id: str
    run_id: str
    pipeline: str
    step: str
    attempt: int

    @classmethod
    def from_envelope(cls, run: Mapping[str, Any]) -> "RunInfo":
        """Builds it from the validated envelope's camelCase ``run`` object."""
        return cls(run["workflowId"], run["runId"], run["pipeline"], run["step"], run["attempt"])


class Checkpoints:
    """``ctx.checkpoint``: saves a long step's state under ``runs/<workflowId>/<step>/checkpoints/epoch-<n>.<ext>``
    and reports it at once; loads the checkpoint the envelope carries (a retried attempt's starting point)."""

    def __init__(self, ctx: "StepContext", ref: Optional[ArtifactRef]) -> None:
        self._ctx = ctx
        self.ref: Optional[ArtifactRef] = ref  # the envelope's checkpoint, None on a first attempt
        self.latest: Optional[ArtifactRef] = ref  # the newest one: the envelope's, then each one saved
        self._resumed_from: Optional[int] = None

    @property
    def epoch(self) -> Optional[int]:
        """The epoch of the envelope's checkpoint, read from its key (``.../checkpoints/epoch-<n>.<ext>``)."""
        if self.ref is None:
            return None
        match = _EPOCH_IN_KEY.search(parse_uri(self.ref["uri"])[1])
        return int(match.group(1)) if match else None

    def load_file(self, path: Optional[str] = None) -> Optional[str]:
        """Downloads the envelope's checkpoint (size and sha256 checked) to ``path`` (default: a temp file
        removed when the call ends) and returns the path; None when the envelope has no checkpoint."""
        if self.ref is None:
            return None
        if path is None:
            path = os.path.join(self._ctx._temp_dir(), os.path.basename(parse_uri(self.ref["uri"])[1]))
        return self._ctx.artifacts.get_to_file(self.ref, path)

    def load_bytes(self) -> Optional[bytes]:
        """The envelope's checkpoint as bytes (sha256 checked), or None."""
        path = self.load_file()
        if path is None:
            return None
        with open(path, "rb") as file:
            return file.read()

    def save_file(self, path: str, epoch: int, ext: Optional[str] = None) -> ArtifactRef:
        """Uploads the file as the checkpoint of ``epoch`` (extension from ``path`` unless given) and reports it."""
        ext = ext if ext is not None else os.path.splitext(path)[1].lstrip(".").lower()
        key = self._key(epoch, ext)
        return self._saved(epoch, self._ctx.artifacts.put_file(key, path))

    def save_bytes(self, data: bytes, epoch: int, ext: str = "bin") -> ArtifactRef:
        """Uploads ``data`` as the checkpoint of ``epoch`` (``epoch-<n>.<ext>``) and reports it."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("save_bytes needs bytes; use save_json for a JSON value")
        key = self._key(epoch, ext)
        return self._saved(epoch, self._ctx.artifacts.put_bytes(key, bytes(data)))

    def save_json(self, value: Any, epoch: int) -> ArtifactRef:
        """Uploads ``value`` as JSON (sorted keys) as the checkpoint of ``epoch`` and reports it."""
        key = self._key(epoch, "json")
        return self._saved(epoch, self._ctx.artifacts.put_json(key, value))

    @property
    def resumed_from_epoch(self) -> Optional[int]:
        """The epoch this attempt resumed after (set by the handler once it restored a checkpoint)."""
        return self._resumed_from

    @resumed_from_epoch.setter
    def resumed_from_epoch(self, epoch: int) -> None:
        self._resumed_from = check_epoch(epoch, "resumedFromEpoch")
        reporter = self._ctx._reporter
        if reporter is not None:
            reporter.update(resumed_from_epoch=self._resumed_from)
            reporter.send()  # the orchestrator learns at once; a cancellation surfaces at the next progress()

    def _key(self, epoch: int, ext: str) -> str:
        self._ctx.raise_if_cancelled()  # a stopping attempt uploads nothing more
        epoch = check_epoch(epoch, "checkpoint epoch")
        if not isinstance(ext, str) or not _EXTENSION.match(ext):
            raise ValueError(f'checkpoint extension must look like "json" or "skops", got {ext!r}')
        if ext.rsplit(".", 1)[-1] in _UNSAFE_EXTENSIONS:
            raise ValueError(f'checkpoint format "{ext}" is pickle-based: use JSON, skops or npz')
        return self._ctx.run_key(f"checkpoints/epoch-{epoch}.{ext}")

    def _saved(self, epoch: int, ref: ArtifactRef) -> ArtifactRef:
        self.latest = ref
        reporter = self._ctx._reporter
        if reporter is not None:
            reporter.update(epoch=epoch, checkpoint=ref)
            reporter.send()
            self._ctx.raise_if_cancelled()
        return ref


class StepContext:
    """The context of one call. ``artifacts`` is the process's shared store, created on first use.

    Long steps: ``progress(...)`` reports to the envelope's ``progressUrl`` and ``checkpoint`` saves and
    loads state. The wrapper calls ``start()`` before the handler (first report, keep-alive) and
    ``close()`` after it; a test may use the context as a ``with`` block for the same.
    """

    def __init__(
        self,
        run: RunInfo,
        call_id: str,
        secrets: SecretReader,
        store_provider: Callable[[], ArtifactStore],
        checkpoint: Optional[ArtifactRef] = None,
        progress_url: Optional[str] = None,
        progress_interval: float = DEFAULT_PROGRESS_INTERVAL,
        sign_report: Optional[Callable[[bytes], str]] = None,
        request_headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        self.run = run
        self.call_id = call_id
        # The call's HTTP request headers (read only), and headers the wrapper adds to a successful answer.
        self.request_headers: Mapping[str, str] = request_headers if request_headers is not None else {}
        self.response_headers: dict[str, str] = {}
        self.progress_url = progress_url
        self._secrets = secrets
        self._store_provider = store_provider
        self._reporter: Optional[ProgressReporter] = (
            ProgressReporter(progress_url, call_id, self.log, progress_interval, checkpoint, sign=sign_report) if progress_url else None
        )
        self.checkpoint = Checkpoints(self, checkpoint)
        self._told_no_progress_url = False
        self._tmp: Optional[tempfile.TemporaryDirectory[str]] = None

    @property
    def artifacts(self) -> ArtifactStore:
        """The artifact store (S3 settings are checked on first use, errors name the env key)."""
        return self._store_provider()

    def secret(self, name: str) -> str:
        """Reads a secret the function declares in stack.yml; a missing one names the secret and folder."""
        return self._secrets.read(name)

    def run_key(self, name: str) -> str:
        """``runs/<workflowId>/<step>/<name>`` for this call."""
        return run_key(self, name)

    def log(self, *parts: Any) -> None:
        """Writes one line to stderr, prefixed with the call id (never pass secrets here)."""
        message = " ".join(str(part) for part in parts)
        print(f"[{self.call_id}] {self._secrets.redact(message)}", file=sys.stderr, flush=True)

    def progress(
        self,
        fraction: float,
        metrics: Optional[Mapping[str, float]] = None,
        epoch: Optional[int] = None,
        message: Optional[str] = None,
    ) -> None:
        """Reports progress (``fraction`` 0..1; ``metrics``/``epoch`` keep their last value when None).

        Raises StepCancelledError when the orchestrator wants this attempt to stop (now or earlier).
        Without a progressUrl (a synchronous call) it only logs, once per call.
        """
        self.raise_if_cancelled()
        if self._reporter is None:
            if not self._told_no_progress_url:
                self._told_no_progress_url = True
                self.log("progress reports are not sent: this call has no progressUrl (a synchronous call)")
            return
        self._reporter.update(fraction=fraction, epoch=epoch, metrics=dict(metrics) if metrics is not None else None, message=message)
        self._reporter.send()
        self.raise_if_cancelled()

    @property
    def cancel_requested(self) -> bool:
        """True once the orchestrator asked this attempt to stop (poll it in long loops without progress)."""
        return self._reporter is not None and self._reporter.cancelled

    def raise_if_cancelled(self) -> None:
        """Raises StepCancelledError when the orchestrator asked this attempt to stop."""
        if self._reporter is not None and self._reporter.cancel_reason is not None:
            raise StepCancelledError(f"step {self.run.step} stopped: {self._reporter.cancel_reason}")

    def start(self) -> None:
        """Sends the first progress report and starts the keep-alive (no-op without a progressUrl).
        Raises StepCancelledError when the orchestrator already refuses this attempt."""
        if self._reporter is not None:
            self._reporter.start()
            self.raise_if_cancelled()

    def close(self) -> None:
        """Stops the keep-alive and removes the call's temporary files."""
        if self._reporter is not None:
            self._reporter.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> "StepContext":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _temp_dir(self) -> str:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="baton-checkpoint-")
        return self._tmp.name

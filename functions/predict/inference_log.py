"""predict's inference log and feedback: records written to the artifact bucket off the request path.

Layout (a contract: monitor-model reads it; times UTC)::

    inference-log/<model>/date=YYYY-MM-DD/hour=HH/<replicaId>-<startMillis>-<seq>.jsonl
        {"requestId", "ts", "model": {"name", "version"}, "features": [str], "rows": [[number]],
         "predictions": [...], "probabilities": [[number]] | null, "classes": [...] | null}
    inference-feedback/<model>/date=YYYY-MM-DD/hour=HH/<replicaId>-<startMillis>-<seq>.jsonl
        {"requestId", "ts", "labels": [...]}          one label per row of that request

JSON Lines, one line per logged request (or per feedback). The partition is the record's own ``ts`` (when predict
answered, or when the feedback arrived), so a file never straddles an hour. ``<replicaId>-<startMillis>`` names the
process, ``<seq>`` counts its files: names never collide across replicas and restarts, so nothing is overwritten.

A call only puts its record on a bounded queue (``offer``); one background thread per log serialises and uploads
batches, every ``inference_log_flush_seconds`` or at ``inference_log_max_batch`` records. A full queue drops the
record and counts it: the log never slows or fails a prediction. ``close`` (on SIGTERM, see handler.on_stop) writes
everything still queued before the process exits.
"""

from __future__ import annotations

import json
import math
import os
import queue
import random
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Optional

from baton_step import ArtifactStore, ConfigError

LOG_PREFIX = "inference-log"
FEEDBACK_PREFIX = "inference-feedback"

# Named defaults, with the reason for each.
DEFAULT_SAMPLE_RATE = 1.0  # log every call: the monitor needs volume more than the bucket needs room
DEFAULT_FLUSH_SECONDS = 5.0  # a record is in the bucket within seconds; ~720 small files per hour per replica at most
DEFAULT_MAX_BATCH = 1000  # records per file: a file of 1000 iris-sized calls is ~300 KB
DEFAULT_MAX_QUEUE = 10_000  # records waiting for the writer; past it records are dropped (counted), never waited for
# While idle, the writer wakes this often to notice close() (a put on a full queue could not deliver a sentinel).
_IDLE_POLL_SECONDS = 0.25


def _number(env: Mapping[str, str], key: str, default: float, low: float, high: float, low_open: bool = False) -> float:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    bounds = f"{'>' if low_open else '>='} {low:g} and <= {high:g}"
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f'{key} must be a number {bounds}, got "{raw}"') from None
    if not math.isfinite(value) or value > high or value < low or (low_open and value == low):
        raise ConfigError(f"{key} must be {bounds}, got {raw}")
    return value


def _whole(env: Mapping[str, str], key: str, default: int, low: int, high: int) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]+", raw) or not low <= int(raw) <= high:
        raise ConfigError(f'{key} must be a whole number between {low} and {high}, got "{raw}"')
    return int(raw)


@dataclass(frozen=True)
class LogSettings:
    """The inference log's settings, read once from the function's environment (stack.yml ``environment``)."""

    sample_rate: float = DEFAULT_SAMPLE_RATE
    flush_seconds: float = DEFAULT_FLUSH_SECONDS
    max_batch: int = DEFAULT_MAX_BATCH
    max_queue: int = DEFAULT_MAX_QUEUE

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "LogSettings":
        """Reads ``inference_log_sample_rate`` (0..1; 0 turns the log off), ``inference_log_flush_seconds``,
        ``inference_log_max_batch`` and ``inference_log_max_queue``; a bad value raises ConfigError naming its key."""
        return cls(
            sample_rate=_number(env, "inference_log_sample_rate", DEFAULT_SAMPLE_RATE, 0.0, 1.0),
            flush_seconds=_number(env, "inference_log_flush_seconds", DEFAULT_FLUSH_SECONDS, 0.0, 3600.0, low_open=True),
            max_batch=_whole(env, "inference_log_max_batch", DEFAULT_MAX_BATCH, 1, 100_000),
            max_queue=_whole(env, "inference_log_max_queue", DEFAULT_MAX_QUEUE, 1, 1_000_000),
        )

    def sampled(self, draw: Callable[[], float] = random.random) -> bool:
        """Whether this call is logged."""
        return self.sample_rate >= 1.0 or (self.sample_rate > 0.0 and draw() < self.sample_rate)


def utc_now() -> datetime:
    """Now, in UTC (a record's ``ts`` and partition)."""
    return datetime.now(timezone.utc)


def iso(ts: datetime) -> str:
    """``2026-12-07T05:41:09.123Z``."""
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def replica_id(hostname: Optional[str] = None, pid: Optional[int] = None) -> str:
    """This process's name in file names: the host (a pod's name under Kubernetes) and the pid, in safe characters."""
    host = re.sub(r"[^a-z0-9.]+", "-", (hostname or socket.gethostname()).lower()).strip("-.")[:63] or "replica"
    return f"{host}-{pid if pid is not None else os.getpid()}"


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and scalars: converted here, in the writer, not on the request path
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


@dataclass
class _Pending:
    store: ArtifactStore
    model: str
    ts: datetime
    record: dict[str, Any]


class BatchLog:
    """One time-partitioned JSONL log under ``prefix``: ``offer`` from any thread, a writer thread uploads."""

    def __init__(
        self,
        prefix: str,
        settings: LogSettings,
        say: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
        replica: Optional[str] = None,
        start_millis: Optional[int] = None,
    ) -> None:
        self.prefix = prefix
        self.settings = settings
        self._say = say
        self._name = f"{replica or replica_id()}-{start_millis if start_millis is not None else int(time.time() * 1000)}"
        self._queue: queue.Queue[_Pending] = queue.Queue(maxsize=settings.max_queue)
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._seq = 0
        # Counters (read them for tests and the stop summary).
        self.dropped = 0  # queue full, or not writable as JSON
        self.written = 0  # records in the bucket
        self.lost = 0  # records whose upload failed twice (or was still failing at close)

    def offer(self, store: ArtifactStore, model: str, ts: datetime, record: dict[str, Any]) -> bool:
        """Queues ``record`` for ``<prefix>/<model>/`` in ``ts``'s hour without waiting; False (and counted) when the
        queue is full or the log is closed. ``record`` must not change afterwards: it is serialised later."""
        self._start()
        if self._closing.is_set():
            return self._drop("the log is closed (the function is stopping)")
        try:
            self._queue.put_nowait(_Pending(store, model, ts, record))
        except queue.Full:
            return self._drop(f"the queue is full ({self.settings.max_queue} records; inference_log_max_queue)")
        return True

    def close(self, timeout: float) -> bool:
        """Writes every queued record and stops the writer; True when all of them landed within ``timeout`` seconds."""
        self._closing.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                self._say(f"{self.prefix}: {self._queue.qsize()} records still queued after {timeout:g}s of closing")
                return False
        return self._queue.empty() and self.lost == 0

    def _drop(self, why: str) -> bool:
        with self._lock:
            self.dropped += 1
            dropped = self.dropped
        if dropped & (dropped - 1) == 0:  # 1, 2, 4, 8...: a full queue under load does not flood the log
            self._say(f"{self.prefix}: dropped a record: {why} ({dropped} dropped so far)")
        return False

    def _start(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None and not self._closing.is_set():
                self._thread = threading.Thread(target=self._run, name=f"baton-{self.prefix}", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        batch: list[_Pending] = []
        first_at = 0.0
        while True:
            closing = self._closing.is_set()
            if closing:
                wait = 0.0
            elif batch:
                wait = min(_IDLE_POLL_SECONDS, max(0.0, first_at + self.settings.flush_seconds - time.monotonic()))
            else:
                wait = _IDLE_POLL_SECONDS
            try:
                item: Optional[_Pending] = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
            except queue.Empty:
                item = None
            if item is not None:
                if not batch:
                    first_at = time.monotonic()
                batch.append(item)
            full = len(batch) >= self.settings.max_batch
            due = bool(batch) and item is None and (closing or time.monotonic() - first_at >= self.settings.flush_seconds)
            if full or due:
                self._write(batch)
                batch = []
            if closing and item is None and not batch:
                return

    def _write(self, batch: list[_Pending]) -> None:
        files: dict[tuple[int, str, str], list[_Pending]] = {}
        for item in batch:
            files.setdefault((id(item.store), item.model, item.ts.astimezone(timezone.utc).strftime("date=%Y-%m-%d/hour=%H")), []).append(item)
        for (_, model, partition), items in files.items():
            lines = []
            for item in items:
                try:
                    lines.append(json.dumps(item.record, separators=(",", ":"), allow_nan=False, default=_jsonable, ensure_ascii=False))
                except (TypeError, ValueError) as error:
                    self._drop(f"a record is not JSON: {error}")
            if not lines:
                continue
            self._seq += 1
            key = f"{self.prefix}/{model}/{partition}/{self._name}-{self._seq}.jsonl"
            data = ("\n".join(lines) + "\n").encode("utf-8")
            for attempt in (1, 2):  # one retry: a blip of the store; past that the records are counted as lost
                try:
                    items[0].store.put_bytes(key, data, "application/x-ndjson")
                    self.written += len(lines)
                    break
                except Exception as error:  # noqa: BLE001 - the writer thread must survive any store failure
                    if attempt == 2:
                        self.lost += len(lines)
                        self._say(f"{self.prefix}: could not write {key} ({len(lines)} records lost): {type(error).__name__}: {error}")
                    else:
                        time.sleep(0.5)

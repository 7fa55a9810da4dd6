"""The inference log's writer (batching, sampling, drop-on-full, flush on stop), request ids, and the log and the
feedback route as predict serves them (handler + template wrapper, in memory)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from baton_step import ConfigError
from baton_step.testing import memory_store

import inference_log
from inference_log import BatchLog, LogSettings, iso
from request_ids import MAX_REQUEST_ID_CHARS, request_id_of

T0 = datetime(2026, 12, 7, 5, 59, 58, 123000, tzinfo=timezone.utc)


def log_files(store, prefix="inference-log/"):
    """{key: [parsed line, ...]} of every file under ``prefix``."""
    return {
        key: [json.loads(line) for line in store.backend.read(key).decode("utf-8").splitlines()]
        for (_, key) in sorted(store.backend.objects) if key.startswith(prefix)
    }


def wait_until(check, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def make_log(prefix="inference-log", **settings):
    return BatchLog(prefix, LogSettings(**settings), say=lambda line: None, replica="host-7", start_millis=1234)


# --- settings ---

def test_settings_default_and_parse():
    assert LogSettings.from_env({}) == LogSettings(1.0, 5.0, 1000, 10_000)
    env = {"inference_log_sample_rate": "0.25", "inference_log_flush_seconds": "0.5", "inference_log_max_batch": "10",
           "inference_log_max_queue": "20"}
    assert LogSettings.from_env(env) == LogSettings(0.25, 0.5, 10, 20)


@pytest.mark.parametrize("key, value", [
    ("inference_log_sample_rate", "1.5"),
    ("inference_log_sample_rate", "-0.1"),
    ("inference_log_sample_rate", "half"),
    ("inference_log_sample_rate", "nan"),
    ("inference_log_flush_seconds", "0"),
    ("inference_log_flush_seconds", "9999"),
    ("inference_log_max_batch", "0"),
    ("inference_log_max_batch", "2.5"),
    ("inference_log_max_queue", "lots"),
])
def test_a_bad_setting_names_its_key(key, value):
    with pytest.raises(ConfigError, match=key):
        LogSettings.from_env({key: value})


def test_sampling():
    assert not LogSettings(sample_rate=0.0).sampled(lambda: 0.0)
    assert LogSettings(sample_rate=1.0).sampled(lambda: 0.999)
    half = LogSettings(sample_rate=0.5)
    assert half.sampled(lambda: 0.49) and not half.sampled(lambda: 0.5)
    draws = [LogSettings(sample_rate=0.3).sampled() for _ in range(4000)]
    assert 0.25 < sum(draws) / len(draws) < 0.35


# --- the writer ---

def test_batches_by_size_and_partitions_by_hour():
    store = memory_store()
    log = make_log(max_batch=3, flush_seconds=3600)
    for i in range(7):  # 05:59:58 + 0..6 s: four records in hour 05, three in hour 06
        ts = T0 + timedelta(seconds=i)
        assert log.offer(store, "iris", ts, {"requestId": f"r{i}", "ts": iso(ts)})
    wait_until(lambda: log.written == 6)  # two full batches; the 7th waits for the flush interval
    assert log.close(5)
    files = log_files(store)
    assert sorted(files) == [
        "inference-log/iris/date=2026-12-07/hour=05/host-7-1234-1.jsonl",  # r0 r1
        "inference-log/iris/date=2026-12-07/hour=06/host-7-1234-2.jsonl",  # r2 (same batch as r0 r1)
        "inference-log/iris/date=2026-12-07/hour=06/host-7-1234-3.jsonl",  # r3 r4 r5
        "inference-log/iris/date=2026-12-07/hour=06/host-7-1234-4.jsonl",  # r6, written at close
    ]
    assert [r["requestId"] for lines in files.values() for r in lines] == [f"r{i}" for i in range(7)]
    assert files["inference-log/iris/date=2026-12-07/hour=05/host-7-1234-1.jsonl"][1]["ts"] == "2026-12-07T05:59:59.123Z"
    assert log.written == 7 and log.dropped == 0 and log.lost == 0


def test_flushes_after_the_interval_without_a_full_batch():
    store = memory_store()
    log = make_log(max_batch=1000, flush_seconds=0.2)
    log.offer(store, "iris", T0, {"requestId": "a"})
    log.offer(store, "wine", T0, {"requestId": "b"})
    wait_until(lambda: log.written == 2, seconds=3)
    assert sorted(log_files(store)) == [
        "inference-log/iris/date=2026-12-07/hour=05/host-7-1234-1.jsonl",
        "inference-log/wine/date=2026-12-07/hour=05/host-7-1234-2.jsonl",
    ]
    log.close(1)


class BlockingStore:
    """A store whose uploads wait for ``release``: the writer is busy, the queue fills."""

    def __init__(self):
        self.inner = memory_store()
        self.backend = self.inner.backend
        self.release = threading.Event()

    def put_bytes(self, key, data, content_type=None):
        self.release.wait(10)
        return self.inner.put_bytes(key, data, content_type)


def test_a_full_queue_drops_and_counts_without_waiting():
    store = BlockingStore()
    log = make_log(max_batch=1, flush_seconds=3600, max_queue=2)
    assert log.offer(store, "iris", T0, {"requestId": "0"})
    wait_until(lambda: log._queue.empty())  # the writer took it and is stuck uploading
    assert log.offer(store, "iris", T0, {"requestId": "1"})
    assert log.offer(store, "iris", T0, {"requestId": "2"})
    started = time.monotonic()
    assert not log.offer(store, "iris", T0, {"requestId": "3"})
    assert not log.offer(store, "iris", T0, {"requestId": "4"})
    assert time.monotonic() - started < 0.05, "offer must never wait"
    assert log.dropped == 2
    store.release.set()
    assert log.close(5)
    assert [r["requestId"] for lines in log_files(store).values() for r in lines] == ["0", "1", "2"]


def test_close_writes_everything_queued_and_refuses_more():
    store = memory_store()
    log = make_log(max_batch=1000, flush_seconds=3600)
    for i in range(250):
        log.offer(store, "iris", T0, {"requestId": str(i)})
    assert log.written == 0
    assert log.close(5)
    assert log.written == 250
    assert [r["requestId"] for lines in log_files(store).values() for r in lines] == [str(i) for i in range(250)]
    assert not log.offer(store, "iris", T0, {"requestId": "late"})
    assert log.dropped == 1


class FailingStore:
    def __init__(self, failures):
        self.inner = memory_store()
        self.backend = self.inner.backend
        self.failures = failures

    def put_bytes(self, key, data, content_type=None):
        if self.failures > 0:
            self.failures -= 1
            raise OSError("store down")
        return self.inner.put_bytes(key, data, content_type)


def test_one_failed_upload_is_retried_two_are_counted_lost(monkeypatch):
    monkeypatch.setattr(inference_log.time, "sleep", lambda _s: None)
    flaky = FailingStore(1)
    log = make_log(flush_seconds=3600)
    log.offer(flaky, "iris", T0, {"requestId": "a"})
    assert log.close(5) and log.written == 1
    down = FailingStore(2)
    log = make_log(flush_seconds=3600)
    log.offer(down, "iris", T0, {"requestId": "b"})
    assert not log.close(5)
    assert log.lost == 1 and log.written == 0


def test_numpy_rows_are_written_as_lists():
    np = pytest.importorskip("numpy")
    store = memory_store()
    log = make_log(flush_seconds=3600)
    log.offer(store, "iris", T0, {"rows": np.array([[1.5, 2.0]]), "bad": None})
    log.offer(store, "iris", T0, {"rows": float("nan")})  # not JSON: dropped, counted, the rest still written
    assert log.close(5)
    assert [r["rows"] for lines in log_files(store).values() for r in lines] == [[[1.5, 2.0]]]
    assert log.dropped == 1


# --- request ids ---

@pytest.mark.parametrize("given", ["abc", "order-42:retry.1", "A" * MAX_REQUEST_ID_CHARS, str(uuid.uuid4())])
def test_a_valid_request_id_is_kept(given):
    assert request_id_of({"X-Request-Id": given}) == given


@pytest.mark.parametrize("given", [None, "", "A" * (MAX_REQUEST_ID_CHARS + 1), "has space", "-leading", "a/b", "é", "x\ny"])
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_uuid4(given):
    made = request_id_of({} if given is None else {"X-Request-Id": given})
    assert made != given and uuid.UUID(made).version == 4

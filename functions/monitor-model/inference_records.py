"""Reads what predict logged for a model in a time window, and the feedback given for it.

The contract (predict writes it, see docs/contracts.md "Inference log"), in the artifact bucket, hours in UTC:

    inference-log/<model>/date=YYYY-MM-DD/hour=HH/<replicaId>-<startMillis>-<seq>.jsonl
        one line per logged request: {requestId, ts, model: {name, version}, features: [names], rows: [[numbers]],
        predictions: [...], probabilities: [[...]] | null, classes: [...] | null}
    inference-feedback/<model>/date=YYYY-MM-DD/hour=HH/*.jsonl
        one line per feedback: {requestId, ts, labels: [...]} (one label per row of the request)

Only the hour partitions the window touches are listed. A line that is not such a record is skipped and counted,
never fatal: a monitor must not stop on one bad write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

from baton_step import ArtifactStore

LOG_PREFIX = "inference-log"
FEEDBACK_PREFIX = "inference-feedback"


def parse_ts(value: Any) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime ("Z" accepted), or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def hour_prefixes(root: str, model: str, start: datetime, end: datetime) -> list[str]:
    """The ``date=/hour=`` partitions (as key prefixes) that hold times in [start, end)."""
    hour = start.replace(minute=0, second=0, microsecond=0)
    prefixes = []
    while hour < end:
        prefixes.append(f"{root}/{model}/date={hour:%Y-%m-%d}/hour={hour:%H}/")
        hour += timedelta(hours=1)
    return prefixes


def _lines(store: ArtifactStore, prefixes: list[str]) -> Iterator[tuple[Any, bool]]:
    """Each line of each .jsonl object under the prefixes, parsed: (value, ok)."""
    for prefix in prefixes:
        for key in store.list_keys(prefix):
            if not key.endswith(".jsonl"):
                continue
            data = store.read_bytes(key) or b""
            for line in data.decode("utf-8", errors="replace").splitlines():
                if not line.strip():
                    continue
                try:
                    yield json.loads(line), True
                except ValueError:
                    yield None, False


@dataclass
class LoggedRequest:
    """One logged request, its rows' features in the order the model reads them."""

    request_id: str
    ts: datetime
    version: str
    rows: list[list[float]]
    predictions: list[Any]


@dataclass
class WindowRecords:
    """The window's logged requests, the labels given for them (by request id) and how many lines were skipped."""

    requests: list[LoggedRequest] = field(default_factory=list)
    labels: dict[str, list[Any]] = field(default_factory=dict)
    skipped: int = 0


def _request(value: Any, features: list[str], start: datetime, end: datetime) -> LoggedRequest | None | bool:
    """The record as a LoggedRequest; False when malformed; None when well-formed but outside the window."""
    if not isinstance(value, dict):
        return False
    ts = parse_ts(value.get("ts"))
    names, rows, predictions = value.get("features"), value.get("rows"), value.get("predictions")
    model = value.get("model") if isinstance(value.get("model"), dict) else {}
    if ts is None or not isinstance(value.get("requestId"), str) or not isinstance(names, list):
        return False
    if not isinstance(rows, list) or not isinstance(predictions, list) or len(rows) != len(predictions):
        return False
    if not (start <= ts < end):
        return None
    if any(name not in names for name in features):
        return False  # logged by a version reading other features: not comparable with this training data
    order = [names.index(name) for name in features]
    try:
        ordered = [[float(row[i]) for i in order] for row in rows]
    except (TypeError, ValueError, IndexError):
        return False
    return LoggedRequest(value["requestId"], ts, str(model.get("version", "")), ordered, predictions)


def read_window(store: ArtifactStore, model: str, features: list[str], start: datetime, end: datetime) -> WindowRecords:
    """The requests logged for ``model`` in [start, end) and the feedback recorded in [start, end)."""
    records = WindowRecords()
    for value, ok in _lines(store, hour_prefixes(LOG_PREFIX, model, start, end)):
        request = _request(value, features, start, end) if ok else False
        if request is False:
            records.skipped += 1
        elif request is not None:
            records.requests.append(request)
    for value, ok in _lines(store, hour_prefixes(FEEDBACK_PREFIX, model, start, end)):
        if not ok or not isinstance(value, dict) or not isinstance(value.get("requestId"), str) or not isinstance(value.get("labels"), list):
            records.skipped += 1
            continue
        records.labels[value["requestId"]] = value["labels"]  # a later feedback for the same request wins
    records.requests.sort(key=lambda request: request.ts)
    return records

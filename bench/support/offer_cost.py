"""The request-path share of predict's inference log, in-process: what a logged call adds to the handler (draw the
sample, stamp the time, build the record, queue it), and what the writer thread later spends per record (JSON).
Prints one JSON object of medians in microseconds. Run by bench/inference-log.ts with the project's virtualenv and
PYTHONPATH=template/baton-python:functions/predict."""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np

from inference_log import BatchLog, LogSettings, iso, utc_now

ROUNDS = 30
PER_ROUND = 500


class NullStore:
    def put_bytes(self, key, data, content_type=None):
        return None


def offer_us(rows: int) -> tuple[float, float]:
    settings = LogSettings(max_queue=1_000_000, flush_seconds=3600, max_batch=1_000_000)
    log = BatchLog("inference-log", settings, say=lambda _line: None, replica="bench", start_millis=0)
    store = NullStore()
    x = np.random.default_rng(1).random((rows, 4))
    predictions = [0] * rows
    probabilities = [[0.2, 0.3, 0.5]] * rows
    per_round = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for i in range(PER_ROUND):
            if settings.sampled():
                ts = utc_now()
                log.offer(store, "m", ts, {"requestId": str(i), "ts": iso(ts), "model": {"name": "m", "version": "v"},
                                          "features": ["a", "b", "c", "d"], "rows": x, "predictions": predictions,
                                          "probabilities": probabilities, "classes": [0, 1, 2]})
        per_round.append((time.perf_counter() - started) / PER_ROUND * 1e6)
    record = {"requestId": "r", "ts": "t", "model": {"name": "m", "version": "v"}, "features": ["a", "b", "c", "d"],
              "rows": x, "predictions": predictions, "probabilities": probabilities, "classes": [0, 1, 2]}
    started = time.perf_counter()
    for _ in range(200):
        json.dumps(record, separators=(",", ":"), default=lambda v: v.tolist())
    serialise = (time.perf_counter() - started) / 200 * 1e6
    log.close(60)
    return statistics.median(per_round), serialise


if __name__ == "__main__":
    out = {}
    for rows in (1, 100):
        offer, serialise = offer_us(rows)
        out[f"offer{rows}RowUs"] = round(offer, 2)
        out[f"serialise{rows}RowUs"] = round(serialise, 1)
    json.dump(out, sys.stdout)

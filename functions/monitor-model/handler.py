"""monitor-model: how the served model fares on a window of live traffic.

Input  {"modelName", "windowEnd" (ISO 8601, the workflow's clock), "windowHours", "thresholds": {psi, ksPValue,
        minSamples}} (declared in workflows/steps/monitor-model.ts; defaults filled in by the wrapper)
Output {"model": {name, version}, "window", "samples", "drift": {value, detected, features, reason},
        "accuracy": {live, labeled, holdout}, "retraining": {pipeline, parameters} | null, "summary", "report"}
Reads  models/<name>/production.json and the version's model.json, the dataset and evaluation report its lineage
       names, inference-log/<name>/... and inference-feedback/<name>/... for the window's hours.
Keys   monitoring/<name>/<windowEnd as YYYYMMDDTHHMMSSZ>/summary.json and report.html: the same window gives the
       same keys, so a retried call overwrites its own result; GET /models/{name}/monitoring lists the summaries.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from baton_step import StepContext, StepInputError

from drift_stats import Thresholds
from inference_records import parse_ts, read_window
from monitor_summary import summarize
from monitor_report import render
from training_reference import load_reference

MONITORING_PREFIX = "monitoring"


def handle(input: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    """Summarizes the window, stores the summary and the report, and answers the figures the workflow acts on."""
    name = input["modelName"]
    end = parse_ts(input["windowEnd"])
    if end is None:
        raise StepInputError("must be an ISO 8601 time such as 2026-12-07T06:00:00Z", path="windowEnd")
    start = end - timedelta(hours=input["windowHours"])
    limits = input["thresholds"]
    thresholds = Thresholds(psi=limits["psi"], ks_pvalue=limits["ksPValue"], min_samples=limits["minSamples"])
    store = ctx.artifacts
    reference = load_reference(store, name)
    records = read_window(store, name, reference.features, start, end)
    summary = summarize(reference, records, start, end, thresholds)
    folder = f"{MONITORING_PREFIX}/{name}/{end:%Y%m%dT%H%M%SZ}"
    summary["run"] = {"workflowId": ctx.run.workflow_id, "runId": ctx.run.run_id}
    report_ref = store.put_bytes(f"{folder}/report.html", render(summary).encode("utf-8"), "text/html; charset=utf-8")
    summary["report"] = report_ref  # GET /models/{name}/monitoring/report serves it, checked against this reference
    summary_ref = store.put_json(f"{folder}/summary.json", summary)
    drift = summary["drift"]
    ctx.log(
        f"monitor-model: {name} {reference.version}, {summary['samples']} rows in {input['windowHours']} h, "
        f"drift {drift['value'] if drift['value'] is not None else '-'} ({'detected' if drift['detected'] else 'not detected'}), "
        f"live accuracy {summary['accuracy']['live'] if summary['accuracy']['live'] is not None else '-'}"
    )
    metrics = {"samples": summary["samples"]}
    if drift["value"] is not None:
        metrics["drift"] = drift["value"]
    if summary["accuracy"]["live"] is not None:
        metrics["liveAccuracy"] = summary["accuracy"]["live"]
    return {
        "output": {
            "model": summary["model"],
            "window": summary["window"],
            "samples": summary["samples"],
            "drift": drift,
            "accuracy": summary["accuracy"],
            "retraining": reference.retraining,
            "summary": summary_ref,
            "report": report_ref,
        },
        "metrics": metrics,
    }

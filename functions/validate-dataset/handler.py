"""validate-dataset: checks a dataset version before anything trains on it, and writes a report.

Input  {"dataset": <ingest's dataset version>, "policy": {onIssue, maxMissingFraction, maxRowCountChange,
        maxSizeChange, outliers: {zScore, iqrFactor, maxOutlierFraction, isolationForest: {enabled,
        maxAnomalyFraction, seed}}}} (policy optional; defaults from step.schema.json, filled in by the wrapper)
Output {"status": "passed" | "warned", "issues": [{check, column?, severity, message, value?, limit?}],
        "report": ArtifactRef}; metrics {issues, errors, warnings, rows}
Keys   runs/<workflowId>/<step>/validation-report.json, written on every call that read the data, also a
       failing one (a retry overwrites it).
Checks schema and types (features numeric, columns and dtypes as the previous version's), missing values,
row-count and size change against the previous version, per-column outliers (z-score and IQR) and row
outliers (IsolationForest). With onIssue "fail" any issue is a StepInputError (422, not retried) naming the
columns and why; with "warn" the step passes with status "warned".
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from typing import Any

from baton_step import ArtifactIntegrityError, ArtifactNotFoundError, StepContext, StepInputError

from validation_request import DatasetVersion, ValidateRequest
from validation_issues import ERROR, failure_issues, failure_message
from validation_outliers import column_outliers, row_anomalies
from validation_previous import compare_with_previous, load_previous
from validation_schema import check_structure, check_values
from validation_table import parse_numeric, read_csv_table

REPORT_NAME = "validation-report.json"
MAX_OUTPUT_ISSUES = 100  # the step output travels through Temporal's history; the report keeps them all


def handle(input: Any, ctx: StepContext) -> dict[str, Any]:
    """Runs every check, writes the report, then passes, warns or fails as the policy says."""
    request = ValidateRequest.of(input)
    dataset, policy = request.dataset, request.policy
    store = ctx.artifacts
    try:
        schema = _read_schema(store.get_bytes(dataset.schema))
    except (ArtifactNotFoundError, ArtifactIntegrityError) as error:
        # The reference is the input: a missing or different object will not appear by retrying.
        raise StepInputError(str(error), path="dataset.schema") from None
    with tempfile.TemporaryDirectory(prefix="baton-validate-") as tmp:
        try:
            path = store.get_to_file(dataset.data, os.path.join(tmp, "data.csv"))
        except (ArtifactNotFoundError, ArtifactIntegrityError) as error:
            raise StepInputError(str(error), path="dataset.data") from None
        try:
            table = read_csv_table(path)
        except (UnicodeDecodeError, csv.Error) as error:
            raise StepInputError(f"data.csv is not a readable UTF-8 CSV file: {error}", path="dataset.data") from None

    issues = check_structure(table, dataset, schema)
    columns = [parse_numeric(name, table.cells[name]) for name in dataset.features if name in table.cells]
    issues += check_values(columns, table, dataset, policy.max_missing_fraction)

    comparison = None
    previous = load_previous(store, dataset)
    if previous is not None:
        found, comparison = compare_with_previous(dataset, schema, table.rows, previous, policy)
        issues += found

    column_stats = []
    for column in columns:
        found, stats = column_outliers(column, policy.outliers)
        issues += found
        column_stats.append(stats)
    found, forest = row_anomalies(columns, policy.outliers)
    issues += found

    failed = bool(issues) and policy.on_issue == "fail"
    status = "failed" if failed else ("warned" if issues else "passed")
    report = store.put_json(ctx.run_key(REPORT_NAME), {
        "dataset": _describe(dataset),
        "policy": policy.as_json(),
        "status": status,
        "rows": table.rows,
        "issues": issues,
        "columns": column_stats,
        "previous": comparison,
        "isolationForest": forest,
    })
    errors = sum(1 for i in issues if i["severity"] == ERROR)
    ctx.log(f"validate {dataset.name}@{dataset.version}: {status}, {len(issues)} issues ({errors} errors), {table.rows} rows")
    if failed:
        raise StepInputError(
            failure_message(f'dataset "{dataset.name}" version {dataset.version}', issues, report["uri"]),
            issues=failure_issues(issues),
        )
    return {
        "output": {"status": status, "issues": issues[:MAX_OUTPUT_ISSUES], "report": report},
        "metrics": {"issues": len(issues), "errors": errors, "warnings": len(issues) - errors, "rows": table.rows},
    }


def _read_schema(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise StepInputError("schema.json is not valid JSON", path="dataset.schema") from None


def _describe(dataset: DatasetVersion) -> dict[str, Any]:
    return {
        "name": dataset.name,
        "version": dataset.version,
        "previousVersion": dataset.previous_version,
        "data": dataset.data,
        "schema": dataset.schema,
        "features": dataset.features,
        "target": dataset.target,
    }


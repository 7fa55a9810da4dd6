"""ingest: turns a bundled scikit-learn dataset or a stored CSV file into a content-addressed dataset version.

Input  {"source": "sklearn", "dataset": "breast_cancer" | "iris" | "wine" | "digits"}   (both optional)
       {"source": "csv", "name": <dataset name>, "csv": {uri, sha256, size}, "target": <column>}
Output {"dataset": {name, version, data, schema, rows, columns, target, previousVersion}}; metrics {rows, columns}
Keys   datasets/<name>/<version>/data.csv and schema.json, version = first 12 hex of data.csv's sha256;
       datasets/<name>/latest.json points at the newest version and the one before (see baton_ml.datasets).
Probe  {"probe": true, "prefix": "datasets/wine/"} (the probe-prefix step of a data-change watch) → {"version",
       "objects"}: the version of the objects under the prefix now, nothing stored (prefix_probe.py).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from baton_step import ArtifactIntegrityError, ArtifactNotFoundError, StepContext, StepInputError, is_artifact_ref
from baton_step.errors import raise_if_issues
from baton_ml.datasets import DATASET_NAME, write_dataset_version

from ingest_csv import read_csv_table
from ingest_sklearn import LOADERS, load_table
from prefix_probe import check_prefix, probe_prefix

DEFAULTS = {"source": "sklearn", "dataset": "breast_cancer"}
SOURCES = ("sklearn", "csv")
CSV_FIELDS = ("source", "name", "csv", "target")


def parse_input(raw: Any) -> dict[str, Any]:
    """Applies defaults and checks the input of either source; errors name the field."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise StepInputError("input must be an object like {\"dataset\": \"iris\"}", path="")
    source = raw.get("source", DEFAULTS["source"])
    # isinstance first: an unhashable value (a list) must not crash the membership test.
    if not isinstance(source, str) or source not in SOURCES:
        raise StepInputError(f"unsupported source; expected one of {list(SOURCES)}", path="source")
    return _parse_csv(raw) if source == "csv" else _parse_sklearn(raw)


def _parse_sklearn(raw: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise StepInputError(
            "unknown input fields",
            issues=[{"path": key, "message": "unrecognized key; expected source, dataset"} for key in unknown],
        )
    merged = {**DEFAULTS, **raw}
    if not isinstance(merged["dataset"], str) or merged["dataset"] not in LOADERS:
        raise StepInputError(f"unknown dataset; expected one of {sorted(LOADERS)}", path="dataset")
    return merged


def _parse_csv(raw: dict[str, Any]) -> dict[str, Any]:
    issues = [{"path": key, "message": f"unrecognized key; expected {', '.join(CSV_FIELDS)}"} for key in sorted(set(raw) - set(CSV_FIELDS))]
    if not isinstance(raw.get("name"), str) or not DATASET_NAME.match(raw["name"]):
        issues.append({"path": "name", "message": 'required: a dataset name of lowercase letters, digits, "_" and "-" (at most 63)'})
    if not is_artifact_ref(raw.get("csv")):
        issues.append({"path": "csv", "message": "required: the CSV file's artifact reference {uri: s3://bucket/key, sha256, size}"})
    if not isinstance(raw.get("target"), str) or not raw["target"]:
        issues.append({"path": "target", "message": "required: the name of the label column"})
    raise_if_issues(issues, "ingest")
    return raw


def _from_sklearn(request: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    columns, rows = load_table(request["dataset"])
    return write_dataset_version(ctx.artifacts, request["dataset"], columns, rows, "target")


def _from_csv(request: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    store = ctx.artifacts
    with tempfile.TemporaryDirectory(prefix="baton-ingest-") as tmp:
        try:
            path = store.get_to_file(request["csv"], os.path.join(tmp, "source.csv"))
        except (ArtifactNotFoundError, ArtifactIntegrityError) as error:
            # The reference is the input: a missing or different file will not appear by retrying.
            raise StepInputError(str(error), path="csv") from None
        columns, rows = read_csv_table(path, field="csv")
        if request["target"] not in [column.name for column in columns]:
            raise StepInputError(f'target column "{request["target"]}" is not in the CSV header {[c.name for c in columns]}', path="target")
        return write_dataset_version(store, request["name"], columns, rows(), request["target"])


def _probe(raw: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    unknown = sorted(set(raw) - {"probe", "prefix"})
    raise_if_issues([{"path": key, "message": "unrecognized key; expected probe, prefix"} for key in unknown], "ingest")
    prefix = check_prefix(raw.get("prefix"))
    store = ctx.artifacts
    answer = probe_prefix(store.backend, store.bucket, prefix)
    ctx.log(f"probe {prefix}: {answer['objects']} objects, version {answer['version']}")
    return {"output": answer, "metrics": {"objects": answer["objects"]}}


def handle(input: Any, ctx: StepContext) -> dict[str, Any]:
    """Writes data.csv and schema.json for the dataset and moves its latest pointer; skips unchanged uploads."""
    if isinstance(input, dict) and input.get("probe") is True:
        return _probe(input, ctx)
    request = parse_input(input)
    dataset = _from_csv(request, ctx) if request["source"] == "csv" else _from_sklearn(request, ctx)
    rows, columns = dataset["rows"], len(dataset["columns"])
    ctx.log(f"ingest {dataset['name']} ({request['source']}): {rows} rows x {columns} features, version {dataset['version']}, previous {dataset['previousVersion']}")
    return {"output": {"dataset": dataset}, "metrics": {"rows": rows, "columns": columns}}

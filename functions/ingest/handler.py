"""ingest: loads a dataset bundled with scikit-learn and stores it content-addressed.

Input  {"source": "sklearn", "dataset": "breast_cancer" | "iris" | "wine" | "digits"} (both optional)
Output {"dataset": {name, version, data, schema, rows, columns, target}}; metrics {rows, columns}
Keys   datasets/<name>/<version>/data.csv and schema.json, version = first 12 hex of data.csv's sha256.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from baton_step import StepContext, StepInputError

from ingest_table import LOADERS, TARGET, build_schema, load_table, write_csv

DEFAULTS = {"source": "sklearn", "dataset": "breast_cancer"}
SOURCES = ("sklearn",)


def parse_input(raw: Any) -> dict[str, str]:
    """Applies defaults and checks the input; errors name the field."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise StepInputError("input must be an object like {\"dataset\": \"iris\"}", path="")
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise StepInputError(
            "unknown input fields",
            issues=[{"path": key, "message": "unrecognized key; expected source, dataset"} for key in unknown],
        )
    merged = {**DEFAULTS, **raw}
    # isinstance first: an unhashable value (a list) must not crash the membership test.
    if not isinstance(merged["source"], str) or merged["source"] not in SOURCES:
        raise StepInputError(f"unsupported source; expected one of {list(SOURCES)}", path="source")
    if not isinstance(merged["dataset"], str) or merged["dataset"] not in LOADERS:
        raise StepInputError(f"unknown dataset; expected one of {sorted(LOADERS)}", path="dataset")
    return merged


def handle(input: Any, ctx: StepContext) -> dict[str, Any]:
    """Writes data.csv and schema.json for the dataset; skips uploads already stored with that content."""
    request = parse_input(input)
    name = request["dataset"]
    table = load_table(name)
    store = ctx.artifacts
    with tempfile.TemporaryDirectory(prefix="baton-ingest-") as tmp:
        path = os.path.join(tmp, "data.csv")
        version = write_csv(table, path)[:12]
        prefix = f"datasets/{name}/{version}"
        data = store.put_file(f"{prefix}/data.csv", path, content_type="text/csv", skip_if_same=True)
    schema = store.put_json(f"{prefix}/schema.json", build_schema(name, version, table), skip_if_same=True)
    rows, columns = int(table.x.shape[0]), len(table.features)
    ctx.log(f"ingest {name}: {rows} rows x {columns} features, version {version}")
    return {
        "output": {
            "dataset": {
                "name": name,
                "version": version,
                "data": data,
                "schema": schema,
                "rows": rows,
                "columns": table.features,
                "target": TARGET,
            }
        },
        "metrics": {"rows": rows, "columns": columns},
    }

"""Schema, type and missing-value checks: does data.csv hold what the dataset version declares?"""

from __future__ import annotations

from collections import Counter
from typing import Any

from validation_request import DatasetVersion
from validation_issues import ERROR, WARNING, issue, percent
from validation_table import CsvTable, NumericColumn, missing_mask

NUMERIC_DTYPES = ("int64", "float64")


def schema_columns(schema: Any) -> dict[str, dict[str, Any]]:
    """schema.json's column entries by name; read defensively (the schema grows, old ones lack fields)."""
    columns = schema.get("columns") if isinstance(schema, dict) else None
    if not isinstance(columns, list):
        return {}
    return {c["name"]: c for c in columns if isinstance(c, dict) and isinstance(c.get("name"), str)}


def check_structure(table: CsvTable, dataset: DatasetVersion, schema: Any) -> list[dict[str, Any]]:
    """Header against the declared columns, ragged rows, and the declared row count."""
    found: list[dict[str, Any]] = []
    declared = [*dataset.features, dataset.target]
    for name, count in Counter(table.header).items():
        if count > 1:
            found.append(issue("schema", ERROR, f'column "{name}" appears {count} times in the header', column=name, value=count, limit=1))
    for name in declared:
        if name not in table.cells:
            found.append(issue("schema", ERROR, f'column "{name}" is declared but not in data.csv\'s header', column=name))
    for name in table.header:
        if name not in declared:
            found.append(issue("schema", WARNING, f'column "{name}" is in data.csv but not declared in dataset.columns', column=name))
    if table.ragged_rows:
        lines = ", ".join(str(line) for line in table.ragged_lines)
        found.append(issue("schema", ERROR, f"{table.ragged_rows} of {table.rows} rows do not have {len(table.header)} fields (lines {lines}{', ...' if table.ragged_rows > len(table.ragged_lines) else ''})", value=table.ragged_rows, limit=0))
    if table.rows == 0:
        found.append(issue("schema", ERROR, "data.csv has no rows", value=0))
    if dataset.rows is not None and dataset.rows != table.rows:
        found.append(issue("schema", ERROR, f"dataset.rows says {dataset.rows} rows, data.csv has {table.rows}", value=table.rows, limit=dataset.rows))
    if not isinstance(schema, dict) or not isinstance(schema.get("columns"), list):
        found.append(issue("schema", ERROR, "schema.json has no columns list"))
        return found
    described = schema_columns(schema)
    for name in declared:
        column = described.get(name)
        if column is None:
            found.append(issue("schema", ERROR, f'column "{name}" is not described in schema.json', column=name))
        elif name in dataset.features and column.get("dtype") not in NUMERIC_DTYPES:
            found.append(issue("type", ERROR, f'column "{name}": declared dtype "{column.get("dtype")}", features must be numeric (int64 or float64)', column=name, value=str(column.get("dtype"))))
    return found


def check_values(columns: list[NumericColumn], table: CsvTable, dataset: DatasetVersion, max_missing_fraction: float) -> list[dict[str, Any]]:
    """Non-numeric feature cells (error), missing feature values over the limit (warning), missing labels (error)."""
    found: list[dict[str, Any]] = []
    for column in columns:
        if column.non_numeric:
            found.append(issue(
                "type", ERROR,
                f'column "{column.name}": {column.non_numeric} of {len(column.values)} values are not numbers (e.g. "{column.example}")',
                column=column.name, value=column.non_numeric, limit=0,
            ))
        fraction = column.missing / len(column.values) if len(column.values) else 0.0
        if fraction > max_missing_fraction:
            found.append(issue(
                "missing", WARNING,
                f'column "{column.name}": {percent(fraction)} of values are missing ({column.missing} of {len(column.values)}), limit {percent(max_missing_fraction)}',
                column=column.name, value=fraction, limit=max_missing_fraction,
            ))
    labels = table.cells.get(dataset.target)
    if labels:
        unlabeled = int(missing_mask(labels).sum())
        if unlabeled:
            found.append(issue(
                "missing", ERROR, f'target column "{dataset.target}": {unlabeled} of {len(labels)} rows have no label',
                column=dataset.target, value=unlabeled, limit=0,
            ))
    return found

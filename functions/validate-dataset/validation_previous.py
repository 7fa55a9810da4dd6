"""Checks against the previous version of the same dataset: columns and dtypes, row count and size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from baton_step import ArtifactStore

from validation_request import DatasetVersion, Policy
from validation_issues import ERROR, WARNING, issue, percent
from validation_schema import schema_columns


@dataclass(frozen=True)
class PreviousVersion:
    """What is known of the previous version: its schema.json (None when absent) and its data.csv's size."""

    version: str
    schema_key: str
    schema: Optional[dict[str, Any]]
    data_bytes: Optional[int]


def load_previous(store: ArtifactStore, dataset: DatasetVersion) -> Optional[PreviousVersion]:
    """Reads ``datasets/<name>/<previousVersion>/schema.json``; None when the dataset has no previous version."""
    if dataset.previous_version is None:
        return None
    prefix = f"datasets/{dataset.name}/{dataset.previous_version}"
    schema = store.read_json(f"{prefix}/schema.json")
    schema = schema if isinstance(schema, dict) else None
    size = schema.get("bytes") if schema else None
    if isinstance(size, bool) or not isinstance(size, int):
        # Older schemas carry no size: ask the store for the previous data.csv's.
        info = store.backend.stat(store.bucket, f"{prefix}/data.csv")
        size = info.size if info is not None else None
    return PreviousVersion(dataset.previous_version, f"{prefix}/schema.json", schema, size)


def compare_with_previous(dataset: DatasetVersion, schema: Any, rows: int, previous: PreviousVersion,
                          policy: Policy) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Issues, and the comparison for the report (previous and current rows and bytes, relative changes)."""
    found: list[dict[str, Any]] = []
    summary: dict[str, Any] = {"version": previous.version, "found": previous.schema is not None}
    if previous.schema is None:
        found.append(issue(
            "previousVersion", WARNING,
            f'previous version "{previous.version}" has no schema.json ({previous.schema_key}): columns, row count and size not compared',
        ))
        return found, summary

    found.extend(_compare_columns(schema_columns(schema), schema_columns(previous.schema), previous.version))

    previous_rows = previous.schema.get("rows")
    if isinstance(previous_rows, int) and not isinstance(previous_rows, bool) and previous_rows > 0:
        change = abs(rows - previous_rows) / previous_rows
        summary["rows"] = {"previous": previous_rows, "current": rows, "change": change}
        if change > policy.max_row_count_change:
            found.append(issue(
                "rowCount", WARNING,
                f"row count changed by {percent(change)} ({previous_rows} -> {rows}) since version {previous.version}, limit {percent(policy.max_row_count_change)}",
                value=change, limit=policy.max_row_count_change,
            ))
    size = dataset.data["size"]
    if previous.data_bytes:
        change = abs(size - previous.data_bytes) / previous.data_bytes
        summary["bytes"] = {"previous": previous.data_bytes, "current": size, "change": change}
        if change > policy.max_size_change:
            found.append(issue(
                "size", WARNING,
                f"data.csv size changed by {percent(change)} ({previous.data_bytes} -> {size} bytes) since version {previous.version}, limit {percent(policy.max_size_change)}",
                value=change, limit=policy.max_size_change,
            ))
    return found, summary


def _compare_columns(current: dict[str, dict[str, Any]], previous: dict[str, dict[str, Any]], version: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for name, before in previous.items():
        now = current.get(name)
        if now is None:
            found.append(issue("schema", ERROR, f'column "{name}" was in version {version} and is gone', column=name))
            continue
        for key in ("dtype", "role"):
            if before.get(key) != now.get(key):
                found.append(issue(
                    "schema", ERROR,
                    f'column "{name}": {key} changed from "{before.get(key)}" in version {version} to "{now.get(key)}"',
                    column=name, value=str(now.get(key)), limit=str(before.get(key)),
                ))
    for name in current:
        if name not in previous:
            found.append(issue("schema", ERROR, f'column "{name}" is new since version {version}', column=name))
    return found

"""Writes a table as a dataset version: content-addressed data, its schema and a pointer to the newest version.

Every ingest function (bundled datasets, CSV files, database tables) ends here, so all of them store the same
layout::

    datasets/<name>/<version>/data.csv     deterministic CSV: features in source order, the target last
    datasets/<name>/<version>/schema.json  columns (dtype, role, missing, statistics), rows, bytes
    datasets/<name>/latest.json            {"version", "previous"}: the newest version and the one before it

``version`` is the first 12 hex of data.csv's sha256, so the same table always gives the same version and a
retried ingest rewrites nothing. Values are stored as they are (text columns, missing values): checking
whether a dataset is fit for training is the validation step's job.

Rows stream to a temporary file; only the statistics stay in memory (8 bytes per number, one count per distinct
text value). ``latest.json`` is rewritten without a compare-and-swap: two ingests of one name at the same moment
both store their version, and the pointer keeps whichever wrote last.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import re
import tempfile
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence

import numpy as np

from baton_step.artifacts import ArtifactStore
from baton_step.errors import StepInputError

INT64, FLOAT64, STRING = "int64", "float64", "string"
DTYPES = (INT64, FLOAT64, STRING)
DATASET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
VERSION_HEX = 12
TOP_VALUES = 5  # most frequent values listed per text column
_FLUSH_CHARS = 1 << 20  # write and hash the CSV in ~1 MiB pieces: the file is never whole in memory as text


@dataclass(frozen=True)
class Column:
    """A column of the table to store: its name and dtype (``int64``, ``float64`` or ``string``)."""

    name: str
    dtype: str


def latest_key(name: str) -> str:
    """Key of the pointer to the newest version of dataset ``name``."""
    return f"datasets/{name}/latest.json"


def format_value(value: Any, dtype: str) -> str:
    """A cell as CSV text: ints in decimal, floats in Python's shortest round-trip form, missing as ``""``.

    NaN counts as missing (a database or a float column may hold it; CSV readers disagree on spelling it).
    """
    if value is None:
        return ""
    if dtype == FLOAT64:
        number = float(value)
        return "" if math.isnan(number) else repr(number)
    if dtype == INT64:
        return str(int(value))
    return str(value)


class ColumnStats:
    """Collects one column's statistics while the rows stream by."""

    def __init__(self, column: Column, role: str) -> None:
        self.column = column
        self.role = role
        self.missing = 0
        # Numbers are kept (8 bytes each) so mean and std are numpy's, exactly as for an in-memory array.
        self.numbers: Optional[array] = array("d") if column.dtype != STRING else None
        # Text columns get value counts; so does a class label (int or text) for its list of classes.
        counted = column.dtype == STRING or (role == "target" and column.dtype == INT64)
        self.counts: Optional[Counter[str]] = Counter() if counted else None

    def add(self, text: str) -> None:
        if text == "":
            self.missing += 1
            return
        if self.numbers is not None:
            self.numbers.append(float(text))
        if self.counts is not None:
            self.counts[text] += 1

    def describe(self) -> dict[str, Any]:
        stats: dict[str, Any] = {"name": self.column.name, "dtype": self.column.dtype, "role": self.role, "missing": self.missing}
        if self.numbers is not None:
            stats.update(_number_stats(np.frombuffer(self.numbers, dtype=np.float64) if len(self.numbers) else np.empty(0)))
        else:
            assert self.counts is not None
            ranked = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
            stats["distinct"] = len(self.counts)
            stats["top"] = [{"value": value, "count": count} for value, count in ranked[:TOP_VALUES]]
        if self.role == "target":
            stats["classes"] = self._classes()
        return stats

    def _classes(self) -> Optional[list[Any]]:
        if self.counts is None:
            return None  # a float target is a quantity (regression), not a set of classes
        if self.column.dtype == INT64:
            return sorted(int(value) for value in self.counts)
        return sorted(self.counts)


def _round(value: float) -> float | None:
    # 10 significant digits: the same schema bytes whatever numpy's summation order.
    return None if not np.isfinite(value) else float(f"{value:.10g}")


def _number_stats(present: np.ndarray) -> dict[str, Any]:
    if not present.size:
        return {"min": None, "max": None, "mean": None, "std": None}
    return {
        "min": _round(float(present.min())),
        "max": _round(float(present.max())),
        "mean": _round(float(present.mean())),
        "std": _round(float(present.std(ddof=1))) if present.size > 1 else 0.0,
    }


def check_dataset_name(name: Any, path: str = "name") -> str:
    """The name when it is a valid dataset name (a folder under ``datasets/``); else StepInputError at ``path``."""
    if not isinstance(name, str) or not DATASET_NAME.match(name):
        raise StepInputError(
            f'dataset name {name!r} is invalid: use lowercase letters, digits, "_" and "-" (at most 63, starting with a letter or digit)',
            path=path,
        )
    return name


def _target_index(columns: Sequence[Column], target: str) -> int:
    names = [column.name for column in columns]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"column names must be distinct, repeated: {duplicates}")
    for column in columns:
        if column.dtype not in DTYPES:
            raise ValueError(f'column "{column.name}" has dtype "{column.dtype}"; expected one of {DTYPES}')
    if target not in names:
        raise StepInputError(f'target column "{target}" is not in the table; its columns are {names}', path="target")
    return names.index(target)


def write_csv(path: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], target: str) -> tuple[str, int, list[ColumnStats]]:
    """Writes the rows as deterministic CSV (header, features in order, target last, ``\\n`` line ends).

    Returns the file's sha256, the row count and each written column's statistics (features, then target).
    """
    target_index = _target_index(columns, target)
    order = [i for i in range(len(columns)) if i != target_index] + [target_index]
    stats = [ColumnStats(columns[i], "target" if i == target_index else "feature") for i in order]
    digest = hashlib.sha256()
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as file:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([columns[i].name for i in order])
        for row in rows:
            if len(row) != len(columns):
                raise ValueError(f"row {count + 1} has {len(row)} values for {len(columns)} columns")
            cells = [format_value(row[i], columns[i].dtype) for i in order]
            for column, cell in zip(stats, cells):
                column.add(cell)
            writer.writerow(cells)
            count += 1
            if buffer.tell() > _FLUSH_CHARS:
                _flush(buffer, file, digest)
        _flush(buffer, file, digest)
    return digest.hexdigest(), count, stats


def _flush(buffer: io.StringIO, file: Any, digest: Any) -> None:
    text = buffer.getvalue()
    digest.update(text.encode("utf-8"))
    file.write(text)
    buffer.seek(0)
    buffer.truncate()


def build_schema(name: str, version: str, rows: int, size: int, target: str, stats: Sequence[ColumnStats]) -> dict[str, Any]:
    """schema.json's content: the dataset, version, row count, data.csv's size in bytes and every column."""
    return {
        "dataset": name,
        "version": version,
        "rows": rows,
        "bytes": size,
        "target": target,
        "columns": [column.describe() for column in stats],
    }


def advance_latest(store: ArtifactStore, name: str, version: str) -> Optional[str]:
    """Points ``latest.json`` at ``version`` and returns the version this name had before it (None at first).

    Re-ingesting the newest version changes nothing and returns the same previous version again, so a retried
    or repeated ingest reports what the first one did.
    """
    current = store.read_json(latest_key(name))
    if isinstance(current, dict) and isinstance(current.get("version"), str):
        if current["version"] == version:
            previous = current.get("previous")
            return previous if isinstance(previous, str) else None
        previous = current["version"]
    else:
        previous = None
    store.put_json(latest_key(name), {"version": version, "previous": previous})
    return previous


def write_dataset_version(store: ArtifactStore, name: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], target: str) -> dict[str, Any]:
    """Stores ``rows`` (sequences of values in ``columns`` order; None = missing) as a version of dataset ``name``.

    Returns the steps' ``dataset`` output: ``{name, version, data, schema, rows, columns, target, previousVersion}``
    where ``columns`` are the feature names. Uploads that are already stored with the same content are skipped.
    Raises StepInputError (path ``target``) when the target is not a column, (path ``name``) for a bad name.
    """
    check_dataset_name(name)
    _target_index(columns, target)
    with tempfile.TemporaryDirectory(prefix="baton-dataset-") as tmp:
        path = os.path.join(tmp, "data.csv")
        sha256, count, stats = write_csv(path, columns, rows, target)
        version = sha256[:VERSION_HEX]
        prefix = f"datasets/{name}/{version}"
        data = store.put_file(f"{prefix}/data.csv", path, content_type="text/csv", skip_if_same=True)
    schema = store.put_json(f"{prefix}/schema.json", build_schema(name, version, count, data["size"], target, stats), skip_if_same=True)
    previous = advance_latest(store, name, version)
    return {
        "name": name,
        "version": version,
        "data": data,
        "schema": schema,
        "rows": count,
        "columns": [column.column.name for column in stats if column.role == "feature"],
        "target": target,
        "previousVersion": previous,
    }


def feature_columns(dataset: dict[str, Any]) -> list[str]:
    """The feature columns of a dataset version (a step's schema-checked ``dataset`` input): distinct, and without
    the target, which a JSON Schema cannot say; StepInputError naming ``dataset.columns`` / ``dataset.target``."""
    columns, target = list(dataset["columns"]), dataset["target"]
    if len(set(columns)) != len(columns):
        raise StepInputError("dataset.columns must name each feature once", path="dataset.columns")
    if target in columns:
        raise StepInputError(f'dataset.target "{target}" is a feature column too: the target must not be a feature', path="dataset.target")
    return columns

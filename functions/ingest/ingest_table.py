"""Turns a scikit-learn bundled dataset into a deterministic CSV file and its schema."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from sklearn import datasets

TARGET = "target"
# Only datasets shipped inside scikit-learn: no network access needed (fetch_* would download).
LOADERS: dict[str, Callable[..., Any]] = {
    "breast_cancer": datasets.load_breast_cancer,
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "digits": datasets.load_digits,
}


@dataclass(frozen=True)
class Table:
    """Feature matrix, integer target and the feature column names."""

    features: list[str]
    x: np.ndarray
    y: np.ndarray


def load_table(name: str) -> Table:
    """Loads one bundled dataset by name (a key of LOADERS)."""
    bunch = LOADERS[name]()
    names = [str(n) for n in bunch.feature_names]
    return Table(features=names, x=np.asarray(bunch.data, dtype=np.float64), y=np.asarray(bunch.target, dtype=np.int64))


def write_csv(table: Table, path: str) -> str:
    """Writes header (features + target) and rows to ``path``; returns the file's sha256.

    Deterministic: floats use Python's shortest round-trip repr, rows keep their order,
    lines end with ``\\n``, so the same data always gives the same bytes and version.
    """
    digest = hashlib.sha256()
    with open(path, "w", encoding="utf-8", newline="") as file:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([*table.features, TARGET])
        for row, label in zip(table.x.tolist(), table.y.tolist()):
            writer.writerow([*(repr(v) for v in row), str(label)])
            # Flush in batches: hash and write without holding the whole file as text.
            if buffer.tell() > 1 << 20:
                _flush(buffer, file, digest)
        _flush(buffer, file, digest)
    return digest.hexdigest()


def _flush(buffer: io.StringIO, file: Any, digest: Any) -> None:
    text = buffer.getvalue()
    digest.update(text.encode("utf-8"))
    file.write(text)
    buffer.seek(0)
    buffer.truncate()


def _round(value: float) -> float | None:
    # 10 significant digits: the same schema bytes whatever numpy's summation order.
    return None if not np.isfinite(value) else float(f"{value:.10g}")


def _column(name: str, values: np.ndarray, dtype: str, role: str) -> dict[str, Any]:
    present = values[~np.isnan(values)] if values.dtype.kind == "f" else values
    stats: dict[str, Any] = {"name": name, "dtype": dtype, "role": role, "missing": int(values.size - present.size)}
    if present.size:
        stats.update(
            min=_round(float(present.min())),
            max=_round(float(present.max())),
            mean=_round(float(present.mean())),
            std=_round(float(present.std(ddof=1))) if present.size > 1 else 0.0,
        )
    else:
        stats.update(min=None, max=None, mean=None, std=None)
    return stats


def build_schema(name: str, version: str, table: Table) -> dict[str, Any]:
    """Columns with dtype and statistics (min, max, mean, sample std, missing count), and row count."""
    columns = [_column(f, table.x[:, i], "float64", "feature") for i, f in enumerate(table.features)]
    target = _column(TARGET, table.y, "int64", "target")
    target["classes"] = sorted(int(c) for c in np.unique(table.y))
    return {
        "dataset": name,
        "version": version,
        "rows": int(table.x.shape[0]),
        "target": TARGET,
        "columns": [*columns, target],
    }

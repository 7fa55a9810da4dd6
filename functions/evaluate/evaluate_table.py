"""Reads a holdout CSV (header + numeric rows), as written by train.

A copy of train_table.read_table: each function ships only its own folder.
"""

from __future__ import annotations

import csv

import numpy as np

from baton_step import StepInputError


def read_table(path: str, features: list[str], target: str, field: str) -> tuple[np.ndarray, np.ndarray]:
    """Features (in the given order) and integer labels from a CSV; problems name ``field``."""
    with open(path, encoding="utf-8", newline="") as file:
        header = next(csv.reader(file), [])
        missing = [name for name in [*features, target] if name not in header]
        if missing:
            raise StepInputError(f"columns {missing} are not in the CSV header", path=field)
        try:
            # The rest of the file is plain numbers: loadtxt reads it without a per-row Python loop.
            values = np.loadtxt(file, delimiter=",", dtype=np.float64, ndmin=2)
        except ValueError as error:
            raise StepInputError(f"the CSV holds non-numeric or missing values: {error}", path=field) from None
    if values.shape[0] == 0:
        raise StepInputError("the CSV has no rows", path=field)
    x = values[:, [header.index(name) for name in features]]
    labels = values[:, header.index(target)]
    if not np.all(np.equal(np.mod(labels, 1), 0)):
        raise StepInputError(f'target column "{target}" must hold integer class labels', path=field)
    return x, labels.astype(np.int64)


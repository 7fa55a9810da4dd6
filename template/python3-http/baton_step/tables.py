"""Numeric CSV tables as the ML steps exchange them: a header, then one row of numbers per sample."""

from __future__ import annotations

import csv
import os
from typing import Any

import numpy as np

from .errors import StepInputError


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


def write_table(path: str, features: list[str], target: str, x: np.ndarray, y: np.ndarray) -> None:
    """Writes rows with a header; floats in shortest round-trip form, so reading them back is exact."""
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow([*features, target])
        for row, label in zip(x.tolist(), y.tolist()):
            writer.writerow([*(repr(v) for v in row), str(label)])


def load_stratified_split(store: Any, data: Any, features: list[str], target: str, test_size: float, seed: int, tmp_dir: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Downloads a dataset CSV (sha256-checked) and splits it stratified by ``seed``: x_train, x_test, y_train, y_test."""
    # Imported here: only the training steps need scikit-learn's splitter.
    from sklearn.model_selection import train_test_split

    path = store.get_to_file(data, os.path.join(tmp_dir, "data.csv"))
    x, y = read_table(path, features, target, field="dataset.data")
    try:
        return tuple(train_test_split(x, y, test_size=test_size, random_state=seed, stratify=y))  # type: ignore[return-value]
    except ValueError as error:
        # e.g. a class with one row, or fewer holdout rows than classes.
        raise StepInputError(f"cannot split the data stratified: {error}", path="split.testSize") from None

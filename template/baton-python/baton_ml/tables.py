"""CSV tables as the ML steps exchange them: a header, then one row per sample (numeric features, a class label)."""

from __future__ import annotations

import csv
import os
from typing import Any

import numpy as np

from baton_step.errors import StepInputError


def read_table(path: str, features: list[str], target: str, field: str) -> tuple[np.ndarray, np.ndarray]:
    """Features (in the given order, as floats) and class labels from a CSV; problems name ``field``.

    Labels are integers when every one is a whole number (the bundled datasets), else text (``"setosa"``).
    """
    with open(path, encoding="utf-8", newline="") as file:
        header = next(csv.reader(file), [])
        missing = [name for name in [*features, target] if name not in header]
        if missing:
            raise StepInputError(f"columns {missing} are not in the CSV header", path=field)
        try:
            # loadtxt reads the rest without a per-row Python loop; cells stay text until we know their column.
            cells = np.loadtxt(file, delimiter=",", dtype=str, quotechar='"', ndmin=2)
        except ValueError as error:
            raise StepInputError(f"the CSV is malformed: {error}", path=field) from None
    if cells.shape[0] == 0:
        raise StepInputError("the CSV has no rows", path=field)
    try:
        x = cells[:, [header.index(name) for name in features]].astype(np.float64)
    except ValueError as error:
        raise StepInputError(f"the feature columns hold non-numeric or missing values: {error}", path=field) from None
    return x, _labels(cells[:, header.index(target)], target, field)


def _labels(raw: np.ndarray, target: str, field: str) -> np.ndarray:
    if np.any(raw == ""):
        raise StepInputError(f'target column "{target}" has missing labels', path=field)
    try:
        numbers = raw.astype(np.float64)
    except ValueError:
        return raw  # text classes
    if not np.all(np.equal(np.mod(numbers, 1), 0)):
        raise StepInputError(f'target column "{target}" must hold class labels (whole numbers or text), not measurements', path=field)
    return numbers.astype(np.int64)


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

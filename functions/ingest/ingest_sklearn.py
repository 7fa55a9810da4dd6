"""The datasets bundled with scikit-learn, as columns and rows for ``baton_ml.datasets``."""

from __future__ import annotations

from typing import Any, Callable, Iterator

from sklearn import datasets

from baton_ml.datasets import FLOAT64, INT64, Column

TARGET = "target"
# Only datasets shipped inside scikit-learn: no network access needed (fetch_* would download).
LOADERS: dict[str, Callable[..., Any]] = {
    "breast_cancer": datasets.load_breast_cancer,
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "digits": datasets.load_digits,
}


def load_table(name: str) -> tuple[list[Column], Iterator[list[Any]]]:
    """Columns (float features, then the integer ``target``) and rows of one bundled dataset (a key of LOADERS)."""
    bunch = LOADERS[name]()
    columns = [Column(str(feature), FLOAT64) for feature in bunch.feature_names] + [Column(TARGET, INT64)]
    # tolist() gives Python floats and ints: their repr is what the stored versions were always written with.
    rows = ([*features, label] for features, label in zip(bunch.data.astype(float).tolist(), bunch.target.astype(int).tolist()))
    return columns, rows

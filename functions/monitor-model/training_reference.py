"""What the live traffic is compared with: the production version's registry record, the dataset it was trained on
(its rows, read from the uri its lineage names), its holdout's predictions (column sums of the evaluation report's
confusion matrix) and holdout accuracy, and the pipeline and parameters it was trained with (the retraining recipe).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from baton_step import ArtifactStore, StepInputError
from baton_step.artifacts import parse_uri
from baton_ml import RegistryError, model_metadata, production
from baton_ml.tables import read_table


@dataclass(frozen=True)
class TrainingReference:
    """The production version and the reference distributions drift is measured against."""

    name: str
    version: str
    features: list[str]
    rows: np.ndarray
    holdout_predictions: dict[str, float]
    holdout_accuracy: Optional[float]
    dataset: dict[str, Any]
    retraining: Optional[dict[str, Any]]


def _key_in_store(store: ArtifactStore, uri: str, what: str) -> str:
    bucket, key = parse_uri(uri)
    if bucket != store.bucket:
        raise StepInputError(f"{what} {uri} is not in the artifact bucket {store.bucket}", path="modelName")
    return key


def load_reference(store: ArtifactStore, name: str) -> TrainingReference:
    """The reference for model ``name``'s production version; a 422 naming ``modelName`` when it has none."""
    pointer = production(store, name)
    if pointer is None:
        raise StepInputError(
            f'model "{name}" has no production version (or no such model is registered): nothing is served, so nothing to monitor',
            path="modelName",
        )
    metadata = model_metadata(store, name, pointer["version"])
    if metadata is None:
        raise RegistryError(f"models/{name}/production.json names version {pointer['version']}, which has no model.json")
    lineage = metadata["lineage"]
    features, target = metadata["features"], metadata.get("target", "target")
    data_key = _key_in_store(store, lineage["dataset"]["uri"], "the training dataset")
    data = store.read_bytes(data_key)
    if data is None:
        raise StepInputError(f"the training dataset {lineage['dataset']['uri']} of {name} {pointer['version']} no longer exists", path="modelName")
    with tempfile.TemporaryDirectory(prefix="baton-monitor-") as tmp:
        path = os.path.join(tmp, "data.csv")
        with open(path, "wb") as file:
            file.write(data)
        rows, _ = read_table(path, features, target, field="modelName")
    report = store.read_bytes(_key_in_store(store, lineage["evaluationReport"], "the evaluation report")) or b"{}"
    evaluation = json.loads(report)
    labels = evaluation.get("labels") or []
    matrix = evaluation.get("confusionMatrix") or []
    predicted = np.sum(np.array(matrix, dtype=np.float64), axis=0).tolist() if matrix else []
    parameters = lineage.get("parameters")
    return TrainingReference(
        name=name,
        version=pointer["version"],
        features=features,
        rows=rows,
        holdout_predictions={str(label): count for label, count in zip(labels, predicted)},
        holdout_accuracy=(evaluation.get("metrics") or {}).get("accuracy"),
        dataset={"name": lineage["dataset"]["name"], "version": lineage["dataset"]["version"]},
        retraining=None if parameters is None else {"pipeline": lineage["run"]["pipeline"], "parameters": parameters},
    )

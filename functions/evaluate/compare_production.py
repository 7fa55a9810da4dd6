"""evaluate's comparison with production: the model now in production scored on the candidate's holdout rows."""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from baton_step import ArtifactStore, StepInputError
from baton_ml import RegistryError, UntrustedModelError, load_model, model_metadata, model_signature, production
from baton_ml.registry import metadata_key

from evaluate_scores import score


def production_scores(
    store: ArtifactStore,
    name: str,
    candidate: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    labels: list[int],
    log: Callable[[str], None],
) -> tuple[Optional[dict[str, Any]], Optional[dict[str, Any]]]:
    """``(scores, in_production)`` for the production version of ``name``. ``scores`` is ``{version, metrics,
    confusionMatrix}`` on the same rows, or None (and a log line saying why) when there is none, it is the candidate
    itself, or it reads other features. ``in_production`` is ``{version, signature, notScored?}`` (None: nothing in
    production): the promotion compares signatures with it, and ``notScored`` says why it was not scored."""
    pointer = production(store, name)
    if pointer is None:
        log(f'evaluate: model "{name}" has no production version: nothing to compare with')
        return None, None
    version = pointer["version"]
    metadata = model_metadata(store, name, version)
    if metadata is None:
        raise RegistryError(f"models/{name}/production.json names version {version}, but {metadata_key(name, version)} does not exist")
    in_production = {"version": version, "signature": model_signature(metadata, metadata_key(name, version))}
    if pointer["model"]["sha256"] == candidate["artifact"]["sha256"]:
        log(f'evaluate: the candidate is version {version} of "{name}", which is in production: nothing to compare with')
        return None, {**in_production, "notScored": "it is this candidate"}
    if metadata["features"] != candidate["features"]:
        log(
            f'evaluate: production version {version} of "{name}" reads features {metadata["features"]}, the candidate '
            f'{candidate["features"]}: not compared (its scores on these rows would mean nothing)'
        )
        return None, {**in_production, "notScored": "it reads other features"}
    try:
        model = load_model(store, pointer["model"])
    except UntrustedModelError as error:
        raise StepInputError(f"the production version {version} of \"{name}\" cannot be loaded: {error}", path="compareWith.modelName") from None
    scores = score(model, x, y, labels)
    metrics = scores.metrics
    log(f'evaluate: production version {version} of "{name}": accuracy {metrics["accuracy"]:.4f}, macro f1 {metrics["f1"]:.4f}')
    return {"version": version, "metrics": metrics, "confusionMatrix": scores.confusion_matrix}, in_production

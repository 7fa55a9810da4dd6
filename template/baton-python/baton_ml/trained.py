"""Trained models: how a training step hands its result on (the fitted pipeline as skops, the holdout rows, by
reference), and how every other step loads such a file back without trusting it blindly.

Loading is the one place that decides which types a model file may hold: ``ALLOWED_UNTRUSTED_TYPES`` below,
on top of skops' own trusted scikit-learn/numpy types. evaluate and predict both load through it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported by the steps that train, not by every wrapper that imports baton_step
    import numpy as np

# skops trusts an explicit list of its own: the scikit-learn estimators and transformers, numpy arrays and scalars,
# builtin containers. Everything else in a file it reports as "untrusted"; we accept those only when they are
# listed here, so a file that needs, say, ``builtins.eval`` is refused before a single object is built.
# sklearn.tree._tree.Tree (random_forest): skops flags it because a crafted file could hold out-of-range node
# indices. Our files come from train and are sha256-checked against the reference that names them (the
# workflow's, or the registry's), so a tampered object in the bucket is refused before loading.
ALLOWED_UNTRUSTED_TYPES = frozenset({
    "sklearn.tree._tree.Tree",
})


class UntrustedModelError(Exception):
    """A model file is not a skops file we can read, needs a type outside the allow-list, or is not a fitted
    scikit-learn classifier pipeline. The message names the file's uri and the refused types."""


def store_trained_model(
    ctx: Any,
    pipeline: Any,
    model: dict[str, Any],
    x_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    tmp_dir: str,
) -> dict[str, Any]:
    """Uploads model.skops and holdout.csv under the run; answers the train steps' shared output shape.

    ``model`` holds ``type``, ``params``, ``features`` and ``target``; the classes come from the pipeline.
    """
    # Imported here: a step that never touches models does not pay for importing skops and numpy.
    import skops.io

    from .tables import write_table

    model_path = os.path.join(tmp_dir, "model.skops")
    skops.io.dump(pipeline, model_path)  # skops, never pickle: loading it cannot run arbitrary code
    holdout_path = os.path.join(tmp_dir, "holdout.csv")
    write_table(holdout_path, model["features"], model["target"], x_test, y_test)
    store = ctx.artifacts
    return {
        "model": {
            "artifact": store.put_file(ctx.run_key("model.skops"), model_path, content_type="application/octet-stream"),
            "format": "skops",
            **model,
            "classes": pipeline.classes_.tolist(),  # whole numbers or text
        },
        "holdout": store.put_file(ctx.run_key("holdout.csv"), holdout_path, content_type="text/csv"),
        "trainRows": int(len(x_train)),
        "holdoutRows": int(len(y_test)),
    }


def refused_types(path: str) -> list[str]:
    """The types in the skops file at ``path`` that are neither trusted by skops nor on ALLOWED_UNTRUSTED_TYPES.

    Raises UntrustedModelError when the file is not a readable skops file.
    """
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(file=path)
    except Exception as error:  # noqa: BLE001 - any parse failure means "not a skops file we can read"
        raise UntrustedModelError(f"not a readable skops file: {error}") from None
    return sorted(set(untrusted) - ALLOWED_UNTRUSTED_TYPES)


def load_trusted_model(path: str, uri: str) -> Any:
    """Loads the fitted classifier Pipeline in the skops file at ``path`` (downloaded from ``uri``, named in errors).

    Refuses, with UntrustedModelError and before building any object, a file needing a type outside the
    allow-list; refuses a file holding anything but a fitted scikit-learn Pipeline classifier.
    """
    import skops.io
    from sklearn.pipeline import Pipeline

    try:
        refused = refused_types(path)
    except UntrustedModelError as error:
        raise UntrustedModelError(f"model {uri} is {error}") from None
    if refused:
        raise UntrustedModelError(
            f"model {uri} needs types outside the allow-list, refusing to load it: {', '.join(refused)}"
        )
    trusted = sorted(ALLOWED_UNTRUSTED_TYPES)
    try:
        model = skops.io.load(path, trusted=trusted)
    except Exception as error:  # noqa: BLE001 - a corrupt member inside a valid zip
        raise UntrustedModelError(f"model {uri} could not be loaded: {error}") from None
    if not isinstance(model, Pipeline) or not hasattr(model, "classes_"):
        raise UntrustedModelError(f"model {uri} is not a fitted scikit-learn Pipeline classifier")
    return model

"""Loads a skops model file only when every type it needs is trusted.

skops trusts its own list of safe scikit-learn/numpy types. Anything else it reports as
"untrusted"; we accept those only when they are on ALLOWED_UNTRUSTED below, so a model file
that needs, say, ``builtins.eval`` is refused before a single object is built.
"""

from __future__ import annotations

from typing import Any

import skops.io
from sklearn.pipeline import Pipeline

from baton_step import StepInputError

# Types skops does not trust by default but our own train step produces.
# sklearn.tree._tree.Tree (random_forest): skops flags it because a crafted file could hold
# out-of-range node indices. Our files come from train and are sha256-checked against the
# reference the workflow carries, so a tampered object in the bucket is refused before loading.
ALLOWED_UNTRUSTED = frozenset({
    "sklearn.tree._tree.Tree",
})


def load_trusted_model(path: str, uri: str, field: str) -> Pipeline:
    """Loads ``path`` with an explicit trusted list; an unknown type raises StepInputError at ``field``."""
    try:
        untrusted = skops.io.get_untrusted_types(file=path)
    except Exception as error:  # noqa: BLE001 - any parse failure means "not a skops file we can read"
        raise StepInputError(f"model {uri} is not a readable skops file: {error}", path=field) from None
    refused = sorted(set(untrusted) - ALLOWED_UNTRUSTED)
    if refused:
        raise StepInputError(
            f"model {uri} needs types outside the allow-list, refusing to load it: {', '.join(refused)}",
            path=field,
        )
    model: Any = skops.io.load(path, trusted=list(untrusted))
    if not isinstance(model, Pipeline) or not hasattr(model, "classes_"):
        raise StepInputError(f"model {uri} is not a fitted scikit-learn Pipeline classifier", path=field)
    return model

"""The models predict serves: which version a call gets, and the loaded versions kept in memory.

The production pointer is read on every call (a HEAD and a GET of a ~300-byte object: about 2 ms median against
MinIO on loopback), so a promotion is served by the very next call, without a restart and without a cache to expire. A loaded version never changes (its version names its bytes), so loaded versions stay in a
small LRU keyed by (store, name, version): only a version not seen lately costs a download and a load.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from baton_step import ArtifactStore, StepInputError
from baton_ml import RegistryError, load_model, model_metadata, production
from baton_ml.registry import metadata_key

# A few versions: production, the one it replaced (a rollback is instant), and some pinned ones.
CACHE_SIZE = 4
PROMOTE_HINT = "promote one with `baton models promote {name} <version>`"


@dataclass(frozen=True)
class ServedModel:
    """One loaded version: the fitted pipeline and what its model.json says about it."""

    name: str
    version: str
    sha256: str
    pipeline: Any
    features: list[str]
    classes: list[Any]
    load_seconds: float


def resolve(store: ArtifactStore, name: str, version: Optional[str], log: Callable[[str], None]) -> ServedModel:
    """The loaded model a call uses: the pinned ``version``, else the one production.json names right now."""
    if version is not None:
        return _loaded(store, name, version, "version", log)
    pointer = production(store, name)
    if pointer is None:
        raise StepInputError(
            f'model "{name}" has no production version (or no such model is registered): {PROMOTE_HINT.format(name=name)}',
            path="model",
        )
    served = _loaded(store, name, pointer["version"], "model", log)
    if served.sha256 != pointer["model"]["sha256"]:
        raise RegistryError(
            f"models/{name}/production.json names version {served.version} with a sha256 other than its model.json's"
        )
    return served


def clear() -> None:
    """Forgets every loaded model (tests)."""
    _load.cache_clear()


def cache_info() -> Any:
    """Hits, misses and size of the loaded-model cache."""
    return _load.cache_info()


def _loaded(store: ArtifactStore, name: str, version: str, field: str, log: Callable[[str], None]) -> ServedModel:
    misses = _load.cache_info().misses
    try:
        served = _load(store, name, version)
    except _NotRegistered:
        if field == "version":
            raise StepInputError(f'model "{name}" has no version {version} ({metadata_key(name, version)} does not exist)', path="version") from None
        raise RegistryError(f"models/{name}/production.json names version {version}, but {metadata_key(name, version)} does not exist") from None
    if _load.cache_info().misses > misses:  # this call loaded it (another call's load may count too: only a log line)
        log(f"predict: loaded {name} version {version} in {served.load_seconds:.2f}s")
    return served


class _NotRegistered(LookupError):
    """The version has no model.json."""


@functools.lru_cache(maxsize=CACHE_SIZE)
def _load(store: ArtifactStore, name: str, version: str) -> ServedModel:
    # lru_cache keeps results, never exceptions: a version registered after a failed call is found by the next.
    # Two calls needing the same new version at once may both load it; the cache keeps one.
    started = time.monotonic()
    metadata = model_metadata(store, name, version)
    if metadata is None:
        raise _NotRegistered(version)
    pipeline = load_model(store, metadata["model"])
    features = list(metadata["features"])
    if getattr(pipeline, "n_features_in_", len(features)) != len(features):
        raise RegistryError(f"{metadata_key(name, version)} lists {len(features)} features, the model file expects {pipeline.n_features_in_}")
    return ServedModel(
        name=name,
        version=version,
        sha256=metadata["model"]["sha256"],
        pipeline=pipeline,
        features=features,
        classes=pipeline.classes_.tolist(),
        load_seconds=time.monotonic() - started,
    )

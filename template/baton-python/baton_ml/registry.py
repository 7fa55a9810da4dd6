"""Read-only access to the model registry for Python steps (the TypeScript steps register-model and promote-model
write it). The layout, in the artifact bucket:

    models/<name>/<version>/model.skops   the model file (skops, never pickle)
    models/<name>/<version>/model.json    immutable metadata: name, version, model {uri, sha256, size, format,
                                          type}, params, features, classes, target, signature, metrics, lineage
    models/<name>/<version>/stage.json    mutable: {stage, changedAt, history}
    models/<name>/production.json         mutable pointer, the one source of truth of what is in production:
                                          {version, model: {uri, sha256, size}, promotedAt, by, reason}

``<version>`` is the first 12 hex of the model file's sha256, so a version names its bytes: every read here is
checked against that, and a model file is loaded only after its size and sha256 matched.
"""

from __future__ import annotations

import os
import re
import tempfile
from typing import Any, Optional, TypedDict

from baton_step.artifacts import ArtifactRef, ArtifactStore, is_artifact_ref, parse_uri
from .trained import load_trusted_model

MODEL_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
MODEL_NAME_HINT = "use lowercase letters, digits and dashes (at most 63), starting with a letter or digit"
VERSION = re.compile(r"^[0-9a-f]{12}$")
VERSION_HINT = "a model version is the first 12 hex digits of the model file's sha256"
# The type of every feature: the steps read features as 64-bit floats (tables.py, predict's feature_rows.py).
# The same constant as FEATURE_TYPE in workflows/promotion/signature.ts, which writes signatures at registration.
FEATURE_TYPE = "float64"


class RegistryError(Exception):
    """A registry document is malformed or contradicts itself; the message names the key and the field."""


class ProductionPointer(TypedDict):
    """``models/<name>/production.json``: which version serves, and who promoted it when and why."""

    version: str
    model: ArtifactRef
    promotedAt: str
    by: str
    reason: str


def is_model_name(name: Any) -> bool:
    """True for a valid registry model name (/^[a-z0-9][a-z0-9-]{0,62}$/)."""
    return isinstance(name, str) and MODEL_NAME.match(name) is not None


def is_version(version: Any) -> bool:
    """True for a string shaped like a model version (12 lowercase hex digits)."""
    return isinstance(version, str) and VERSION.match(version) is not None


def production_key(name: str) -> str:
    """``models/<name>/production.json``."""
    return f"models/{_checked_name(name)}/production.json"


def metadata_key(name: str, version: str) -> str:
    """``models/<name>/<version>/model.json``."""
    return f"models/{_checked_name(name)}/{_checked_version(version)}/model.json"


def model_key(name: str, version: str) -> str:
    """``models/<name>/<version>/model.skops``."""
    return f"models/{_checked_name(name)}/{_checked_version(version)}/model.skops"


def production(store: ArtifactStore, name: str) -> Optional[ProductionPointer]:
    """The production pointer of model ``name`` as stored now, or None when no version was ever promoted.

    One small read per call (it is mutable: nothing may cache it for long). Raises RegistryError when the
    document does not name a version and its model file consistently.
    """
    key = production_key(name)
    document = store.read_json(key)
    if document is None:
        return None
    if not isinstance(document, dict):
        raise RegistryError(f"{key} must hold a JSON object")
    version = document.get("version")
    if not is_version(version):
        raise RegistryError(f"{key}: version must be 12 lowercase hex digits ({VERSION_HINT})")
    _check_model_ref(key, "model", document.get("model"), name, version)
    return document  # type: ignore[return-value] - checked above


def metadata(store: ArtifactStore, name: str, version: str) -> Optional[dict[str, Any]]:
    """The immutable ``model.json`` of one version, or None when that version is not registered.

    Checked: ``model`` names this version's file, and ``features`` is a non-empty list of names (the column
    order the model expects). Raises RegistryError otherwise.
    """
    key = metadata_key(name, version)
    document = store.read_json(key)
    if document is None:
        return None
    if not isinstance(document, dict):
        raise RegistryError(f"{key} must hold a JSON object")
    _check_model_ref(key, "model", document.get("model"), name, version)
    features = document.get("features")
    if not (isinstance(features, list) and features and all(isinstance(f, str) and f for f in features)):
        raise RegistryError(f"{key}: features must be a non-empty list of feature names")
    if len(set(features)) != len(features):
        raise RegistryError(f"{key}: features must not repeat a name")
    return document


def signature(document: dict[str, Any], key: str) -> dict[str, Any]:
    """The version's signature ``{inputs: [{name, type}], output: {target?, classes}}``: model.json's own, or for
    versions registered before signatures the one its features and classes make. ``document`` is a model.json read
    by ``metadata`` (named ``key`` in errors); a recorded signature of another shape raises RegistryError."""
    recorded = document.get("signature")
    if recorded is None:
        output: dict[str, Any] = {"classes": list(document.get("classes") or [])}
        if isinstance(document.get("target"), str):
            output["target"] = document["target"]
        return {"inputs": [{"name": name, "type": FEATURE_TYPE} for name in document["features"]], "output": output}
    inputs = recorded.get("inputs") if isinstance(recorded, dict) else None
    output = recorded.get("output") if isinstance(recorded, dict) else None
    if not (isinstance(inputs, list) and all(isinstance(i, dict) and isinstance(i.get("name"), str) and isinstance(i.get("type"), str) for i in inputs)):
        raise RegistryError(f"{key}: signature.inputs must be a list of {{name, type}}")
    if not (isinstance(output, dict) and isinstance(output.get("classes"), list)):
        raise RegistryError(f"{key}: signature.output.classes must be a list of class labels")
    return recorded


def load_model(store: ArtifactStore, ref: ArtifactRef, tmp_dir: Optional[str] = None) -> Any:
    """Downloads the model file ``ref`` names (size and sha256 checked: a mismatch raises ArtifactIntegrityError
    and nothing is loaded) and loads it with skops when every type in it is allowed (see ``baton_step.trained``;
    otherwise UntrustedModelError). Returns the fitted scikit-learn Pipeline.
    """
    if not is_artifact_ref(ref):
        raise ValueError("not an artifact reference: expected {uri: s3://bucket/key, sha256, size}")
    with tempfile.TemporaryDirectory(prefix="baton-model-", dir=tmp_dir) as tmp:
        path = store.get_to_file(ref, os.path.join(tmp, "model.skops"))
        return load_trusted_model(path, ref["uri"])


def _check_model_ref(key: str, field: str, ref: Any, name: str, version: str) -> None:
    if not is_artifact_ref(ref):
        raise RegistryError(f"{key}: {field} must be an artifact reference {{uri: s3://bucket/key, sha256, size}}")
    if ref["sha256"][:12] != version:
        raise RegistryError(f"{key}: {field}.sha256 does not start with the version {version} ({VERSION_HINT})")
    if parse_uri(ref["uri"])[1] != model_key(name, version):
        raise RegistryError(f"{key}: {field}.uri must point at {model_key(name, version)}")


def _checked_name(name: str) -> str:
    if not is_model_name(name):
        raise ValueError(f"invalid model name {name!r}: {MODEL_NAME_HINT}")
    return name


def _checked_version(version: str) -> str:
    if not is_version(version):
        raise ValueError(f"invalid model version {version!r}: {VERSION_HINT}")
    return version

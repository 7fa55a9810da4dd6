"""Helpers for Baton step handlers written in Python.

A handler is ``functions/<name>/handler.py`` with ``handle(input, ctx) -> {"output": ..., "metrics": {...}}``;
it imports what it needs from here::

    from baton_step import StepInputError, StepContext

A long step reports with ``ctx.progress(fraction, metrics=..., epoch=...)``, saves state with
``ctx.checkpoint.save_file(path, epoch)`` and resumes from ``ctx.checkpoint.load_file()``.

Steps that use registered models read the registry with ``production(store, name)``,
``model_metadata(store, name, version)`` and ``load_model(store, ref)`` (skops, allow-listed types only).
A handler module that sets ``DIRECT_CALLS = True`` may also be called with ``{"input": ...}`` and no ``run``.
"""

from .artifacts import ArtifactRef, ArtifactStore, is_artifact_ref, parse_uri, run_key
from .context import Checkpoints, RunInfo, StepContext
from .registry import ProductionPointer, RegistryError, is_model_name, load_model, production
from .registry import metadata as model_metadata
from .trained import ALLOWED_UNTRUSTED_TYPES, UntrustedModelError, load_trusted_model
from .errors import (
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    ConfigError,
    ErrorType,
    HandlerContractError,
    Issue,
    SecretNotFoundError,
    StepCancelledError,
    StepInputError,
    StepUnavailableError,
    describe_issues,
)

__all__ = [
    "ALLOWED_UNTRUSTED_TYPES",
    "ArtifactIntegrityError",
    "ArtifactNotFoundError",
    "ArtifactRef",
    "ArtifactStore",
    "Checkpoints",
    "ConfigError",
    "ErrorType",
    "HandlerContractError",
    "Issue",
    "ProductionPointer",
    "RegistryError",
    "RunInfo",
    "SecretNotFoundError",
    "StepCancelledError",
    "StepContext",
    "StepInputError",
    "StepUnavailableError",
    "UntrustedModelError",
    "describe_issues",
    "is_artifact_ref",
    "is_model_name",
    "load_model",
    "load_trusted_model",
    "model_metadata",
    "parse_uri",
    "production",
    "run_key",
]

"""Helpers for Baton step handlers written in Python.

A handler is ``functions/<name>/handler.py`` with ``handle(input, ctx) -> {"output": ..., "metrics": {...}}``;
it imports what it needs from here::

    from baton_step import StepInputError, StepContext

A long step reports with ``ctx.progress(fraction, metrics=..., epoch=...)``, saves state with
``ctx.checkpoint.save_file(path, epoch)`` and resumes from ``ctx.checkpoint.load_file()``.

The ML helpers (datasets, tables, trained models, the model registry) live beside this package in ``baton_ml``.
A handler module that sets ``DIRECT_CALLS = True`` may also be called with ``{"input": ...}`` and no ``run``.
"""

from .artifacts import ArtifactRef, ArtifactStore, is_artifact_ref, parse_uri, run_key
from .context import Checkpoints, RunInfo, StepContext
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
    "ArtifactIntegrityError",
    "ArtifactNotFoundError",
    "ArtifactRef",
    "ArtifactStore",
    "Checkpoints",
    "ConfigError",
    "ErrorType",
    "HandlerContractError",
    "Issue",
    "RunInfo",
    "SecretNotFoundError",
    "StepCancelledError",
    "StepContext",
    "StepInputError",
    "StepUnavailableError",
    "describe_issues",
    "is_artifact_ref",
    "parse_uri",
    "run_key",
]

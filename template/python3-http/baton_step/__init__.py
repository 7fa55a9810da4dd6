"""Helpers for Baton step handlers written in Python.

A handler is ``functions/<name>/handler.py`` with ``handle(input, ctx) -> {"output": ..., "metrics": {...}}``;
it imports what it needs from here::

    from baton_step import StepInputError, StepContext

A long step reports with ``ctx.progress(fraction, metrics=..., epoch=...)``, saves state with
``ctx.checkpoint.save_file(path, epoch)`` and resumes from ``ctx.checkpoint.load_file()``.
"""

from .artifacts import ArtifactRef, ArtifactStore, is_artifact_ref, parse_uri, run_key
from .context import Checkpoints, RunInfo, StepContext
from .errors import (
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    ConfigError,
    HandlerContractError,
    Issue,
    SecretNotFoundError,
    StepCancelledError,
    StepInputError,
)

__all__ = [
    "ArtifactIntegrityError",
    "ArtifactNotFoundError",
    "ArtifactRef",
    "ArtifactStore",
    "Checkpoints",
    "ConfigError",
    "HandlerContractError",
    "Issue",
    "RunInfo",
    "SecretNotFoundError",
    "StepCancelledError",
    "StepContext",
    "StepInputError",
    "is_artifact_ref",
    "parse_uri",
    "run_key",
]

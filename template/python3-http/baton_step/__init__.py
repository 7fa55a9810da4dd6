"""Helpers for Baton step handlers written in Python.

A handler is ``functions/<name>/handler.py`` with ``handle(input, ctx) -> {"output": ..., "metrics": {...}}``;
it imports what it needs from here::

    from baton_step import StepInputError, StepContext
"""

from .artifacts import ArtifactRef, ArtifactStore, is_artifact_ref, parse_uri, run_key
from .context import RunInfo, StepContext
from .errors import (
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    ConfigError,
    HandlerContractError,
    Issue,
    SecretNotFoundError,
    StepInputError,
)

__all__ = [
    "ArtifactIntegrityError",
    "ArtifactNotFoundError",
    "ArtifactRef",
    "ArtifactStore",
    "ConfigError",
    "HandlerContractError",
    "Issue",
    "RunInfo",
    "SecretNotFoundError",
    "StepContext",
    "StepInputError",
    "is_artifact_ref",
    "parse_uri",
    "run_key",
]

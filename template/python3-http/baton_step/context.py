"""What a handler gets besides its input: run info, call id, secrets, artifacts, a logger."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

from .artifacts import ArtifactRef, ArtifactStore, run_key
from .secrets import SecretReader


@dataclass(frozen=True)
class RunInfo:
    """Which run, step and attempt a call belongs to (the envelope's ``run``)."""

    workflow_id: str
    run_id: str
    pipeline: str
    step: str
    attempt: int

    @classmethod
    def from_envelope(cls, run: Mapping[str, Any]) -> "RunInfo":
        """Builds it from the validated envelope's camelCase ``run`` object."""
        return cls(run["workflowId"], run["runId"], run["pipeline"], run["step"], run["attempt"])


class StepContext:
    """The context of one call. ``artifacts`` is the process's shared store, created on first use."""

    def __init__(
        self,
        run: RunInfo,
        call_id: str,
        secrets: SecretReader,
        store_provider: Callable[[], ArtifactStore],
        checkpoint: Optional[ArtifactRef] = None,
        progress_url: Optional[str] = None,
    ) -> None:
        self.run = run
        self.call_id = call_id
        self.checkpoint = checkpoint
        self.progress_url = progress_url
        self._secrets = secrets
        self._store_provider = store_provider

    @property
    def artifacts(self) -> ArtifactStore:
        """The artifact store (S3 settings are checked on first use, errors name the env key)."""
        return self._store_provider()

    def secret(self, name: str) -> str:
        """Reads a secret the function declares in stack.yml; a missing one names the secret and folder."""
        return self._secrets.read(name)

    def run_key(self, name: str) -> str:
        """``runs/<workflowId>/<step>/<name>`` for this call."""
        return run_key(self, name)

    def log(self, *parts: Any) -> None:
        """Writes one line to stderr, prefixed with the call id (never pass secrets here)."""
        message = " ".join(str(part) for part in parts)
        print(f"[{self.call_id}] {self._secrets.redact(message)}", file=sys.stderr, flush=True)

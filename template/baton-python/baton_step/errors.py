"""Errors a handler or the wrapper raises on purpose; each maps to one kind of answer."""

from __future__ import annotations

from typing import Iterable, Sequence, TypedDict, Union


class Issue(TypedDict):
    """One failing field: a dotted path and what is wrong with it."""

    path: str
    message: str


PathLike = Union[str, Sequence[Union[str, int]], None]


def dotted(path: PathLike) -> str:
    """Joins path parts into a dotted path: ("model", "params", "C") -> "model.params.C"."""
    if path is None:
        return ""
    if isinstance(path, str):
        return path
    return ".".join(str(part) for part in path)


def describe_issues(issues: Iterable[Issue], separator: str = "; ", root: str = "") -> str:
    """Issues as one text, ``path: message`` each (``root`` for an empty path); the twin of ``describeIssues`` in
    template/baton-node/step-contract.ts."""
    return separator.join(f"{issue['path'] or root}: {issue['message']}" for issue in issues)


class ErrorType:
    """The ``error.type`` a wrapper answers with: the same names as the TypeScript wrapper's ``StepErrorType``
    (template/baton-node/failure-types.ts), held equal by a test against ``x-baton-error-types`` in
    step_contract.schema.json. Use these, never the strings."""

    INVALID_ENVELOPE = "InvalidEnvelope"
    UNAUTHORIZED = "Unauthorized"
    FORBIDDEN = "Forbidden"
    METHOD_NOT_ALLOWED = "MethodNotAllowed"
    CANCELLED = "Cancelled"
    PAYLOAD_TOO_LARGE = "PayloadTooLarge"
    INVALID_INPUT = "InvalidInput"
    UNAVAILABLE = "Unavailable"
    KEY_CHECK_FAILED = "KeyCheckFailed"
    WRAPPER_ERROR = "WrapperError"
    STORAGE_FULL = "StorageFull"


class StepInputError(Exception):
    """The handler's input cannot be processed: answered 422 and never retried.

    Paths are relative to the input (``dataset``, ``model.params.C``); the wrapper puts them
    under ``input.``. Give either one ``path`` or a list of ``issues`` (``{path, message}``).
    """

    def __init__(
        self,
        message: str,
        path: PathLike = None,
        issues: Iterable[Issue] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if issues is not None:
            self.issues: list[Issue] = [
                {"path": dotted(issue["path"]), "message": issue["message"]} for issue in issues
            ]
        else:
            self.issues = [{"path": dotted(path), "message": message}]


class StepUnavailableError(Exception):
    """Something the handler depends on is unavailable for now (a database, a remote service): answered 503 with
    ``{error: {message, type: "Unavailable"}}`` and, when ``retry_after_seconds`` is given, ``Retry-After``; the
    orchestrator retries the attempt with backoff. The TypeScript wrapper's ``StepUnavailableError`` twin."""

    def __init__(self, message: str, retry_after_seconds: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if retry_after_seconds is not None and (isinstance(retry_after_seconds, bool) or not isinstance(retry_after_seconds, int) or retry_after_seconds < 0):
            raise ValueError(f"retry_after_seconds must be a whole number of seconds >= 0, got {retry_after_seconds!r}")
        self.retry_after_seconds = retry_after_seconds


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the environment key."""


class SecretNotFoundError(Exception):
    """A secret file is missing; the message names the secret and the folder, never a value."""


class ArtifactIntegrityError(Exception):
    """A downloaded artifact does not match its reference (size or sha256); names the uri."""


class ArtifactNotFoundError(Exception):
    """No object at an artifact's uri."""


class StepCancelledError(Exception):
    """The orchestrator wants this attempt to stop (it asked to cancel, or answered 409: the attempt is
    stale). Raised by ``ctx.progress`` and ``ctx.checkpoint.save_*``; the wrapper answers 409
    ``{error: {message, type: "Cancelled"}}``. Let it propagate: catching it keeps a cancelled run busy."""


class HandlerContractError(Exception):
    """The handler returned something that is not ``{"output": ..., "metrics"?: {...}}``."""


def raise_if_issues(issues: list[Issue], step: str) -> None:
    """One StepInputError listing every problem, when there is any (for checks a step's schema cannot express)."""
    if issues:
        raise StepInputError(f"invalid {step} input: {describe_issues(issues, root='input')}", issues=issues)

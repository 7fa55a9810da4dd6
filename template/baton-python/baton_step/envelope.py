"""Checks a request body against the step contract's JSON Schema (``$defs.stepRequest``), and completes the body
of a direct call (a person calling a ``DIRECT_CALLS`` function with ``{"input": ...}`` and no ``run``)."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from .errors import Issue

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "step_contract.schema.json")
# What a direct call's run says: no workflow, no pipeline; the call id names the run.
DIRECT_WORKFLOW_ID = "direct"
DIRECT_PIPELINE = "direct"
# Long-step fields: a person's call has no orchestrator to report progress to or a checkpoint from (and must not
# make the function POST to a URL of the caller's choosing).
_PIPELINE_ONLY = ("progressUrl", "checkpoint")
_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null", int: "integer", float: "number"}


def _is_url(value: object) -> bool:
    # Mirrors zod's .url(): an absolute URL with a scheme (jsonschema skips "uri" without rfc3987).
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


def load_validator(schema_path: str = SCHEMA_PATH, definition: str = "stepRequest") -> Draft202012Validator:
    """A validator for one ``$defs`` entry of the generated contract schema."""
    with open(schema_path, encoding="utf-8") as file:
        schema = json.load(file)
    root = {**schema, "$ref": f"#/$defs/{definition}"}
    checker = FormatChecker(formats=())
    checker.checks("uri")(_is_url)
    return Draft202012Validator(root, format_checker=checker)


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _path(parts: list) -> str:
    return ".".join(str(part) for part in parts) or "(root)"


def _branch_errors(error: ValidationError) -> list[ValidationError] | None:
    """For a oneOf/anyOf miss (a zod union): the errors of the one branch whose discriminator (a ``const``) matched,
    or None when no single branch did."""
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(sub.schema_path[0], []).append(sub)
    matched = [errors for errors in branches.values() if not any(sub.validator == "const" for sub in errors)]
    return matched[0] if len(matched) == 1 and len(branches) == len(error.validator_value) else None


def _discriminator_issue(error: ValidationError, base: list) -> list[Issue] | None:
    """When every branch failed on the same ``const`` field: that field, naming the accepted values."""
    consts = [sub for sub in error.context or [] if sub.validator == "const"]
    paths = {tuple(sub.absolute_path) for sub in consts}
    if len(paths) != 1 or len(consts) != len(error.validator_value):
        return None
    accepted = ", ".join(json.dumps(sub.validator_value) for sub in consts)
    return [{"path": _path(list(consts[0].absolute_path)), "message": f"must be one of {accepted}"}]


def _issues_of(error: ValidationError) -> list[Issue]:
    base = list(error.absolute_path)
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind in ("oneOf", "anyOf"):
        branch = _branch_errors(error)
        if branch is not None:
            return [issue for sub in branch for issue in _issues_of(sub)]
        return _discriminator_issue(error, base) or [{"path": _path(base), "message": "matches none of the accepted shapes"}]
    # Point at the field itself (run.attempt), as zod does, not at the object holding it.
    if kind == "required":
        return [{"path": _path(base + [name]), "message": "required"} for name in expected if name not in instance]
    if kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        return [{"path": _path(base + [name]), "message": "unrecognized key"} for name in instance if name not in known]
    messages = {
        "type": f"expected {expected}, got {_json_type(instance)}",
        "minimum": f"must be >= {expected}",
        "maximum": f"must be <= {expected}",
        "exclusiveMinimum": f"must be > {expected}",
        "exclusiveMaximum": f"must be < {expected}",
        "minItems": "must be a non-empty list" if expected == 1 else f"must have at least {expected} items",
        "maxItems": f"at most {expected} items, got {len(instance) if isinstance(instance, list) else '?'}",
        "enum": "must be one of " + ", ".join(json.dumps(value) for value in expected) if isinstance(expected, list) else "not allowed",
        "const": f"must be {json.dumps(expected)}",
        "minLength": "must not be empty" if expected == 1 else f"must have at least {expected} characters",
        "pattern": f"must match {expected}",
        "format": f"must be a {expected}",
    }
    # Messages never echo the value: the envelope may carry anything.
    return [{"path": _path(base), "message": messages.get(kind, error.message[:200])}]


def envelope_issues(validator: Draft202012Validator, body: Any) -> list[Issue]:
    """All problems of a request body as ``{path, message}`` with dotted paths; empty when valid."""
    issues: list[Issue] = []
    for error in sorted(validator.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path]):
        # One "required" error per missing key, each listing all of them: keep each issue once.
        issues.extend(issue for issue in _issues_of(error) if issue not in issues)
    return issues


def direct_call_envelope(body: dict[str, Any], call_id: str, function_name: str) -> tuple[dict[str, Any], list[Issue]]:
    """The envelope of a direct call: ``body`` with the run filled in (workflowId and pipeline "direct", runId = the
    call id, step = the function's name, attempt 1), and the issues of fields only a pipeline call may carry.

    The result still goes through ``envelope_issues``: everything else about the body stays checked.
    """
    run = {"workflowId": DIRECT_WORKFLOW_ID, "runId": call_id, "pipeline": DIRECT_PIPELINE, "step": function_name, "attempt": 1}
    issues: list[Issue] = [
        {"path": key, "message": "only a pipeline call (with run) may carry it"} for key in _PIPELINE_ONLY if key in body
    ]
    return {**body, "run": run}, issues

"""The step's input schema, generated from its zod declaration into ``<handler folder>/step.schema.json`` by
``npm run gen:contract``: the wrapper checks every input against it and fills in its defaults before the handler
runs, so a handler reads an already-checked dict (``input["split"]["testSize"]`` is there, 0.2 unless given)."""

from __future__ import annotations

import copy
import json
import os
from typing import Any, Optional

from jsonschema import Draft202012Validator

from .envelope import envelope_issues
from .errors import ConfigError, StepInputError, describe_issues

STEP_SCHEMA_FILE = "step.schema.json"
# Past this many bad values the caller has enough to go on (10 000 bad rows would make a megabyte of issues).
MAX_ISSUES = 20


class StepInputSchema:
    """A step's input schema: ``apply(input)`` returns the input with defaults filled in, or raises StepInputError
    with every problem as ``{path, message}`` (dotted paths relative to the input, e.g. ``split.testSize``)."""

    def __init__(self, document: dict[str, Any], source: str = STEP_SCHEMA_FILE) -> None:
        schema = document.get("input")
        if not isinstance(schema, dict):
            raise ConfigError(f"{source} has no input schema: run `npm run gen:contract`")
        self.step = str(document.get("step") or "step")
        self.schema = schema
        self.validator = Draft202012Validator({"$schema": document.get("$schema"), **schema})

    def apply(self, value: Any) -> Any:
        """The checked input with defaults; StepInputError naming every bad field."""
        issues = [{**issue, "path": "" if issue["path"] == "(root)" else issue["path"]} for issue in envelope_issues(self.validator, value)]
        if issues:
            more = f" (and {len(issues) - MAX_ISSUES} more)" if len(issues) > MAX_ISSUES else ""
            summary = describe_issues(issues[:3], root="input")
            raise StepInputError(f"invalid {self.step} input: {summary}{more}", issues=issues[:MAX_ISSUES])
        return _with_defaults(self.validator, self.schema, copy.deepcopy(value))


def _with_defaults(validator: Draft202012Validator, schema: dict[str, Any], value: Any) -> Any:
    """``value`` (already valid) with every absent property that has a default set, at every depth, and whole numbers
    where the schema says integer (JSON's 20.0 is zod's integer 20). In a union only the branch the value matches is
    followed, so another branch's defaults never leak in."""
    if schema.get("type") == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            if name not in value and "default" in sub:
                value[name] = copy.deepcopy(sub["default"])
            if name in value:
                value[name] = _with_defaults(validator, sub, value[name])
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for name in set(value) - set(schema.get("properties", {})):
                value[name] = _with_defaults(validator, extra, value[name])
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        value = [_with_defaults(validator, schema["items"], item) for item in value]
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key, []):
            if validator.evolve(schema=branch).is_valid(value):
                value = _with_defaults(validator, branch, value)
                break
    for branch in schema.get("allOf", []):
        value = _with_defaults(validator, branch, value)
    return value


def load_step_schema(handler_dir: str) -> Optional[StepInputSchema]:
    """The schema beside a handler, or None when the folder holds none (the wrapper then refuses to start)."""
    path = os.path.join(handler_dir, STEP_SCHEMA_FILE)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as file:
        return StepInputSchema(json.load(file), path)

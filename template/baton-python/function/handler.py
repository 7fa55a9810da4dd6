"""A new Baton step (the starter `npx baton new step` copies): replace the greeting with the step's work.

Its input and output are declared once, in zod, in workflows/steps/<name>.ts: keep the two in step. The wrapper
(template/baton-python) checks the signed call and gives the handler its input and a context; large data goes by
reference, stored with ``ctx.artifacts`` (``put_file``/``put_json`` answer ``{uri, sha256, size}``).
"""

from __future__ import annotations

from typing import Any

from baton_step import StepContext, StepInputError


def handle(input: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    """Greets ``input["name"]``; returns ``{"output": ..., "metrics": ...}`` (metrics: numbers only)."""
    name = input["name"]  # the wrapper has checked the input against the step's schema and filled in its defaults
    if not name.strip():
        # Bad input is the caller's mistake: 422, naming the field, and the run does not retry it.
        raise StepInputError("name must not be blank", path="name")
    ctx.log(f"greeting {name} in run {ctx.run.workflow_id}")
    greeting = f"Hello, {name}!"
    return {"output": {"greeting": greeting}, "metrics": {"characters": len(greeting)}}

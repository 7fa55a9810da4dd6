"""Validation findings: one issue per check and column, and the words that describe them."""

from __future__ import annotations

from typing import Any, Optional

ERROR = "error"  # the data does not match what it declares (schema, types, missing labels)
WARNING = "warning"  # a statistical anomaly (missing values, size or row-count change, outliers)

# Which input field a failing check points at (under ``input.``, as the wrapper reports paths).
_FIELD_OF_CHECK = {"schema": "dataset.schema", "previousVersion": "dataset.previousVersion"}
MAX_FAILURE_ISSUES = 20  # issues listed in a 422 body; the report holds all of them
MAX_LISTED_IN_MESSAGE = 3
MAX_FAILURE_MESSAGE_CHARS = 420  # the orchestrator keeps 500 characters of a function's error


def issue(check: str, severity: str, message: str, column: Optional[str] = None,
          value: Any = None, limit: Any = None) -> dict[str, Any]:
    """One finding: ``{check, column?, severity, message, value?, limit?}`` (absent keys left out)."""
    found: dict[str, Any] = {"check": check, "severity": severity, "message": message}
    if column is not None:
        found["column"] = column
    if value is not None:
        found["value"] = _rounded(value)
    if limit is not None:
        found["limit"] = _rounded(limit)
    return found


def _rounded(value: Any) -> Any:
    return float(f"{value:.6g}") if isinstance(value, float) else value


def percent(fraction: float) -> str:
    """0.0237 -> "2.4%", 0.00527 -> "0.53%", 0 -> "0%", 1.5 -> "150%"."""
    value = fraction * 100
    if value == 0 or value >= 10:
        return f"{value:.0f}%"
    if value >= 1:
        return f"{value:.1f}%"
    return f"{value:.2g}%"


def number(value: float) -> str:
    """A measured value in a message: 4 significant digits, no trailing zeros."""
    return f"{value:.4g}"


def failure_message(dataset: str, issues: list[dict[str, Any]], report_uri: str) -> str:
    """``dataset "x" version v failed validation: <first issues>; and N more (report s3://...)``.

    The first three issues, fewer when they would not fit the orchestrator's 500-character error detail
    (at least one), so a run's error says which column failed and why.
    """
    head = f"{dataset} failed validation: "
    tail = f" (report {report_uri})"
    shown = min(len(issues), MAX_LISTED_IN_MESSAGE)
    while True:
        listed = "; ".join(i["message"] for i in issues[:shown])
        more = f"; and {len(issues) - shown} more" if shown < len(issues) else ""
        message = head + listed + more + tail
        if len(message) <= MAX_FAILURE_MESSAGE_CHARS or shown == 1:
            return message
        shown -= 1


def failure_issues(issues: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The StepInputError issues (``{path, message}``) for a failed validation: the field each check points at."""
    return [
        {"path": _FIELD_OF_CHECK.get(i["check"], "dataset.data"), "message": i["message"]}
        for i in issues[:MAX_FAILURE_ISSUES]
    ]

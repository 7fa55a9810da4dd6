"""Signed step calls: the Python side of template/baton-node/step-signature.ts (docs/contracts.md, "The step signature").

The orchestrator signs every envelope with the called function's own key (the secret ``baton-step-key-<function>``,
derived from its ``baton-signing-key``); the wrapper checks the signature before the handler runs. The other way
round, the wrapper signs its answers and progress reports with the same key: they reach the orchestrator through
channels it did not open (the gateway's queue, which copies the response headers onto the callback), and no bearer
token has to travel.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import time
from datetime import datetime, timezone
from typing import Any, Mapping, Optional

from .errors import ConfigError, SecretNotFoundError
from .secrets import SecretReader

SIGNATURE_HEADER = "X-Baton-Signature"
STEP_KEY_PREFIX = "baton-step-key-"
MIN_KEY_LENGTH = 32
_HEADER = re.compile(r"^v1,exp=(\d{1,12}),sig=([A-Za-z0-9_-]{43})$")


def signed_text(fn: str, run: Mapping[str, Any], expires: int, body: bytes, kind: str = "step",
                status: Optional[int] = None) -> bytes:
    """The signed text, field for field as the TypeScript side builds it. ``kind``: ``step`` (the orchestrator's
    call), ``answer`` (the function's response, also covering its ``status``) or ``progress`` (a progress report)."""
    # .get: tests sign malformed runs too (the wrapper checks the envelope first).
    fields = [f"baton-{kind}-v1", fn, str(run.get("workflowId")), str(run.get("runId")), str(run.get("step")), str(run.get("attempt"))]
    if kind == "answer":
        fields.append(str(status))
    fields += [str(expires), hashlib.sha256(body).hexdigest()]
    return "\n".join(fields).encode("utf-8")


def _mac(key: str, text: bytes) -> str:
    digest = hmac.new(key.encode("utf-8"), text, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign(fn: str, run: Mapping[str, Any], expires: int, body: bytes, key: str, kind: str = "step",
         status: Optional[int] = None) -> str:
    """The signature header's value for ``body``: a call to ``fn`` (tests sign with it, as the orchestrator does),
    or ``fn``'s own answer (``kind="answer"`` with its ``status``) or progress report (``kind="progress"``)."""
    return f"v1,exp={expires},sig={_mac(key, signed_text(fn, run, expires, body, kind, status))}"


def reply_signature_problem(header: Optional[str], fn: str, run: Mapping[str, Any], body: bytes, key: str, kind: str,
                            status: Optional[int] = None, now: Optional[float] = None) -> Optional[str]:
    """Why ``fn``'s signature of its answer or progress report does not hold, or None (what the orchestrator checks)."""
    match = _HEADER.match((header or "").strip())
    if not match:
        return f"missing or malformed {SIGNATURE_HEADER} header"
    expires = int(match.group(1))
    if expires < (time.time() if now is None else now):
        return f"{SIGNATURE_HEADER} expired"
    expected = _mac(key, signed_text(fn, run, expires, body, kind, status))
    if not hmac.compare_digest(expected.encode("ascii"), match.group(2).encode("ascii")):
        return f"{SIGNATURE_HEADER} does not match"
    return None


def signature_problem(header: Optional[str], fn: str, run: Mapping[str, Any], body: bytes, key: str,
                      now: Optional[float] = None) -> Optional[str]:
    """Why the signature does not hold (missing, malformed, expired, another function's, altered), or None."""
    if not header:
        return f"missing {SIGNATURE_HEADER} header: only the orchestrator may call this step"
    match = _HEADER.match(header.strip())
    if not match:
        return f"malformed {SIGNATURE_HEADER} header: expected v1,exp=<unix seconds>,sig=<base64url>"
    expires = int(match.group(1))
    if expires < (time.time() if now is None else now):
        when = datetime.fromtimestamp(expires, timezone.utc).isoformat().replace("+00:00", "Z")
        return f"{SIGNATURE_HEADER} expired at {when}"
    expected = _mac(key, signed_text(fn, run, expires, body))
    if not hmac.compare_digest(expected.encode("ascii"), match.group(2).encode("ascii")):
        return f"{SIGNATURE_HEADER} does not match: the call was not signed for {fn}, or its body or run was altered"
    return None


def read_step_key(secrets: SecretReader, function_name: Optional[str]) -> tuple[str, str]:
    """This function's name and step key. OpenFaaS does not tell a function its name: without ``BATON_FUNCTION``
    the one ``baton-step-key-*`` secret mounted names it. Raises ConfigError naming the secret."""
    name = function_name
    if not name:
        try:
            found = [f for f in os.listdir(secrets.directory) if f.startswith(STEP_KEY_PREFIX)]
        except OSError:
            found = []
        if len(found) != 1:
            state = "is ambiguous: several are mounted" if found else "is missing"
            raise ConfigError(f'secret "{STEP_KEY_PREFIX}<function>" {state} in {secrets.directory}: declare the '
                              'function\'s own step key under its "secrets" in stack.yml (or set BATON_FUNCTION)')
        name = found[0][len(STEP_KEY_PREFIX):]
    secret = STEP_KEY_PREFIX + name
    try:
        key = secrets.read(secret).strip()
    except SecretNotFoundError as error:
        raise ConfigError(str(error)) from None
    if len(key) < MIN_KEY_LENGTH:
        raise ConfigError(f'secret "{secret}" is too short: it needs at least {MIN_KEY_LENGTH} characters '
                          "(e.g. openssl rand -hex 32)")
    return name, key

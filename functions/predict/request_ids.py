"""Request ids: the key that joins a logged prediction with the feedback on it.

A caller may name its request with ``X-Request-Id`` (its own trace or order id); one that is missing or not a safe
token (at most 128 characters of letters, digits and ``._:-``; it goes into log lines and JSON) is replaced by a
fresh uuid4. The answer carries the id in its body (``requestId``) and in the ``X-Request-Id`` header.
"""

from __future__ import annotations

import re
import uuid
from typing import Mapping, Optional

REQUEST_ID_HEADER = "X-Request-Id"
MAX_REQUEST_ID_CHARS = 128
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,%d}" % (MAX_REQUEST_ID_CHARS - 1))


def valid_request_id(value: object) -> bool:
    """Whether ``value`` is a request id Baton keeps as given."""
    return isinstance(value, str) and _SAFE_ID.fullmatch(value) is not None


def request_id_of(headers: Mapping[str, str]) -> str:
    """The caller's ``X-Request-Id`` when it is valid, else a new uuid4."""
    given: Optional[str] = headers.get(REQUEST_ID_HEADER)
    return given if valid_request_id(given) else str(uuid.uuid4())

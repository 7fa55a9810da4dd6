"""Who may call a function directly: the Baton API keys people send to a ``DIRECT_CALLS`` function (predict).

Keys are the trigger API's own (``baton_<12 hex id>_<43 base64url secret>``, functions/baton/auth/api-key.ts). The
orchestrator stores each one as the SHA-256 of its secret in the artifact bucket's ``system/api-keys.json``; this
module reads that one document (the function's storage rights must include ``read:system/api-keys.json``) through a
5 s cache, as every orchestrator replica does, so a revoked key stops working here within 5 s too. A key id the cached
copy does not know makes it read the list again once that copy is 1 s old: a key just made works at once.

Accepted: issued, unrevoked keys whose roles grant ``viewer`` (every role does). Not accepted: the bootstrap admin
key (a function never holds the secret ``baton-admin-key``) and OpenID Connect tokens. Keys are never logged: a
caller's key is named by its id only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from .artifacts import ArtifactStore

API_KEYS_DOCUMENT = "system/api-keys.json"
# The orchestrator's DEFAULT_KEY_CACHE_MS: the longest a revoked key still works after its revocation.
DEFAULT_CACHE_SECONDS = 5.0
# An unknown key id re-reads the list at most this often: a key made a moment ago works at once, and a flood of
# made-up keys costs one storage read a second per replica.
UNKNOWN_KEY_REFRESH_SECONDS = 1.0
# As the trigger API: a JWT with many claims fits, a megabyte of garbage is not looked at.
MAX_CREDENTIAL_LENGTH = 8192
_KEY = re.compile(r"^baton_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_BEARER = re.compile(r"^Bearer\s+(\S+)\s*$", re.IGNORECASE)
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
# Mirrors functions/baton/auth/roles.ts: what each role includes besides itself.
_INCLUDES: dict[str, tuple[str, ...]] = {
    "viewer": (),
    "trigger": ("viewer",),
    "approver": ("viewer",),
    "admin": ("viewer", "trigger", "approver"),
}
ROLES = tuple(_INCLUDES)

HOW_TO_GET_A_KEY = (
    "send an API key with role viewer (or better) as \"Authorization: Bearer baton_...\"; an admin makes one with "
    "`baton keys create --name <you> --roles viewer` (the bootstrap admin key is for the trigger API only)"
)


class KeyCheckError(Exception):
    """The key list could not be read or makes no sense: no call can be authenticated until it is fixed."""


@dataclass(frozen=True)
class KeyHolder:
    """Who sent an accepted key: the key's id, its name and its known roles (never the key itself)."""

    id: str
    name: str
    roles: tuple[str, ...]

    def may(self, required: str) -> bool:
        """Whether the key's roles grant ``required`` (a role grants itself and the roles it includes)."""
        return any(role == required or required in _INCLUDES[role] for role in self.roles)


def bearer(authorization: Optional[str]) -> Optional[str]:
    """The credential of ``Authorization: Bearer <credential>``; None when absent, another scheme or oversized."""
    match = _BEARER.match(authorization or "")
    value = match.group(1) if match else None
    return value if value and len(value) <= MAX_CREDENTIAL_LENGTH else None


def parse_api_key(value: str) -> Optional[tuple[str, str]]:
    """The (id, secret) of a well-formed key; None for anything else."""
    match = _KEY.match(value)
    return (match.group(1), match.group(2)) if match else None


class ApiKeyChecker:
    """Checks presented keys against the stored list, re-read at most every ``cache_seconds``."""

    def __init__(
        self,
        store_provider: Callable[[], ArtifactStore],
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store_provider = store_provider
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cached: Optional[tuple[float, dict[str, dict[str, Any]]]] = None
        self._lock = threading.Lock()

    def holder(self, key: str) -> Optional[KeyHolder]:
        """The holder of a valid, unrevoked key; None for a malformed, unknown, revoked or wrong one (which of
        these is not said: the answer gives a guesser nothing). Raises KeyCheckError when the list is unreadable."""
        parsed = parse_api_key(key)
        if parsed is None:
            return None
        key_id, secret = parsed
        record = self._records(UNKNOWN_KEY_REFRESH_SECONDS if key_id not in self._known() else self._cache_seconds).get(key_id)
        if record is None or record.get("revokedAt"):
            return None
        given = hashlib.sha256(secret.encode("ascii")).hexdigest()
        if not hmac.compare_digest(given, record["secretSha256"]):
            return None
        roles = tuple(role for role in record.get("roles", ()) if role in _INCLUDES)
        return KeyHolder(id=key_id, name=str(record.get("name", "")), roles=roles)

    def _known(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return self._cached[1] if self._cached is not None else {}

    def _records(self, max_age: float) -> dict[str, dict[str, Any]]:
        with self._lock:
            now = self._clock()
            if self._cached is not None and now - self._cached[0] < min(max_age, self._cache_seconds):
                return self._cached[1]
            # A failed read is not cached, and no older copy is used: a revoked key must not outlive the cache.
            records = _records_of(self._read())
            self._cached = (now, records)
            return records

    def _read(self) -> Any:
        try:
            return self._store_provider().read_json(API_KEYS_DOCUMENT)
        except Exception as error:  # noqa: BLE001 - any storage or settings failure: the keys cannot be checked
            raise KeyCheckError(
                f"cannot read {API_KEYS_DOCUMENT} to check API keys ({type(error).__name__}); the function's storage "
                f"rights (stack.yml annotation com.baton.storage) must include read:{API_KEYS_DOCUMENT}"
            ) from error


def _records_of(document: Any) -> dict[str, dict[str, Any]]:
    """The usable entries by id. No document yet means no key was issued. An entry without an id, a string name
    or a SHA-256 is skipped (its key is unknown here); unknown roles are dropped when the key is used."""
    if document is None:
        return {}
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise KeyCheckError(f'{API_KEYS_DOCUMENT} is not {{"keys": [...]}}: the orchestrator writes it; restore it from a backup')
    records: dict[str, dict[str, Any]] = {}
    for entry in keys:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        if not isinstance(entry.get("secretSha256"), str) or not _SHA256_HEX.match(entry["secretSha256"]):
            continue
        roles = entry.get("roles")
        records[entry["id"]] = {**entry, "roles": [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []}
    return records

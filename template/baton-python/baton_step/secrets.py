"""Reads the function's secrets: one file per secret, as OpenFaaS mounts them."""

from __future__ import annotations

import os
import re
import threading

from .errors import SecretNotFoundError

DEFAULT_SECRETS_DIR = "/var/openfaas/secrets"
SECRETS_DIR_ENV = "BATON_SECRETS_DIR"

# A secret name is a file name, never a path: no way to read outside the folder.
_SECRET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class SecretReader:
    """Reads secrets from one folder and remembers the values it handed out.

    The remembered values let the wrapper scrub them from error messages and logs
    (defence in depth: no code path should put them there in the first place).
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def read(self, name: str) -> str:
        """Returns the secret ``name`` with its trailing newline trimmed."""
        if not _SECRET_NAME.match(name):
            raise SecretNotFoundError(f'invalid secret name "{name}": expected a plain file name')
        path = os.path.join(self.directory, name)
        try:
            with open(path, encoding="utf-8") as file:
                value = file.read()
        except OSError:
            raise SecretNotFoundError(
                f'secret "{name}" is missing: expected a file {path} '
                f"(folder from {SECRETS_DIR_ENV}; declare the secret under the function's "
                '"secrets" in stack.yml)'
            ) from None
        value = value[:-2] if value.endswith("\r\n") else value.removesuffix("\n")
        if not value.strip():
            raise SecretNotFoundError(f'secret "{name}" ({path}) is empty: give it a value')
        if value:
            with self._lock:
                self._seen.add(value)
        return value

    def redact(self, text: str) -> str:
        """Replaces every secret value read so far with ``***``."""
        with self._lock:
            values = sorted(self._seen, key=len, reverse=True)
        for value in values:
            text = text.replace(value, "***")
        return text


S3_ACCESS_KEY = "s3-access-key"
S3_SECRET_KEY = "s3-secret-key"


def read_s3_credentials(secrets: SecretReader) -> tuple[str, str]:
    """The function's S3 access and secret key: its own pair ``s3-access-key-<function>`` + ``s3-secret-key-<function>``
    (the one ``s3-access-key-*`` secret mounted names it: OpenFaaS does not tell a function its name), else the shared
    pair ``s3-access-key`` + ``s3-secret-key``. Errors name the secrets, never a value."""
    try:
        own = sorted(f for f in os.listdir(secrets.directory) if f.startswith(S3_ACCESS_KEY + "-"))
    except OSError:
        own = []
    if len(own) > 1:
        raise SecretNotFoundError(
            f'secret "{S3_ACCESS_KEY}-<function>" is ambiguous in {secrets.directory}: {", ".join(own)} are mounted; '
            "a function declares only its own S3 credentials in stack.yml"
        )
    suffix = own[0][len(S3_ACCESS_KEY):] if own else ""
    return secrets.read(S3_ACCESS_KEY + suffix), secrets.read(S3_SECRET_KEY + suffix)

"""The wrapper's settings: a pure function of an environment mapping; errors name the key."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

from .errors import ConfigError
from .secrets import DEFAULT_SECRETS_DIR, SECRETS_DIR_ENV

# Named defaults, with the reason for each.
DEFAULT_HTTP_PORT = 5000  # of-watchdog's upstream_url in the image points here
DEFAULT_THREADS = 4  # waitress's own default; the watchdog's max_inflight caps it when set
DEFAULT_HANDLER_DIR = "./function"  # where faas-cli puts the handler inside the image
DEFAULT_S3_REGION = "us-east-1"  # MinIO's default region; any value works against MinIO
DEFAULT_BUCKET = "baton-artifacts"  # as in deploy/env/artifacts.yml and the baton-node template
# Keep-alive period of progress reports: well under the activity's heartbeat timeout (30 s), so one lost
# report never makes a live step look dead. Same default in the baton-node template.
DEFAULT_PROGRESS_INTERVAL = 5.0
PROGRESS_INTERVAL_ENV = "BATON_PROGRESS_INTERVAL"
MAX_PROGRESS_INTERVAL = 3600.0


def _int_setting(env: Mapping[str, str], key: str, default: int, low: int, high: int) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f'{key} must be an integer between {low} and {high}, got "{raw}"') from None
    if not low <= value <= high:
        raise ConfigError(f"{key} must be between {low} and {high}, got {value}")
    return value


def progress_interval_from_env(env: Mapping[str, str]) -> float:
    """``BATON_PROGRESS_INTERVAL``: seconds between keep-alive progress reports (default 5)."""
    raw = env.get(PROGRESS_INTERVAL_ENV, "").strip()
    if not raw:
        return DEFAULT_PROGRESS_INTERVAL
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f'{PROGRESS_INTERVAL_ENV} must be a number of seconds, got "{raw}"') from None
    if not (math.isfinite(value) and 0 < value <= MAX_PROGRESS_INTERVAL):
        raise ConfigError(f"{PROGRESS_INTERVAL_ENV} must be > 0 and <= {MAX_PROGRESS_INTERVAL:g} seconds, got {raw}")
    return value


@dataclass(frozen=True)
class WrapperConfig:
    """How the wrapper listens and where it finds the handler and secrets."""

    http_port: int
    threads: int
    handler_dir: str
    secrets_dir: str
    function_name: str
    progress_interval: float = DEFAULT_PROGRESS_INTERVAL

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "WrapperConfig":
        """Reads ``http_port``, ``BATON_THREADS`` (else ``max_inflight``), ``BATON_HANDLER_DIR``,
        ``BATON_SECRETS_DIR``, ``BATON_FUNCTION`` and ``BATON_PROGRESS_INTERVAL``."""
        # More threads than the watchdog lets requests through would only sit idle.
        inflight = _int_setting(env, "max_inflight", DEFAULT_THREADS, 1, 1024)
        return cls(
            http_port=_int_setting(env, "http_port", DEFAULT_HTTP_PORT, 1, 65535),
            threads=_int_setting(env, "BATON_THREADS", inflight, 1, 256),
            handler_dir=os.path.abspath(env.get("BATON_HANDLER_DIR") or DEFAULT_HANDLER_DIR),
            secrets_dir=env.get(SECRETS_DIR_ENV) or DEFAULT_SECRETS_DIR,
            function_name=env.get("BATON_FUNCTION") or "function",
            progress_interval=progress_interval_from_env(env),
        )


@dataclass(frozen=True)
class ArtifactSettings:
    """Where artifacts live: ``S3_ENDPOINT`` (URL), ``S3_REGION``, ``BATON_ARTIFACT_BUCKET``."""

    host: str  # host[:port], as the minio client wants it
    secure: bool
    region: str
    bucket: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "ArtifactSettings":
        """Parses the S3 settings; raises ConfigError naming the key when one is missing or malformed."""
        endpoint = (env.get("S3_ENDPOINT") or "").strip()
        if not endpoint:
            raise ConfigError("S3_ENDPOINT is not set: give the S3 endpoint URL, e.g. http://127.0.0.1:9000")
        url = urlsplit(endpoint)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(f'S3_ENDPOINT must be an http(s) URL like http://127.0.0.1:9000, got "{endpoint}"')
        if url.path not in ("", "/") or url.query or url.username:
            raise ConfigError(f'S3_ENDPOINT must be scheme://host[:port] only (no path, query or user), got "{endpoint}"')
        bucket = (env.get("BATON_ARTIFACT_BUCKET") or "").strip() or DEFAULT_BUCKET
        return cls(
            host=url.netloc,
            secure=url.scheme == "https",
            region=(env.get("S3_REGION") or "").strip() or DEFAULT_S3_REGION,
            bucket=bucket,
        )

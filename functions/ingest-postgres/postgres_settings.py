"""Where the external PostgreSQL database is: a pure function of the environment; errors name the key.

The password is not here: it is the secret ``postgres-password`` (``ctx.secret``), never an environment value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from baton_step import ConfigError

DEFAULT_PORT = 5432  # PostgreSQL's own default, as libpq assumes when PGPORT is unset
PASSWORD_SECRET = "postgres-password"


@dataclass(frozen=True)
class PostgresSettings:
    """Host, port, database and user of the database the function reads from."""

    host: str
    port: int
    database: str
    user: str

    @property
    def address(self) -> str:
        """``host:port``, for messages (a bracketed host when it is an IPv6 address)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def _required(env: Mapping[str, str], key: str, what: str) -> str:
    value = env.get(key, "").strip()
    if not value:
        raise ConfigError(f"{key} is not set: the {what} of the PostgreSQL database ingest-postgres reads from")
    return value


def settings_from_env(env: Mapping[str, str]) -> PostgresSettings:
    """``PGHOST``, ``PGPORT`` (default 5432), ``PGDATABASE``, ``PGUSER`` (libpq's names for the same things)."""
    raw_port = env.get("PGPORT", "").strip()
    if not raw_port:
        port = DEFAULT_PORT
    else:
        try:
            port = int(raw_port)
        except ValueError:
            raise ConfigError(f'PGPORT must be a port number between 1 and 65535, got "{raw_port}"') from None
        if not 1 <= port <= 65535:
            raise ConfigError(f"PGPORT must be between 1 and 65535, got {port}")
    return PostgresSettings(
        host=_required(env, "PGHOST", "host name or address"),
        port=port,
        database=_required(env, "PGDATABASE", "database name"),
        user=_required(env, "PGUSER", "user name"),
    )

"""Where the external PostgreSQL database is: a pure function of the environment; errors name the key.

The password is not here: it is the secret ``postgres-password`` (``ctx.secret``), never an environment value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
    # (schema, table) pairs the function may read; table "*" allows every table of that schema. Empty: none.
    allowed_tables: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def allows(self, schema: str, table: str) -> bool:
        """Whether ``schema.table`` is on ``PG_ALLOWED_TABLES`` (names compare exactly, as quoted identifiers do)."""
        return (schema, table) in self.allowed_tables or (schema, "*") in self.allowed_tables

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


ALLOWED_TABLES_KEY = "PG_ALLOWED_TABLES"
_NAME = r'[A-Za-z_][A-Za-z0-9_$]{0,62}'
_ALLOWED_ENTRY = re.compile(rf"(?:(?P<schema>{_NAME})\.)?(?P<table>{_NAME}|\*)")


def parse_allowed_tables(raw: str) -> frozenset[tuple[str, str]]:
    """``public.iris, lab.*, sales`` → {(public, iris), (lab, *), (public, sales)}; a bad entry names the key."""
    allowed = set()
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        match = _ALLOWED_ENTRY.fullmatch(entry)
        if not match:
            raise ConfigError(
                f'{ALLOWED_TABLES_KEY} has an entry "{entry}" that is not a table: give schema.table, table (schema public) '
                "or schema.* entries separated by commas"
            )
        allowed.add((match.group("schema") or "public", match.group("table")))
    return frozenset(allowed)


def settings_from_env(env: Mapping[str, str]) -> PostgresSettings:
    """``PGHOST``, ``PGPORT`` (default 5432), ``PGDATABASE``, ``PGUSER`` (libpq's names for the same things), and
    ``PG_ALLOWED_TABLES``: the tables the function may read (unset: none, so a new deployment reads nothing it was
    not told to)."""
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
        allowed_tables=parse_allowed_tables(env.get(ALLOWED_TABLES_KEY, "")),
    )

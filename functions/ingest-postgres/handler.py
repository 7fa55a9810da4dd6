"""ingest-postgres: reads one table of an external PostgreSQL database into a content-addressed dataset version.

Input  {"table": "iris", "target": "species", "schema"?: "public", "name"?: <dataset name, default the table's>,
        "limit"?: <at most this many rows>}
Output {"dataset": {name, version, data, schema, rows, columns, target, previousVersion}}; metrics {rows, columns}
Config PGHOST, PGPORT (5432), PGDATABASE, PGUSER; the password is the secret ``postgres-password``;
       PG_ALLOWED_TABLES: the only tables it reads (schema.table, table, schema.*; unset: none).
Probe  {"probe": true, "table": ..., "schema"?: ..., "highWaterMark"?: <column>} (the probe-postgres step of a
       data-change watch) → {"version", "basis", "rows"}: the table's version now, nothing stored (postgres_probe.py).
Errors a table off PG_ALLOWED_TABLES → 422 naming the setting (nothing is read); an unknown schema, table or
       target column → 422 naming it; an unreachable database → 500 (retried)
       naming host:port, never the password.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Optional

from baton_step import StepContext
from baton_step.errors import raise_if_issues
from baton_ml.datasets import DATASET_NAME, write_dataset_version

from postgres_settings import ALLOWED_TABLES_KEY, PASSWORD_SECRET, PostgresSettings, settings_from_env
from postgres_probe import probe_table
from postgres_table import IDENTIFIER, connect, describe_table, read_rows, select_query, table_columns

FIELDS = ("table", "name", "target", "schema", "limit")
DEFAULT_SCHEMA = "public"
MAX_NAME_BYTES = 63  # PostgreSQL's NAMEDATALEN - 1: no column name is longer


@functools.cache
def settings() -> PostgresSettings:
    """The database settings, read from the environment once per process."""
    return settings_from_env(os.environ)


def _identifier(raw: dict[str, Any], key: str, issues: list, default: Optional[str] = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
        issues.append({"path": key, "message": 'required: a plain PostgreSQL name (a letter or "_", then letters, digits, "_" or "$"; at most 63)'})
        return ""
    return value


def parse_input(raw: Any) -> dict[str, Any]:
    """Checks the input and applies defaults; every problem is reported with its field."""
    if not isinstance(raw, dict):
        raise_if_issues([{"path": "", "message": 'must be an object like {"table": "iris", "target": "species"}'}], "ingest-postgres")
    issues = [{"path": key, "message": f"unrecognized key; expected {', '.join(FIELDS)}"} for key in sorted(set(raw) - set(FIELDS))]
    table = _identifier(raw, "table", issues)
    schema = _identifier(raw, "schema", issues, DEFAULT_SCHEMA)
    target = raw.get("target")
    # The target is only compared with the catalog's column names, never put into SQL as text.
    if not isinstance(target, str) or not target or "\x00" in target or len(target.encode("utf-8")) > MAX_NAME_BYTES:
        issues.append({"path": "target", "message": "required: the name of the label column"})
    name = raw.get("name")
    if name is None and table:
        name = table.lower()
        if not DATASET_NAME.match(name):
            issues.append({"path": "name", "message": f'the table name "{table}" is not a valid dataset name: give a name of lowercase letters, digits, "_" and "-"'})
    elif name is not None and (not isinstance(name, str) or not DATASET_NAME.match(name)):
        issues.append({"path": "name", "message": 'must be a dataset name of lowercase letters, digits, "_" and "-" (at most 63)'})
    limit = raw.get("limit")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        issues.append({"path": "limit", "message": "must be a positive whole number of rows"})
    raise_if_issues(issues, "ingest-postgres")
    return {"table": table, "schema": schema, "target": target, "name": name, "limit": limit}


def _listed(config: PostgresSettings) -> str:
    names = sorted(f"{schema}.{table}" for schema, table in config.allowed_tables)
    return ", ".join(names) if names else "none"


def _check_allowed(config: PostgresSettings, schema: str, table: str) -> None:
    if not config.allows(schema, table):
        raise_if_issues([{
            "path": "table",
            "message": f'table "{schema}"."{table}" is not on {ALLOWED_TABLES_KEY}: this function reads only the '
            f"tables listed there ({_listed(config)}); add it to {ALLOWED_TABLES_KEY} to allow it",
        }], "ingest-postgres")


def probe(input: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    """The table's version now (the wrapper checked the input against probe-postgres' schema)."""
    schema, table, column = input.get("schema", DEFAULT_SCHEMA), input["table"], input.get("highWaterMark")
    config = settings()
    _check_allowed(config, schema, table)
    with connect(config, ctx.secret(PASSWORD_SECRET)) as connection:
        names = [name for name, _ in describe_table(connection, schema, table)]
        if column is not None and column not in names:
            raise_if_issues([{
                "path": "highWaterMark",
                "message": f'column "{column}" is not in table "{schema}"."{table}"; its columns are {names}',
            }], "ingest-postgres")
        output = probe_table(connection, schema, table, column)
    ctx.log(f"probe-postgres {schema}.{table}: {output['basis']} {output['version']} ({output['rows']} rows)")
    return {"output": output}


def handle(input: Any, ctx: StepContext) -> dict[str, Any]:
    """Reads the table (ordered by every column, so equal content gives an equal version) and stores it."""
    if isinstance(input, dict) and input.get("probe") is True:
        return probe(input, ctx)
    request = parse_input(input)
    config = settings()
    _check_allowed(config, request["schema"], request["table"])
    password = ctx.secret(PASSWORD_SECRET)
    with connect(config, password) as connection:
        described = describe_table(connection, request["schema"], request["table"])
        columns = table_columns(described)
        if request["target"] not in [column.name for column in columns]:
            raise_if_issues([{
                "path": "target",
                "message": f'column "{request["target"]}" is not in table "{request["schema"]}"."{request["table"]}"; its columns are {[c.name for c in columns]}',
            }], "ingest-postgres")
        query = select_query(request["schema"], request["table"], described, request["limit"])
        dataset = write_dataset_version(ctx.artifacts, request["name"], columns, read_rows(connection, query, config), request["target"])
    rows, features = dataset["rows"], len(dataset["columns"])
    ctx.log(f"ingest-postgres {request['schema']}.{request['table']} from {config.address}/{config.database}: {rows} rows x {features} features, version {dataset['version']}, previous {dataset['previousVersion']}")
    return {"output": {"dataset": dataset}, "metrics": {"rows": rows, "columns": features}}

"""Reads one table of a PostgreSQL database as typed columns and rows for ``baton_ml.datasets``.

Names never become SQL text by themselves: the schema and table are checked against a plain-identifier pattern,
looked up in the catalog as query parameters, and every name that goes into the SELECT is quoted by psycopg's
``sql.Identifier``. Rows come through a server-side cursor in batches, so a large table is never whole in memory.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Optional

import psycopg
from psycopg import errors, sql

from baton_step import StepInputError
from baton_ml.datasets import FLOAT64, INT64, STRING, Column

from postgres_settings import PostgresSettings

# Unquoted-style names only (what CREATE TABLE iris makes, and mixed case): no dots, quotes or spaces.
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,62}")
BATCH_ROWS = 5000  # rows per round trip of the server-side cursor
CONNECT_TIMEOUT_SECONDS = 10  # an unreachable host fails the attempt quickly; Temporal retries it
APPLICATION_NAME = "baton-ingest-postgres"  # shows in pg_stat_activity

_INTEGER_TYPES = {"smallint", "integer", "bigint"}
_FLOAT_TYPES = {"real", "double precision", "numeric"}


class PostgresUnavailableError(Exception):
    """The database cannot be reached or dropped the connection: a retryable failure naming host:port."""


def dtype_of(data_type: str) -> str:
    """The dataset dtype of a column from its ``information_schema`` data type: numbers stay numbers, a boolean
    becomes 0/1, anything else (text, dates, json, ...) is stored as PostgreSQL's own text form."""
    if data_type in _INTEGER_TYPES or data_type == "boolean":
        return INT64
    if data_type in _FLOAT_TYPES:
        return FLOAT64
    return STRING


def connect(settings: PostgresSettings, password: str) -> psycopg.Connection[Any]:
    """A read-only connection; a failure raises PostgresUnavailableError naming host:port, never the password."""
    try:
        connection = psycopg.connect(
            host=settings.host,
            port=settings.port,
            dbname=settings.database,
            user=settings.user,
            password=password,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            application_name=APPLICATION_NAME,
        )
    except psycopg.OperationalError as error:
        raise PostgresUnavailableError(
            f"cannot connect to PostgreSQL at {settings.address} (database {settings.database}, user {settings.user}): "
            f"{_reason(error, password)}"
        ) from None
    connection.read_only = True  # an ingest never writes to the source
    return connection


def _reason(error: Exception, password: str) -> str:
    # libpq's text never holds the password; scrub it anyway, in case a future version echoes a connection string.
    text = " ".join(str(error).split())
    return text.replace(password, "***") if password else text


def describe_table(connection: psycopg.Connection[Any], schema: str, table: str) -> list[tuple[str, str]]:
    """``(column name, data type)`` of every column in order; an unknown schema or table is an input error."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s)", (schema,))
        row = cursor.fetchone()
        if not row or not row[0]:
            raise StepInputError(f'schema "{schema}" does not exist in the database', path="schema")
        # information_schema lists only what this user may read: a table without SELECT rights looks absent.
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            (schema, table),
        )
        columns = [(str(name), str(data_type)) for name, data_type in cursor.fetchall()]
    connection.commit()  # end the catalog transaction: the read gets a fresh one
    if not columns:
        raise StepInputError(f'table "{schema}"."{table}" does not exist or this user may not read it', path="table")
    return columns


def _select_item(name: str, data_type: str) -> sql.Composable:
    column = sql.Identifier(name)
    if data_type == "boolean":
        expression: sql.Composable = sql.SQL("{}::int").format(column)
    elif dtype_of(data_type) == STRING:
        expression = sql.SQL("{}::text").format(column)
    else:
        expression = column
    return sql.SQL("{} AS {}").format(expression, column)


def select_query(schema: str, table: str, columns: list[tuple[str, str]], limit: Optional[int]) -> sql.Composed:
    """``SELECT <columns> FROM "schema"."table" ORDER BY 1, 2, ... [LIMIT n]``, every name quoted.

    Ordering by every selected value makes the row order, and so the dataset version, depend on the table's
    content only; rows that tie are equal, so their order does not matter.
    """
    query = sql.SQL("SELECT {items} FROM {schema}.{table} ORDER BY {order}").format(
        items=sql.SQL(", ").join(_select_item(name, data_type) for name, data_type in columns),
        schema=sql.Identifier(schema),
        table=sql.Identifier(table),
        order=sql.SQL(", ").join(sql.SQL(str(position)) for position in range(1, len(columns) + 1)),
    )
    if limit is not None:
        query = query + sql.SQL(" LIMIT {}").format(sql.Literal(limit))
    return query


def read_rows(connection: psycopg.Connection[Any], query: sql.Composed, settings: PostgresSettings, batch_rows: int = BATCH_ROWS) -> Iterator[tuple[Any, ...]]:
    """Yields the query's rows, fetched ``batch_rows`` at a time through a server-side cursor."""
    try:
        with connection.cursor(name="baton_ingest") as cursor:
            cursor.execute(query)
            while batch := cursor.fetchmany(batch_rows):
                yield from batch
        connection.commit()
    except (errors.UndefinedTable, errors.UndefinedColumn, errors.InsufficientPrivilege) as error:
        # Dropped, renamed or locked away between the catalog look-up and the read.
        raise StepInputError(f"cannot read the table: {error.diag.message_primary or error}", path="table") from None
    except psycopg.OperationalError as error:
        raise PostgresUnavailableError(f"lost the connection to PostgreSQL at {settings.address} while reading: {_reason(error, '')}") from None


def table_columns(described: list[tuple[str, str]]) -> list[Column]:
    """The dataset columns of a described table."""
    return [Column(name, dtype_of(data_type)) for name, data_type in described]

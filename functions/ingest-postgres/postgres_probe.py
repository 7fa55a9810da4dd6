"""The probe of ingest-postgres (the ``probe-postgres`` step of a data-change watch): one table's version now,
computed in the database so only one row comes back. With a high-water-mark column the version is its largest
value (new rows raise it); without one it is an md5 of every row's text, in a stable order, with the row count
(any change counts, at the cost of the database reading the whole table). Identifiers go in as ``sql.Identifier``.
"""

from __future__ import annotations

from typing import Any, Optional

import psycopg
from psycopg import sql

MAX_VERSION_CHARS = 300


def probe_query(schema: str, table: str, high_water_mark: Optional[str]) -> sql.Composed:
    """The query answering (version text, row count) for the table."""
    source = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    if high_water_mark:
        return sql.SQL("SELECT max({column})::text, count(*) FROM {source}").format(
            column=sql.Identifier(high_water_mark), source=source
        )
    return sql.SQL("SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')), count(*) FROM {source} t").format(
        source=source
    )


def probe_table(connection: psycopg.Connection[Any], schema: str, table: str, high_water_mark: Optional[str]) -> dict[str, Any]:
    """The probe step's output: ``{version, basis, rows}``."""
    with connection.cursor() as cursor:
        cursor.execute(probe_query(schema, table, high_water_mark))
        value, rows = cursor.fetchone()
    if high_water_mark:
        # An empty table has no largest value yet: its version is "none" until the first row arrives.
        version = f"max:{value if value is not None else 'none'}"
        return {"version": version[:MAX_VERSION_CHARS], "basis": "high-water-mark", "rows": int(rows)}
    return {"version": f"md5:{value};rows:{int(rows)}", "basis": "checksum", "rows": int(rows)}

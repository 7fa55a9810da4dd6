"""A raw CSV file (as a data server or a person wrote it) as typed columns and rows for ``baton_ml.datasets``.

The first row names the columns. A column whose values are all integers is ``int64``, all numbers ``float64``,
anything else ``string``; an empty cell is a missing value in any of them. The file is read twice, streaming:
once to find the types, once to hand the rows over, so it is never whole in memory.
"""

from __future__ import annotations

import csv
import re
from typing import Any, Callable, Iterator, Optional

from baton_step import StepInputError
from baton_ml.datasets import FLOAT64, INT64, STRING, Column

_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:inf|infinity|nan)", re.IGNORECASE)
_INT64_MAX = 2**63 - 1


def _kind(text: str) -> str:
    # Python's int()/float() also take "1_000" and non-ASCII digits: only plain decimal notation counts here.
    if _INT.fullmatch(text) and -_INT64_MAX - 1 <= int(text) <= _INT64_MAX:
        return INT64
    if _FLOAT.fullmatch(text):
        return FLOAT64
    return STRING


_WIDER = {INT64: 0, FLOAT64: 1, STRING: 2}


def _records(path: str, field: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every non-blank row; decoding and quoting problems are input errors at ``field``."""
    try:
        # utf-8-sig: a byte-order mark (spreadsheet exports) is not part of the first column's name.
        with open(path, encoding="utf-8-sig", newline="") as file:
            reader = csv.reader(file, strict=True)  # an unclosed quote is an error, not a field running to the end
            for record in reader:
                if record and any(value != "" for value in record):
                    yield reader.line_num, record
    except UnicodeDecodeError as error:
        raise StepInputError(f"the CSV file is not UTF-8 text: {error.reason} at byte {error.start}", path=field) from None
    except csv.Error as error:
        raise StepInputError(f"the CSV file cannot be parsed: {error}", path=field) from None


def read_csv_table(path: str, field: str = "csv") -> tuple[list[Column], Callable[[], Iterator[list[Any]]]]:
    """The file's typed columns and a function that yields its rows (int, float, str or None for missing).

    Raises StepInputError at ``field`` for an empty file, a bad header (an empty or repeated name), a row with
    the wrong number of fields, or a header without rows.
    """
    records = _records(path, field)
    first = next(records, None)
    if first is None:
        raise StepInputError("the CSV file is empty: expected a header row naming the columns", path=field)
    names = [name.strip() for name in first[1]]
    for position, name in enumerate(names, start=1):
        if not name:
            raise StepInputError(f"the CSV header's column {position} has no name", path=field)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise StepInputError(f"the CSV header names these columns more than once: {repeated}", path=field)

    kinds: list[Optional[str]] = [None] * len(names)  # None: only missing values so far
    rows = 0
    for line, record in records:
        if len(record) != len(names):
            raise StepInputError(f"line {line} of the CSV file has {len(record)} fields, the header {len(names)}", path=field)
        rows += 1
        for i, value in enumerate(record):
            text = value.strip()
            if text and kinds[i] != STRING:
                kind = _kind(text)
                if kinds[i] is None or _WIDER[kind] > _WIDER[kinds[i]]:  # type: ignore[index]
                    kinds[i] = kind
    if rows == 0:
        raise StepInputError("the CSV file has a header but no rows", path=field)
    # A column with no value at all has no type to find: numeric, as in most data frame libraries.
    columns = [Column(name, kind or FLOAT64) for name, kind in zip(names, kinds)]

    def typed_rows() -> Iterator[list[Any]]:
        again = _records(path, field)
        next(again)  # the header
        for _, record in again:
            yield [_value(value, column.dtype) for value, column in zip(record, columns)]

    return columns, typed_rows


def _value(raw: str, dtype: str) -> Any:
    text = raw.strip()
    if not text:
        return None
    if dtype == INT64:
        return int(text)
    if dtype == FLOAT64:
        return float(text)
    return raw

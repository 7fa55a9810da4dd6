"""Reads a dataset CSV as text, column by column, so bad data can be described instead of refused.

The training steps read data.csv strictly (``baton_ml.tables``: numbers only). Here every cell is kept:
an empty cell is missing, a cell that is not a finite number is counted and one example is kept, so
a check can say which column is wrong and why.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

# Cells that mean "no value" in CSV exports (compared lower-cased, after trimming spaces).
MISSING_TOKENS = frozenset({"", "nan", "na", "n/a", "null", "none"})
MAX_EXAMPLE_CHARS = 40
MAX_LISTED_LINES = 5


@dataclass
class NumericColumn:
    """One column read as numbers: NaN where a cell is missing or not a number."""

    name: str
    values: np.ndarray
    missing: int
    non_numeric: int
    example: Optional[str] = None  # the first cell that is not a number, shortened

    @property
    def present(self) -> np.ndarray:
        """The finite values (missing and non-numeric cells left out)."""
        return self.values[np.isfinite(self.values)]


@dataclass
class CsvTable:
    """The header, row count, cells per column (as text) and rows whose field count is wrong."""

    header: list[str]
    rows: int
    cells: dict[str, list[str]]
    ragged_rows: int = 0
    ragged_lines: list[int] = field(default_factory=list)  # CSV line numbers (header = line 1), the first few


def read_csv_table(path: str) -> CsvTable:
    """Reads the whole CSV; short rows are padded with missing cells and long rows cut (and both counted)."""
    with open(path, encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        header = next(reader, [])
        columns: list[list[str]] = [[] for _ in header]
        ragged, ragged_lines, rows = 0, [], 0
        for line, row in enumerate(reader, start=2):
            if not row:
                continue  # a blank line (e.g. a trailing one) is not a row
            rows += 1
            if len(row) != len(header):
                ragged += 1
                if len(ragged_lines) < MAX_LISTED_LINES:
                    ragged_lines.append(line)
                row = (row + [""] * len(header))[: len(header)]
            for cells, cell in zip(columns, row):
                cells.append(cell)
    # A duplicated header name keeps its first column; the schema check reports the duplicate.
    cells: dict[str, list[str]] = {}
    for name, values in zip(header, columns):
        cells.setdefault(name, values)
    return CsvTable(header, rows, cells, ragged, ragged_lines)


def missing_mask(cells: list[str]) -> np.ndarray:
    """True where a cell holds no value."""
    return np.fromiter((cell.strip().lower() in MISSING_TOKENS for cell in cells), dtype=bool, count=len(cells))


def parse_numeric(name: str, cells: list[str]) -> NumericColumn:
    """The column as float64; counts missing cells and cells that are not finite numbers."""
    missing = missing_mask(cells)
    values = np.full(len(cells), np.nan, dtype=np.float64)
    text = np.asarray(cells, dtype=np.str_)[~missing] if cells else np.asarray([], dtype=np.str_)
    try:
        # One vectorised conversion for the usual all-numeric column; the loop below only for bad data.
        values[~missing] = text.astype(np.float64)
        bad = ~missing & ~np.isfinite(values)
    except ValueError:
        bad = np.zeros(len(cells), dtype=bool)
        for i in np.flatnonzero(~missing):
            try:
                values[i] = float(cells[i])
            except ValueError:
                values[i] = np.nan
            bad[i] = not np.isfinite(values[i])
    values[bad] = np.nan
    example = None
    if bad.any():
        first = cells[int(np.argmax(bad))].strip()
        example = first if len(first) <= MAX_EXAMPLE_CHARS else first[: MAX_EXAMPLE_CHARS - 1] + "…"
    return NumericColumn(name, values, int(missing.sum()), int(bad.sum()), example)

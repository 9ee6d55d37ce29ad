"""A user's own exchange-rate table (``adtrail fx import FILE``): a CSV in, rate records out.

The format, one rate a line, comma-separated, UTF-8 (a BOM is fine), header first::

    currency,date,rate,base
    BDT,2024-03-01,109.95,USD
    NGN,2024-03-01,1655.2,EUR
    USD,2024-03-01,1.0844,EUR

``rate`` is units of ``currency`` for one unit of ``base`` (``base`` is EUR or USD), with a dot for the
decimals and no thousands separators; ``date`` is the day the rate applies from (YYYY-MM-DD). A user's rate
is a daily rate: under the FX rule (analysis/assumptions.toml) it stands for the days after it until the
next one, for at most the daily validity (7 days). A EUR-based rate converts to US dollars through the same
file's USD,EUR rate of the same date, so give that line too.
Every problem is reported with its line and column, all at once, before anything is loaded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

SOURCE = "user"
COLUMNS = ("currency", "date", "rate", "base")
BASES = ("EUR", "USD")
_CURRENCY = re.compile(r"[A-Z]{3}")
_RATE = re.compile(r"\d+(\.\d+)?")
_MAX_REPORTED = 20
_FORMAT = "currency,date,rate,base (e.g. BDT,2024-03-01,109.95,USD)"


def _check_cell(column: str, value: str) -> str | None:
    """What is wrong with one cell, or None."""
    if column == "currency" and not _CURRENCY.fullmatch(value):
        return f"{value!r} is not an ISO 4217 code such as BDT"
    if column == "base" and value not in BASES:
        return f"{value!r}: the base must be EUR or USD"
    if column == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return f"{value!r} is not a date written YYYY-MM-DD"
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return f"{value!r} is not a date written YYYY-MM-DD"
    if column == "rate":
        if re.fullmatch(r"\d+,\d+", value):
            return f"{value!r}: write decimals with a dot ({value.replace(',', '.')})"
        if not _RATE.fullmatch(value) or float(value) <= 0:
            return f"{value!r} is not a positive number"
    return None


def parse(body: bytes, *, source_url: str | None = None) -> list[dict]:
    """Every line a record ``{currency, rate_date, units_per_eur|units_per_usd, base, source: "user", ...}``."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (byte {error.start}); save the table as CSV UTF-8") from None
    if text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        raise ValueError(f"this is an HTML page, not a CSV table; expected {_FORMAT}")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValueError(f"the file is empty; expected the header {_FORMAT}")
    header = [cell.strip().lower() for cell in rows[0]]
    if sorted(header) != sorted(COLUMNS):
        raise ValueError(f"line 1: the header is {','.join(rows[0])!r}; expected exactly the columns {_FORMAT}")
    problems: list[str] = []
    records: list[dict] = []
    seen: dict[tuple[str, str, str], tuple[int, str]] = {}
    for line_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(f"line {line_number}: {len(row)} cells, expected {len(header)} ({_FORMAT})")
            continue
        cells = {column: cell.strip() for column, cell in zip(header, row, strict=True)}
        cells["currency"], cells["base"] = cells["currency"].upper(), cells["base"].upper()
        row_problems = [f"line {line_number}, column {column}: {problem}" for column in COLUMNS
                        if (problem := _check_cell(column, cells[column]))]
        if not row_problems and cells["currency"] == cells["base"]:
            row_problems.append(f"line {line_number}, column currency: {cells['currency']} per "
                                f"{cells['base']} is always 1; leave the line out")
        key = (cells["currency"], cells["date"], cells["base"])
        if not row_problems and key in seen and seen[key][1] != cells["rate"]:
            row_problems.append(f"line {line_number}, column rate: {cells['currency']} per {cells['base']} on "
                                f"{cells['date']} is {cells['rate']} here but {seen[key][1]} on line "
                                f"{seen[key][0]}; keep one")
        problems.extend(row_problems)
        if row_problems or key in seen:
            continue
        seen[key] = (line_number, cells["rate"])
        records.append({
            "currency": cells["currency"],
            "rate_date": cells["date"],
            f"units_per_{cells['base'].lower()}": float(cells["rate"]),
            "base": cells["base"],
            "source": SOURCE,
            "precision": "daily",
            "series": SOURCE,
            "rate_text": cells["rate"],
            "source_url": source_url,
            "line": line_number,
        })
    if problems:
        more = len(problems) - _MAX_REPORTED
        raise ValueError("the rate table has problems, nothing was loaded:\n  " + "\n  ".join(
            problems[:_MAX_REPORTED]) + (f"\n  ... and {more} more" if more > 0 else ""))
    if not records:
        raise ValueError(f"the table has a header but no rates; expected lines like {_FORMAT}")
    return records


def parse_file(path: Path) -> Iterator[dict]:
    """``adtrail parse fx-csv FILE``: the records of a local table, its ``file://`` URL as source_url."""
    yield from parse(Path(path).read_bytes(), source_url=Path(path).resolve().as_uri())

"""Exchange rates in the warehouse: loading rate files into ``fx_rate``, storing the conversion rule,
and asking for US-dollar conversions (migration ``040_fx.sql`` holds the tables, views and macros).

Loading is idempotent: a rate already held with the same value is not added again, so the same file
twice changes nothing, and a file is loaded in one transaction (all its rates or none). Conversions are
computed at query time by ``fx_usd_rate_at`` / ``fx_to_usd`` (ASOF join), never stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from spiders.parsers import fx_ecb, fx_user_csv, fx_worldbank

_PROVENANCE_KEYS = ("economy", "economy_name", "line")


@dataclass(frozen=True)
class FxLoadResult:
    kind: str  # 'ecb' | 'worldbank' | 'user'
    file_sha256: str
    rates: int  # rates in the file
    added: int  # rates new to the warehouse (0 when the file was loaded before)


def detect_kind(body: bytes) -> str:
    """Which rate file this is: 'ecb' (zip, XML, a ``Date,USD,...`` CSV), 'worldbank' (its CSV, or the zip
    holding it) or 'user'.

    Anything else is taken for a user's table, whose parser then says which header it expected.
    """
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    first_line = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    first_cells = [cell.strip().strip('"') for cell in first_line.split(",")]
    if body.startswith(b"PK") and _zip_names(body) and fx_worldbank.data_member_name(_zip_names(body)):
        return "worldbank"  # the World Bank's bulk zip (an ECB zip holds eurofxref*.csv)
    if body.startswith(b"PK") or head.startswith(b"<") or first_cells[0] == "Date" and (
            len(first_cells) > 1 and first_cells[1].isupper()):
        return "ecb"
    if first_cells[0] == "Data Source":
        return "worldbank"
    return "user"


def _zip_names(body: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, EOFError, OSError):
        return []  # the parser of the kind detected says what is wrong with it


_PARSERS = {"ecb": fx_ecb.parse, "worldbank": fx_worldbank.parse, "user": fx_user_csv.parse}


def parse_rates(body: bytes, *, kind: str | None = None, source_url: str | None = None) -> tuple[str, list[dict]]:
    """The kind of a rate file (given, or detected) and its records."""
    kind = kind or detect_kind(body)
    if kind not in _PARSERS:
        raise ValueError(f"unknown kind of rate file {kind!r}; use one of {', '.join(_PARSERS)}")
    return kind, _PARSERS[kind](body, source_url=source_url)


def _rate_table(records: list[dict], *, file_name: str, file_sha256: str, published: str | None) -> pa.Table:
    columns: dict[str, list] = {name: [] for name in (
        "source", "series", "currency", "base", "rate_date", "rate", "rate_text", "precision", "reference",
        "provenance")}
    provenance_cache: dict[tuple, str] = {}  # a file's rates mostly share one provenance: build each once
    for record in records:
        columns["source"].append(record["source"])
        columns["series"].append(record.get("series") or record["source"])
        columns["currency"].append(record["currency"])
        columns["base"].append(record["base"])
        columns["rate_date"].append(dt.date.fromisoformat(record["rate_date"]))
        columns["rate"].append(record["units_per_eur"] if record["base"] == "EUR" else record["units_per_usd"])
        columns["rate_text"].append(record["rate_text"])
        columns["precision"].append(record["precision"])
        columns["reference"].append(record.get("reference", True))
        extras = tuple((key, record[key]) for key in _PROVENANCE_KEYS if key in record)
        cache_key = (record.get("source_url"), extras)
        if cache_key not in provenance_cache:
            provenance_cache[cache_key] = json.dumps(
                {"file": file_name, "file_sha256": file_sha256, "source_url": record.get("source_url"),
                 "published": published, **dict(extras)}, ensure_ascii=False)
        columns["provenance"].append(provenance_cache[cache_key])
    return pa.table(columns)


def load_rates(con: duckdb.DuckDBPyConnection, records: list[dict], *, kind: str, file_name: str,
               file_sha256: str, source_url: str | None = None, published: str | None = None) -> FxLoadResult:
    """Add the rates not held yet (same source, series, currency, base, date and value), in one transaction."""
    if not records:
        raise ValueError(f"{file_name}: no rates to load")
    published = published or next((r.get("published") for r in records if r.get("published")), None)
    # Read by name through DuckDB's replacement scan (a local Arrow table), not con.register: registering
    # fails while the caller holds an unfinished result, a statement does not.
    fx_incoming = _rate_table(records, file_name=file_name, file_sha256=file_sha256, published=published)  # noqa: F841
    loaded_at = dt.datetime.now(dt.UTC)
    con.begin()
    try:
        added = con.execute(
            """
            INSERT INTO fx_rate
            SELECT DISTINCT ON (source, series, currency, base, rate_date, rate)
                source, series, currency, base, rate_date, rate, rate_text, precision, reference,
                ?::TIMESTAMPTZ, provenance::JSON
            FROM fx_incoming AS i
            WHERE NOT EXISTS (
                SELECT 1 FROM fx_rate AS r
                WHERE r.source = i.source AND r.series = i.series AND r.currency = i.currency
                  AND r.base = i.base AND r.rate_date = i.rate_date AND r.rate = i.rate)
            ORDER BY source, series, currency, base, rate_date, rate
            """,
            [loaded_at],
        ).fetchall()[0][0]
        con.execute(
            "INSERT INTO fx_rate_file VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (file_sha256) DO NOTHING",
            [file_sha256, file_name, kind, source_url, published, len(records), added, loaded_at],
        ).fetchall()
        con.commit()
    except Exception:
        con.rollback()
        raise
    return FxLoadResult(kind=kind, file_sha256=file_sha256, rates=len(records), added=added)


def import_rates_file(con: duckdb.DuckDBPyConnection, path: str | Path, *, kind: str | None = None,
                      source_url: str | None = None) -> FxLoadResult:
    """``adtrail fx import FILE``: parse any rate file (ECB, World Bank, a user table) and load it.

    Raises ``ValueError`` (naming the file, what is wrong and what to do) before anything is loaded.
    """
    path = Path(path)
    body = path.read_bytes()
    source_url = source_url or path.resolve().as_uri()  # a crawled file names where it was downloaded from
    try:
        kind, records = parse_rates(body, kind=kind, source_url=source_url)
    except ValueError as error:
        raise ValueError(f"{path.name}: {error}") from None
    return load_rates(con, records, kind=kind, file_name=path.name, file_sha256=hashlib.sha256(body).hexdigest(),
                      source_url=source_url)


def user_rates_without_usd(con: duckdb.DuckDBPyConnection) -> int:
    """User EUR-based rates that cannot convert: their file gave no USD,EUR rate for the same date."""
    return con.execute(
        """
        SELECT count(*) FROM fx_rate_current AS c
        WHERE c.source = 'user' AND c.base = 'EUR' AND c.currency <> 'USD' AND NOT EXISTS (
            SELECT 1 FROM fx_rate_current AS u
            WHERE u.source = 'user' AND u.base = 'EUR' AND u.currency = 'USD' AND u.rate_date = c.rate_date)
        """
    ).fetchall()[0][0]


def store_fx_rule(con: duckdb.DuckDBPyConnection, *, version: int, rule_date: dt.date, rule_text: str,
                  source_order: list[tuple[str, str, int]], valid_for: dict[str, str],
                  citations: list[tuple[str, str, str | None, dt.date | None, str | None]]) -> bool:
    """Make this the rule in force (one transaction); False when this version is already installed."""
    installed = con.execute("SELECT max(version) FROM fx_rule").fetchall()[0][0]
    if installed == version:
        return False
    con.begin()
    try:
        for table in ("fx_rule", "fx_rule_source", "fx_rule_validity", "fx_rule_citation"):
            con.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names, no user input
        con.execute("INSERT INTO fx_rule VALUES (?, ?, ?, ?)",
                    [version, rule_date, rule_text, dt.datetime.now(dt.UTC)])
        con.executemany("INSERT INTO fx_rule_source VALUES (?, ?, ?)", source_order)
        con.executemany("INSERT INTO fx_rule_validity VALUES (?, ?::INTERVAL)", list(valid_for.items()))
        con.executemany("INSERT INTO fx_rule_citation VALUES (?, ?, ?, ?, ?)", citations)
        con.commit()
    except Exception:
        con.rollback()
        raise
    return True


_CONVERSION_COLUMNS = ("currency", "amount_date", "usd_per_unit", "rate_date", "rate_source", "rate_precision",
                       "rate_period", "rate_base", "currency_per_base", "usd_per_base", "fx_rule_version")


def usd_rates_at(con: duckdb.DuckDBPyConnection, wanted: list[tuple[str | None, dt.date | str]]) -> list[dict]:
    """The conversion of each (currency, date) asked for, as dicts with the columns of ``fx_usd_rate_at``."""
    fx_wanted = pa.table({"currency": [currency for currency, _ in wanted],  # noqa: F841 - read by name below
                          "amount_date": [dt.date.fromisoformat(str(day)) for _, day in wanted]})
    rows = con.execute(
        f"SELECT {', '.join(_CONVERSION_COLUMNS)} FROM fx_usd_rate_at('fx_wanted')"  # noqa: S608
    ).fetchall()
    by_key = {(row[0], row[1]): dict(zip(_CONVERSION_COLUMNS, row, strict=True)) for row in rows}
    return [by_key[(currency, dt.date.fromisoformat(str(day)))] for currency, day in wanted]

"""Meta's Ad Library Report files (facebook.com/ads/library/report, "Download report"): a file on disk in,
rows out, read by DuckDB's CSV reader (DESIGN.md, "Three kinds of parser input", kind 2).

A download is ``FacebookAdLibraryReport_<date>_<country>_<period>.zip`` holding README.txt, ``..._advertisers.csv``
(Page ID, Page name, Disclaimer, Amount spent (<currency>), Number of ads in Library), ``..._locations.csv``
(Location name, Amount spent) and ``regions/..._<region>.csv`` (Page ID, Page name, Disclaimer, Amount spent:
the advertisers of one region). The CSVs start with a UTF-8 byte-order mark. Amounts are whole currency
units, or ``≤100`` below Meta's threshold: kept as a bucket (low 0, high 100, flagged), never as 100.

Country, period and date come from the file name. Meta's README: figures are for the selected country "for
the date range specified"; dates are Pacific time (America/Los_Angeles), and the date in the name is the last
day covered (the report for ``reportDS`` 2025-07-10 downloads as ``..._2025-07-09_...``). Periods: yesterday,
last_7_days, last_30_days, last_90_days, lifetime (all dates; no start date given).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from spiders.parsers.zip_csvs import extracted_csvs

SOURCE = "meta_ad_report"
TIME_ZONE = "America/Los_Angeles"
PERIOD_DAYS = {"yesterday": 1, "last_7_days": 7, "last_30_days": 30, "last_90_days": 90, "lifetime": None}
_NAME = re.compile(r"^FacebookAdLibraryReport_(\d{4}-\d{2}-\d{2})_([A-Za-z]{2})_"
                   rf"({'|'.join(PERIOD_DAYS)})(?:_(.+?))?\.(csv|zip)$")
_AMOUNT = re.compile(r"^Amount spent \(([A-Z]{3})\)$")
_CHUNK = 1 << 20

# The headers Meta writes, by report kind; {amount} is "Amount spent (<ISO 4217>)".
HEADERS = {
    "advertisers": ("Page ID", "Page name", "Disclaimer", "{amount}", "Number of ads in Library"),
    "region": ("Page ID", "Page name", "Disclaimer", "{amount}"),
    "locations": ("Location name", "{amount}"),
}


class MetaReportFileError(ValueError):
    """A file that is not (a readable part of) a Meta Ad Library Report; the message says what to do."""


@dataclass(frozen=True)
class ReportName:
    """What a report file's name says: the day, country and period it covers, and which part it is."""

    report_date: dt.date  # last day covered, Pacific time
    country: str  # ISO 3166-1 alpha-2, as Meta names it
    period: str  # one of PERIOD_DAYS
    part: str | None  # "advertisers", "locations", a region's name, or None for the zip

    @property
    def period_start(self) -> dt.date | None:
        days = PERIOD_DAYS[self.period]
        return None if days is None else self.report_date - dt.timedelta(days=days - 1)


def parse_name(file_name: str) -> ReportName:
    match = _NAME.match(Path(file_name).name)
    if not match:
        raise MetaReportFileError(
            f"{Path(file_name).name} is not named like a Meta Ad Library Report file "
            "(FacebookAdLibraryReport_<date>_<country>_<period>[_<part>].csv or .zip); the name says the "
            "country, period and date, so keep the name Meta gave the download")
    date, country, period, part, _ = match.groups()
    try:
        report_date = dt.date.fromisoformat(date)
    except ValueError:
        raise MetaReportFileError(f"{Path(file_name).name}: {date} is not a date") from None
    return ReportName(report_date, country.upper(), period, part)


@dataclass(frozen=True)
class ReportPart:
    """One CSV of a report, identified by its header."""

    name: str  # the member's name inside the zip, or the CSV's own name
    kind: str  # advertisers | locations | region
    currency: str
    header: tuple[str, ...]
    report: ReportName
    region_name: str | None  # for kind "region": from the file name


def identify(member_name: str, header: list[str]) -> ReportPart:
    """Which part of the report a CSV is, from its header (checked exactly) and its name."""
    report = parse_name(member_name)
    currencies = [m.group(1) for m in map(_AMOUNT.match, header) if m]
    if len(currencies) == 1:
        shape = tuple("{amount}" if _AMOUNT.match(h) else h for h in header)
        for kind, expected in HEADERS.items():
            if shape == expected:
                region = report.part if kind == "region" else None
                if kind != "region" and report.part not in (kind, None):
                    break
                return ReportPart(member_name, kind, currencies[0], tuple(header), report, region)
    wanted = " | ".join(", ".join(h.replace("{amount}", "Amount spent (EUR)") for h in v) for v in HEADERS.values())
    raise MetaReportFileError(
        f"{member_name}: the header is {', '.join(header) or 'empty'}, which is none of the report's known "
        f"headers ({wanted}). Meta may have changed the format: nothing of this file was loaded; report it "
        "so the reader can be updated")


def sniff(path: Path) -> str:
    """'zip', 'csv', or a MetaReportFileError for anything else (an HTML page saved instead of the zip)."""
    with open(path, "rb") as handle:
        start = handle.read(512)
    if start.startswith(b"PK\x03\x04"):
        return "zip"
    text = start.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<")) or b"<html" in start.lower():
        opening = " ".join(start[:80].decode("utf-8", "replace").split())
        raise MetaReportFileError(
            f"{path.name} is an HTML page (starting {opening!r}), not a report zip or CSV: the download link "
            "had probably expired or asked for a login. Download the report again from the Ad Library Report "
            "page (\"Download report\") and import the zip it gives")
    if path.suffix.lower() == ".zip":
        raise MetaReportFileError(f"{path.name} is named .zip but is not a zip (it starts {start[:16]!r}); "
                                  "download the report again")
    return "csv"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_header(path: Path) -> list[str]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


@contextlib.contextmanager
def report_csvs(path: Path, work_dir: Path | None = None) -> Iterator[list[tuple[str, Path]]]:
    """(member name, CSV on disk) for each CSV of a report zip, or the one CSV itself."""
    path = Path(path)
    if sniff(path) == "csv":
        yield [(path.name, path)]
        return
    parse_name(path.name)  # the zip's name carries country, period and date too
    with extracted_csvs(path, MetaReportFileError, again="download the report again",
                        not_this="it is not a Meta Ad Library Report: download the report again",
                        prefix="adtrail-meta-report-", work_dir=work_dir) as members:
        yield [(Path(name).name, csv_path) for name, csv_path in members]


def csv_source(path: Path) -> str:
    """DuckDB's reader over one report CSV: every field as text (amounts hold "≤100"); the BOM is skipped."""
    quoted = "'" + str(path).replace("'", "''") + "'"
    return (f"read_csv({quoted}, header=true, all_varchar=true, delim=',', quote='\"', escape='\"', "
            "sample_size=-1, encoding='utf-8')")


# The columns of raw_meta_ad_report (migrations/090_meta_report.sql) a staged CSV gives, by report kind.
def projection(part: ReportPart) -> str:
    amount = '"Amount spent (' + part.currency + ')"'
    page = ('"Page ID" AS page_id, "Page name" AS page_name, "Disclaimer" AS disclaimer, NULL AS location_name'
            if part.kind != "locations" else
            'NULL AS page_id, NULL AS page_name, NULL AS disclaimer, "Location name" AS location_name')
    ads = '"Number of ads in Library"' if part.kind == "advertisers" else "NULL"
    return f"""row_number() OVER () AS row_number, {page}, {amount} AS amount_spent_text,
        {amount_sql(amount)},
        TRY_CAST({ads} AS BIGINT) AS number_of_ads"""


def amount_sql(column: str) -> str:
    """Low, high and the below-threshold flag of an amount: "≤100" is the bucket 0..100, a number is exact."""
    below = f"regexp_matches(trim({column}), '^(≤|<=|<)\\s*[0-9]+$')"
    number = f"TRY_CAST(replace(regexp_replace(trim({column}), '^(≤|<=|<)\\s*', ''), ',', '') AS BIGINT)"
    return (f"CASE WHEN {below} THEN 0 ELSE {number} END AS amount_spent_low, "
            f"{number} AS amount_spent_high, {below} AS amount_below_threshold")


def parse_file(path: Path) -> Iterator[dict]:
    """``adtrail parse meta-report``: every row of a report zip or CSV, as the warehouse reads it."""
    import duckdb

    con = duckdb.connect()
    try:
        with report_csvs(Path(path)) as members:
            for name, csv_path in members:
                part = identify(name, read_header(csv_path))
                cursor = con.execute(f"SELECT {projection(part)} FROM {csv_source(csv_path)}")
                columns = [d[0] for d in cursor.description]
                for row in cursor.fetchall():
                    yield {"source": SOURCE, "file": Path(path).name, "member": name, "report_kind": part.kind,
                           "country": part.report.country, "period": part.report.period,
                           "report_date": part.report.report_date.isoformat(),
                           "period_start": part.report.period_start and part.report.period_start.isoformat(),
                           "time_zone": TIME_ZONE, "region_name": part.region_name, "currency": part.currency,
                           **dict(zip(columns, row))}
    finally:
        con.close()

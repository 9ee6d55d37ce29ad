"""The ECB's euro foreign exchange reference rates, in every form the ECB serves them: bytes in, rates out.

Source: European Central Bank, "Euro foreign exchange reference rates"
(https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/html/index.en.html),
published around 16:00 CET on TARGET working days as units of each currency per 1 euro. Forms read here:

- ``eurofxref-hist.zip``: one CSV, ``Date,USD,JPY,...,`` (every currency ever quoted, a trailing empty
  column), ISO dates, newest first, ``N/A`` where a currency had no rate that day (before it was quoted,
  after it was dropped, during a suspension).
- ``eurofxref.csv`` (the daily file, also served zipped as ``eurofxref.zip``): ``, `` separators, the date
  written ``13 April 2026``, only the currencies quoted that day.
- gesmes XML: ``eurofxref-daily.xml``, ``eurofxref-hist-90d.xml``, ``eurofxref-hist.xml``:
  ``<Cube time="..."><Cube currency="USD" rate="1.0163"/>...``; attributes in single or double quotes.

Every rate becomes one record: ``{currency, rate_date, units_per_eur, base: "EUR", source: "ecb",
precision: "daily", series, rate_text, source_url}``. A gap is no record (never a zero). Anything that is
not one of these forms raises ``ValueError`` saying what was found and what to do.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree

SOURCE = "ecb"
HIST_ZIP_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
_GESMES = "{http://www.gesmes.org/xml/2002-08-01}"
_EUROFXREF = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"
_CURRENCY = re.compile(r"[A-Z]{3}")
_RATE = re.compile(r"\d+(\.\d+)?")
_GAPS = {"N/A", ""}
_MONTHS = {name: number for number, name in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"], start=1)}
_MAX_CSV_BYTES = 200_000_000  # the whole history is about 2 MB; refuse a zip that would unpack to far more
_DOWNLOAD_AGAIN = f"download it again (for the whole history: {HIST_ZIP_URL})"


def series_of(currency: str) -> str:
    """The ECB Data Portal key of a reference rate (daily, spot, against the euro)."""
    return f"EXR.D.{currency}.EUR.SP00.A"


def rate_record(currency: str, rate_date: dt.date, rate_text: str, source_url: str | None) -> dict:
    return {
        "currency": currency,
        "rate_date": rate_date.isoformat(),
        "units_per_eur": float(rate_text),
        "base": "EUR",
        "source": SOURCE,
        "precision": "daily",
        "series": series_of(currency),
        "rate_text": rate_text,
        "source_url": source_url,
    }


def looks_like_html(body: bytes) -> bool:
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def _parse_date(text: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.split()  # the daily CSV writes "13 April 2026", whatever the reader's locale
    if len(parts) == 3 and parts[1] in _MONTHS and parts[0].isdigit() and parts[2].isdigit():
        try:
            return dt.date(int(parts[2]), _MONTHS[parts[1]], int(parts[0]))
        except ValueError:
            pass
    raise ValueError(f"{where}: {text!r} is not a date (expected 2026-04-13 or 13 April 2026); check the file, "
                     f"or {_DOWNLOAD_AGAIN}")


def _check_rate(text: str, where: str) -> None:
    if not _RATE.fullmatch(text) or float(text) <= 0:
        raise ValueError(f"{where}: {text!r} is not a rate (expected a positive number such as 1.0813, "
                         f"or N/A for no rate); check the file, or {_DOWNLOAD_AGAIN}")


def parse_csv(text: str, *, source_url: str | None = None) -> list[dict]:
    """The history CSV or the daily CSV (``Date, USD, ...``); one record per published rate."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), skipinitialspace=True))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ValueError(f"the ECB CSV is empty; {_DOWNLOAD_AGAIN}")
    header = [cell.strip() for cell in rows[0]]
    while header and header[-1] == "":  # the ECB ends every line with a comma
        header.pop()
    currencies = header[1:]
    bad = [cell for cell in currencies if not _CURRENCY.fullmatch(cell)]
    if not header or header[0] != "Date" or not currencies or bad or len(set(currencies)) != len(currencies):
        raise ValueError(
            f"line 1: the header changed: expected 'Date' then currency codes (USD, JPY, ...), got "
            f"{', '.join(header[:6]) or 'nothing'}{' ...' if len(header) > 6 else ''}; this is not an ECB "
            f"reference-rate CSV, or the ECB changed its format (then spiders/parsers/fx_ecb.py needs updating)")
    records, dates_seen = [], {}
    for line_number, row in enumerate(rows[1:], start=2):
        cells = [cell.strip() for cell in row]
        while len(cells) > len(header) and cells[-1] == "":
            cells.pop()
        if len(cells) != len(header):
            raise ValueError(f"line {line_number}: {len(cells)} cells where the header has {len(header)}; the "
                             f"file may have been cut short: {_DOWNLOAD_AGAIN}")
        rate_date = _parse_date(cells[0], f"line {line_number}, column Date")
        if rate_date in dates_seen:
            raise ValueError(f"line {line_number}, column Date: {rate_date} again (first on line "
                             f"{dates_seen[rate_date]}); check the file, or {_DOWNLOAD_AGAIN}")
        dates_seen[rate_date] = line_number
        for currency, rate_text in zip(currencies, cells[1:], strict=True):
            if rate_text in _GAPS:
                continue
            _check_rate(rate_text, f"line {line_number}, column {currency}")
            records.append(rate_record(currency, rate_date, rate_text, source_url))
    return records


def parse_xml(body: bytes, *, source_url: str | None = None) -> list[dict]:
    """A gesmes envelope (daily, 90 days or the whole history); one record per ``<Cube currency rate>``."""
    try:
        root = ElementTree.fromstring(body)
    except ParseError as error:
        raise ValueError(f"the ECB XML is not well-formed ({error}); it was probably cut short: "
                         f"{_DOWNLOAD_AGAIN}") from None
    if root.tag != f"{_GESMES}Envelope":
        raise ValueError(f"the XML is a <{root.tag}>, not the ECB's gesmes:Envelope of reference rates; "
                         f"{_DOWNLOAD_AGAIN}")
    records, dates_seen = [], set()
    for day in root.iter(f"{_EUROFXREF}Cube"):
        if "time" not in day.attrib:
            continue
        rate_date = _parse_date(day.attrib["time"], f"<Cube time={day.attrib['time']!r}>")
        if rate_date in dates_seen:
            raise ValueError(f"<Cube time={day.attrib['time']!r}> appears twice; check the file, or "
                             f"{_DOWNLOAD_AGAIN}")
        dates_seen.add(rate_date)
        for quote in day.findall(f"{_EUROFXREF}Cube"):
            currency, rate_text = quote.get("currency", ""), quote.get("rate", "").strip()
            where = f"<Cube time={day.attrib['time']!r}> <Cube currency={currency!r}>"
            if not _CURRENCY.fullmatch(currency):
                raise ValueError(f"{where}: not a currency code; check the file")
            if rate_text in _GAPS:
                continue
            _check_rate(rate_text, where)
            records.append(rate_record(currency, rate_date, rate_text, source_url))
    if not records:
        raise ValueError(f"the ECB XML holds no <Cube time=...> with rates; {_DOWNLOAD_AGAIN}")
    return records


def parse_zip(body: bytes, *, source_url: str | None = None) -> list[dict]:
    """``eurofxref-hist.zip`` or ``eurofxref.zip``: the one CSV inside."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            members = [name for name in archive.namelist() if name.lower().endswith(".csv")]
            if len(members) != 1:
                raise ValueError(f"the zip holds {archive.namelist()}, expected one ECB CSV "
                                 f"(eurofxref-hist.csv); {_DOWNLOAD_AGAIN}")
            if archive.getinfo(members[0]).file_size > _MAX_CSV_BYTES:
                raise ValueError(f"{members[0]} would unpack to {archive.getinfo(members[0]).file_size:,} bytes, "
                                 f"far more than the ECB's history (about 2 MB): not an ECB file; {_DOWNLOAD_AGAIN}")
            text = archive.read(members[0]).decode("utf-8")
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise ValueError(f"the zip is damaged or cut short ({error}); {_DOWNLOAD_AGAIN}") from None
    except UnicodeDecodeError:
        raise ValueError(f"the CSV inside the zip is not UTF-8 text; {_DOWNLOAD_AGAIN}") from None
    return parse_csv(text, source_url=source_url)


def parse(body: bytes, *, source_url: str | None = None) -> list[dict]:
    """Any ECB form, told apart by its first bytes: zip, gesmes XML, or CSV."""
    if not body.strip():
        raise ValueError(f"the file is empty; {_DOWNLOAD_AGAIN}")
    if body.startswith(b"PK"):
        return parse_zip(body, source_url=source_url)
    if looks_like_html(body):
        raise ValueError("got an HTML page, not ECB rates: the download was probably redirected to an error or "
                         f"consent page; {_DOWNLOAD_AGAIN}")
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return parse_xml(body, source_url=source_url)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"not a zip, XML or UTF-8 CSV: not an ECB rates file; {_DOWNLOAD_AGAIN}") from None
    return parse_csv(text, source_url=source_url)


def parse_file(path: Path) -> Iterator[dict]:
    """``adtrail parse ecb-fx FILE``: the records of a local ECB file, its ``file://`` URL as source_url."""
    yield from parse(Path(path).read_bytes(), source_url=Path(path).resolve().as_uri())

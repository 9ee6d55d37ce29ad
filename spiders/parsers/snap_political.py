"""Snap's political ads library: the yearly ``PoliticalAds.zip`` (one CSV and a readme), a file on disk in,
rows out, read by DuckDB's CSV reader (DESIGN.md, "Three kinds of parser input", kind 2).

Columns are known by their header, compared without case, spaces or punctuation (Snap's header changed over
the years: "Postal Codes (Included)", "Targeting Carrier (ISP)"...); a column no rule knows is kept in
``extra``. A file missing the columns every year has (ADID, Spend, Impressions, Currency Code) is refused.
Field meanings: Snap's readme (``../shared/realdata/snap/Snap_readme_2020.txt``).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

from spiders.parsers.zip_csvs import extracted_csvs


SOURCE = "snap_political"

# header key (lower case, letters and digits only) -> raw_snap_political column (migrations/095_snap.sql)
COLUMNS = {
    "adid": "ad_id", "creativeurl": "creative_url", "currencycode": "currency_code", "spend": "spend_text",
    "impressions": "impressions_text", "startdate": "start_date", "enddate": "end_date",
    "organizationname": "organization_name", "billingaddress": "billing_address",
    "candidateballotinformation": "candidate_ballot_information",
    "payingadvertisername": "paying_advertiser_name", "gender": "gender", "agebracket": "age_bracket",
    "countrycode": "country_code",
    "regionsincluded": "regions_included", "regionsexcluded": "regions_excluded",
    "electoraldistrictsincluded": "electoral_districts_included",
    "electoraldistrictsexcluded": "electoral_districts_excluded",
    "radiustargetingincluded": "radius_targeting_included", "radiustargetingexcluded": "radius_targeting_excluded",
    "metrosincluded": "metros_included", "metrosexcluded": "metros_excluded",
    "postalcodesincluded": "postal_codes_included", "postalcodesexcluded": "postal_codes_excluded",
    "postalcodeincluded": "postal_codes_included", "postalcodeexcluded": "postal_codes_excluded",
    "locationcategoriesincluded": "location_categories_included",
    "locationcategoriesexcluded": "location_categories_excluded",
    "locationcategoriesexlcuded": "location_categories_excluded",  # Snap's readme spells it so
    "interests": "interests", "ostype": "os_type", "segments": "segments", "language": "language",
    "advanceddemographics": "advanced_demographics", "targetingconnectiontype": "targeting_connection_type",
    "targetingcarrierisp": "targeting_carrier", "creativeproperties": "creative_properties",
}
REQUIRED = ("adid", "spend", "impressions", "currencycode")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


class SnapFileError(ValueError):
    """Not (a readable part of) Snap's political ads file; the message says what to do."""


def header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def year_of(*names: str | None) -> int | None:
    """The file's year from its URL or name (".../political/2018/PoliticalAds.zip", "PoliticalAds_2018")."""
    for name in names:
        if name and (match := _YEAR.search(name)):
            return int(match.group(1))
    return None


def sniff(path: Path) -> str:
    with open(path, "rb") as handle:
        start = handle.read(512)
    if start.startswith(b"PK\x03\x04"):
        return "zip"
    if start.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        opening = " ".join(start[:80].decode("utf-8", "replace").split())
        raise SnapFileError(f"{path.name} is an HTML or XML page (starting {opening!r}), not Snap's zip or CSV: "
                            "the year may not be published yet, or the URL changed; check the setting "
                            "SNAP_POLITICAL_URL_TEMPLATE and download again")
    return "csv"


@contextlib.contextmanager
def csv_members(path: Path, work_dir: Path | None = None) -> Iterator[list[tuple[str, Path]]]:
    """(member name, CSV on disk) for the CSVs of a Snap zip, or the CSV itself."""
    path = Path(path)
    if sniff(path) == "csv":
        yield [(path.name, path)]
        return
    with extracted_csvs(path, SnapFileError, again="download it again", not_this="it is not Snap's political ads file",
                        prefix="adtrail-snap-", work_dir=work_dir) as members:
        yield members


def csv_source(path: Path) -> str:
    quoted = "'" + str(path).replace("'", "''") + "'"
    return (f"read_csv({quoted}, header=true, all_varchar=true, delim=',', quote='\"', escape='\"', "
            "sample_size=-1, null_padding=false)")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def projection(member_name: str, header: list[str]) -> str:
    """SQL select list of raw_snap_political's own columns from a staged CSV with this header."""
    keys = {header_key(h): h for h in header}
    missing = [k for k in REQUIRED if k not in keys]
    if missing:
        raise SnapFileError(f"{member_name}: the header ({', '.join(header[:12])}) lacks {', '.join(missing)}; "
                            "it is not Snap's political ads file, or Snap changed the format: nothing of it was "
                            "loaded")
    chosen: dict[str, str] = {}
    extra = []
    for key, column in keys.items():
        if key in COLUMNS and COLUMNS[key] not in chosen:
            chosen[COLUMNS[key]] = column
        else:
            extra.append(column)
    select = [f"{_quote(chosen[c])} AS {c}" if c in chosen else f"NULL AS {c}" for c in dict.fromkeys(COLUMNS.values())]
    select += [f"TRY_CAST(replace(trim({_quote(chosen['spend_text'])}), ',', '') AS DECIMAL(18, 2)) AS spend",
               f"TRY_CAST(replace(trim({_quote(chosen['impressions_text'])}), ',', '') AS BIGINT) AS impressions"]
    pairs = ", ".join(f"'{e.replace(chr(39), chr(39) * 2)}', {_quote(e)}" for e in extra)
    select.append(f"json_object({pairs}) AS extra" if extra else "NULL::JSON AS extra")
    return ", ".join(select)


def parse_file(path: Path) -> Iterator[dict]:
    """``adtrail parse snap-political``: every row of a Snap zip or CSV, as the warehouse reads it."""
    import csv

    import duckdb

    con = duckdb.connect()
    try:
        with csv_members(Path(path)) as members:
            for name, csv_path in members:
                with open(csv_path, encoding="utf-8-sig", newline="") as handle:
                    header = next(csv.reader(handle), [])
                cursor = con.execute(f"SELECT row_number() OVER () AS row_number, {projection(name, header)} "
                                     f"FROM {csv_source(csv_path)}")
                columns = [d[0] for d in cursor.description]
                for row in cursor.fetchall():
                    item = dict(zip(columns, row))
                    item["spend"] = None if item["spend"] is None else str(item["spend"])
                    yield {"source": SOURCE, "file": Path(path).name, "member": name,
                           "file_year": year_of(name, Path(path).name), **item}
    finally:
        con.close()

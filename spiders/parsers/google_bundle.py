"""Google's political ads transparency bundle (``google-political-ads-transparency-bundle.zip``): a file on
disk in, rows out, read by DuckDB's own CSV reader (DESIGN.md, "Three kinds of parser input", kind 2).

The bundle is a zip of CSVs (field definitions: Google's README.txt inside the zip; the June 2019 one is
in ``../shared/realdata/google``, the current column lists in Google's BigQuery dataset
``bigquery-public-data.google_political_ads``). Each CSV is known by its file name, checked against its
header, or by its header alone when it was renamed. Nothing is read row by row in Python: a member is
extracted in chunks, staged with ``read_csv(all_varchar=true)`` and projected in SQL; Python only looks at
headers and at the few distinct bucket labels.

Amounts. Google converts each amount into every currency it publishes and rounds it; which currencies
appear changes between releases (HRK went, NZD, ILS, AUD, TWD, BRL, ARS, ZAR, CLP came), so currency
columns are discovered from the header: ``Spend_<ISO 4217>`` (a rounded amount) and, in creative-stats,
``Spend_Range_Min_<ISO>`` / ``Spend_Range_Max_<ISO>`` (a range) and the deprecated ``Spend_<ISO>`` label
(a bucket such as ``≤ 100`` or ``1k-50k``). Labels are parsed by :func:`parse_bucket`'s grammar, never
guessed: a label it does not know keeps NULL bounds and is counted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

SOURCE = "google_political_bundle"
ITEM_KIND = "google_bundle_row"
_CHUNK = 1 << 20


def header_key(name: str) -> str:
    """Header names compared without case, spaces or punctuation: ``Report_Data_Updated_Time (PT)``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass(frozen=True)
class FileKind:
    """One CSV of the bundle: its file name, raw table, fixed columns and how it is recognised."""

    name: str  # e.g. "advertiser-weekly-spend"
    file_name: str  # as Google names it inside the zip
    table: str  # raw table in the warehouse (warehouse/migrations/050_google.sql)
    columns: dict[str, str]  # header_key -> raw column
    signature: tuple[str, ...]  # header keys that identify the file by its header alone
    amounts: str = "none"  # "rounded" (Spend_XXX), "range" (creative-stats) or "none"
    grain: str | None = None  # what one row's amount covers, for google_spend_observation
    excludes: tuple[str, ...] = ()  # header keys that rule this kind out (geo-spend has no advertiser)


_ADVERTISER = {"advertiserid": "advertiser_id", "advertisername": "advertiser_name"}
KINDS: tuple[FileKind, ...] = (
    FileKind("creative-stats", "google-political-ads-creative-stats.csv", "raw_google_creative_stats", {
        "adid": "ad_id", "adurl": "ad_url", "adtype": "ad_type", "regions": "regions", **_ADVERTISER,
        "daterangestart": "date_range_start", "daterangeend": "date_range_end", "numofdays": "num_of_days",
        "adcampaignslist": "ad_campaigns_list", "impressions": "impressions",
        "firstservedtimestamp": "first_served_timestamp", "lastservedtimestamp": "last_served_timestamp",
        "agetargeting": "age_targeting", "gendertargeting": "gender_targeting",
        "geotargetingincluded": "geo_targeting_included", "geotargetingexcluded": "geo_targeting_excluded",
    }, ("adid", "adurl"), "range", "ad_lifetime"),
    FileKind("advertiser-weekly-spend", "google-political-ads-advertiser-weekly-spend.csv",
             "raw_google_advertiser_weekly_spend", {
                 **_ADVERTISER, "electioncycle": "election_cycle", "weekstartdate": "week_start_date",
             }, ("advertiserid", "weekstartdate"), "rounded", "advertiser_week"),
    FileKind("advertiser-geo-spend", "google-political-ads-advertiser-geo-spend.csv",
             "raw_google_advertiser_geo_spend", {
                 **_ADVERTISER, "country": "country", "countrysubdivisionprimary": "country_subdivision_primary",
             }, ("advertiserid", "country"), "rounded", "advertiser_region_lifetime"),
    FileKind("advertiser-stats", "google-political-ads-advertiser-stats.csv", "raw_google_advertiser_stats", {
        **_ADVERTISER, "publicidslist": "public_ids_list", "regions": "regions", "elections": "elections",
        "totalcreatives": "total_creatives",
    }, ("advertiserid", "totalcreatives"), "rounded", "advertiser_lifetime"),
    FileKind("geo-spend", "google-political-ads-geo-spend.csv", "raw_google_geo_spend", {
        "country": "country", "countrysubdivisionprimary": "country_subdivision_primary",
        "countrysubdivisionsecondary": "country_subdivision_secondary",
    }, ("country", "countrysubdivisionprimary"), "rounded", "region_lifetime", excludes=("advertiserid",)),
    FileKind("advertiser-declared-stats", "google-political-ads-advertiser-declared-stats.csv",
             "raw_google_advertiser_declared_stats", {
                 "advertiserid": "advertiser_id", "region": "region",
                 "advertiserdeclaredname": "advertiser_declared_name",
                 "advertiserdeclaredregulatoryid": "advertiser_declared_regulatory_id",
                 "advertiserdeclaredscope": "advertiser_declared_scope",
                 # New Zealand promoter statement: "NZ_Advertiser_Declared_*" in the zip's README,
                 # "Advertiser_Declared_Promoter_*" in Google's BigQuery copy of the same file.
                 "nzadvertiserdeclaredname": "advertiser_declared_promoter_name",
                 "advertiserdeclaredpromotername": "advertiser_declared_promoter_name",
                 "nzadvertiserdeclaredaddress": "advertiser_declared_promoter_address",
                 "advertiserdeclaredpromoteraddress": "advertiser_declared_promoter_address",
             }, ("advertiserid", "advertiserdeclaredname")),
    FileKind("updated", "google-political-ads-updated.csv", "raw_google_updated", {
        # "Report_Data_Updated_Date" (a UTC date, README 2020) or "Report_Data_Updated_Time (PT)"
        # (Pacific time, current): the header itself is kept, since it says which.
        "reportdataupdateddate": "report_data_updated", "reportdataupdatedtimept": "report_data_updated",
        "reportdataupdatedtime": "report_data_updated",
    }, ("reportdataupdated*",)),
    FileKind("advertiser-id-mapping", "advertiser_id_mapping.csv", "raw_google_id_mapping", {
        "oldadvertiserid": "old_id", "newadvertiserid": "new_id",
    }, ("oldadvertiserid", "newadvertiserid")),
    FileKind("creative-id-mapping", "creative_id_mapping.csv", "raw_google_id_mapping", {
        "oldcreativeid": "old_id", "newcreativeid": "new_id",
    }, ("oldcreativeid", "newcreativeid")),
    # Deprecated by Google (campaign targeting moved into creative-stats in April 2020; top keywords ended
    # in December 2019) but still in older bundles: kept whole, one JSON record per row.
    FileKind("campaign-targeting", "google-political-ads-campaign-targeting.csv", "raw_google_other", {},
             ("campaignid", "adslist")),
    FileKind("top-keywords-history", "google-political-ads-top-keywords-history.csv", "raw_google_other", {},
             ("keyword1", "spendusd1")),
)
KIND_BY_NAME = {kind.name: kind for kind in KINDS}
OTHER = FileKind("other", "", "raw_google_other", {}, ())

_ROUNDED = re.compile(r"^Spend_([A-Z]{3})$", re.IGNORECASE)
_RANGE = re.compile(r"^Spend_Range_(Min|Max)_([A-Z]{3})$", re.IGNORECASE)


class BundleError(ValueError):
    """A file that is not (a readable part of) Google's bundle; the message says what to do."""


@dataclass
class Member:
    """One CSV of the bundle, staged: its kind and how its header maps onto raw columns."""

    name: str  # the member's name inside the zip (or the CSV's own name)
    kind: FileKind
    header: list[str]
    fixed: dict[str, str] = field(default_factory=dict)  # raw column -> CSV header
    rounded: dict[str, str] = field(default_factory=dict)  # currency -> CSV header of Spend_XXX
    range_min: dict[str, str] = field(default_factory=dict)
    range_max: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)  # currency -> deprecated bucket label column
    extra: list[str] = field(default_factory=list)  # headers no rule knows: kept as JSON
    updated_header: str | None = None  # the updated file's header (which time zone)


def _signature_matches(kind: FileKind, keys: set[str]) -> bool:
    def has(wanted: str) -> bool:
        return any(k.startswith(wanted[:-1]) for k in keys) if wanted.endswith("*") else wanted in keys
    return all(has(w) for w in kind.signature) and not any(has(w) for w in kind.excludes)


def identify(member_name: str, header: list[str]) -> FileKind:
    """Which bundle file this is: by its name, checked against its header; by its header if renamed."""
    keys = {header_key(h) for h in header}
    base = Path(member_name).name.lower()
    for kind in KINDS:
        if base == kind.file_name:
            if not _signature_matches(kind, keys):
                raise BundleError(
                    f"{member_name} is named like Google's {kind.name} file but its header ({', '.join(header)}) "
                    f"lacks {', '.join(kind.signature)}; download the bundle again")
            return kind
    for kind in KINDS:
        if _signature_matches(kind, keys):
            return kind
    return OTHER


def classify(member_name: str, header: list[str]) -> Member:
    """Map a member's header onto its raw table: fixed columns, currency columns, the rest as extra."""
    member = Member(member_name, identify(member_name, header), header)
    for column in header:
        key = header_key(column)
        rounded, ranged = _ROUNDED.match(column), _RANGE.match(column)
        if key in member.kind.columns and member.kind.columns[key] not in member.fixed:
            member.fixed[member.kind.columns[key]] = column
            if member.kind.name == "updated":
                member.updated_header = column
        elif ranged and member.kind.amounts == "range":
            side = member.range_min if ranged.group(1).lower() == "min" else member.range_max
            side[ranged.group(2).upper()] = column
        elif rounded and member.kind.amounts == "range":
            member.buckets[rounded.group(1).upper()] = column  # deprecated label, e.g. "1k-50k"
        elif rounded and member.kind.amounts == "rounded":
            member.rounded[rounded.group(1).upper()] = column
        else:
            member.extra.append(column)
    return member


# ---------------------------------------------------------------- buckets

_NUMBER = r"(\d+(?:\.\d+)?)([KMB]?)"
_SCALE = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}


def _number(digits: str, suffix: str) -> int:
    return int(Decimal(digits) * _SCALE[suffix])


def parse_bucket(label: str | None) -> tuple[int | None, int | None, bool | None]:
    """A bucket label as (low, high, open_ended); (None, None, None) for a label the grammar does not know.

    Grammar (Google's README: impressions "≤ 10k, 10k–100k, 100k–1M, 1M–10M, > 10M"; the deprecated
    creative Spend_USD labels are written the same way): an optional comparison (≤ <= < ≥ >= >), numbers
    with an optional k/M/B multiplier, a hyphen or en dash between two bounds, a trailing "+" for an open
    top; spaces and thousands separators are ignored. "≤ X" is 0..X; "> X", "≥ X" and "X+" are open at
    the top (at least X); a bare number is exact.
    """
    if label is None:
        return None, None, None
    text = re.sub(r"[\s,\u00a0]", "", label).upper().replace("–", "-").replace("—", "-").replace("US$", "")
    text = text.replace("$", "")
    if match := re.fullmatch(rf"(?:≤|<=|<){_NUMBER}", text):
        return 0, _number(*match.groups()), False
    if match := re.fullmatch(rf"(?:≥|>=|>){_NUMBER}|{_NUMBER}\+", text):
        digits = match.group(1) or match.group(3)
        return _number(digits, match.group(2) if match.group(1) else match.group(4)), None, True
    if match := re.fullmatch(rf"{_NUMBER}-{_NUMBER}", text):
        low, high = _number(*match.groups()[:2]), _number(*match.groups()[2:])
        return (low, high, False) if low <= high else (None, None, None)
    if match := re.fullmatch(_NUMBER, text):
        value = _number(*match.groups())
        return value, value, False
    return None, None, None


# ---------------------------------------------------------------- reading


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def csv_source(path: Path) -> str:
    """The DuckDB reader over one CSV: every field as text, so nothing is typed by a guess."""
    return (f"read_csv({_sql_text(str(path))}, header=true, all_varchar=true, delim=',', quote='\"', "
            "escape='\"', sample_size=-1)")


def is_zip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


@contextlib.contextmanager
def member_files(path: Path, work_dir: Path | None = None) -> Iterator[Iterator[tuple[str, Path]]]:
    """(member name, CSV path on disk) for each CSV of a bundle zip, or the one CSV itself.

    A zip member is extracted in 1 MiB chunks into a temporary folder (DuckDB reads files, not zip
    members) and deleted as soon as the next member is asked for.
    """
    path = Path(path)
    if not is_zip(path):
        yield iter([(path.name, path)])
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise BundleError(f"not a readable zip ({error}); the download was probably cut short: "
                          "crawl again, it resumes where it stopped") from None
    with archive, tempfile.TemporaryDirectory(prefix="adtrail-google-", dir=work_dir) as scratch:
        csv_members = [i for i in archive.infolist() if not i.is_dir() and i.filename.lower().endswith(".csv")]
        if not csv_members:
            names = ", ".join(archive.namelist()[:5]) or "nothing"
            raise BundleError(f"the zip holds no CSV (it has {names}); it is not Google's bundle: check the "
                              "download URL (setting GOOGLE_BUNDLE_URL) or the file given")

        def extract() -> Iterator[tuple[str, Path]]:
            for info in csv_members:
                target = Path(scratch) / "member.csv"
                try:
                    with archive.open(info) as source, open(target, "wb") as sink:
                        shutil.copyfileobj(source, sink, _CHUNK)
                except (zipfile.BadZipFile, OSError, EOFError) as error:
                    raise BundleError(f"{info.filename} in the zip cannot be read ({error}); "
                                      "download the bundle again") from None
                yield info.filename, target
                target.unlink(missing_ok=True)
        yield extract()


def stage(con, csv_path: Path, member_name: str, table: str = "google_stage", *, lone_file: bool = False) -> Member:
    """Stage one CSV as a temporary table (row_number first, then every column as text) and classify it.

    A CSV inside the bundle that no rule knows is kept whole (kind ``other``); a file given on its own
    must be one of the bundle's, else it is refused.
    """
    con.execute(f"DROP TABLE IF EXISTS {table}")
    try:
        con.execute(f"CREATE TEMP TABLE {table} AS SELECT row_number() OVER () AS row_number, * "
                    f"FROM {csv_source(csv_path)}")
    except Exception as error:  # duckdb raises several error classes for unreadable CSV
        raise BundleError(f"{member_name} is not a readable CSV ({str(error).splitlines()[0]}); "
                          "download the bundle again") from None
    header = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()][1:]
    member = classify(member_name, header)
    if member.kind is OTHER and lone_file:
        raise BundleError(f"{member_name} is not one of the files of Google's political ads bundle (header: "
                          f"{', '.join(member.header[:8])}); give the bundle zip or one of its CSVs")
    _check_whole_numbers(con, member, table)
    return member


def _check_whole_numbers(con, member: Member, table: str) -> None:
    columns = [*member.rounded.values(), *member.range_min.values(), *member.range_max.values()]
    if not columns:
        return
    probes = " UNION ALL ".join(
        f"(SELECT row_number, {_sql_text(c)}, {_quote(c)} FROM {table} WHERE {_quote(c)} IS NOT NULL "
        f"AND TRY_CAST({_quote(c)} AS BIGINT) IS NULL LIMIT 1)" for c in columns)
    found = con.execute(f"SELECT * FROM ({probes}) ORDER BY 1 LIMIT 1").fetchall()
    bad = found[0] if found else None
    if bad:
        raise BundleError(f"{member.name} row {bad[0]}: {bad[1]} is {bad[2]!r}, not a whole amount; Google "
                          "publishes whole currency units, so the file is damaged or not Google's: download "
                          "it again")


def _map(entries: dict[str, str], cast: str | None) -> str:
    if not entries:
        return "NULL"
    value = (lambda c: f"CAST({_quote(c)} AS {cast})") if cast else _quote
    return "MAP {" + ", ".join(f"{_sql_text(cur)}: {value(col)}" for cur, col in sorted(entries.items())) + "}"


def raw_projection(member: Member, columns: list[str]) -> str:
    """SQL select list giving ``columns`` (the raw table's non-provenance columns) from the staged table."""
    exprs = {
        raw: _quote(csv) for raw, csv in member.fixed.items()
    } | {
        "spend": _map(member.rounded, "BIGINT"),
        "spend_range_min": _map(member.range_min, "BIGINT"),
        "spend_range_max": _map(member.range_max, "BIGINT"),
        "spend_buckets": _map(member.buckets, None),
        "updated_header": _sql_text(member.updated_header) if member.updated_header else "NULL",
        "mapping_kind": _sql_text(member.kind.name.removesuffix("-id-mapping")),
        "member": _sql_text(member.name),
        "file_kind": _sql_text(member.kind.name),
        "extra": ("json_object(" + ", ".join(f"{_sql_text(c)}, {_quote(c)}" for c in member.extra) + ")"
                  if member.extra else "NULL"),
    }
    if member.kind.table == "raw_google_other":
        everything = ", ".join(f"{_sql_text(c)}, {_quote(c)}" for c in member.header)
        exprs["record"] = f"json_object({everything})"
    return ", ".join(f"{exprs.get(name, 'NULL')} AS {_quote(name)}" for name in columns)


# ---------------------------------------------------------------- adtrail parse google-bundle


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# The columns `adtrail parse` prints for each kind: what the raw table holds, without provenance.
PARSE_COLUMNS = ("file_kind", "member", *sorted({c for k in KINDS for c in k.columns.values()}),
                 "spend", "spend_range_min", "spend_range_max", "spend_buckets", "updated_header",
                 "mapping_kind", "record", "extra")


def parse_google_bundle(path: Path, *, batch_rows: int = 10_000) -> Iterator[dict]:
    """Every row of every CSV of a bundle zip (or of one of its CSVs) as an item, read by DuckDB.

    The same reader the warehouse loads with; the items carry the file's provenance (file:// URL,
    modification time, sha256) and, for creative-stats, the parsed impression and spend buckets.
    """
    import duckdb

    path = Path(path)
    provenance = {
        "item_kind": ITEM_KIND, "source": SOURCE, "crawl_id": None, "source_url": path.resolve().as_uri(),
        "fetched_at": dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat(),
        "file_sha256": file_sha256(path),
    }
    con = duckdb.connect()
    try:
        with member_files(path) as members:
            for name, csv_path in members:
                member = stage(con, csv_path, name, lone_file=not is_zip(path))
                buckets = _bucket_columns(member)
                cursor = con.execute(
                    f"SELECT row_number, {raw_projection(member, list(PARSE_COLUMNS))} FROM google_stage "
                    "ORDER BY row_number")
                names = [d[0] for d in cursor.description]
                while rows := cursor.fetchmany(batch_rows):
                    for row in rows:
                        item = {**provenance, **{k: v for k, v in zip(names, row) if v is not None}}
                        for label_field, label in buckets(item):
                            low, high, open_ended = parse_bucket(label)
                            item[f"{label_field}_low"], item[f"{label_field}_high"] = low, high
                            item[f"{label_field}_open_ended"] = open_ended
                        yield json.loads(json.dumps(item, default=str))
    finally:
        con.close()


def _bucket_columns(member: Member):
    def labels(item: dict):
        if member.kind.name != "creative-stats":
            return []
        found = [("impressions", item.get("impressions"))]
        found += [(f"spend_bucket_{cur.lower()}", label) for cur, label in (item.get("spend_buckets") or {}).items()]
        return [(name, label) for name, label in found if label is not None]
    return labels

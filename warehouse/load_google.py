"""Load Google's political ads bundle from a crawl folder (or a file) into the warehouse.

raw_google_* get every row of every CSV as Google wrote it, with provenance; google_spend_observation gets
one observation per row that carries money, and google_spend_amount every currency of it (the rules, and
how Google's rounding becomes a range, are in migrations/050_google.sql). Everything is read and computed by
DuckDB (spiders/parsers/google_bundle.py stages each CSV with read_csv); Python only steers, and parses the
handful of distinct bucket labels. One (snapshot, source) is deleted and rewritten in one transaction, so
loading the same input twice changes nothing, and a failed load leaves what was there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from spiders.parsers import google_bundle as bundle
from warehouse.bulk_guard import (BulkLoadError, BulkLoadResult, bulk_file_entries, checked_bulk_file,
                                  failed_crawl_error, one_transaction, record_snapshot_source, require_running,
                                  snapshot_holding)
from warehouse.core import delete_core
from warehouse.crawl_folder import CrawlManifest, read_manifest
from warehouse.db import fetch_one

SOURCE = bundle.SOURCE
_PROVENANCE = ("snapshot_id", "source", "crawl_id", "source_url", "fetched_at", "file_sha256", "member",
               "file_kind", "row_number")
GOOGLE_TABLES = tuple(sorted({k.table for k in bundle.KINDS})) + ("google_spend_observation",
                                                                   "google_spend_amount")


class GoogleLoadError(BulkLoadError):
    """Google's bundle: a crawl folder or file that cannot be loaded."""


@dataclass
class GoogleLoadResult(BulkLoadResult):
    source: str = SOURCE
    rows: dict[str, int] = field(default_factory=dict)  # file kind -> raw rows
    observations: int = 0
    amounts: int = 0
    unparsed_labels: dict[str, int] = field(default_factory=dict)  # bucket label the grammar lacks -> rows
    unknown_members: list[str] = field(default_factory=list)  # CSVs kept whole in raw_google_other

    @property
    def items_loaded(self) -> int:
        return sum(self.rows.values())

    @property
    def message(self) -> str:
        return self.summary()

    def summary(self) -> str:
        if unloaded := self.unloaded_message():
            return unloaded
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.rows.items()))
        text = f"{self.source}: {self.items_loaded} rows ({kinds}); {self.observations} spend observations"
        if self.unparsed_labels:
            shown = dict(sorted(self.unparsed_labels.items(), key=lambda kv: -kv[1])[:5])
            text += (f"; {len(self.unparsed_labels)} bucket labels not understood, bounds left empty "
                     f"(most frequent: {shown})")
        if self.unknown_members:
            text += f"; CSVs not known, kept whole: {', '.join(self.unknown_members)}"
        return text


def _table_columns(con, table: str) -> list[str]:
    return [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()]


def _delete(con, snapshot_id: int, source: str) -> None:
    for table in GOOGLE_TABLES:
        con.execute(f"DELETE FROM {table} WHERE snapshot_id = ? AND source = ?", [snapshot_id, source])
    delete_core(con, snapshot_id, source)


def load_google_file(con, snapshot_id: int, path: Path, *, source: str = SOURCE, crawl_id: str | None = None,
                     source_url: str | None = None, fetched_at: str | None = None, sha256: str | None = None,
                     work_dir: Path | None = None, transaction: bool = True) -> GoogleLoadResult:
    """Replace (snapshot_id, source)'s Google rows with those of one bundle zip, or one of its CSVs."""
    path = Path(path)
    if not path.is_file():
        raise GoogleLoadError(f"{path}: no such file")
    result = GoogleLoadResult(snapshot_id, source)
    provenance = {
        "snapshot_id": snapshot_id, "source": source, "crawl_id": crawl_id,
        "source_url": source_url or path.resolve().as_uri(),
        "fetched_at": fetched_at or dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat(),
        "file_sha256": sha256 or bundle.file_sha256(path),
    }
    with one_transaction(con, own=transaction):
        _delete(con, snapshot_id, source)
        loaded_at = dt.datetime.now(dt.UTC).isoformat()
        with bundle.member_files(path, work_dir) as members:
            for name, csv_path in members:
                member = bundle.stage(con, csv_path, name, lone_file=not bundle.is_zip(path))
                if member.kind is bundle.OTHER:
                    result.unknown_members.append(name)
                _insert_raw(con, member, provenance, loaded_at)
                rows = fetch_one(con, "SELECT count(*) FROM google_stage")[0]
                result.rows[member.kind.name] = result.rows.get(member.kind.name, 0) + rows
                if member.kind.grain:
                    _insert_amounts(con, member, provenance, result)
        con.execute("DROP TABLE IF EXISTS google_stage")
        _insert_observations(con, provenance)
        # core_ad and core_ad_country_reach from creative-stats: the SQL is in migrations/050_google.sql
        con.execute("INSERT INTO core_ad BY NAME SELECT * FROM google_core_ad(?, ?)", [snapshot_id, source])
        con.execute("INSERT INTO core_ad_country_reach BY NAME SELECT * FROM google_core_ad_country(?, ?)",
                    [snapshot_id, source])
        result.observations, result.amounts = fetch_one(
            con, "SELECT (SELECT count(*) FROM google_spend_observation WHERE snapshot_id = $1 AND source = $2), "
            "(SELECT count(*) FROM google_spend_amount WHERE snapshot_id = $1 AND source = $2)", [snapshot_id, source])
    return result


def _insert_raw(con, member: bundle.Member, provenance: dict, loaded_at: str) -> None:
    table = member.kind.table
    columns = _table_columns(con, table)
    own = [c for c in columns if c not in _PROVENANCE and c != "loaded_at"]
    values = {**provenance, "member": member.name, "file_kind": member.kind.name}
    params = [values[c] for c in _PROVENANCE if c != "row_number"]
    placeholders = ", ".join("?" for _ in params)
    fixed = ", ".join(c for c in _PROVENANCE if c != "row_number")
    con.execute(
        f"INSERT INTO {table} ({fixed}, row_number, {', '.join(own)}, loaded_at) "
        f"SELECT {placeholders}, row_number, {bundle.raw_projection(member, own)}, ?::TIMESTAMPTZ "
        "FROM google_stage", [*params, loaded_at])


def _labels_table(con, labels: list[str | None], name: str, result: GoogleLoadResult, counts: dict) -> None:
    """The distinct bucket labels of a column, parsed once each by the bucket grammar."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (label VARCHAR, low BIGINT, high BIGINT, open_ended BOOLEAN)")
    parsed = [(label, *bundle.parse_bucket(label)) for label in labels if label is not None]
    if parsed:
        con.executemany(f"INSERT INTO {name} VALUES (?, ?, ?, ?)", parsed)
    for label, low, *_ in parsed:
        if low is None:
            result.unparsed_labels[label] = result.unparsed_labels.get(label, 0) + counts[label]


def _insert_amounts(con, member: bundle.Member, provenance: dict, result: GoogleLoadResult) -> None:
    key = [provenance["snapshot_id"], provenance["source"], member.name]
    where = "snapshot_id = $1 AND source = $2 AND member = $3"
    table = member.kind.table
    if member.kind.amounts == "rounded":
        con.execute(f"""
            INSERT INTO google_spend_amount
            WITH entries AS (
                SELECT snapshot_id, source, member, row_number, unnest(map_entries(spend)) AS e
                FROM {table} WHERE {where}),
            amounts AS (
                SELECT *, e.key AS currency, e.value AS amount FROM entries WHERE e.value IS NOT NULL),
            steps AS (
                SELECT currency, NULLIF(list_reduce(list(amount) FILTER (WHERE amount > 0),
                                                    lambda a, b: gcd(a, b), 0), 0) AS step
                FROM amounts GROUP BY currency)
            SELECT snapshot_id, source, member, row_number, currency, 'rounded', amount,
                   CASE WHEN step IS NULL THEN 0 ELSE greatest(0, amount - step / 2) END,
                   amount + step / 2, amount, false, step, NULL
            FROM amounts JOIN steps USING (currency)""", key)
        return
    # creative-stats: Spend_Range_Min/Max per currency, or the deprecated bucket label where no range exists
    con.execute(f"""
        INSERT INTO google_spend_amount
        WITH entries AS (
            SELECT snapshot_id, source, member, row_number, spend_range_max,
                   unnest(map_entries(spend_range_min)) AS e
            FROM {table} WHERE {where})
        SELECT snapshot_id, source, member, row_number, e.key, 'range', NULL, e.value,
               spend_range_max[e.key], CASE WHEN spend_range_max[e.key] IS NULL THEN e.value
                                            ELSE (e.value + spend_range_max[e.key]) / 2 END,
               spend_range_max[e.key] IS NULL, NULL, NULL
        FROM entries WHERE e.value IS NOT NULL""", key)
    label_counts = dict(con.execute(f"""
        SELECT e.value, count(*) FROM (SELECT unnest(map_entries(spend_buckets)) AS e FROM {table}
        WHERE {where}) GROUP BY 1""", key).fetchall())
    _labels_table(con, list(label_counts), "google_spend_labels", result, label_counts)
    con.execute(f"""
        INSERT INTO google_spend_amount
        WITH entries AS (
            SELECT snapshot_id, source, member, row_number, spend_range_min, unnest(map_entries(spend_buckets)) AS e
            FROM {table} WHERE {where})
        SELECT snapshot_id, source, member, row_number, e.key, 'bucket', NULL, l.low, l.high,
               CASE WHEN l.open_ended THEN l.low ELSE (l.low + l.high) / 2 END, l.open_ended, NULL, e.value
        FROM entries JOIN google_spend_labels AS l ON l.label = e.value
        WHERE spend_range_min[e.key] IS NULL""", key)


# What each grain's observation says about who, where and when, from its raw table's columns.
_GRAIN_COLUMNS = {
    "ad_lifetime": ("advertiser_id", "advertiser_name", "ad_id", "NULL", "NULL", "NULL",
                    "TRY_CAST(date_range_start AS DATE)", "TRY_CAST(date_range_end AS DATE)"),
    "advertiser_week": ("advertiser_id", "advertiser_name", "NULL", "NULL", "NULL", "NULL",
                        "TRY_CAST(week_start_date AS DATE)", "TRY_CAST(week_start_date AS DATE) + 6"),
    "advertiser_lifetime": ("advertiser_id", "advertiser_name", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"),
    "advertiser_region_lifetime": ("advertiser_id", "advertiser_name", "NULL", "country",
                                   "country_subdivision_primary", "NULL", "NULL", "NULL"),
    "region_lifetime": ("NULL", "NULL", "NULL", "country", "country_subdivision_primary",
                        "country_subdivision_secondary", "NULL", "NULL"),
}


def _insert_observations(con, provenance: dict) -> None:
    key = [provenance["snapshot_id"], provenance["source"]]
    for kind in bundle.KINDS:
        if not kind.grain:
            continue
        who = ", ".join(_GRAIN_COLUMNS[kind.grain])
        impressions = "NULL, NULL, NULL"
        labels = ""
        if kind.name == "creative-stats":
            label_counts = dict(con.execute(
                "SELECT impressions, count(*) FROM raw_google_creative_stats WHERE snapshot_id = $1 "
                "AND source = $2 GROUP BY 1", key).fetchall())
            result = GoogleLoadResult(0)
            _labels_table(con, list(label_counts), "google_impression_labels", result, label_counts)
            labels = "LEFT JOIN google_impression_labels AS i ON i.label = r.impressions"
            impressions = "i.low, i.high, i.open_ended"
        con.execute(f"""
            INSERT INTO google_spend_observation
            WITH usd AS (SELECT * FROM google_spend_amount WHERE snapshot_id = $1 AND source = $2
                         AND currency = 'USD'),
                 counted AS (SELECT member, row_number, count(*) AS currencies FROM google_spend_amount
                             WHERE snapshot_id = $1 AND source = $2 GROUP BY ALL),
                 updated AS (SELECT min(report_data_updated) AS as_of FROM raw_google_updated
                             WHERE snapshot_id = $1 AND source = $2)
            SELECT r.snapshot_id, r.source, r.crawl_id, r.file_sha256, r.member, r.file_kind, r.row_number,
                   {_sql(kind.grain)}, {who}, (SELECT as_of FROM updated), 'disclosed',
                   coalesce(usd.spend_kind, 'none'), usd.amount_low, usd.amount_high, usd.amount_estimate,
                   usd.open_ended, usd.rounding_step, 'platform', {impressions},
                   coalesce(counted.currencies, 0)
            FROM {kind.table} AS r
            LEFT JOIN usd USING (member, row_number)
            LEFT JOIN counted USING (member, row_number)
            {labels}
            WHERE r.snapshot_id = $1 AND r.source = $2 AND r.file_kind = {_sql(kind.name)}""", key)


def _sql(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# ---------------------------------------------------------------- crawl folders


def bundle_file_entry(manifest: CrawlManifest) -> dict | None:
    """The manifest's (last) bulk file entry, checked against the file on disk (size and sha256)."""
    entries = bulk_file_entries(manifest)
    return checked_bulk_file(manifest, entries[-1], error=GoogleLoadError) if entries else None


def load_google_crawl(con, snapshot_id: int, crawl_dir: Path, *, work_dir: Path | None = None,
                      accept_unfinished: bool = False) -> GoogleLoadResult:
    """Load a google_political_bundle crawl folder into a running snapshot and record it in snapshot_source.

    The same rules as warehouse.load.load_crawl: the same crawl (crawl_id and manifest sha256) already in a
    complete snapshot, or in this one, changes nothing; a crawl still ``running`` is refused unless
    ``accept_unfinished``. A failed crawl (its manifest says why, e.g. an HTML page served instead of the
    zip) loads no rows and is recorded as failed, so nothing is inferred from it.
    """
    manifest = read_manifest(crawl_dir)
    held = snapshot_holding(con, snapshot_id, manifest, accept_unfinished=accept_unfinished)
    if held is not None:
        return GoogleLoadResult(held, manifest.source, skipped=True)
    require_running(con, snapshot_id)
    entry = bundle_file_entry(manifest) if manifest.status == "complete" else None
    with one_transaction(con):
        if entry is None:
            _delete(con, snapshot_id, manifest.source)
            result = GoogleLoadResult(snapshot_id, manifest.source, status="failed",
                                      error=failed_crawl_error(manifest, "bundle file"))
        else:
            result = load_google_file(
                con, snapshot_id, entry["path"], source=manifest.source, crawl_id=manifest.crawl_id,
                source_url=entry.get("source_url"), fetched_at=entry.get("fetched_at"), sha256=entry["sha256"],
                work_dir=work_dir, transaction=False)
        record_snapshot_source(con, snapshot_id, manifest, status=result.status, error=result.error,
                               items_loaded=result.items_loaded,
                               counts={**{f"rows_{kind}": n for kind, n in result.rows.items()},
                                       "observations": result.observations})
    return result

"""Load Snap's political ads files (one zip per year) from a crawl folder, or a file, into the warehouse.

raw_snap_political gets every row of every year's CSV (read by DuckDB's read_csv through
spiders/parsers/snap_political.py, never row by row in Python), with the country Snap writes ("united
states") mapped to ISO 3166-1 through analysis/countries.py (the few distinct values, once each); core_ad,
core_ad_country_reach and core_ad_payer are built by the SQL of migrations/095_snap.sql. One (snapshot,
source) is deleted and rewritten in one transaction: loading the same input twice changes nothing, a failed
load leaves what was there, and a failed crawl loads no rows and is recorded as failed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from analysis.countries import country_code
from spiders.parsers import snap_political as snap
from warehouse.bulk_guard import (BulkLoadError, BulkLoadResult, checked_bulk_files, failed_crawl_error,
                                  one_transaction, record_snapshot_source, require_running, snapshot_holding)
from warehouse.core import delete_core
from warehouse.crawl_folder import read_manifest
from warehouse.db import fetch_one

SOURCE = snap.SOURCE


class SnapLoadError(BulkLoadError):
    """Snap's political ads files: a crawl folder or file that cannot be loaded."""


@dataclass
class SnapLoadResult(BulkLoadResult):
    source: str = SOURCE
    rows: int = 0
    ads: int = 0
    unparsed_amounts: int = 0  # rows whose spend or impressions is not a number (kept as text)
    unknown_countries: tuple[str, ...] = ()

    @property
    def items_loaded(self) -> int:
        return self.rows

    @property
    def message(self) -> str:
        if unloaded := self.unloaded_message():
            return unloaded
        text = f"{self.source}: {self.rows} rows, {self.ads} ads"
        if self.unparsed_amounts:
            text += f"; {self.unparsed_amounts} rows with a spend or impressions that is not a number (kept as text)"
        if self.unknown_countries:
            text += f"; countries not in the ISO table: {', '.join(self.unknown_countries)}"
        return text


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _delete(con, snapshot_id: int, source: str) -> None:
    con.execute("DELETE FROM raw_snap_political WHERE snapshot_id = ? AND source = ?", [snapshot_id, source])
    delete_core(con, snapshot_id, source)


def load_snap_files(con, snapshot_id: int, files: list[dict], *, source: str = SOURCE, crawl_id: str | None = None,
                    transaction: bool = True) -> SnapLoadResult:
    """Replace (snapshot_id, source)'s Snap rows with those of the files: [{"path", "source_url", "fetched_at",
    "sha256"}], one per year."""
    result = SnapLoadResult(snapshot_id, source)
    with one_transaction(con, own=transaction):
        _delete(con, snapshot_id, source)
        for entry in files:
            _insert_file(con, snapshot_id, source, crawl_id, entry)
        _map_countries(con, snapshot_id, source, result)
        con.execute("INSERT INTO core_ad BY NAME SELECT * FROM snap_core_ad(?, ?)", [snapshot_id, source])
        con.execute("""
            INSERT INTO core_ad_country_reach BY NAME
            SELECT DISTINCT a.snapshot_id, a.platform, a.ad_key, a.source, r.country, NULL::BIGINT AS reach
            FROM core_ad AS a JOIN raw_snap_political AS r
              ON r.snapshot_id = a.snapshot_id AND r.source = a.source AND r.ad_id = a.ad_id
            WHERE a.snapshot_id = $1 AND a.source = $2 AND r.country IS NOT NULL""", [snapshot_id, source])
        con.execute("""
            INSERT INTO core_ad_payer BY NAME
            SELECT snapshot_id, platform, ad_key, source, payer_name, NULL AS beneficiary_name, true AS is_current,
                   'paying_advertiser_name' AS payer_origin
            FROM core_ad WHERE snapshot_id = $1 AND source = $2 AND payer_name IS NOT NULL""", [snapshot_id, source])
        result.rows, result.unparsed_amounts = fetch_one(
            con, "SELECT count(*), count(*) FILTER (WHERE (spend IS NULL AND spend_text IS NOT NULL) OR "
            "(impressions IS NULL AND impressions_text IS NOT NULL)) FROM raw_snap_political "
            "WHERE snapshot_id = ? AND source = ?", [snapshot_id, source])
        result.ads = fetch_one(con, "SELECT count(*) FROM core_ad WHERE snapshot_id = ? AND source = ?",
                               [snapshot_id, source])[0]
    return result


def load_snap_file(con, snapshot_id: int, path: Path, **kwargs) -> SnapLoadResult:
    """One zip or CSV given by hand (tests, ``adtrail parse``'s companion)."""
    path = Path(path)
    if not path.is_file():
        raise SnapLoadError(f"{path}: no such file")
    entry = {"path": path, "source_url": path.resolve().as_uri(), "sha256": file_sha256(path),
             "fetched_at": dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat()}
    return load_snap_files(con, snapshot_id, [entry], **kwargs)


def _insert_file(con, snapshot_id: int, source: str, crawl_id: str | None, entry: dict) -> None:
    import csv

    path = Path(entry["path"])
    with snap.csv_members(path) as members:
        for name, csv_path in members:
            with open(csv_path, encoding="utf-8-sig", newline="") as handle:
                header = next(csv.reader(handle), [])
            select = snap.projection(name, header)
            try:
                con.execute(f"""
                    INSERT INTO raw_snap_political BY NAME
                    SELECT $snapshot_id AS snapshot_id, $source AS source, $crawl_id AS crawl_id,
                           $url AS source_url, $fetched_at::TIMESTAMPTZ AS fetched_at, $sha256 AS file_sha256,
                           $member AS member, $year AS file_year, row_number() OVER () AS row_number, {select}
                    FROM {snap.csv_source(csv_path)}""",
                    {"snapshot_id": snapshot_id, "source": source, "crawl_id": crawl_id,
                     "url": entry.get("source_url"), "fetched_at": entry.get("fetched_at"), "sha256": entry["sha256"],
                     "member": name, "year": snap.year_of(entry.get("source_url"), path.name, name)})
            except snap.SnapFileError:
                raise
            except Exception as error:  # duckdb raises several classes for an unreadable CSV
                raise snap.SnapFileError(f"{name} is not a readable CSV ({str(error).splitlines()[0]}); "
                                         "download it again") from None


def _map_countries(con, snapshot_id: int, source: str, result: SnapLoadResult) -> None:
    written = [row[0] for row in con.execute(
        "SELECT DISTINCT country_code FROM raw_snap_political WHERE snapshot_id = ? AND source = ? "
        "AND country_code IS NOT NULL", [snapshot_id, source]).fetchall()]
    con.execute("CREATE OR REPLACE TEMP TABLE snap_countries (country_code VARCHAR, country VARCHAR)")
    if written:
        con.executemany("INSERT INTO snap_countries VALUES (?, ?)", [(w, country_code(w)) for w in written])
    con.execute("UPDATE raw_snap_political AS r SET country = c.country FROM snap_countries AS c "
                "WHERE r.country_code = c.country_code AND r.snapshot_id = ? AND r.source = ?", [snapshot_id, source])
    result.unknown_countries = tuple(sorted(w for w in written if country_code(w) is None))


# ---------------------------------------------------------------- crawl folders


def load_snap_crawl(con, snapshot_id: int, crawl_dir: Path, *, accept_unfinished: bool = False) -> SnapLoadResult:
    """Load a snap_political crawl folder into a running snapshot and record it in snapshot_source."""
    manifest = read_manifest(crawl_dir)
    held = snapshot_holding(con, snapshot_id, manifest, accept_unfinished=accept_unfinished)
    if held is not None:
        return SnapLoadResult(held, manifest.source, skipped=True)
    require_running(con, snapshot_id)
    entries = checked_bulk_files(manifest, error=SnapLoadError) if manifest.status == "complete" else []
    with one_transaction(con):
        if not entries:
            _delete(con, snapshot_id, manifest.source)
            result = SnapLoadResult(snapshot_id, manifest.source, status="failed",
                                    error=failed_crawl_error(manifest, "file"))
        else:
            try:
                result = load_snap_files(con, snapshot_id, entries, source=manifest.source,
                                         crawl_id=manifest.crawl_id, transaction=False)
            except snap.SnapFileError as error:
                _delete(con, snapshot_id, manifest.source)
                result = SnapLoadResult(snapshot_id, manifest.source, status="failed", error=str(error))
        record_snapshot_source(con, snapshot_id, manifest, status=result.status,
                               error=result.error or manifest.error, items_loaded=result.rows,
                               counts={"rows": result.rows, "ads": result.ads,
                                       "unparsed_amounts": result.unparsed_amounts})
    return result

"""Load Meta Ad Library Report files the user downloaded into a running snapshot, as source meta_ad_report.

Every row of every CSV goes into raw_meta_ad_report (migrations/090_meta_report.sql), read by DuckDB's
read_csv (spiders/parsers/meta_report.py), never row by row in Python; Python only looks at headers, file
names and the few distinct location names, which map through the one ISO region table
(analysis/countries.py). Each file loads in its own transaction: a file that is not a report (an HTML page
saved instead of the zip, a CSV whose header Meta changed) is refused with a message saying what to do, and
loses nothing of the other files or of what was loaded before. The outcome is recorded in snapshot_source
(the refused files in its error). Importing the same files again changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from analysis.countries import region_code
from spiders.parsers import meta_report as report
from warehouse.db import fetch_one
from warehouse.snapshots import SnapshotError, snapshot_status

SOURCE = report.SOURCE


class MetaReportError(ValueError):
    """The import cannot run at all (no such file); the message says what to do."""


@dataclass
class MetaReportResult:
    snapshot_id: int
    rows: dict[str, int] = field(default_factory=dict)  # report kind -> rows loaded
    below_threshold: int = 0  # rows whose amount is Meta's "≤100" bucket
    unparsed_amounts: int = 0  # rows whose amount is neither a number nor the bucket (bounds left NULL)
    loaded_files: list[str] = field(default_factory=list)
    failed_files: dict[str, str] = field(default_factory=dict)  # file -> what was wrong, what to do
    already_loaded: bool = False

    @property
    def message(self) -> str:
        if self.already_loaded:
            return f"{SOURCE}: these files are already in snapshot {self.snapshot_id}; nothing changed"
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.rows.items())) or "no rows"
        text = (f"{SOURCE}: {len(self.loaded_files)} files, {sum(self.rows.values())} rows ({kinds}); "
                f"{self.below_threshold} amounts below Meta's threshold kept as the bucket 0-100")
        if self.unparsed_amounts:
            text += f"; {self.unparsed_amounts} amounts not understood (kept as text, bounds empty)"
        for name, error in self.failed_files.items():
            text += f"\n{SOURCE}: REFUSED {error}"
        return text


def import_meta_report(con, snapshot_id: int, paths: list[Path]) -> MetaReportResult:
    """Load report zips or CSVs into ``snapshot_id`` (running) and record the source in snapshot_source."""
    for path in paths:
        if not Path(path).is_file():
            raise MetaReportError(f"{path}: no such file; nothing was imported")
    hashes = {Path(p): report.file_sha256(Path(p)) for p in paths}
    batch_sha256 = hashlib.sha256("\n".join(sorted(hashes.values())).encode()).hexdigest()
    crawl_id = f"import-{batch_sha256[:16]}"
    held = fetch_one(con, "SELECT min(src.snapshot_id) FROM snapshot_source AS src JOIN snapshot AS s USING "
                     "(snapshot_id) WHERE (s.status = 'complete' OR s.snapshot_id = ?) AND src.source = ? "
                     "AND src.manifest_sha256 = ?", [snapshot_id, SOURCE, batch_sha256])[0]
    if held is not None:
        return MetaReportResult(held, already_loaded=True)
    if snapshot_status(con, snapshot_id) != "running":
        raise SnapshotError(f"snapshot {snapshot_id} is not running; import into a running snapshot")
    result = MetaReportResult(snapshot_id)
    for path, sha256 in hashes.items():
        con.execute("BEGIN TRANSACTION")
        try:
            _load_file(con, snapshot_id, path, sha256, crawl_id, result)
            con.execute("COMMIT")
            result.loaded_files.append(path.name)
        except report.MetaReportFileError as error:
            con.execute("ROLLBACK")
            result.failed_files[path.name] = f"{error}"
        except BaseException:
            con.execute("ROLLBACK")
            raise
    _record_source(con, snapshot_id, crawl_id, batch_sha256, result)
    return result


def _load_file(con, snapshot_id: int, path: Path, sha256: str, crawl_id: str, result: MetaReportResult,
               source_url: str | None = None) -> None:
    con.execute("DELETE FROM raw_meta_ad_report WHERE snapshot_id = ? AND source = ? AND file_sha256 = ?",
                [snapshot_id, SOURCE, sha256])
    with report.report_csvs(path) as members:
        parts = [(report.identify(name, report.read_header(csv_path)), csv_path) for name, csv_path in members]
        for part, csv_path in parts:
            _insert_part(con, snapshot_id, path, sha256, crawl_id, part, csv_path, source_url)
    counts = con.execute(
        "SELECT report_kind, count(*), count(*) FILTER (WHERE amount_below_threshold), "
        "count(*) FILTER (WHERE amount_spent_low IS NULL AND amount_spent_text IS NOT NULL) "
        "FROM raw_meta_ad_report WHERE snapshot_id = ? AND source = ? AND file_sha256 = ? GROUP BY 1",
        [snapshot_id, SOURCE, sha256]).fetchall()
    for kind, rows, below, unparsed in counts:
        result.rows[kind] = result.rows.get(kind, 0) + rows
        result.below_threshold += below
        result.unparsed_amounts += unparsed


def _insert_part(con, snapshot_id, path: Path, sha256: str, crawl_id: str, part: report.ReportPart,
                 csv_path: Path, source_url: str | None = None) -> None:
    name = part.report
    con.execute("CREATE OR REPLACE TEMP TABLE meta_report_stage AS "
                f"SELECT {report.projection(part)} FROM {report.csv_source(csv_path)}")
    # The distinct location names of this file, mapped once each through the ISO region table.
    locations = [row[0] for row in con.execute(
        "SELECT DISTINCT location_name FROM meta_report_stage WHERE location_name IS NOT NULL").fetchall()]
    con.execute("CREATE OR REPLACE TEMP TABLE meta_report_locations (location_name VARCHAR, location_code VARCHAR)")
    if locations:
        con.executemany("INSERT INTO meta_report_locations VALUES (?, ?)",
                        [(location, region_code(name.country, location)) for location in locations])
    con.execute("""
        INSERT INTO raw_meta_ad_report BY NAME
        SELECT $snapshot_id AS snapshot_id, $source AS source, $crawl_id AS crawl_id, $url AS source_url,
               $file_name AS file_name, $sha256 AS file_sha256, $member AS member, s.row_number,
               $kind AS report_kind, $country AS country, $period AS period, $report_date::DATE AS report_date,
               $period_start::DATE AS period_start, $time_zone AS time_zone, $region_name AS region_name,
               $region_code AS region_code, s.page_id, s.page_name, s.disclaimer, s.location_name,
               l.location_code, $currency AS currency, s.amount_spent_text, s.amount_spent_low,
               s.amount_spent_high, s.amount_below_threshold, s.number_of_ads
        FROM meta_report_stage AS s LEFT JOIN meta_report_locations AS l USING (location_name)
        """, {"snapshot_id": snapshot_id, "source": SOURCE, "crawl_id": crawl_id, "url": source_url or path.resolve().as_uri(),
              "file_name": path.name, "sha256": sha256, "member": part.name, "kind": part.kind,
              "country": name.country, "period": name.period, "report_date": name.report_date.isoformat(),
              "period_start": name.period_start.isoformat() if name.period_start else None,
              "time_zone": report.TIME_ZONE, "region_name": part.region_name,
              "region_code": region_code(name.country, part.region_name), "currency": part.currency})
    con.execute("DROP TABLE meta_report_stage")


def _record_source(con, snapshot_id: int, crawl_id: str, batch_sha256: str, result: MetaReportResult) -> None:
    status = "complete" if result.loaded_files else "failed"
    error = "; ".join(result.failed_files.values()) or None
    if error and result.loaded_files:
        error += f" (the other {len(result.loaded_files)} files were loaded)"
    held = con.execute("SELECT scope, counts, items_loaded FROM snapshot_source WHERE snapshot_id = ? "
                       "AND source = ?", [snapshot_id, SOURCE]).fetchone()
    counts = {**{f"rows_{kind}": n for kind, n in result.rows.items()}, "below_threshold": result.below_threshold,
              "unparsed_amounts": result.unparsed_amounts, "files_loaded": len(result.loaded_files),
              "files_refused": len(result.failed_files)}
    items = fetch_one(con, "SELECT count(*) FROM raw_meta_ad_report WHERE snapshot_id = ? AND source = ?",
                      [snapshot_id, SOURCE])[0]
    scope = {"files": sorted(result.loaded_files) + sorted(result.failed_files)}
    if held:  # an earlier import into the same running snapshot: its files stay listed
        scope["files"] = sorted(set(scope["files"]) | set(json.loads(held[0]).get("files", [])))
    con.execute("DELETE FROM snapshot_source WHERE snapshot_id = ? AND source = ?", [snapshot_id, SOURCE])
    con.execute(
        "INSERT INTO snapshot_source (snapshot_id, source, crawl_id, manifest_sha256, scope, scope_hash, status, "
        "finish_reason, error, cursor, counts, items_loaded, loaded_at) "
        "VALUES (?, ?, ?, ?, CAST(? AS JSON), ?, ?, ?, ?, NULL, CAST(? AS JSON), ?, now())",
        [snapshot_id, SOURCE, crawl_id, batch_sha256, json.dumps(scope, ensure_ascii=False), None,
         "complete" if items else status, "imported" if items else "refused", error,
         json.dumps(counts, sort_keys=True), items])

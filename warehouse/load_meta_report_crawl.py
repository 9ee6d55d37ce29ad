"""Load a meta_ad_report crawl folder (the opt-in live fetch, spiders/meta_ad_report.py) into a running snapshot.

The report zips the crawl fetched (the manifest's ``bulk`` entries, each checked against the file on disk by
size and sha256) load exactly as ``adtrail import meta-report`` loads downloads (warehouse/load_meta_report.py:
every row into raw_meta_ad_report, one transaction per file, a file that is not a report refused and the
others kept), with the crawl's id and each zip's download address (without its expiring signature) as
provenance. snapshot_source gets the manifest's scope, counts, status and error: a report whose query
answered without a download URI is named there. A failed crawl loads no rows and is recorded as failed;
loading the same crawl twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from spiders.parsers import meta_report as report
from warehouse.bulk_guard import (checked_bulk_files, failed_crawl_error, one_transaction, record_snapshot_source,
                                  require_running, snapshot_holding)
from warehouse.crawl_folder import read_manifest
from warehouse.db import fetch_one
from warehouse.load_meta_report import SOURCE, MetaReportResult, _load_file


@dataclass
class MetaReportCrawlResult:
    snapshot_id: int
    source: str = SOURCE
    status: str = "complete"
    error: str | None = None
    already_loaded: bool = False
    items_loaded: int = 0
    files: MetaReportResult | None = None
    refused: dict[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        if self.already_loaded:
            return f"{self.source}: already loaded into snapshot {self.snapshot_id}; nothing changed"
        if self.status != "complete":
            return f"{self.source}: {self.status}: {self.error}"
        text = self.files.message if self.files else f"{self.source}: no rows"
        return text + (f"\n{self.source}: {self.error}" if self.error else "")


def load_meta_report_crawl(con, snapshot_id: int, crawl_dir: Path, *,
                           accept_unfinished: bool = False) -> MetaReportCrawlResult:
    """Load a meta_ad_report crawl folder into a running snapshot and record it in snapshot_source."""
    manifest = read_manifest(crawl_dir)
    held = snapshot_holding(con, snapshot_id, manifest, accept_unfinished=accept_unfinished)
    if held is not None:
        return MetaReportCrawlResult(held, manifest.source, already_loaded=True)
    require_running(con, snapshot_id)
    entries = checked_bulk_files(manifest) if manifest.status == "complete" else []
    # Rows of an earlier crawl of this source in this snapshot give way to this crawl's.
    con.execute("DELETE FROM raw_meta_ad_report WHERE snapshot_id = ? AND source = ?", [snapshot_id, manifest.source])
    result = MetaReportCrawlResult(snapshot_id, manifest.source)
    if not entries:
        result.status = "failed"
        result.error = failed_crawl_error(manifest, "report file")
    else:
        files = result.files = MetaReportResult(snapshot_id)
        for entry in entries:
            try:
                with one_transaction(con):  # one file refused leaves the others loaded
                    _load_file(con, snapshot_id, entry["path"], entry["sha256"], manifest.crawl_id, files,
                               source_url=entry.get("source_url"))
                files.loaded_files.append(entry["path"].name)
            except report.MetaReportFileError as error:
                files.failed_files[entry["path"].name] = str(error)
        errors = [e for e in [manifest.error, *files.failed_files.values()] if e]
        result.error = "; ".join(errors) or None
        result.items_loaded = fetch_one(con, "SELECT count(*) FROM raw_meta_ad_report WHERE snapshot_id = ? AND "
                                        "source = ?", [snapshot_id, manifest.source])[0]
        if not result.items_loaded:
            result.status = "failed"
    files = result.files or MetaReportResult(snapshot_id)
    record_snapshot_source(con, snapshot_id, manifest, status=result.status, error=result.error,
                           items_loaded=result.items_loaded,
                           counts={**{f"rows_{kind}": n for kind, n in files.rows.items()},
                                   "below_threshold": files.below_threshold, "unparsed_amounts": files.unparsed_amounts,
                                   "files_loaded": len(files.loaded_files), "files_refused": len(files.failed_files)})
    return result

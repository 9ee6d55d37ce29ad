"""The checks every bulk-file loader makes before it writes (the same rules as ``warehouse.load``).

A crawl still ``running`` is refused unless the caller accepts it as a failed source; the same crawl
(crawl id and manifest sha256) already in a complete snapshot, or in this one, changes nothing; and rows
go only into a running snapshot.
"""

from __future__ import annotations

import duckdb

from warehouse.crawl_folder import CrawlFolderError, CrawlManifest
from warehouse.db import fetch_one
from warehouse.snapshots import SnapshotError, snapshot_status


def snapshot_holding(con: duckdb.DuckDBPyConnection, snapshot_id: int, manifest: CrawlManifest, *,
                     accept_unfinished: bool) -> int | None:
    """The snapshot that already holds this crawl (then the load changes nothing), or None."""
    if manifest.status == "running" and not accept_unfinished:
        raise CrawlFolderError(f"{manifest.crawl_dir}: the crawl {manifest.crawl_id} has not finished (manifest "
                               "status 'running'): rerun it with adtrail crawl, or load it as a failed source")
    return fetch_one(con, "SELECT min(src.snapshot_id) FROM snapshot_source AS src JOIN snapshot AS s USING "
                     "(snapshot_id) WHERE (s.status = 'complete' OR s.snapshot_id = ?) AND src.crawl_id = ? "
                     "AND src.manifest_sha256 = ?", [snapshot_id, manifest.crawl_id, manifest.manifest_sha256])[0]


def require_running(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> None:
    status = snapshot_status(con, snapshot_id)
    if status != "running":
        raise SnapshotError(f"snapshot {snapshot_id} is {status or 'missing'}; load into a running snapshot "
                            "(snapshots.begin_or_resume)")

"""What every bulk-file loader shares (the same rules as ``warehouse.load``): the checks before it writes,
its crawl's bulk files checked against the disk, and the crawl's ``snapshot_source`` row.

A crawl still ``running`` is refused unless the caller accepts it as a failed source; the same crawl
(crawl id and manifest sha256) already in a complete snapshot, or in this one, changes nothing; and rows
go only into a running snapshot. A bulk file is loaded only if it is the file the crawl recorded (same size
and sha256, inside the crawl folder). The snapshot_source row keeps the manifest's scope, cursor and counts
(with the loader's counts on top) and the load's outcome; a crawl that did not finish says ``unfinished``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb

from spiders.manifest import file_sha256
from warehouse.crawl_folder import MANIFEST_NAME, CrawlFolderError, CrawlManifest
from warehouse.db import fetch_one
from warehouse.snapshots import SnapshotError, snapshot_status


class BulkLoadError(ValueError):
    """The crawl folder or file cannot be loaded; the message names it and says what to do."""


@dataclass
class BulkLoadResult:
    """What loading one bulk source into a snapshot did; a loader adds its own counts."""

    snapshot_id: int
    source: str
    status: str = "complete"  # or "failed": the crawl left nothing to load, or its file was refused
    error: str | None = None
    skipped: bool = False  # the same crawl was already loaded: nothing changed

    @property
    def already_loaded(self) -> bool:  # the name warehouse.load.LoadResult uses
        return self.skipped

    def unloaded_message(self) -> str | None:
        """The message of a load that loaded nothing (the crawl was already loaded, or failed), else None."""
        if self.skipped:
            return f"{self.source}: already loaded into snapshot {self.snapshot_id}; nothing changed"
        if self.status != "complete":
            return f"{self.source}: {self.status}: {self.error}"
        return None


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


@contextlib.contextmanager
def one_transaction(con: duckdb.DuckDBPyConnection, *, own: bool = True) -> Iterator[None]:
    """The block in one transaction, rolled back on any error; with ``own`` False, in the caller's."""
    if not own:
        yield
        return
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def bulk_file_entries(manifest: CrawlManifest) -> list[dict]:
    """The manifest's ``files`` entries of kind ``bulk``, as written (not yet checked against the disk)."""
    files = json.loads((manifest.crawl_dir / MANIFEST_NAME).read_bytes()).get("files") or []
    return [entry for entry in files if isinstance(entry, dict) and entry.get("kind") == "bulk"]


def checked_bulk_file(manifest: CrawlManifest, entry: dict, *,
                      error: type[Exception] = CrawlFolderError) -> dict:
    """The entry with ``path`` resolved, once its file is the one the crawl recorded; else ``error``."""
    path = (manifest.crawl_dir / entry["path"]).resolve()
    if not path.is_relative_to(manifest.crawl_dir.resolve()) or not path.is_file():
        raise error(f"{path} is listed in the manifest but missing (or outside the crawl folder); crawl again")
    # the size first: a file of another size is not hashed
    if path.stat().st_size != entry.get("size") or file_sha256(path)[0] != entry.get("sha256"):
        raise error(f"{path} is not the file the crawl recorded (size or sha256 differ): the crawl folder changed "
                    "after the crawl. Nothing was loaded: crawl again")
    return {**entry, "path": path}


def checked_bulk_files(manifest: CrawlManifest, *, error: type[Exception] = CrawlFolderError) -> list[dict]:
    """Every bulk file of the manifest, each checked (``checked_bulk_file``)."""
    return [checked_bulk_file(manifest, entry, error=error) for entry in bulk_file_entries(manifest)]


def failed_crawl_error(manifest: CrawlManifest, missing: str) -> str:
    """Why a crawl that left no file to load failed: the crawl's own error, else its status and what to do."""
    return manifest.error or (f"the crawl in {manifest.crawl_dir} has status {manifest.status!r} and no "
                              f"{missing}; crawl again")


def record_snapshot_source(con: duckdb.DuckDBPyConnection, snapshot_id: int, manifest: CrawlManifest, *,
                           status: str, error: str | None, items_loaded: int, counts: dict) -> None:
    """Replace the snapshot's row of the crawl's source in snapshot_source (within the caller's transaction,
    if any). ``counts`` are the loader's, added to the manifest's."""
    finish_reason = "unfinished" if manifest.status == "running" else manifest.finish_reason
    con.execute("DELETE FROM snapshot_source WHERE snapshot_id = ? AND source = ?", [snapshot_id, manifest.source])
    con.execute(
        "INSERT INTO snapshot_source (snapshot_id, source, crawl_id, manifest_sha256, scope, scope_hash, status, "
        "finish_reason, error, cursor, counts, items_loaded, loaded_at) "
        "VALUES (?, ?, ?, ?, CAST(? AS JSON), ?, ?, ?, ?, ?, CAST(? AS JSON), ?, now())",
        [snapshot_id, manifest.source, manifest.crawl_id, manifest.manifest_sha256,
         json.dumps(manifest.scope, sort_keys=True, ensure_ascii=False), manifest.scope_hash, status, finish_reason,
         error, manifest.cursor, json.dumps({**manifest.counts, **counts}, sort_keys=True), items_loaded])

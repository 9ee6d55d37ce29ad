"""Crawl folder → raw → core, idempotent per (snapshot, source) (DESIGN.md "The warehouse").

``load_crawl`` checks the manifest and the items files' sha256, then in ONE transaction: deletes what
the (snapshot, source) pair held, inserts the items with DuckDB's ``read_json`` (explicit columns from
``spiders.items.FIELDS``, never row by row in Python) keeping one row per item key (the latest
``fetched_at``: a resumed crawl appends items it had already written), rebuilds that pair's core rows and
records the pair in ``snapshot_source``. A kill at any point leaves either the previous state or the new
one, and a rerun of the same load finishes the job.

Loading the same crawl (crawl_id and manifest sha256) again changes nothing: when it is already in a
complete snapshot, or already in the snapshot being built.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import duckdb

from spiders.items import RAW_TABLE
from warehouse import load_items
from warehouse.core import build_core, delete_core
from warehouse.crawl_folder import CrawlFolderError, CrawlManifest, read_manifest
from warehouse.db import fetch_one
from warehouse.snapshots import SnapshotError, snapshot_status

def _load_google(con, snapshot_id, crawl_dir, *, accept_unfinished):
    from warehouse.load_google import load_google_crawl

    return load_google_crawl(con, snapshot_id, crawl_dir, accept_unfinished=accept_unfinished)


def _load_fx(con, snapshot_id, crawl_dir, *, accept_unfinished):
    from warehouse.load_fx import load_fx_crawl

    return load_fx_crawl(con, snapshot_id, crawl_dir, accept_unfinished=accept_unfinished)


def _load_sellers_json(con, snapshot_id, crawl_dir, *, accept_unfinished):
    from warehouse.load_sellers_json import load_sellers_json_crawl

    return load_sellers_json_crawl(con, snapshot_id, crawl_dir, accept_unfinished=accept_unfinished)


def _load_snap(con, snapshot_id, crawl_dir, *, accept_unfinished):
    from warehouse.load_snap import load_snap_crawl

    return load_snap_crawl(con, snapshot_id, crawl_dir, accept_unfinished=accept_unfinished)


def _load_meta_report(con, snapshot_id, crawl_dir, *, accept_unfinished):
    from warehouse.load_meta_report_crawl import load_meta_report_crawl

    return load_meta_report_crawl(con, snapshot_id, crawl_dir, accept_unfinished=accept_unfinished)


# Sources whose crawl folders hold bulk files rather than items.jsonl, by source name.
BULK_LOADERS = {"google_political_bundle": _load_google, "fx_ecb": _load_fx, "fx_worldbank": _load_fx,
                "sellers_json": _load_sellers_json, "snap_political": _load_snap,
                "meta_ad_report": _load_meta_report}


@dataclass(frozen=True)
class LoadResult:
    snapshot_id: int  # where the crawl's rows are (an earlier complete snapshot when already loaded)
    source: str
    crawl_id: str
    manifest_sha256: str
    source_status: str  # complete | failed: how the crawl ended
    items_read: int  # lines in the items files (0 when already loaded)
    items_loaded: int  # raw rows: one per item key
    duplicates_dropped: int  # lines for a key seen again (resumed crawls), the latest kept
    already_loaded: bool
    message: str  # one line for the user


def load_crawl(
    con: duckdb.DuckDBPyConnection,
    snapshot_id: int,
    crawl_dir: str | Path,
    *,
    accept_unfinished: bool = False,
    step=None,
) -> LoadResult:
    """Load one crawl folder into ``snapshot_id`` (a running snapshot).

    A crawl whose manifest still says ``running`` (its process died before finishing) is refused unless
    ``accept_unfinished``: then what it fetched is loaded and the source is marked failed
    (finish_reason ``unfinished``), so nothing is inferred from it. ``step(name)``, a context manager,
    times the steps (bench/profile_load.py); by default nothing is timed.
    """
    step = step or (lambda name: nullcontext())
    manifest = read_manifest(crawl_dir)
    if manifest.source in BULK_LOADERS:
        # bulk files load through DuckDB's own readers in their source's module
        return BULK_LOADERS[manifest.source](con, snapshot_id, crawl_dir, accept_unfinished=accept_unfinished)
    if manifest.status == "running" and not accept_unfinished:
        raise CrawlFolderError(
            f"{manifest.crawl_dir}: the crawl {manifest.crawl_id} has not finished (manifest status "
            "'running'): resume it with adtrail crawl, or load what it fetched as a failed source "
            "(accept_unfinished)"
        )
    source_status = "complete" if manifest.status == "complete" else "failed"

    held_by = _complete_snapshot_holding(con, manifest)
    if held_by is not None:
        return _unchanged(manifest, held_by, source_status, f"already in complete snapshot {held_by}")
    status = snapshot_status(con, snapshot_id)
    if status is None:
        raise SnapshotError(f"snapshot {snapshot_id} does not exist: begin one first (snapshots.begin_or_resume)")
    if status != "running":
        raise SnapshotError(
            f"snapshot {snapshot_id} is {status}; a finished snapshot never changes: begin a new one"
        )
    if _pair_holds(con, snapshot_id, manifest):
        return _unchanged(manifest, snapshot_id, source_status, f"already loaded into snapshot {snapshot_id}")

    con.begin()
    try:
        with step("delete previous rows"):
            for table in sorted(set(RAW_TABLE.values())):
                con.execute(f"DELETE FROM {table} WHERE snapshot_id = ? AND source = ?",
                            [snapshot_id, manifest.source])
            delete_core(con, snapshot_id, manifest.source)
        items_read, items_loaded = _load_items(con, manifest, snapshot_id, step)
        with step("snapshot_source"):
            _record_source(con, manifest, snapshot_id, source_status, items_loaded)
        with step("commit"):
            con.commit()
    except load_items.SecretFound as found:
        con.rollback()  # then count the lines with a token, for the message
        raise load_items.count_secrets(con, manifest, found.kind) from None
    except BaseException:
        con.rollback()
        raise
    reason = "unfinished" if manifest.status == "running" else manifest.finish_reason
    state = "complete" if source_status == "complete" else f"FAILED ({reason})"
    return LoadResult(
        snapshot_id=snapshot_id,
        source=manifest.source,
        crawl_id=manifest.crawl_id,
        manifest_sha256=manifest.manifest_sha256,
        source_status=source_status,
        items_read=items_read,
        items_loaded=items_loaded,
        duplicates_dropped=items_read - items_loaded,
        already_loaded=False,
        message=(
            f"{manifest.source}: loaded {items_loaded} items of crawl {manifest.crawl_id} into snapshot "
            f"{snapshot_id} ({items_read - items_loaded} repeated lines dropped); source {state}"
        ),
    )


def _unchanged(manifest: CrawlManifest, snapshot_id: int, source_status: str, why: str) -> LoadResult:
    return LoadResult(
        snapshot_id=snapshot_id,
        source=manifest.source,
        crawl_id=manifest.crawl_id,
        manifest_sha256=manifest.manifest_sha256,
        source_status=source_status,
        items_read=0,
        items_loaded=0,
        duplicates_dropped=0,
        already_loaded=True,
        message=f"{manifest.source}: crawl {manifest.crawl_id} is {why}; nothing changed",
    )


def _complete_snapshot_holding(con: duckdb.DuckDBPyConnection, manifest: CrawlManifest) -> int | None:
    row = fetch_one(
        con,
        """
        SELECT min(src.snapshot_id)
        FROM snapshot_source AS src JOIN snapshot AS s ON s.snapshot_id = src.snapshot_id
        WHERE s.status = 'complete' AND src.crawl_id = ? AND src.manifest_sha256 = ?
        """,
        [manifest.crawl_id, manifest.manifest_sha256],
    )
    return row[0]


def _pair_holds(con: duckdb.DuckDBPyConnection, snapshot_id: int, manifest: CrawlManifest) -> bool:
    row = fetch_one(
        con,
        "SELECT count(*) FROM snapshot_source WHERE snapshot_id = ? AND source = ? AND crawl_id = ? "
        "AND manifest_sha256 = ?",
        [snapshot_id, manifest.source, manifest.crawl_id, manifest.manifest_sha256],
    )
    return row[0] > 0


def _load_items(con, manifest: CrawlManifest, snapshot_id: int, step) -> tuple[int, int]:
    """Every kind's items into raw and core, inside the caller's transaction; returns (lines read, rows
    kept). The items files are hashed against the manifest in a thread beside the first parse."""
    hashing, changed = load_items.verify_in_thread(manifest)
    items_read = items_loaded = 0
    try:
        for kind in manifest.item_kinds:
            with step(f"line scan and checks ({kind})"):
                try:
                    items_read += load_items.scan_lines(con, manifest, kind)
                except CrawlFolderError:
                    hashing.join()  # a file that differs from its manifest explains a bad line first
                    if changed:
                        raise CrawlFolderError(changed[0]) from None
                    raise
            with step("wait for the items files' sha256"):
                hashing.join()
            if changed:
                raise CrawlFolderError(changed[0])
            with step(f"facts of every line ({kind})"):
                load_items.build_line_facts(con, kind, snapshot_id)
            items_loaded += load_items.insert_raw(con, manifest, kind, snapshot_id, step)
            build_core(con, kind, snapshot_id, manifest.source, step=step)
        load_items.drop_line_tables(con)
    finally:
        hashing.join()
    return items_read, items_loaded


def _record_source(
    con: duckdb.DuckDBPyConnection, manifest: CrawlManifest, snapshot_id: int, source_status: str, items_loaded: int
) -> None:
    finish_reason = manifest.finish_reason
    if manifest.status == "running":
        finish_reason = "unfinished"
    con.execute("DELETE FROM snapshot_source WHERE snapshot_id = ? AND source = ?", [snapshot_id, manifest.source])
    con.execute(
        """
        INSERT INTO snapshot_source (snapshot_id, source, crawl_id, manifest_sha256, scope, scope_hash, status,
            finish_reason, error, cursor, counts, items_loaded, loaded_at)
        VALUES (?, ?, ?, ?, CAST(? AS JSON), ?, ?, ?, ?, ?, CAST(? AS JSON), ?, now())
        """,
        [
            snapshot_id, manifest.source, manifest.crawl_id, manifest.manifest_sha256,
            json.dumps(manifest.scope, sort_keys=True, ensure_ascii=False), manifest.scope_hash, source_status,
            finish_reason, manifest.error, manifest.cursor,
            json.dumps(manifest.counts, sort_keys=True), items_loaded,
        ],
    )

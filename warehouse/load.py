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
from dataclasses import dataclass
from pathlib import Path

import duckdb

from spiders.items import FIELDS, RAW_TABLE
from warehouse.core import ITEM_LINE_BUILDERS, build_core, delete_core
from warehouse.crawl_folder import (
    SECRET_IN_URL,
    CrawlFolderError,
    CrawlManifest,
    read_manifest,
    verify_item_files,
)
from warehouse.db import fetch_one
from warehouse.snapshots import SnapshotError, snapshot_status

# The field that identifies an item within a source: one raw row per (snapshot, source, key).
ITEM_KEY_FIELD: dict[str, str] = {
    "meta_ad": "ad_key",
    "youtube_signal": "signal_key",
    "ads_txt_record": "line_key",
    "ads_txt_variable": "line_key",
    "ads_txt_rejected_line": "line_key",
    "ads_txt_fetch": "fetch_key",
    "linkedin_ad": "ad_key",
    "tiktok_ad": "ad_key",
    "tiktok_commercial_content": "content_key",
    "tiktok_advertiser": "advertiser_key",
    "google_creative": "ad_key",
    "page_render": "render_key",
    "page_ad_slot": "slot_key",
    "page_ad_request": "request_key",
    "page_bid": "bid_key",
}


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
) -> LoadResult:
    """Load one crawl folder into ``snapshot_id`` (a running snapshot).

    A crawl whose manifest still says ``running`` (its process died before finishing) is refused unless
    ``accept_unfinished``: then what it fetched is loaded and the source is marked failed
    (finish_reason ``unfinished``), so nothing is inferred from it.
    """
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

    verify_item_files(manifest)
    lines_by_kind = {kind: _check_items(con, manifest, kind) for kind in manifest.item_kinds}

    con.begin()
    try:
        for table in sorted(set(RAW_TABLE.values())):
            con.execute(f"DELETE FROM {table} WHERE snapshot_id = ? AND source = ?", [snapshot_id, manifest.source])
        delete_core(con, snapshot_id, manifest.source)
        items_loaded = 0
        for kind in manifest.item_kinds:
            items_loaded += _insert_raw(con, manifest, kind, snapshot_id)
            build_core(con, kind, snapshot_id, manifest.source)
        _record_source(con, manifest, snapshot_id, source_status, items_loaded)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    items_read = sum(lines_by_kind.values())
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


def _read_json_params(manifest: CrawlManifest, kind: str) -> dict:
    return {
        "files": [str(f.path) for f in manifest.item_files if f.item_kind == kind],
        "columns": FIELDS[kind],
    }


_READ_ITEMS = "read_json($files, columns = $columns, format = 'newline_delimited')"


def _check_items(con: duckdb.DuckDBPyConnection, manifest: CrawlManifest, kind: str) -> int:
    """Scan the items of one kind once, before writing: every line must belong where it would go."""
    key = ITEM_KEY_FIELD[kind]
    url_fields = [name for name, kind_type in FIELDS[kind].items()
                  if name.endswith("_url") or kind_type == "JSON"]
    url_text = " || ' ' || ".join(f"coalesce(CAST({name} AS VARCHAR), '')" for name in url_fields) or "''"
    sql = f"""
        SELECT
            count(*),
            count(*) FILTER (WHERE source IS DISTINCT FROM $source),
            count(*) FILTER (WHERE item_kind IS DISTINCT FROM $kind),
            count(*) FILTER (WHERE {key} IS NULL),
            count(*) FILTER (WHERE CASE
                -- the regex only where a credential parameter's name occurs: a plain substring test is
                -- far cheaper than the regex over every record, and almost every line has none
                WHEN contains(secret_text, 'access_token=') OR contains(secret_text, 'client_secret=')
                    OR contains(secret_text, 'appsecret_proof=') OR contains(secret_text, 'fb_exchange_token=')
                THEN len(list_filter(regexp_extract_all(secret_text, $secret, 1),
                    lambda v: length(v) >= 20 AND NOT contains(upper(v), 'REDACTED'))) > 0
                ELSE false END)
        FROM (SELECT *, {url_text} AS secret_text FROM {_READ_ITEMS})
    """
    params = {**_read_json_params(manifest, kind), "source": manifest.source, "kind": kind, "secret": SECRET_IN_URL}
    try:
        lines, wrong_source, wrong_kind, no_key, with_secret = fetch_one(con, sql, params)
    except duckdb.Error as exc:
        raise CrawlFolderError(
            f"{manifest.crawl_dir}: the {kind} items are not valid JSON lines of the crawl contract "
            f"({exc}). Nothing was loaded: run the crawl again, or report the spider that wrote it"
        ) from exc
    problems = []
    if wrong_source:
        problems.append(f"{wrong_source} items name another source than the manifest's {manifest.source!r}")
    if wrong_kind:
        problems.append(f"{wrong_kind} items are not of kind {kind!r}")
    if no_key:
        problems.append(f"{no_key} items have no {key}")
    if with_secret:
        problems.append(f"{with_secret} items carry an access token (the folder was not redacted)")
    if problems:
        raise CrawlFolderError(
            f"{manifest.crawl_dir}: " + "; ".join(problems)
            + ". Nothing was loaded: crawl again with the current spiders"
        )
    return lines


def _insert_raw(con: duckdb.DuckDBPyConnection, manifest: CrawlManifest, kind: str, snapshot_id: int) -> int:
    """Insert one row per item key (the latest fetched) into the kind's raw table, and the kind's rows taken
    from every line (``ITEM_LINE_BUILDERS``); returns the raw rows inserted."""
    table = RAW_TABLE[kind]
    key = ITEM_KEY_FIELD[kind]
    tiebreak = ", md5(CAST(record AS VARCHAR)) DESC" if "record" in FIELDS[kind] else ""
    # Ties on fetched_at are broken by the page number, then by the content, so that loading the same
    # file twice keeps the same row whatever order DuckDB's parallel reader produced.
    sql = f"""
        INSERT INTO {table} BY NAME
        SELECT $snapshot_id AS snapshot_id, now() AS loaded_at, *
        FROM {_READ_ITEMS}
        QUALIFY row_number() OVER (
            PARTITION BY source, {key}
            ORDER BY fetched_at DESC NULLS LAST, page_number DESC NULLS LAST,
                     body_sha256 DESC NULLS LAST{tiebreak}
        ) = 1
    """
    con.execute(sql, {**_read_json_params(manifest, kind), "snapshot_id": snapshot_id})
    # Facts of every line, before the one-row-per-key step kept one: one more pass over the same files.
    for statement in ITEM_LINE_BUILDERS.get(kind, ()):
        con.execute(statement.format(items=_READ_ITEMS),
                    {**_read_json_params(manifest, kind), "snapshot_id": snapshot_id})
    return fetch_one(
        con, f"SELECT count(*) FROM {table} WHERE snapshot_id = ? AND source = ?", [snapshot_id, manifest.source]
    )[0]


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

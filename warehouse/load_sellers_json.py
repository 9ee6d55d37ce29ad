"""Load a ``sellers_json`` crawl (one sellers.json per ad system) into raw_sellers_json_file and
raw_sellers_json_seller (migrations/075_sellers_json.sql), and the crawl into ``snapshot_source``.

Each file is read by the streaming parser (spiders/parsers/sellers_json.py) and its records written to a
JSON-lines file in a temporary folder; DuckDB then inserts them with ``read_json`` in one statement per
file, so a sellers.json of a million sellers never becomes a million Python inserts nor a million-row list
in memory. Parsing happens before the transaction; the delete of the (snapshot, source) pair, the inserts
and the snapshot_source row are one transaction, so a kill leaves the old state or the new, and loading the
same crawl again changes nothing.

An ad system whose file could not be fetched, or is not a sellers.json, still gets its file row, with the
error; the source is ``complete`` when the crawl completed (some ad systems failing is data, not a failed
crawl).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from spiders.manifest import file_sha256
from spiders.parsers.sellers_json import file_chunks, read_sellers_json
from warehouse.bulk_guard import one_transaction, record_snapshot_source, require_running, snapshot_holding
from warehouse.crawl_folder import CrawlFolderError, CrawlManifest, read_manifest

SOURCE = "sellers_json"
TABLES = ("raw_sellers_json_file", "raw_sellers_json_seller")
FILE_COLUMNS = {
    "ad_system_domain": "VARCHAR", "source_url": "VARCHAR", "fetched_at": "TIMESTAMPTZ", "file_sha256": "VARCHAR",
    "file_size": "BIGINT", "not_modified": "BOOLEAN", "status": "VARCHAR", "error_kind": "VARCHAR",
    "error": "VARCHAR", "error_line": "INTEGER", "error_column": "INTEGER", "first_bytes": "VARCHAR",
    "version": "VARCHAR", "version_given": "VARCHAR", "contact_email": "VARCHAR", "contact_address": "VARCHAR",
    "identifiers": "VARCHAR", "ext": "VARCHAR", "other_fields": "JSON", "sellers_count": "BIGINT",
    "notes": "VARCHAR[]", "seller_problems": "JSON",
}
SELLER_COLUMNS = {
    "seller_index": "BIGINT", "seller_id": "VARCHAR", "name": "VARCHAR", "domain": "VARCHAR",
    "domain_given": "VARCHAR", "seller_type": "VARCHAR", "seller_type_given": "VARCHAR",
    "seller_type_known": "BOOLEAN", "is_confidential": "BOOLEAN", "is_passthrough": "BOOLEAN", "comment": "VARCHAR",
    "problems": "VARCHAR[]", "entry": "VARCHAR",
}


@dataclass(frozen=True)
class SellersJsonLoadResult:
    snapshot_id: int
    source: str
    status: str  # complete | failed (the crawl's)
    files: int = 0  # ad systems with a file row
    files_with_errors: int = 0
    sellers: int = 0
    error: str | None = None
    already_loaded: bool = False

    @property
    def items_loaded(self) -> int:
        return self.sellers

    @property
    def message(self) -> str:
        if self.already_loaded:
            return f"{self.source}: already loaded into snapshot {self.snapshot_id}; nothing changed"
        text = (f"{self.source}: {self.files} ad systems, {self.sellers} sellers, "
                f"{self.files_with_errors} without a readable sellers.json (see raw_sellers_json_file.error)")
        return text if self.status == "complete" else f"{text}; crawl FAILED: {self.error}"


def file_entries(manifest: CrawlManifest) -> list[dict]:
    """The manifest's per-ad-system entries: downloaded files (checked against their sha256) and failures."""
    raw = json.loads((manifest.crawl_dir / "manifest.json").read_text(encoding="utf-8"))
    root = manifest.crawl_dir.resolve()
    entries = []
    for entry in raw.get("files") or []:
        if not isinstance(entry, dict) or entry.get("kind") not in ("bulk", "fetch_error"):
            continue
        if not entry.get("ad_system"):
            raise CrawlFolderError(f"{manifest.crawl_dir}: a {entry.get('kind')} entry names no ad_system")
        if entry["kind"] == "bulk":
            path = (manifest.crawl_dir / entry["path"]).resolve()
            if not path.is_relative_to(root) or not path.is_file():
                raise CrawlFolderError(f"{path}: listed in the manifest but missing; crawl again")
            if file_sha256(path) != (entry.get("sha256"), entry.get("size")):
                raise CrawlFolderError(f"{path}: changed since the crawl wrote it (sha256 or size differ). Nothing "
                                       "was loaded: crawl again")
            entry = {**entry, "path": path}
        entries.append(entry)
    return entries


def stage_file(entry: dict, files_out, sellers_out) -> tuple[int, bool]:
    """Parse one entry's file, appending its file record and seller records as JSON lines."""
    base = {"ad_system_domain": entry["ad_system"], "source_url": entry.get("source_url"),
            "fetched_at": entry.get("fetched_at")}
    if entry["kind"] == "fetch_error":
        record = {**base, "status": "error", "error_kind": "fetch", "sellers_count": 0,
                  "error": entry.get("error") or f"not fetched ({entry.get('finish_reason')})"}
        files_out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return 0, True
    sellers = 0
    for record in read_sellers_json(file_chunks(entry["path"])):
        if record.pop("record") == "seller":
            sellers += 1
            sellers_out.write(json.dumps({**record, "ad_system_domain": entry["ad_system"]}, ensure_ascii=False))
            sellers_out.write("\n")
        else:
            files_out.write(json.dumps({**base, **record, "file_sha256": entry["sha256"], "file_size": entry["size"],
                                        "not_modified": bool(entry.get("not_modified"))}, ensure_ascii=False) + "\n")
            return sellers, record["status"] != "ok"
    raise AssertionError("the parser always ends with a file record")


def load_sellers_json_crawl(con, snapshot_id: int, crawl_dir: str | Path, *, accept_unfinished: bool = False
                            ) -> SellersJsonLoadResult:
    """Load a sellers_json crawl folder into a running snapshot (the rules of warehouse.load.load_crawl)."""
    manifest = read_manifest(crawl_dir)
    if manifest.source != SOURCE:
        raise CrawlFolderError(f"{manifest.crawl_dir}: source {manifest.source!r} is not {SOURCE}")
    held = snapshot_holding(con, snapshot_id, manifest, accept_unfinished=accept_unfinished)
    if held is not None:
        return SellersJsonLoadResult(held, SOURCE, "complete", already_loaded=True)
    require_running(con, snapshot_id)
    entries = file_entries(manifest)
    crawl_status = "complete" if manifest.status == "complete" else "failed"
    with tempfile.TemporaryDirectory(prefix="adtrail-sellers-") as work:
        files_path, sellers_path = Path(work) / "files.jsonl", Path(work) / "sellers.jsonl"
        sellers = with_errors = 0
        with open(files_path, "w", encoding="utf-8") as files_out, \
                open(sellers_path, "w", encoding="utf-8") as sellers_out:
            for entry in entries:
                count, failed = stage_file(entry, files_out, sellers_out)
                sellers, with_errors = sellers + count, with_errors + failed
        result = SellersJsonLoadResult(snapshot_id, SOURCE, crawl_status, files=len(entries),
                                       files_with_errors=with_errors, sellers=sellers, error=manifest.error)
        _write(con, snapshot_id, manifest, result, files_path, sellers_path)
    return result


def _write(con, snapshot_id: int, manifest: CrawlManifest, result: SellersJsonLoadResult, files_path: Path,
           sellers_path: Path) -> None:
    loaded_at = dt.datetime.now(dt.UTC)
    provenance = {"snapshot_id": snapshot_id, "source": SOURCE, "crawl_id": manifest.crawl_id, "loaded_at": loaded_at}
    with one_transaction(con):
        for table in TABLES:
            con.execute(f"DELETE FROM {table} WHERE snapshot_id = ? AND source = ?", [snapshot_id, SOURCE])
        if files_path.stat().st_size:
            con.execute("INSERT INTO raw_sellers_json_file BY NAME SELECT $snapshot_id AS snapshot_id, $source AS "
                        "source, $crawl_id AS crawl_id, $loaded_at AS loaded_at, * FROM read_json($path, columns = "
                        "$columns, format = 'newline_delimited')",
                        {**provenance, "path": str(files_path), "columns": FILE_COLUMNS})
        if sellers_path.stat().st_size:
            # file_sha256 comes from the file row, so the seller lines need not repeat it
            con.execute("INSERT INTO raw_sellers_json_seller BY NAME SELECT $snapshot_id AS snapshot_id, $source AS "
                        "source, $crawl_id AS crawl_id, $loaded_at AS loaded_at, f.file_sha256, s.* FROM read_json("
                        "$path, columns = $columns, format = 'newline_delimited') AS s JOIN raw_sellers_json_file AS "
                        "f ON f.snapshot_id = $snapshot_id AND f.source = $source AND f.ad_system_domain = "
                        "s.ad_system_domain",
                        {**provenance, "path": str(sellers_path),
                         "columns": {**SELLER_COLUMNS, "ad_system_domain": "VARCHAR"}})
        record_snapshot_source(con, snapshot_id, manifest, status=result.status, error=manifest.error,
                               items_loaded=result.sellers,
                               counts={"sellers": result.sellers, "files_with_errors": result.files_with_errors})

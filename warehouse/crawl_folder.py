"""Reading a crawl folder's manifest and checking its files (the contract in ``spiders/items.py``).

A crawl folder holds ``manifest.json`` (format ``adtrail-crawl/1``) and the files it lists, each with
its sha256 and size. The warehouse reads nothing the manifest does not vouch for: an items file whose
bytes differ from what the manifest recorded is refused before anything is loaded.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from spiders.items import FIELDS, RAW_TABLE

CRAWL_FORMAT = "adtrail-crawl/1"
MANIFEST_NAME = "manifest.json"
CRAWL_STATUSES = ("running", "complete", "failed")
_REQUIRED_TEXT = ("crawl_id", "source", "scope_hash", "status")

# A secret left in a URL: a long value of a credential parameter. Redacted values ("REDACTED") are short
# or say so. The spiders remove secrets; this is the warehouse refusing to store one if they did not.
SECRET_IN_URL = r"(?:access_token|client_secret|appsecret_proof|fb_exchange_token)=([^&#\"'\s]+)"


class CrawlFolderError(ValueError):
    """A crawl folder cannot be loaded; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class ItemFile:
    path: Path
    item_kind: str
    sha256: str
    size: int
    rows: int | None


@dataclass(frozen=True)
class CrawlManifest:
    crawl_dir: Path
    manifest_sha256: str  # of manifest.json's bytes
    crawl_id: str
    source: str
    platform: str | None
    scope: dict
    scope_hash: str
    status: str  # running | complete | failed
    finish_reason: str | None
    error: str | None
    cursor: str | None
    counts: dict
    code_version: str | None
    item_files: tuple[ItemFile, ...] = field(default_factory=tuple)

    @property
    def item_kinds(self) -> list[str]:
        return sorted({f.item_kind for f in self.item_files})


def looks_like_secret(value: str) -> bool:
    """True when ``value`` carries an unredacted credential parameter."""
    return any(len(v) >= 20 and "REDACTED" not in v.upper() for v in re.findall(SECRET_IN_URL, value))


def read_manifest(crawl_dir: str | Path) -> CrawlManifest:
    """Parse and check ``<crawl_dir>/manifest.json``; raises ``CrawlFolderError`` with what to do."""
    crawl_dir = Path(crawl_dir)
    manifest_path = crawl_dir / MANIFEST_NAME
    if not crawl_dir.is_dir():
        raise CrawlFolderError(f"{crawl_dir} is not a folder: give the crawl folder (the one holding manifest.json)")
    if not manifest_path.is_file():
        raise CrawlFolderError(
            f"{manifest_path} is missing: this is not a crawl folder, or its crawl never started "
            "writing; run the crawl again (adtrail crawl) or give the right folder"
        )
    raw_bytes = manifest_path.read_bytes()
    try:
        manifest = json.loads(raw_bytes)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CrawlFolderError(
            f"{manifest_path} is not valid JSON ({exc}): the manifest is written atomically, so it was "
            "changed by hand or by another program; restore it or run the crawl again"
        ) from exc
    if not isinstance(manifest, dict):
        raise CrawlFolderError(f"{manifest_path} must hold a JSON object, not {type(manifest).__name__}")
    fmt = manifest.get("format")
    if fmt != CRAWL_FORMAT:
        raise CrawlFolderError(
            f"{manifest_path} has format {fmt!r}; this adtrail reads {CRAWL_FORMAT!r}: load it with the "
            "adtrail version that wrote it, or run the crawl again"
        )
    for key in _REQUIRED_TEXT:
        if not isinstance(manifest.get(key), str) or not manifest[key]:
            raise CrawlFolderError(f"{manifest_path}: {key!r} must be a non-empty string")
    if manifest["status"] not in CRAWL_STATUSES:
        raise CrawlFolderError(f"{manifest_path}: status {manifest['status']!r} is not one of {CRAWL_STATUSES}")
    for key in ("scope", "counts"):
        if not isinstance(manifest.get(key) or {}, dict):
            raise CrawlFolderError(f"{manifest_path}: {key!r} must be a JSON object")
    for key in ("cursor", "error"):
        if isinstance(manifest.get(key), str) and looks_like_secret(manifest[key]):
            raise CrawlFolderError(
                f"{manifest_path}: {key!r} carries an access token; the crawl folder was not redacted. "
                "Nothing was loaded: delete the folder and crawl again with the current spiders"
            )
    return CrawlManifest(
        crawl_dir=crawl_dir,
        manifest_sha256=hashlib.sha256(raw_bytes).hexdigest(),
        crawl_id=manifest["crawl_id"],
        source=manifest["source"],
        platform=manifest.get("platform"),
        scope=manifest.get("scope") or {},
        scope_hash=manifest["scope_hash"],
        status=manifest["status"],
        finish_reason=manifest.get("finish_reason"),
        error=manifest.get("error"),
        cursor=manifest.get("cursor"),
        counts=manifest.get("counts") or {},
        code_version=manifest.get("code_version"),
        item_files=tuple(_item_files(crawl_dir, manifest_path, manifest.get("files"))),
    )


def _item_files(crawl_dir: Path, manifest_path: Path, files) -> list[ItemFile]:
    if not isinstance(files, list):
        raise CrawlFolderError(f"{manifest_path}: 'files' must be a list of the files the crawl wrote")
    root = crawl_dir.resolve()
    item_files = []
    for entry in files:
        if not isinstance(entry, dict) or entry.get("kind") != "items":
            continue
        rel = entry.get("path")
        kind = entry.get("item_kind")
        if not isinstance(rel, str) or not rel:
            raise CrawlFolderError(f"{manifest_path}: an items entry has no path")
        path = (crawl_dir / rel).resolve()
        if not path.is_relative_to(root):
            raise CrawlFolderError(f"{manifest_path}: items file {rel!r} lies outside the crawl folder")
        if kind not in FIELDS or kind not in RAW_TABLE:
            raise CrawlFolderError(
                f"{manifest_path}: items file {rel!r} holds item kind {kind!r}, which this adtrail does not "
                f"load (known: {sorted(RAW_TABLE)}); upgrade adtrail"
            )
        if not isinstance(entry.get("sha256"), str) or not isinstance(entry.get("size"), int):
            raise CrawlFolderError(f"{manifest_path}: items file {rel!r} needs its sha256 and size")
        rows = entry.get("rows")
        item_files.append(ItemFile(path, kind, entry["sha256"], entry["size"], rows if isinstance(rows, int) else None))
    return item_files


def verify_item_files(manifest: CrawlManifest) -> None:
    """Check every items file against the size and sha256 the manifest recorded."""
    for item_file in manifest.item_files:
        problem = item_file_problem(item_file)
        if problem:
            raise CrawlFolderError(problem)


def item_file_problem(item_file) -> str | None:
    """What is wrong with one items file against its manifest entry (missing, size, sha256), or None."""
    if not item_file.path.is_file():
        return (f"{item_file.path} is listed in the manifest but missing: the crawl folder changed since it "
                "was written; restore the file or run the crawl again")
    digest = hashlib.sha256()
    size = 0
    with item_file.path.open("rb") as stream:
        while chunk := stream.read(1 << 22):  # hashlib releases the GIL: a thread can hash beside DuckDB
            digest.update(chunk)
            size += len(chunk)
    if size != item_file.size or digest.hexdigest() != item_file.sha256:
        return (f"{item_file.path}: crawl folder changed since it was written (size {size}, manifest says "
                f"{item_file.size}; sha256 differs: {digest.hexdigest() != item_file.sha256}). Nothing was "
                "loaded: restore the folder, or resume the crawl so it writes a new manifest")
    return None
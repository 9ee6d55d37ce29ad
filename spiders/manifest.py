"""The crawl folder's bookkeeping: ``manifest.json`` and the saved cursors in ``state/cursor.json``.

The manifest format is ``adtrail-crawl/1`` (spiders/items.py describes the folder; the brief's contract
lists every key). Both files are written atomically (a temporary file, then ``os.replace``), so a crawl
killed at any moment leaves the previous complete version, never half a file.

The cursor file holds, per paginated chain, the redacted URL of the next page not yet fetched and whether
the chain is finished; it is tied to the scope hash, so a folder is never continued with other questions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

MANIFEST_FORMAT = "adtrail-crawl/1"
# Counts every manifest carries, zero when nothing happened; spiders add others (http_4xx, html_body...).
STANDARD_COUNTS = (
    "pages", "items", "http_429", "rate_limited", "limit_halved", "truncated_body", "repeated_next",
    "retries", "http_5xx",
)


class CrawlFolderError(ValueError):
    """The crawl folder cannot be used for this crawl; the message says why and what to do."""


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def canonical_json(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def scope_hash(scope: dict) -> str:
    """sha256 hex of the scope's canonical JSON (sorted keys, no spaces, UTF-8)."""
    return hashlib.sha256(canonical_json(scope)).hexdigest()


def write_json_atomically(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(value, handle, ensure_ascii=False, indent=1, sort_keys=False)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def file_sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def count_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


@dataclass(frozen=True)
class CrawlFolder:
    """Paths inside one crawl folder (one source, one crawl)."""

    root: Path

    @classmethod
    def from_settings(cls, settings) -> CrawlFolder:
        """The folder of the crawl being run: setting ADTRAIL_CRAWL_DIR, which ``python -m spiders.run`` sets."""
        if not settings.get("ADTRAIL_CRAWL_DIR"):
            raise ValueError("ADTRAIL_CRAWL_DIR is not set; start crawls with `python -m spiders.run`")
        return cls(Path(settings["ADTRAIL_CRAWL_DIR"]))

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def items(self) -> Path:
        return self.root / "items.jsonl"

    @property
    def warc_dir(self) -> Path:
        return self.root / "warc"

    @property
    def cursor(self) -> Path:
        return self.root / "state" / "cursor.json"

    @property
    def httpcache(self) -> Path:
        return self.root / "httpcache"

    @property
    def jobdir(self) -> Path:
        return self.root / "jobdir"

    @property
    def log(self) -> Path:
        return self.root / "crawl.log"

    def read_manifest(self) -> dict | None:
        try:
            return json.loads(self.manifest.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except json.JSONDecodeError as error:
            raise CrawlFolderError(
                f"{self.manifest} is not valid JSON ({error}); it was not written by adtrail or was edited; "
                "start the crawl in a new folder"
            ) from None

    def write_manifest(self, manifest: dict) -> None:
        write_json_atomically(self.manifest, manifest)

    def file_entries(self, item_kind: str) -> list[dict]:
        """The manifest's ``files``: items.jsonl and every WARC file, with sha256 and size."""
        entries = []
        if self.items.exists():
            sha256, size = file_sha256(self.items)
            entries.append({"path": "items.jsonl", "kind": "items", "item_kind": item_kind, "sha256": sha256,
                            "size": size, "rows": count_lines(self.items)})
        for warc in sorted(self.warc_dir.glob("*.warc.gz"), key=lambda path: _run_number(path)):
            sha256, size = file_sha256(warc)
            entries.append({"path": f"warc/{warc.name}", "kind": "warc", "sha256": sha256, "size": size})
        return entries

    def next_warc_path(self) -> Path:
        """A new WARC file for this run (responses-1, -2, ...), so a resumed crawl never rewrites one."""
        numbers = [_run_number(path) for path in self.warc_dir.glob("responses-*.warc.gz")]
        return self.warc_dir / f"responses-{max(numbers, default=0) + 1}.warc.gz"


def _run_number(path: Path) -> int:
    stem = path.name.removesuffix(".warc.gz")
    try:
        return int(stem.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return 0


def check_folder_fits(folder: CrawlFolder, *, source: str, scope_sha256: str, crawl_id: str | None) -> dict | None:
    """The folder's earlier manifest when this crawl may continue it, None for a new folder.

    Raises CrawlFolderError when the folder holds another source, another scope or another crawl id:
    continuing it would mix answers to different questions."""
    earlier = folder.read_manifest()
    if earlier is None:
        return None
    if earlier.get("format") != MANIFEST_FORMAT:
        raise CrawlFolderError(f"{folder.manifest} has format {earlier.get('format')!r}, not {MANIFEST_FORMAT}; "
                               "use a new crawl folder")
    if earlier.get("source") != source:
        raise CrawlFolderError(f"{folder.root} holds a {earlier.get('source')} crawl, not {source}; "
                               "use a new crawl folder for each source")
    if earlier.get("scope_hash") != scope_sha256:
        raise CrawlFolderError(
            f"{folder.root} was crawled with another scope (scope_hash {earlier.get('scope_hash')}); a rerun "
            "continues a crawl only with the same countries, dates, terms and page ids: use a new crawl "
            "folder, or rerun with the scope in its manifest.json"
        )
    if crawl_id is not None and earlier.get("crawl_id") != crawl_id:
        raise CrawlFolderError(f"{folder.root} belongs to crawl {earlier.get('crawl_id')!r}, not {crawl_id!r}; "
                               "rerun without --crawl-id to continue it, or use a new crawl folder")
    return earlier


class CursorStore:
    """``state/cursor.json``: where each chain of a paginated crawl continues.

    ``{"format": "adtrail-cursor/1", "scope_hash": ..., "chains": {chain_id: {"next": url|null,
    "finished": bool, "pages": int, "end": "last_page"|"repeated_next"|null}}}``. ``next`` is redacted."""

    FORMAT = "adtrail-cursor/1"

    def __init__(self, path: Path, scope_sha256: str):
        self.path = path
        self.scope_sha256 = scope_sha256
        self.chains: dict[str, dict] = {}
        if path.exists():
            saved = json.loads(path.read_text(encoding="utf-8"))
            if saved.get("scope_hash") != scope_sha256:
                raise CrawlFolderError(f"{path} was saved for another scope; use a new crawl folder")
            self.chains = saved.get("chains", {})

    def chain(self, chain_id: str) -> dict:
        return self.chains.get(chain_id, {"next": None, "finished": False, "pages": 0, "end": None})

    def advance(self, chain_id: str, *, next_url: str | None, pages: int, end: str | None) -> None:
        """Record that a page of ``chain_id`` is stored: continue at ``next_url``, or finished (``end``)."""
        self.chains[chain_id] = {"next": next_url, "finished": end is not None, "pages": pages, "end": end}
        write_json_atomically(self.path, {"format": self.FORMAT, "scope_hash": self.scope_sha256,
                                          "chains": self.chains})

    def first_open_cursor(self, chains: list[tuple[str, str]]) -> str | None:
        """The manifest's single ``cursor``: for the first of ``chains`` ((chain id, first URL) pairs)
        not finished, the URL of its next page not yet fetched; None when every chain is finished."""
        for chain_id, first_url in chains:
            state = self.chain(chain_id)
            if not state["finished"]:
                return state["next"] or first_url
        return None

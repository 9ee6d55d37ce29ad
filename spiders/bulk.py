"""Base spider for bulk-file sources: one large file per crawl, streamed to the crawl folder in chunks
(DESIGN.md, "Three kinds of parser input", kind 2).

Why the body does not pass through Scrapy: Scrapy's HTTP/1.1 download handler gathers a whole body in
memory (capped by DOWNLOAD_MAXSIZE) before any callback sees it, and the Google bundle is gigabytes. So
Scrapy asks the question (a conditional HEAD through the usual middlewares: robots.txt, user agent,
throttling, the WARC archive of the answer's headers) and the body comes by plain streaming HTTP (urllib)
in a worker thread of the spider's process, written to disk 1 MiB at a time while the reactor runs on.

- Unchanged files are skipped. The last good file of each source is kept in a store (setting
  ``ADTRAIL_BULK_STORE``, default ``<crawl root>/bulk-store``, the crawl root being two folders above the
  crawl folder as ``adtrail crawl`` and ``adtrail snapshot`` lay them out). Its ETag and Last-Modified go
  out as If-None-Match / If-Modified-Since; a 304, or a 200 with the same validators, links the stored
  file into the crawl folder instead of downloading it again.
- Partial downloads resume. Bytes arrive in ``bulk/<name>.part``, described by ``state/bulk.json`` (URL,
  validators). A retry in the same run (``ADTRAIL_MAX_RETRIES``, with back-off) or a rerun asks
  ``Range: bytes=<have>-`` with ``If-Range``: a 206 appends, a 200 (changed file, no range support)
  starts over.
- A body that is not the expected file (an HTML error page, a login wall) replaces nothing: the crawl
  fails with an error saying what came instead, and the previous good file stays in the store.
- The manifest lists the file: ``{"path": "bulk/<name>", "kind": "bulk", "sha256", "size", "etag",
  "last_modified", "source_url", "fetched_at", "not_modified"}``, beside the WARC files.

A subclass sets ``name``, ``platform``, ``item_kind`` (what the file's rows become), ``file_name``,
``url_setting``, ``default_url``, ``magic`` (the file's first bytes) and may override ``check_file``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from twisted.internet.threads import deferToThread

from spiders.base import STATS_PREFIX, ScopeError, backoff_seconds
from spiders.manifest import (MANIFEST_FORMAT, STANDARD_COUNTS, CrawlFolder, file_sha256, scope_hash, utc_now,
                              write_json_atomically)
from spiders.secrets import Redactor, secrets_from_env

CHUNK = 1 << 20
EVIDENCE_BYTES = 4096  # of an unexpected body, kept in state/unexpected-body for the user to look at


@dataclass
class Fetch:
    """What one streaming GET brought: complete, not_modified, incomplete (retry/resume) or a stop."""

    outcome: str  # complete | not_modified | incomplete | unexpected | http_error
    message: str = ""
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None  # of the whole file, once complete and checked
    size: int | None = None
    counts: dict[str, int] = field(default_factory=dict)


class BulkFileSpider(scrapy.Spider):
    platform: ClassVar[str]
    item_kind: ClassVar[str]
    file_name: ClassVar[str]
    url_setting: ClassVar[str]
    default_url: ClassVar[str]
    magic: ClassVar[bytes | None] = None
    expected: ClassVar[str] = "the file"
    custom_settings: ClassVar[dict] = {
        # A conditional request must reach the server, never the crawl folder's cache.
        "HTTPCACHE_ENABLED": False,
        # No items: the manifest is written here; the WARC keeps the HEAD answers (headers only).
        "ITEM_PIPELINES": {"spiders.pipelines.warc_archive.WarcArchivePipeline": 100},
        "DEFAULT_REQUEST_HEADERS": {"Accept": "*/*"},
    }

    def __init__(self, *args: Any, scope: dict | str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.scope = self.normalise_scope(json.loads(scope) if isinstance(scope, str) else dict(scope or {}))
        self.stop_reason: str | None = None
        self.stop_message: str | None = None
        self.file_entry: dict | None = None
        self.earlier: dict = {}
        self.known: dict | None = None
        self.redactor = Redactor(secrets_from_env())

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.folder = CrawlFolder.from_settings(settings)
        spider.crawl_id = settings["ADTRAIL_CRAWL_ID"]
        spider.url = settings.get(cls.url_setting) or cls.default_url
        # What logs, messages, state files and the manifest show: a key in a mirror's URL never gets there.
        spider.shown_url = spider.redactor.redact_url(spider.url)
        store = settings.get("ADTRAIL_BULK_STORE") or spider.folder.root.parent.parent / "bulk-store"
        spider.store = Path(store) / cls.name
        spider.max_retries = settings.getint("ADTRAIL_MAX_RETRIES")
        spider.backoff = (settings.getfloat("ADTRAIL_BACKOFF_BASE_SECONDS"),
                          settings.getfloat("ADTRAIL_BACKOFF_MAX_SECONDS"))
        spider.timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        spider.user_agent = settings.get("USER_AGENT")
        spider.safe_scope = cls.manifest_scope(spider.scope, settings)
        spider.scope_sha256 = scope_hash(spider.safe_scope)
        crawler.signals.connect(spider.write_final_manifest, signal=signals.spider_closed)
        return spider

    # ---- scope: a bulk source asks for the whole file

    @classmethod
    def normalise_scope(cls, raw: dict) -> dict:
        if raw:
            raise ScopeError(f"{cls.name} downloads the whole file and takes no scope; got {sorted(raw)}")
        return {}

    @classmethod
    def manifest_scope(cls, scope: dict, settings) -> dict:
        return {"file": cls.file_name}

    def check_file(self, path: Path) -> str | None:
        """None when the downloaded file is whole and of the expected kind, else what is wrong."""
        return None

    # ---- paths and bookkeeping

    @property
    def target(self) -> Path:
        return self.folder.root / "bulk" / self.file_name

    @property
    def part(self) -> Path:
        return self.target.with_name(self.file_name + ".part")

    @property
    def partial_state(self) -> Path:
        return self.folder.root / "state" / "bulk.json"

    @property
    def evidence(self) -> Path:
        """Where the first bytes of an unexpected body are kept (a spider of several files keeps one per file)."""
        return self.folder.root / "state" / "unexpected-body"

    @property
    def previous_meta(self) -> Path:
        return self.store / "current.json"

    def count(self, name: str, value: int = 1) -> None:
        self.crawler.stats.inc_value(STATS_PREFIX + name, value)

    def stop(self, reason: str, message: str) -> None:
        if self.stop_reason is None:
            self.stop_reason, self.stop_message = reason, message
            self.logger.error("stopping the crawl (%s): %s", reason, message)

    def previous(self) -> dict | None:
        """The last good file of this source, when it is still whole (size and sha256 as recorded)."""
        try:
            meta = json.loads(self.previous_meta.read_text(encoding="utf-8"))
            path = self.store / self.file_name
            if path.stat().st_size == meta["size"] and file_sha256(path)[0] == meta["sha256"]:
                return meta
            self.logger.warning("the stored %s no longer matches its record; downloading it whole", path)
        except (FileNotFoundError, KeyError, ValueError):
            pass
        return None

    def manifest_files(self) -> list[dict]:
        """The manifest's ``files``: the WARC files and the bulk file (a spider of several files adds each)."""
        return self.folder.file_entries(self.item_kind) + ([self.file_entry] if self.file_entry else [])

    def _write_manifest(self, status: str, finished_at: str | None, earlier: dict) -> None:
        counts = {name: 0 for name in STANDARD_COUNTS}
        for name, value in (earlier.get("counts") or {}).items():
            counts[name] = counts.get(name, 0) + int(value)
        for key, value in self.crawler.stats.get_stats().items():
            if key.startswith(STATS_PREFIX) and isinstance(value, int):
                counts[key.removeprefix(STATS_PREFIX)] = counts.get(key.removeprefix(STATS_PREFIX), 0) + value
        files = self.manifest_files()
        self.folder.write_manifest({
            "format": MANIFEST_FORMAT, "crawl_id": self.crawl_id, "source": self.name, "platform": self.platform,
            "scope": self.safe_scope, "scope_hash": self.scope_sha256,
            "started_at": earlier.get("started_at") or utc_now(), "finished_at": finished_at, "status": status,
            "finish_reason": self.stop_reason if status != "running" else None,
            "error": self.stop_message, "cursor": None, "counts": counts, "files": files,
            "code_version": f"adtrail {self.crawler.settings.get('ADTRAIL_VERSION', 'unknown')}",
        })

    def write_final_manifest(self, spider, reason: str) -> None:
        if self.file_entry is None and self.stop_reason is None:
            self.stop(reason if reason != "finished" else "no_file", (
                f"the crawl ended ({reason}) before {self.file_name} was fetched; what arrived is kept in "
                f"bulk/{self.part.name}: rerun the same command to resume"))
        complete = self.file_entry is not None and self.stop_reason is None
        if complete:
            self.stop_reason = "finished"
        self._write_manifest("complete" if complete else "failed", utc_now(), self.earlier)

    # ---- the crawl

    def write_running_manifest(self) -> None:
        """The manifest says ``running`` from the start; a rerun keeps the first start time and adds its counts."""
        self.earlier = self.folder.read_manifest() or {}
        self.earlier.setdefault("started_at", utc_now())
        self._write_manifest("running", None, self.earlier)

    async def start(self):
        self.write_running_manifest()
        self.known = await _in_thread(self.previous)  # hashing a large file stays off the reactor
        yield self.head_request(0)

    def head_request(self, attempt: int) -> scrapy.Request:
        headers = {}
        if self.known and self.known.get("etag"):
            headers["If-None-Match"] = self.known["etag"]
        if self.known and self.known.get("last_modified"):
            headers["If-Modified-Since"] = self.known["last_modified"]
        return scrapy.Request(self.url, method="HEAD", headers=headers, callback=self.on_head,
                              errback=self.on_head_error, dont_filter=True,
                              meta={"handle_httpstatus_all": True, "adtrail_attempt": attempt})

    async def on_head(self, response):
        attempt = response.meta["adtrail_attempt"]
        etag, last_modified = _header(response, b"ETag"), _header(response, b"Last-Modified")
        unchanged = response.status in (200, 304) and self.known and (
            response.status == 304 or _same_file(self.known, etag, last_modified))
        if unchanged:
            self.count("not_modified")
            self.reuse_previous()
            return
        if response.status in (429, 500, 502, 503, 504) and attempt < self.max_retries:
            self.count("http_429" if response.status == 429 else "http_5xx")
            await asyncio.sleep(backoff_seconds(attempt, base=self.backoff[0], cap=self.backoff[1], stated=None))
            yield self.head_request(attempt + 1)
            return
        if response.status >= 400 and response.status not in (405, 501):  # 405/501: HEAD not offered
            self.stop(f"http_{response.status}", (
                f"HEAD {self.shown_url} answered HTTP {response.status}; nothing was replaced. Check the setting "
                f"{self.url_setting}, or rerun later"))
            return
        fetch = await _in_thread(self.download)
        self.finish(fetch)

    async def on_head_error(self, failure):
        # robots.txt refusal or a network failure before any header: the streaming GET says more.
        if failure.check(IgnoreRequest):
            self.stop("ignored", f"{self.shown_url} was not fetched: {failure.getErrorMessage()}")
            return
        self.count("download_errors")
        self.finish(await _in_thread(self.download))

    def reuse_previous(self) -> None:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(self.store / self.file_name, self.target)
        self.file_entry = {**self._entry_of(self.known), "not_modified": True}
        self.logger.info("%s unchanged since %s (sha256 %s); not downloaded again", self.shown_url,
                         self.known.get("fetched_at"), self.known["sha256"])

    def _entry_of(self, meta: dict) -> dict:
        return {"path": f"bulk/{self.file_name}", "kind": "bulk", "sha256": meta["sha256"], "size": meta["size"],
                "etag": meta.get("etag"), "last_modified": meta.get("last_modified"),
                "source_url": meta["source_url"], "fetched_at": meta.get("fetched_at")}

    def finish(self, fetch: Fetch) -> None:
        for name, value in fetch.counts.items():
            self.count(name, value)
        if fetch.outcome == "not_modified":
            self.count("not_modified")
            self.reuse_previous()
            return
        if fetch.outcome != "complete":
            self.stop({"incomplete": "download_incomplete"}.get(fetch.outcome, fetch.outcome), fetch.message)
            return
        sha256, size = fetch.sha256, fetch.size
        os.replace(self.part, self.target)
        self.partial_state.unlink(missing_ok=True)
        meta = {"sha256": sha256, "size": size, "etag": fetch.etag, "last_modified": fetch.last_modified,
                "source_url": self.shown_url, "fetched_at": utc_now()}
        self.store.mkdir(parents=True, exist_ok=True)
        _link_or_copy(self.target, self.store / self.file_name)
        write_json_atomically(self.previous_meta, meta)
        self.count("bulk_files")
        self.count("bytes", size)
        self.file_entry = {**self._entry_of(meta), "not_modified": False}
        self.logger.info("%s downloaded: %d bytes, sha256 %s", self.shown_url, size, sha256)

    def _kept(self) -> str:
        if not self.known:
            return ""
        return (f"; the previous good file (sha256 {self.known['sha256']}, fetched {self.known.get('fetched_at')}) "
                f"is kept in {self.store}")

    # ---- the streaming GET (runs in a worker thread)

    def download(self) -> Fetch:
        counts: dict[str, int] = {}
        for attempt in range(self.max_retries + 1):
            fetch = self.fetch_once(counts)
            if fetch.outcome != "incomplete" or attempt == self.max_retries:
                fetch.counts = counts
                return self._checked(fetch) if fetch.outcome == "complete" else fetch
            counts["retries"] = counts.get("retries", 0) + 1
            self.logger.warning("%s; attempt %d of %d", fetch.message, attempt + 2, self.max_retries + 1)
            time.sleep(backoff_seconds(attempt, base=self.backoff[0], cap=self.backoff[1], stated=None))
        raise AssertionError("unreachable")

    def _checked(self, fetch: Fetch) -> Fetch:
        """A complete download, checked by the subclass (a damaged file is dropped) and hashed."""
        problem = self.check_file(self.part)
        if problem:
            self.part.unlink(missing_ok=True)
            self.partial_state.unlink(missing_ok=True)
            return Fetch("damaged_file", f"{self.shown_url}: {problem}; nothing was replaced{self._kept()}: rerun "
                         "the same command to download it again", counts=fetch.counts)
        fetch.sha256, fetch.size = file_sha256(self.part)
        return fetch

    def fetch_once(self, counts: dict[str, int]) -> Fetch:
        state = _read_json(self.partial_state)
        have = self.part.stat().st_size if self.part.exists() and state.get("url") == self.shown_url else 0
        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "identity"}
        if have and (state.get("etag") or state.get("last_modified")):
            headers["Range"] = f"bytes={have}-"
            headers["If-Range"] = state.get("etag") or state["last_modified"]
        elif self.known:
            have = 0
            headers.update({k: v for k, v in (("If-None-Match", self.known.get("etag")),
                                               ("If-Modified-Since", self.known.get("last_modified"))) if v})
        else:
            have = 0
        request = urllib.request.Request(self.url, headers=headers)
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            with error:
                return self._http_error(error, have, counts)
        except OSError as error:  # URLError, refused connection, timeout
            counts["download_errors"] = counts.get("download_errors", 0) + 1
            return Fetch("incomplete", f"GET {self.shown_url} failed: {getattr(error, 'reason', error)}")
        with response:
            return self._stream(response, have, counts)

    def _http_error(self, error: urllib.error.HTTPError, have: int, counts: dict[str, int]) -> Fetch:
        if error.code == 304:
            return Fetch("not_modified")
        if error.code == 416 and have:  # the partial file no longer fits the server's: start over
            self.part.unlink(missing_ok=True)
            return Fetch("incomplete", f"GET {self.shown_url} refused the range of the partial file; starting over")
        if error.code == 429 or error.code >= 500:
            name = "http_429" if error.code == 429 else "http_5xx"
            counts[name] = counts.get(name, 0) + 1
            return Fetch("incomplete", f"GET {self.shown_url} answered HTTP {error.code}")
        return Fetch(f"http_{error.code}", f"GET {self.shown_url} answered HTTP {error.code}; nothing was replaced"
                     f"{self._kept()}. Check the setting {self.url_setting}, or rerun later")

    def _stream(self, response, have: int, counts: dict[str, int]) -> Fetch:
        etag, last_modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        content_type = response.headers.get("Content-Type", "")
        total = None
        if response.status == 206 and have:
            start, _, size = (response.headers.get("Content-Range") or "").removeprefix("bytes ").partition("/")
            if not start.startswith(f"{have}-"):
                self.part.unlink(missing_ok=True)
                return Fetch("incomplete", f"GET {self.shown_url} sent another range than asked ({start}); "
                             "starting over")
            counts["resumed"] = counts.get("resumed", 0) + 1
            total = int(size) if size.isdigit() else None
        else:
            if have:
                counts["restarted"] = counts.get("restarted", 0) + 1  # file changed, or no range support
            have = 0
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
        first = response.read(CHUNK)
        if have == 0 and ("html" in content_type.lower() or (self.magic and not first.startswith(self.magic))):
            return self._unexpected(first + response.read(EVIDENCE_BYTES), content_type, counts)
        self.part.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomically(self.partial_state, {"url": self.shown_url, "etag": etag, "last_modified": last_modified})
        arrived = have
        try:
            with open(self.part, "ab" if have else "wb") as sink:
                chunk = first
                while chunk:
                    sink.write(chunk)
                    arrived += len(chunk)
                    chunk = response.read(CHUNK)
        except OSError as error:  # the connection broke mid-body; what arrived stays for the resume
            counts["download_errors"] = counts.get("download_errors", 0) + 1
            return Fetch("incomplete", f"GET {self.shown_url} broke off after {arrived} bytes ({error}); rerun the "
                         "same command to resume with a Range request")
        counts["bytes_downloaded"] = counts.get("bytes_downloaded", 0) + arrived - have
        if total is not None and arrived < total:
            counts["truncated_body"] = counts.get("truncated_body", 0) + 1
            return Fetch("incomplete", f"GET {self.shown_url} broke off after {arrived} of {total} bytes; rerun the "
                         f"same command to resume from byte {arrived} with a Range request")
        return Fetch("complete", etag=etag, last_modified=last_modified)

    def _unexpected(self, evidence: bytes, content_type: str, counts: dict[str, int]) -> Fetch:
        counts["unexpected_body"] = counts.get("unexpected_body", 0) + 1
        kept = self.evidence
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_bytes(self.redactor.redact_bytes(evidence[:EVIDENCE_BYTES]))
        opening = " ".join(evidence[:80].decode("utf-8", "replace").split())
        what = "an HTML page" if "html" in content_type.lower() or opening.startswith("<") else "something else"
        return Fetch("not_a_file", (
            f"GET {self.shown_url} sent {what} (Content-Type {content_type or 'none'}, starting {opening!r}) instead "
            f"of {self.expected}; nothing was replaced{self._kept()}. The first bytes are in "
            f"{kept.relative_to(self.folder.root)}. Check the setting {self.url_setting}, or rerun later"))


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _same_file(known: dict, etag: str | None, last_modified: str | None) -> bool:
    if etag and known.get("etag"):
        return etag == known["etag"]
    return bool(last_modified) and last_modified == known.get("last_modified")


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def _link_or_copy(source: Path, target: Path) -> None:
    """``target`` becomes ``source``'s bytes: a hard link when both are on one file system, else a copy."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        os.link(source, temporary)
    except OSError:
        shutil.copyfile(source, temporary)
    os.replace(temporary, target)


async def _in_thread(function):
    """Run a blocking function in Twisted's thread pool and await it from an ``async def`` callback."""
    from scrapy.utils.defer import maybe_deferred_to_future

    return await maybe_deferred_to_future(deferToThread(function))

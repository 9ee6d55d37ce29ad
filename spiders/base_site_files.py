"""Base spider for many small files on many hosts (ads.txt, app-ads.txt): one target per configured site.

Unlike a paginated API (spiders/base.py), a target is a small tree of fetches: a site's file, then the files
it points to (SUBDOMAIN, INVENTORYPARTNERDOMAIN), each perhaps through redirects and an HTTP fallback. This
class keeps the crawl-folder contract the shared pipelines expect (``crawl_id``, ``safe_scope``,
``scope_sha256``, ``cursors``, ``chain_ids``, ``chain_urls``, ``stop_reason``, ``count``) and adds:

- **Targets.** ``targets()`` gives (target id, first URL) pairs; a subclass yields the requests of a target
  from ``target_requests`` and, for every fetch it starts, calls ``open_fetches(target, n)``; each finished
  fetch goes through ``close_fetch``, which yields the ``PageDone`` marker once the target's last fetch is
  written. A target is one "chain" of one "page" for the manifest pipeline.
- **Resume.** Finished targets are appended to ``state/targets-done.jsonl`` (one line each, so 10,000
  sites cost 10,000 short appends, not 10,000 rewrites of a growing cursor file). A rerun skips them; a
  target cut off midway is fetched again whole (its items are appended again; the loader keeps one row
  per key, the latest).
- **Items of several kinds**: each kind in its own file (spiders/pipelines/items_by_kind.py), as the
  manifest's ``files`` list allows.
- **One batch per fetch** (``batch_items = True``): a fetch's items travel through Scrapy as one
  ``ItemBatch`` and the items pipeline writes each of them, checked against the contract, to its kind's
  file. The files hold exactly what one item at a time would; what is saved is Scrapy's per-item work
  (signals, middleware chains, log records), which for ads.txt's ~50 line items per site was half of the
  crawl's CPU.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import scrapy

from spiders.base import STATS_PREFIX, PageDone, ScopeError  # noqa: F401  (ScopeError re-exported)
from spiders.manifest import CrawlFolder, CrawlFolderError, scope_hash


@dataclass(eq=False)
class ItemBatch:
    """The items of one finished fetch, passed through Scrapy as one object (see ``batch_items``)."""

    items: list[dict]

    def __repr__(self) -> str:  # Scrapy's debug log names it; 50 items in a log line say nothing more
        return f"ItemBatch({len(self.items)} items)"


class DoneTargets:
    """``state/targets-done.jsonl``: the targets whose every fetch is written, with the manifest pipeline's
    cursor interface (``chain``, ``advance``, ``first_open_cursor``)."""

    FORMAT = "adtrail-targets-done/1"

    def __init__(self, path: Path, scope_sha256: str):
        self.path = path
        self.scope_sha256 = scope_sha256
        self.done: dict[str, dict] = {}
        self._handle = None
        if path.exists():
            lines = path.read_text(encoding="utf-8").splitlines()
            header = json.loads(lines[0]) if lines else {}
            if header.get("scope_hash") != scope_sha256:
                raise CrawlFolderError(f"{path} was saved for another scope; use a new crawl folder")
            for line in lines[1:]:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by a kill: that target is fetched again
                self.done[entry["target"]] = entry

    def chain(self, chain_id: str) -> dict:
        entry = self.done.get(chain_id)
        return {"next": None, "finished": entry is not None, "pages": entry["pages"] if entry else 0,
                "end": entry["end"] if entry else None}

    def advance(self, chain_id: str, *, next_url: str | None, pages: int, end: str | None) -> None:
        if end is None:
            return  # only finished targets are recorded; an unfinished one starts over on a rerun
        if self._handle is None:  # opened once, not once per target
            self.path.parent.mkdir(parents=True, exist_ok=True)
            new_file = not self.path.exists()
            self._handle = open(self.path, "a", encoding="utf-8")
            if new_file:
                self._handle.write(json.dumps({"format": self.FORMAT, "scope_hash": self.scope_sha256}) + "\n")
        entry = {"target": chain_id, "pages": pages, "end": end}
        self._handle.write(json.dumps(entry) + "\n")
        self._handle.flush()  # in the operating system's hands at once: a killed crawl keeps it
        self.done[chain_id] = entry

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def first_open_cursor(self, chains: list[tuple[str, str]]) -> str | None:
        for chain_id, first_url in chains:
            if chain_id not in self.done:
                return first_url
        return None


class SiteFilesSpider(scrapy.Spider):
    """Subclasses set ``name``, ``item_kind`` (the kind written to items.jsonl), ``platform`` and implement
    ``normalise_scope``, ``manifest_scope``, ``targets`` and ``target_requests``."""

    item_kind: ClassVar[str]
    platform: ClassVar[str]
    token_env: ClassVar[str | None] = None  # websites: no token is ever sent
    batch_items: ClassVar[bool] = False  # True: a fetch's items go to the pipelines as one ItemBatch

    def __init__(self, *args: Any, scope: dict | str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        raw_scope = json.loads(scope) if isinstance(scope, str) else dict(scope or {})
        self.scope = self.normalise_scope(raw_scope)
        self.run_id = uuid.uuid4().hex
        self.stop_reason: str | None = None
        self.stop_message: str | None = None
        self._open_fetches: dict[str, int] = defaultdict(int)
        self._target_items: dict[str, int] = defaultdict(int)
        self._target_fetches: dict[str, int] = defaultdict(int)
        self._page_number = 0

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if not settings.get("ADTRAIL_CRAWL_DIR"):
            raise ValueError("ADTRAIL_CRAWL_DIR is not set; start crawls with `python -m spiders.run`")
        spider.folder = CrawlFolder(Path(settings["ADTRAIL_CRAWL_DIR"]))
        spider.crawl_id = settings["ADTRAIL_CRAWL_ID"]
        spider.safe_scope = cls.manifest_scope(spider.scope, settings)
        spider.scope_sha256 = scope_hash(spider.safe_scope)
        spider.cursors = DoneTargets(spider.folder.root / "state" / "targets-done.jsonl", spider.scope_sha256)
        spider._targets = spider.targets()
        gen0 = settings.getint("ADTRAIL_GC_GEN0_THRESHOLD", 0)
        if gen0:
            # The crawl is this process's only work (spiders.run), so the collector can be tuned for it.
            gc.set_threshold(gen0, *gc.get_threshold()[1:])
        return spider

    # ---- what a subclass provides

    @classmethod
    def normalise_scope(cls, raw: dict) -> dict:
        raise NotImplementedError

    @classmethod
    def manifest_scope(cls, scope: dict, settings) -> dict:
        raise NotImplementedError

    def targets(self) -> list[tuple[str, str]]:
        """(target id, first URL) pairs, stable across runs."""
        raise NotImplementedError

    def target_requests(self, target_id: str):
        """The first requests of a target (each counted with ``open_fetches``)."""
        raise NotImplementedError

    # ---- the crawl

    def chain_ids(self) -> list[str]:
        return [target_id for target_id, _ in self._targets]

    def chain_urls(self) -> list[tuple[str, str]]:
        return list(self._targets)

    def count(self, name: str, value: int = 1) -> None:
        self.crawler.stats.inc_value(STATS_PREFIX + name, value)

    def stop(self, reason: str, message: str) -> None:
        if self.stop_reason is None:
            self.stop_reason, self.stop_message = reason, message
            self.logger.error("stopping the crawl (%s): %s", reason, message)

    async def start(self):
        skipped = 0
        for target_id, _ in self._targets:
            if self.cursors.chain(target_id)["finished"]:
                skipped += 1
                continue
            for request in self.target_requests(target_id):
                yield request
        if skipped:
            self.logger.info("%d targets finished in an earlier run; not fetched again", skipped)

    def closed(self, reason: str) -> None:
        self.cursors.close()

    def open_fetches(self, target_id: str, number: int = 1) -> None:
        self._open_fetches[target_id] += number

    def next_page_number(self) -> int:
        self._page_number += 1
        return self._page_number

    def provenance(self, kind: str, url: str, body_sha256: str | None, page_number: int) -> dict:
        return {"item_kind": kind, "source": self.name, "crawl_id": self.crawl_id, "source_url": url,
                "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                "body_sha256": body_sha256, "page_number": page_number}

    def close_fetch(self, target_id: str, items: list[dict], body_sha256: str | None):
        """Yield a finished fetch's items, then the target's PageDone when it was the target's last fetch.
        Call ``open_fetches`` for any follow-up fetch BEFORE closing the fetch that found it."""
        if self.batch_items:
            if items:
                yield ItemBatch(items)
        else:
            yield from items
        self._target_items[target_id] += len(items)
        self._target_fetches[target_id] += 1
        self._open_fetches[target_id] -= 1
        if self._open_fetches[target_id] == 0:
            yield PageDone(target_id, self._target_fetches[target_id], self._target_items[target_id],
                           None, "last_page", body_sha256 or "")

"""Keeps the crawl folder's ``manifest.json`` and saved cursors (``state/cursor.json``) up to date.

- When the spider opens: the manifest says ``running``, with the scope (terms hashed), the scope hash,
  the counts carried over from earlier runs of the same folder and the files so far.
- On each page's ``PageDone`` marker, which arrives after the page's items are written: the chain's cursor
  is saved and a progress line is logged (``adtrail.progress``, printed by spiders.run).
- When the spider has closed (the ``spider_closed`` signal, after every pipeline closed its files): the
  final status, finish reason, error for the user, cursor, counts and files with their sha256.

``complete`` only when the crawl finished normally and every chain reached its end; otherwise ``failed``,
with the items fetched so far kept.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import DropItem

from spiders.base import STATS_PREFIX, PageDone
from spiders.manifest import MANIFEST_FORMAT, STANDARD_COUNTS, CrawlFolder, utc_now

progress = logging.getLogger("adtrail.progress")


class CrawlManifestPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.folder = CrawlFolder(Path(crawler.settings["ADTRAIL_CRAWL_DIR"]))
        self.code_version = f"adtrail {crawler.settings.get('ADTRAIL_VERSION', 'unknown')}"
        self.manifest: dict | None = None
        self.earlier_counts: dict[str, int] = {}
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        earlier = self.folder.read_manifest() or {}
        self.earlier_counts = dict(earlier.get("counts") or {})
        self.manifest = {
            "format": MANIFEST_FORMAT,
            "crawl_id": spider.crawl_id,
            "source": spider.name,
            "platform": spider.platform,
            "scope": spider.safe_scope,
            "scope_hash": spider.scope_sha256,
            "started_at": earlier.get("started_at") or utc_now(),
            "finished_at": None,
            "status": "running",
            "finish_reason": None,
            "error": None,
            "cursor": spider.cursors.first_open_cursor(spider.chain_urls()),
            "counts": self._counts(),
            "files": self.folder.file_entries(spider.item_kind),
            "code_version": self.code_version,
        }
        self.manifest.update(self._extra(spider))
        self.folder.write_manifest(self.manifest)

    @staticmethod
    def _extra(spider) -> dict:
        """Keys a source adds to its manifest (e.g. TikTok's daily request budget); never a standard key."""
        extra = dict(spider.manifest_extra()) if hasattr(spider, "manifest_extra") else {}
        return {key: value for key, value in extra.items() if key not in ("format", "crawl_id", "source",
                "scope", "scope_hash", "status", "finish_reason", "error", "cursor", "counts", "files")}

    def _counts(self) -> dict[str, int]:
        """Counts of earlier runs of this folder plus this run's (Scrapy stats under ``adtrail/``)."""
        counts = {name: 0 for name in STANDARD_COUNTS}
        for name, value in self.earlier_counts.items():
            counts[name] = counts.get(name, 0) + int(value)
        for key, value in self.crawler.stats.get_stats().items():
            if key.startswith(STATS_PREFIX) and isinstance(value, int):
                name = key.removeprefix(STATS_PREFIX)
                counts[name] = counts.get(name, 0) + value
        return counts

    def process_item(self, item):
        if not isinstance(item, PageDone):
            return item
        spider = self.crawler.spider
        spider.cursors.advance(item.chain_id, next_url=item.next_url, pages=item.page_number, end=item.end)
        stats = self.crawler.stats
        stats.inc_value(STATS_PREFIX + "pages")
        stats.inc_value(STATS_PREFIX + "items", item.items)
        progress.info("%s: chain %s page %d stored, %d items%s (this run: %d pages, %d items)",
                      spider.name, item.chain_id, item.page_number, item.items,
                      f"; chain finished ({item.end})" if item.end else "",
                      stats.get_value(STATS_PREFIX + "pages"), stats.get_value(STATS_PREFIX + "items", 0))
        # The marker has done its work; it is not an item of the crawl.
        raise DropItem("page marker", log_level="DEBUG")

    def spider_closed(self, spider, reason: str) -> None:
        if self.manifest is None:
            return  # the spider never opened: nothing was started in this folder
        chain_ids = spider.chain_ids()
        open_chains = [chain_id for chain_id in chain_ids if not spider.cursors.chain(chain_id)["finished"]]
        finish_reason = spider.stop_reason or reason
        error = spider.stop_message
        if error is None and reason != "finished":
            error = (f"the crawl ended before its end ({reason}); the pages fetched so far are kept and the "
                     "cursor is saved: rerun the same command to continue")
        if error is None and open_chains:
            finish_reason = "chains_unfinished"
            error = (f"the crawl finished but chains {open_chains} did not reach their last page (see "
                     "crawl.log); rerun the same command to continue them from the saved cursor")
        complete = error is None and finish_reason == "finished"
        if complete and hasattr(spider, "items_failed_message"):
            # Items that failed one by one (a page that never loaded) leave the crawl complete, named here.
            error = spider.items_failed_message()
        self.manifest.update(
            finished_at=utc_now(),
            status="complete" if complete else "failed",
            finish_reason=finish_reason,
            error=error,
            cursor=spider.cursors.first_open_cursor(spider.chain_urls()),
            counts=self._counts(),
            files=self.folder.file_entries(spider.item_kind),
        )
        self.manifest.update(self._extra(spider))
        self.folder.write_manifest(self.manifest)

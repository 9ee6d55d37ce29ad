"""Appends items to the crawl folder's ``items.jsonl``: one JSON object per line, keys exactly
``spiders.items.FIELDS[item_kind]`` (the contract with the warehouse).

The file is flushed and synced to disk at each page's end (the ``PageDone`` marker), before the manifest
pipeline saves the cursor past that page. A line left half-written by a killed crawl is cut off when the
next run opens the file: its page was not marked done, so the rerun fetches it again.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from scrapy.exceptions import DropItem

from spiders.base import PageDone
from spiders.items import FIELDS
from spiders.manifest import CrawlFolder


class ItemsJsonlPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.folder = CrawlFolder(Path(crawler.settings["ADTRAIL_CRAWL_DIR"]))
        self.handle = None
        self.broken_contract: str | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        path = self.folder.items
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(path, "ab+")
        self._cut_partial_line()

    def _cut_partial_line(self) -> None:
        handle = self.handle
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        # Walk back to the last complete line.
        position = size
        while position > 0:
            step = min(1 << 16, position)
            handle.seek(position - step)
            chunk = handle.read(step)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                handle.truncate(position - step + newline + 1)
                break
            position -= step
        else:
            handle.truncate(0)
        self.crawler.stats.inc_value("adtrail/partial_item_lines_cut")

    def process_item(self, item):
        if isinstance(item, PageDone):
            if self.broken_contract:
                # An item of the crawl was not written: the page must not be marked done.
                raise DropItem(f"page {item.page_number} of chain {item.chain_id} not marked done: "
                               f"{self.broken_contract}", log_level="ERROR")
            self.handle.flush()
            os.fsync(self.handle.fileno())
            return item
        kind = item.get("item_kind")
        expected = FIELDS.get(kind)
        if expected is None or list(item) != list(expected):
            missing = sorted(set(expected or ()) - set(item))
            extra = sorted(set(item) - set(expected or ()))
            self.broken_contract = (f"an item of kind {kind!r} does not match spiders.items.FIELDS (missing "
                                    f"{missing}, extra {extra}); the parser must build items with empty_item()")
            spider = self.crawler.spider
            spider.stop("item_contract_broken", self.broken_contract + "; report this as a bug")
            asyncio.get_event_loop().create_task(self.crawler.engine.close_spider_async(reason=spider.stop_reason))
            raise DropItem(self.broken_contract, log_level="ERROR")
        line = json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n"
        self.handle.write(line.encode("utf-8"))
        return item

    def close_spider(self) -> None:
        if self.handle is not None:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            self.handle = None

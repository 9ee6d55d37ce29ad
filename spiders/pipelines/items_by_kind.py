"""Items of several kinds in one crawl folder: ``items.jsonl`` for the spider's own ``item_kind``, and
``items-<kind>.jsonl`` for each other kind, each listed in the manifest's ``files`` with its ``item_kind``
(the loader reads every items file the manifest lists, kind by kind).

Used by spiders whose one fetch makes items of several kinds (ads_txt: the fetch outcome, the file's
records, variables and rejected lines). A fetch's items may come as one ``ItemBatch``
(spiders/base_site_files.py): each is checked and written as if it had come alone. Same guarantees as
spiders/pipelines/items_jsonl.py: the exact field contract, a flush and fsync at each ``PageDone`` before
the cursor moves, half lines cut on reopen.

``ADTRAIL_FSYNC_EACH_PAGE`` (default True): False keeps the flush at each ``PageDone`` (a killed crawl loses
nothing and continues where it stopped) but leaves the fsync to the end of the crawl, so a power cut or an
operating-system crash may lose the items of the last sites while they are marked done. It is for bulk runs
on many small sites (bench/ads_txt_crawl.py), where a blocking fsync per site, on the event loop, is most of
the wall time.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

from spiders.manifest import CrawlFolder, count_lines, file_sha256
from spiders.pipelines.crawl_manifest import CrawlManifestPipeline
from spiders.pipelines.items_jsonl import ItemsJsonlPipeline
from spiders.base import PageDone
from spiders.base_site_files import ItemBatch
from spiders.items import FIELDS

# The same line json.dumps(item, ensure_ascii=False, separators=(",", ":")) makes in items_jsonl.py, with one
# encoder for the crawl instead of one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

class KindFilesFolder(CrawlFolder):
    """A crawl folder whose ``files`` entries list ``items-<kind>.jsonl`` files too."""

    def kind_path(self, kind: str, main_kind: str) -> Path:
        return self.items if kind == main_kind else self.root / f"items-{kind}.jsonl"

    def file_entries(self, item_kind: str) -> list[dict]:
        entries = super().file_entries(item_kind)
        extra = []
        for path in sorted(self.root.glob("items-*.jsonl")):
            sha256, size = file_sha256(path)
            extra.append({"path": path.name, "kind": "items", "item_kind": path.name[len("items-"):-len(".jsonl")],
                          "sha256": sha256, "size": size, "rows": count_lines(path)})
        return entries[:1] + extra + entries[1:] if entries and entries[0]["kind"] == "items" else extra + entries


class ItemsByKindPipeline(ItemsJsonlPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.folder = KindFilesFolder(self.folder.root)
        self.handles: dict[str, object] = {}
        self.fsync_each_page = crawler.settings.getbool("ADTRAIL_FSYNC_EACH_PAGE", True)

    def open_spider(self) -> None:
        self.folder.root.mkdir(parents=True, exist_ok=True)
        main_kind = self.crawler.spider.item_kind
        # Reopen every file an earlier run left, so each loses its half-written last line.
        for path in [self.folder.items, *self.folder.root.glob("items-*.jsonl")]:
            if path.exists():
                kind = main_kind if path == self.folder.items else path.name[len("items-"):-len(".jsonl")]
                self._open(kind)

    def _open(self, kind: str):
        handle = self.handles.get(kind)
        if handle is None:
            path = self.folder.kind_path(kind, self.crawler.spider.item_kind)
            handle = self.handles[kind] = open(path, "ab+")
            self.handle = handle
            self._cut_partial_line()
        return handle

    def process_item(self, item):
        if isinstance(item, PageDone):
            if self.broken_contract:
                return super().process_item(item)  # raises: the target must not be marked done
            for handle in self.handles.values():
                handle.flush()
                if self.fsync_each_page:
                    os.fsync(handle.fileno())
            return item
        if isinstance(item, ItemBatch):
            self._write_batch(item.items)
            return item
        return self._write(item)

    def _write_batch(self, items: list[dict]) -> None:
        """Each kind's lines of the batch in one write; an item off the contract goes the single-item way,
        which stops the crawl (its target is not marked done, so a rerun fetches it again)."""
        lines: dict[str, list[str]] = defaultdict(list)
        for item in items:
            kind = item.get("item_kind") if isinstance(item, dict) else None
            expected = FIELDS.get(kind)
            if expected is None or list(item) != list(expected):
                self._write(item)  # raises DropItem
            lines[kind].append(_ENCODER.encode(item))
        for kind, kind_lines in lines.items():
            self._open(kind).write(("\n".join(kind_lines) + "\n").encode("utf-8"))

    def _write(self, item):
        kind = item.get("item_kind") if isinstance(item, dict) else None
        if kind in FIELDS:
            self.handle = self._open(kind)
        return super().process_item(item)  # checks the contract (and stops the crawl) for any other kind

    def close_spider(self) -> None:
        for handle in self.handles.values():
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        self.handles.clear()
        self.handle = None


class KindFilesManifestPipeline(CrawlManifestPipeline):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.folder = KindFilesFolder(self.folder.root)

"""Base spider for bulk-file sources of several files per crawl (one per year, one per ad system...):
each file fetched in turn with spiders/bulk.py's machinery.

For each file (a ``key``: "2018", "pubmatic.com") the base's per-file paths point at that file's own
places: ``bulk/<key>/<file_name>`` in the crawl folder, ``state/bulk-<key>.json`` for a partial download,
``state/unexpected-body-<key>``, and ``<store>/<key>/`` for its last good copy. So every file is streamed,
skipped when unchanged (ETag / Last-Modified), resumed with Range, and never replaced by a bad body, exactly
as a single bulk file is.

How each file ended goes into the manifest's ``files``:
- fetched or unchanged: the base's ``bulk`` entry plus the subclass's fields (``entry_fields``, e.g. the year);
- HTTP 404, when ``absent_is_normal`` (a yearly file not published yet): a ``not_found`` entry and the count
  ``absent_count``; not a failure;
- anything else (an HTML page instead of the file, a damaged zip, robots.txt, a 5xx after the retries): a
  ``fetch_error`` entry with the reason and the message for the user; the other files are kept.
The crawl is ``complete`` when every file was tried and at least one arrived; ``error`` then names the files
that failed. A crawl cut short (shutdown) is ``failed``; rerunning continues, unchanged files answering 304.

A subclass sets what spiders/bulk.py asks for (``default_url`` is a template) and defines ``file_keys`` (or
``files_to_fetch``, when the list needs a look-up first), ``url_for`` and optionally ``entry_fields`` and
``key_field`` (the entries' field naming the file: ``file_key``, or e.g. ``ad_system``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from spiders.bulk import BulkFileSpider, _in_thread
from spiders.manifest import utc_now


class MultiFileBulkSpider(BulkFileSpider):
    absent_is_normal: ClassVar[bool] = False
    absent_count: ClassVar[str] = "files_not_found"
    file_noun: ClassVar[str] = "files"  # in the error message: "1 of 3 years failed"
    key_field: ClassVar[str] = "file_key"  # the manifest entries' field naming the file

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.key: str | None = None
        self.pending: list[str] = []
        self.entries: list[dict] = []  # one per file done: bulk, not_found or fetch_error

    # ---- what a subclass defines

    def file_keys(self) -> list[str]:
        raise NotImplementedError

    async def files_to_fetch(self) -> list[str]:
        """The keys of the files this crawl fetches, in order."""
        return list(self.file_keys())

    def url_for(self, key: str) -> str:
        raise NotImplementedError

    def entry_fields(self, key: str) -> dict:
        """Fields every manifest entry of this file carries besides its ``key_field`` (its year, its origin)."""
        return {}

    # ---- the base's per-file paths, pointed at the current file

    @property
    def target(self) -> Path:
        return self.folder.root / "bulk" / self.key / self.file_name

    @property
    def partial_state(self) -> Path:
        return self.folder.root / "state" / f"bulk-{self.key}.json"

    @property
    def evidence(self) -> Path:
        return self.folder.root / "state" / f"unexpected-body-{self.key}"

    def _entry_of(self, meta: dict) -> dict:
        return {**super()._entry_of(meta), "path": f"bulk/{self.key}/{self.file_name}",
                self.key_field: self.key, **self.entry_fields(self.key)}

    def manifest_files(self) -> list[dict]:
        return self.folder.file_entries(self.item_kind) + self.entries

    # ---- one file after another

    def _close_current(self) -> None:
        """Record how the current file ended."""
        base = {self.key_field: self.key, **self.entry_fields(self.key), "source_url": self.shown_url,
                "fetched_at": utc_now()}
        if self.file_entry is not None:
            self.entries.append(self.file_entry)
        elif self.absent_is_normal and self.stop_reason == "http_404":
            self.count(self.absent_count)
            self.entries.append({**base, "kind": "not_found", "finish_reason": "http_404"})
            self.logger.info("%s is not there (HTTP 404): counted as %s", self.shown_url, self.absent_count)
        else:
            self.count(f"{self.file_noun}_failed")
            self.entries.append({**base, "kind": "fetch_error", "finish_reason": self.stop_reason,
                                 "error": self.stop_message})
        self.file_entry = self.stop_reason = self.stop_message = None
        self.key = None

    def _take_next(self) -> bool:
        """Close the current file and make the next one current; False when all are done."""
        if self.key is not None:
            self._close_current()
        if not self.pending:
            return False
        self.key = self.pending.pop(0)
        return True

    async def _next_request(self):
        """Close the current file and return the HEAD request of the next one (None when all are done)."""
        if not self._take_next():
            return None
        self.url = self.url_for(self.key)
        self.shown_url = self.redactor.redact_url(self.url)
        self.store = self.store_root / self.key
        self.known = await _in_thread(self.previous)
        return self.head_request(0)

    def _current_done(self) -> bool:
        return self.file_entry is not None or self.stop_reason is not None

    async def start(self):
        self.url_template, self.store_root = self.url, self.store
        self.pending = await self.files_to_fetch()
        self.write_running_manifest()
        request = await self._next_request()
        if request is not None:
            yield request

    async def on_head(self, response):
        async for request in super().on_head(response):
            yield request  # a retry of the same file
        if self._current_done():
            request = await self._next_request()
            if request is not None:
                yield request

    async def on_head_error(self, failure):
        await super().on_head_error(failure)
        if self._current_done():
            request = await self._next_request()
            if request is not None:
                self.crawler.engine.crawl(request)

    def write_final_manifest(self, spider, reason: str) -> None:
        if self.key is not None:  # closed midway (shutdown): what arrived stays for the rerun
            if not self._current_done():
                self.stop(reason, f"the crawl ended ({reason}) before {self.shown_url} was fetched; what arrived "
                          "is kept: rerun the same command to resume")
                self.pending.insert(0, self.key)
            self._close_current()
        fetched = [e for e in self.entries if e["kind"] == "bulk"]
        failed = [e for e in self.entries if e["kind"] == "fetch_error"]
        absent = [e for e in self.entries if e["kind"] == "not_found"]
        complete = reason == "finished" and not self.pending and bool(fetched)
        self.stop_reason = "finished" if complete else reason if reason != "finished" else "no_file"
        messages = []
        if self.pending:
            messages.append(f"{len(self.pending)} {self.file_noun} not reached ({', '.join(self.pending[:5])}); rerun "
                            "the same command to continue")
        if failed:
            messages.append(f"{len(failed)} of {len(self.entries)} {self.file_noun} failed: " + "; ".join(
                f"{e[self.key_field]}: {e['error']}" for e in failed[:5])
                + ("; ..." if len(failed) > 5 else "") + "; the others are kept")
        if not fetched and not self.pending and absent and not failed:
            messages.append(f"none of the {len(absent)} {self.file_noun} was found (HTTP 404 for every one, first "
                            f"{absent[0]['source_url']}): check the setting {self.url_setting}")
        self.stop_message = ". ".join(messages) or None
        self._write_manifest("complete" if complete else "failed", utc_now(), self.earlier)

"""page_placements: render configured pages in Chromium (Playwright through scrapy-playwright) and record
their advertising: ad slots (EasyList element hiding), ad-system requests (EasyList ad-server rules), the
header-bidding bids and supply chain the page exposes, each ad's landing domain, and a screenshot per slot
(spiders/page_ads.py does the reading).

Browser: Debian's Chromium, from ``ADTRAIL_CHROMIUM`` or ``chromium`` on PATH; never ``playwright install``.
A fresh browser context per run (no profile, no cookies carried over), downloads off. ``ADTRAIL_CHROMIUM_ARGS``
adds command-line switches (the tests and the demo map every host to 127.0.0.1 with
``--host-resolver-rules``). **Ads are never clicked**: a click is billed to the advertiser.

Each configured page is one target of the site-files base (spiders/base_site_files.py): a rerun skips the
pages already rendered and renders again the pages that failed (a page that would not load, an HTTP error,
a browser crash), which ``state/targets-done.jsonl`` records with the end ``failed``; the manifest counts
``failed_pages`` and ``retried_pages`` (over all runs of the folder), holds ``page_outcomes`` (where each
page stands now) and ``retry_due`` (the pages a rerun would fetch again), and names the failing pages in its
``error`` while the crawl stays complete. ``adtrail snapshot`` reruns a complete crawl whose ``retry_due``
is not zero when it resumes the snapshot.

robots.txt is obeyed (Scrapy's RobotsTxtMiddleware fetches it over plain HTTP before the page goes to the
browser): a disallowed page is not rendered and is counted as ``robots_disallowed``. At
most ``max_pages_per_site`` pages of one host are rendered; the others are counted as ``over_site_cap``.

What is kept of a page: its items (``page_render`` in items.jsonl; ``page_ad_slot``, ``page_ad_request``,
``page_bid`` in ``items-<kind>.jsonl``), the slot screenshots and a full-page screenshot in ``screenshots/``,
and in the WARC the rendered DOM and the full-page screenshot as ``conversion`` records referring to the
page's ``response`` record (spiders/pipelines/warc_archive.py).

EasyList comes from ``EASYLIST_URL`` (default the published list; a local path works too), fetched at the
start of each crawl so the rules stay current; ``ADTRAIL_AD_OWNERS_FILE`` optionally names ad-system owners
(webXray's org_domains.json). The vantage (``ADTRAIL_VANTAGE_COUNTRY``, ``ADTRAIL_VANTAGE_EGRESS``) is written
into every item: ads differ by where the reader is.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest

from spiders.base import PageDone
from spiders.base_site_files import ScopeError, SiteFilesSpider
from spiders.page_ads import read_page
from spiders.parsers import easylist
from spiders.pipelines.warc_archive import WARC_RECORD_ID, conversion_record

SCOPE_KEYS = ("urls", "max_pages_per_site")
DEFAULT_MAX_PAGES_PER_SITE = 5
# How a page's target ended (state/targets-done.jsonl): rendered, or not. A failed page is fetched again by a
# rerun; a page robots.txt disallows is not (the next crawl folder asks robots.txt again).
END_RENDERED, END_FAILED, END_ROBOTS = "last_page", "failed", "robots_disallowed"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def chromium_executable(settings) -> str | None:
    """The configured Chromium, or Debian's on PATH; None when there is none."""
    path = settings.get("ADTRAIL_CHROMIUM") or os.environ.get("ADTRAIL_CHROMIUM") or shutil.which("chromium")
    return path if path and Path(path).exists() else None


def _extra_args(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return json.loads(value) if value.lstrip().startswith("[") else [value]  # from --set
    return [str(arg) for arg in value]


class PagePlacementsSpider(SiteFilesSpider):
    name = "page_placements"
    item_kind = "page_render"
    platform = "web"
    custom_settings = {
        "ROBOTSTXT_OBEY": True,  # a website (stated again here on purpose)
        "HTTPCACHE_ENABLED": False,  # a rendered page is not a cacheable download
        "DOWNLOAD_HANDLERS": {"http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
                              "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_CONTEXTS": {"run": {"accept_downloads": False}},  # fresh per run: no profile directory
        "DEFAULT_REQUEST_HEADERS": {"Accept": "text/html,application/xhtml+xml", "Accept-Language": "en"},
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "ITEM_PIPELINES": {
            "spiders.pipelines.items_jsonl.ItemsJsonlPipeline": None,
            "spiders.pipelines.crawl_manifest.CrawlManifestPipeline": None,
            "spiders.pipelines.warc_archive.WarcArchivePipeline": 100,
            "spiders.pipelines.items_by_kind.ItemsByKindPipeline": 300,
            "spiders.pipelines.items_by_kind.KindFilesManifestPipeline": 900,
        },
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.easylist: easylist.EasyList | None = None
        self.requests_seen: dict = {}  # page -> requests it made, from page.on('request')

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        executable = chromium_executable(settings)
        if executable:  # without one the crawl stops at its start with what to do (start())
            settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", {
                "executable_path": executable, "headless": True,
                "args": CHROMIUM_ARGS + _extra_args(settings.get("ADTRAIL_CHROMIUM_ARGS"))}, priority="spider")

    @classmethod
    def normalise_scope(cls, raw: dict) -> dict:
        unknown = sorted(set(raw) - set(SCOPE_KEYS))
        if unknown:
            raise ScopeError(f"unknown scope keys {unknown}; the page_placements scope has {list(SCOPE_KEYS)}")
        urls = raw.get("urls") or []
        if not isinstance(urls, list) or any(urlsplit(str(u)).scheme not in ("http", "https")
                                             or not urlsplit(str(u)).hostname for u in urls):
            raise ScopeError(f"urls must be a list of http(s) page URLs, not {urls!r}")
        if not urls:
            raise ScopeError("no urls: list the pages to render in sources.page_placements.urls")
        cap = raw.get("max_pages_per_site", DEFAULT_MAX_PAGES_PER_SITE)
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise ScopeError(f"max_pages_per_site must be a whole number of at least 1, not {cap!r}")
        return {"urls": list(dict.fromkeys(str(u) for u in urls)), "max_pages_per_site": cap}

    @classmethod
    def manifest_scope(cls, scope: dict, settings) -> dict:
        return dict(scope)

    def targets(self) -> list[tuple[str, str]]:
        """The configured pages, at most max_pages_per_site per host, in the order given."""
        per_host: Counter = Counter()
        kept = []
        for url in self.scope["urls"]:
            host = urlsplit(url).hostname
            per_host[host] += 1
            if per_host[host] <= self.scope["max_pages_per_site"]:
                kept.append((f"page:{url}", url))
        self.over_site_cap = len(self.scope["urls"]) - len(kept)
        return kept

    # ---- the crawl

    async def start(self):
        if chromium_executable(self.settings) is None:
            self.stop("browser_missing", "Chromium not found: install Debian's chromium package or set "
                                         "ADTRAIL_CHROMIUM to its path (adtrail never downloads a browser)")
            return
        if self.over_site_cap:
            self.count("over_site_cap", self.over_site_cap)
        source = self.settings.get("EASYLIST_URL")
        if urlsplit(source).scheme in ("http", "https"):
            yield scrapy.Request(source, callback=self.got_easylist, errback=self.easylist_failed, dont_filter=True)
            return
        path = Path(source.removeprefix("file://"))
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            self.stop("easylist_unavailable", f"EASYLIST_URL {source}: cannot read it ({error.strerror}); "
                                              "give the published list's URL or a readable local copy")
            return
        self.use_easylist(text)
        for request in self.page_requests():
            yield request

    def use_easylist(self, text: str) -> None:
        self.easylist = easylist.parse(text)
        owners = self.settings.get("ADTRAIL_AD_OWNERS_FILE")
        if owners:
            self.easylist.owners = easylist.load_owners(owners)
        self.logger.info("EasyList %s: %s", self.easylist.version, self.easylist.summary())

    async def got_easylist(self, response):
        if response.status != 200:
            self.stop("easylist_unavailable", f"EASYLIST_URL {response.url} answered HTTP {response.status}; "
                                              "try again later or give a local copy's path")
            return
        self.use_easylist(response.text)
        for request in self.page_requests():
            yield request

    def easylist_failed(self, failure):
        self.stop("easylist_unavailable", f"EASYLIST_URL {failure.request.url}: {failure.value}; try again "
                                          "later or give a local copy's path")

    def page_requests(self):
        """The pages not yet rendered: those never fetched, and those that failed in an earlier run."""
        skipped = 0
        for target_id, _ in self._targets:
            earlier = self.cursors.done.get(target_id)
            if earlier and earlier["end"] != END_FAILED:
                skipped += 1
                continue
            if earlier:
                self.count("retried_pages")
                self.logger.info("%s failed in an earlier run: rendering it again", target_id.removeprefix("page:"))
            yield from self.target_requests(target_id)
        if skipped:
            self.logger.info("%d pages rendered (or refused by robots.txt) in an earlier run; not fetched again",
                             skipped)

    def page_outcomes(self) -> dict[str, int]:
        """Where each page of the scope stands now: rendered, failed, robots_disallowed, not_fetched."""
        outcomes = {"rendered": 0, "failed": 0, "robots_disallowed": 0, "not_fetched": 0}
        names = {END_RENDERED: "rendered", END_FAILED: "failed", END_ROBOTS: "robots_disallowed"}
        for target_id, _ in self._targets:
            entry = self.cursors.done.get(target_id)
            outcomes[names.get(entry["end"], "rendered") if entry else "not_fetched"] += 1
        return outcomes

    def manifest_extra(self) -> dict:
        outcomes = self.page_outcomes()
        return {"page_outcomes": outcomes, "retry_due": outcomes["failed"]}

    def items_failed_message(self) -> str | None:
        """The manifest's error of a crawl that finished with some pages not rendered: which, and what to do."""
        failed = [target.removeprefix("page:") for target, _ in self._targets
                  if (self.cursors.done.get(target) or {}).get("end") == END_FAILED]
        if not failed:
            return None
        return (f"{len(failed)} of {len(self._targets)} pages failed to render: " + ", ".join(failed[:5])
                + (", ..." if len(failed) > 5 else "") + " (see crawl.log); the rendered pages are kept. Rerun the "
                "same command (or adtrail snapshot, while the snapshot is open) to render the failed pages again")

    def target_requests(self, target_id: str):
        url = target_id.removeprefix("page:")
        self.open_fetches(target_id)
        yield scrapy.Request(url, callback=self.rendered, errback=self.failed, dont_filter=True, meta={
            "target": target_id, "playwright": True, "playwright_include_page": True, "playwright_context": "run",
            "playwright_page_goto_kwargs": {"wait_until": "networkidle"},
            "playwright_page_event_handlers": {"request": "remember_request"}})

    async def remember_request(self, request) -> None:
        self.requests_seen.setdefault(request.frame.page, []).append(
            {"url": request.url, "resource_type": request.resource_type})

    async def rendered(self, response):
        page = response.meta["playwright_page"]
        target_id = response.meta["target"]
        try:
            dom = await page.content()
            crawl_dir = self.folder.root
            shots = crawl_dir / "screenshots"
            shots.mkdir(parents=True, exist_ok=True)
            page_url = response.request.url
            dom_sha256 = hashlib.sha256(dom.encode("utf-8")).hexdigest()
            base = {**self.provenance("page_render", response.url, dom_sha256, self.next_page_number()),
                    "page_url": page_url, "page_domain": urlsplit(page_url).hostname,
                    "vantage_country": self.settings.get("ADTRAIL_VANTAGE_COUNTRY"),
                    "vantage_egress": self.settings.get("ADTRAIL_VANTAGE_EGRESS")}
            result = await read_page(page, self.easylist, self.requests_seen.pop(page, []), page_url=page_url,
                                     base=base, screenshot_dir=shots, crawl_dir=crawl_dir)
            full_page = shots / f"{hashlib.sha256(page_url.encode()).hexdigest()[:16]}-page.png"
            picture = await page.screenshot(path=str(full_page), full_page=True)
            result["render"].update(http_status=response.status, dom_sha256=dom_sha256,
                                    screenshot_path=str(full_page.relative_to(crawl_dir)))
            refers_to = response.meta.get(WARC_RECORD_ID)
            for content_type, payload in (("text/html; charset=utf-8", dom.encode("utf-8")), ("image/png", picture)):
                self.crawler.signals.send_catch_log(conversion_record, url=page_url, refers_to=refers_to,
                                                    content_type=content_type, payload=payload)
            items = [result["render"], *result["slots"], *result["requests"], *result["bids"]]
        finally:
            self.requests_seen.pop(page, None)
            await page.close()
        for item in self.close_fetch(target_id, items, dom_sha256):
            yield item

    async def failed(self, failure):
        request = failure.request
        page = request.meta.get("playwright_page")
        if page:
            self.requests_seen.pop(page, None)
            await page.close()
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value).lower():
            self.count("robots_disallowed")
            end = END_ROBOTS
        else:
            self.count("failed_pages")
            end = END_FAILED
        self.logger.warning("%s not rendered: %s", request.url, failure.value)
        for marker in self.close_fetch(request.meta["target"], [], None):
            # the target's end says why it has no items, so that a rerun knows whether to fetch it again
            yield PageDone(marker.chain_id, marker.page_number, marker.items, None, end, marker.body_sha256)

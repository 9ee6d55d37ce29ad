"""page_placements: render configured pages in Chromium (Playwright through scrapy-playwright) and record
their advertising: ad slots (EasyList element hiding), ad-system requests (EasyList ad-server rules), the
header-bidding bids and supply chain the page exposes, each ad's landing domain, and a screenshot per slot
(spiders/page_ads.py does the reading).

Browser: Debian's Chromium, from ``ADTRAIL_CHROMIUM`` or ``chromium`` on PATH; never ``playwright install``.
A fresh browser context per run (no profile, no cookies carried over), downloads off. robots.txt is obeyed
(Scrapy's RobotsTxtMiddleware runs before the download handler) and at most ``max_pages_per_site`` pages of
one host are rendered. **Ads are never clicked**: a click is billed to the advertiser.

EasyList comes from ``EASYLIST_URL`` (default the published list; a local path works too), fetched at the
start of each crawl so the rules stay current; ``ADTRAIL_AD_OWNERS_FILE`` optionally names ad-system owners
(webXray's org_domains.json). The vantage (``ADTRAIL_VANTAGE_COUNTRY``, ``ADTRAIL_VANTAGE_EGRESS``) is written
into every item: ads differ by where the reader is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import scrapy

from spiders.page_ads import read_page
from spiders.parsers import easylist

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def chromium_executable(settings) -> str:
    path = settings.get("ADTRAIL_CHROMIUM") or os.environ.get("ADTRAIL_CHROMIUM") or shutil.which("chromium")
    if not path or not Path(path).exists():
        raise RuntimeError("Chromium not found: install Debian's chromium package or set ADTRAIL_CHROMIUM to its "
                           "path (adtrail never downloads a browser)")
    return path


class PagePlacementsSpider(scrapy.Spider):
    name = "page_placements"
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "HTTPCACHE_ENABLED": False,  # a rendered page is not a cacheable download
        "DOWNLOAD_HANDLERS": {"http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
                              "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_CONTEXTS": {"run": {"accept_downloads": False}},  # fresh per run: no profile directory
        "DEFAULT_REQUEST_HEADERS": {"Accept": "text/html,application/xhtml+xml", "Accept-Language": "en"},
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    }

    def __init__(self, *args, urls: list[str] | None = None, max_pages_per_site: int = 5, **kwargs):
        super().__init__(*args, **kwargs)
        self.urls = list(dict.fromkeys(urls or []))
        self.max_pages_per_site = int(max_pages_per_site)
        self.pages_per_site: Counter = Counter()
        self.easylist: easylist.EasyList | None = None
        self.requests_seen: dict = {}  # page -> requests it made, from page.on('request')

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        crawler.settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", {
            "executable_path": chromium_executable(crawler.settings), "args": CHROMIUM_ARGS}, priority="spider")
        return super().from_crawler(crawler, *args, **kwargs)

    async def start(self):
        if not self.urls:
            raise ValueError("sources.page_placements.urls is empty: list the pages to render")
        source = self.settings.get("EASYLIST_URL", "https://easylist.to/easylist/easylist.txt")
        if urlsplit(source).scheme in ("http", "https"):
            yield scrapy.Request(source, callback=self.got_easylist, dont_filter=True)
        else:
            self.use_easylist(Path(source.removeprefix("file://")).read_text(encoding="utf-8", errors="replace"))
            for request in self.page_requests():
                yield request

    def use_easylist(self, text: str) -> None:
        self.easylist = easylist.parse(text)
        owners = self.settings.get("ADTRAIL_AD_OWNERS_FILE")
        if owners:
            self.easylist.owners = easylist.load_owners(owners)
        self.logger.info("EasyList %s: %s", self.easylist.version, self.easylist.summary())

    def got_easylist(self, response):
        self.use_easylist(response.text)
        yield from self.page_requests()

    def page_requests(self):
        for url in self.urls:
            host = urlsplit(url).hostname or ""
            if self.pages_per_site[host] >= self.max_pages_per_site:
                self.crawler.stats.inc_value("page_placements/over_site_cap")
                continue
            self.pages_per_site[host] += 1
            yield scrapy.Request(url, callback=self.rendered, errback=self.failed, dont_filter=True, meta={
                "playwright": True, "playwright_include_page": True, "playwright_context": "run",
                "playwright_page_goto_kwargs": {"wait_until": "networkidle"},
                "playwright_page_event_handlers": {"request": "remember_request"}})

    async def remember_request(self, request) -> None:
        self.requests_seen.setdefault(request.frame.page, []).append(
            {"url": request.url, "resource_type": request.resource_type})

    async def rendered(self, response):
        page = response.meta["playwright_page"]
        try:
            dom = await page.content()
            crawl_dir = Path(self.settings["ADTRAIL_CRAWL_DIR"])
            shots = crawl_dir / "screenshots"
            shots.mkdir(parents=True, exist_ok=True)
            base = {"source": self.name, "crawl_id": self.settings.get("ADTRAIL_CRAWL_ID"),
                    "source_url": response.url, "fetched_at": dt.datetime.now(dt.UTC).isoformat(),
                    "body_sha256": hashlib.sha256(dom.encode("utf-8")).hexdigest(), "page_url": response.request.url,
                    "page_domain": urlsplit(response.request.url).hostname,
                    "vantage_country": self.settings.get("ADTRAIL_VANTAGE_COUNTRY"),
                    "vantage_egress": self.settings.get("ADTRAIL_VANTAGE_EGRESS")}
            result = await read_page(page, self.easylist, self.requests_seen.pop(page, []),
                                     page_url=response.request.url, base=base, screenshot_dir=shots,
                                     crawl_dir=crawl_dir)
            result["render"].update(http_status=response.status, dom_sha256=base["body_sha256"])
            for item in [result["render"], *result["slots"], *result["requests"], *result["bids"]]:
                yield item
        finally:
            await page.close()

    async def failed(self, failure):
        page = failure.request.meta.get("playwright_page")
        if page:
            await page.close()
        self.crawler.stats.inc_value("page_placements/failed_pages")
        self.logger.warning("%s: %s", failure.request.url, failure.value)

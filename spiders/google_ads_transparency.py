"""Google's Ads Transparency Center (adstransparency.google.com), rendered by Chromium through scrapy-playwright:
the creatives of the advertisers named in the scope and of the biggest advertisers of Google's political ads
bundle already in the warehouse (spiders/google_ads_transparency_advertisers.py says which and how), as
``google_creative`` items linked to the bundle by creative id (the bundle's Ad_ID) and advertiser id.

**Legal note.** The Ads Transparency Center Additional Terms (adstransparency.google.com/terms, read through
a stored copy when this was written, not re-read online: check the current text) allow use "for your or your
organization's information or research purposes only", and the content belongs to Google's advertising
customers. The site's robots.txt was not available to read offline; the spider obeys it (Scrapy's robots.txt
middleware, checked for every advertiser page). No login is needed. The official bulk route is the political
ads bundle (source ``google_political_bundle``), which has ids, dates and spend but no ad text or media; this
spider adds those for the advertisers you name. So it is OFF by default (``sources.google_ads_transparency.
enabled = false``); turning it on states that your use is research within those terms.

Per advertiser (one chain each, ``advertiser-AR…``): the page ``/advertiser/AR…`` is scrolled until no new
creative appears (at most ``GOOGLE_ADS_TRANSPARENCY_MAX_SCROLLS``), every "See more" button is clicked (at
most ``…_MAX_MORE_CLICKS``), then each creative page ``/advertiser/AR…/creative/CR…`` is opened in turn and its
details, which load late, are awaited up to ``GOOGLE_ADS_TRANSPARENCY_DETAIL_TIMEOUT_MS``. A creative page that
never finishes loading (or whose details never come) becomes an item with status ``failed`` and the reason;
the other creatives are kept. The browser is Debian's Chromium (``chromium`` on PATH or ``ADTRAIL_CHROMIUM``),
never one Playwright downloads; with ``GOOGLE_ADS_TRANSPARENCY_LOCAL_ONLY`` every browser request to another
host than the endpoint's is aborted (ad frames from other hosts are kept as URLs, not loaded). An advertiser
page answered 404 (an advertiser of the bundle the Center does not show) ends its chain with no creatives.

Evidence: each advertiser page's DOM after scrolling, and each creative page's HTTP answer and rendered DOM,
are kept in the crawl's WARC (spiders/google_ads_transparency_archive.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
from urllib.parse import urlsplit

import scrapy

from spiders.base import META_CHAIN, META_PAGE, PageDone, PaginatedApiSpider, ScopeError, Chain
from spiders.google_ads_transparency_advertisers import AdvertiserPlan, plan_advertisers, warehouse_path
from spiders.google_ads_transparency_archive import archive_dom, archive_navigation
from spiders.parsers import google_transparency
from spiders.pipelines.warc_archive import WARC_RECORD_ID

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
_ADVERTISER_ID = re.compile(r"AR\d{6,}")
SCOPE_KEYS = ("advertiser_ids", "countries", "max_bundle_advertisers")
_SEE_MORE = re.compile(r"see more", re.IGNORECASE)
# The selector of an advertiser page's creative links and of a creative page's loaded details.
CREATIVE_LINKS = "a[href*='/creative/CR']"


def chromium_path() -> str | None:
    return os.environ.get("ADTRAIL_CHROMIUM") or shutil.which("chromium")


class GoogleAdsTransparencySpider(PaginatedApiSpider):
    name = "google_ads_transparency"
    item_kind = "google_creative"
    platform = "google"
    custom_settings = {
        "ROBOTSTXT_OBEY": True,  # a website (stated again here on purpose)
        "DOWNLOAD_HANDLERS": {"http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
                              "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "HTTPCACHE_ENABLED": False,  # rendered pages are not cached; a finished advertiser is skipped by its cursor
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DEFAULT_REQUEST_HEADERS": {"Accept": "text/html,application/xhtml+xml", "Accept-Language": "en"},
    }

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        path = chromium_path()
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", {"executable_path": path, "args": CHROMIUM_ARGS, "headless": True},
                     priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.plan: AdvertiserPlan = plan_advertisers(spider.scope, spider.scope_sha256,
                                                       warehouse_path(crawler.settings), spider.folder.cursor.parent)
        if spider.plan.bundle_note:
            spider.logger.warning("no advertisers taken from the Google bundle: %s", spider.plan.bundle_note)
        return spider

    @classmethod
    def normalise_scope(cls, raw: dict) -> dict:
        unknown = sorted(set(raw) - set(SCOPE_KEYS))
        if unknown:
            raise ScopeError(f"unknown scope keys {unknown}; the google_ads_transparency scope has {list(SCOPE_KEYS)}")
        ids = [str(value).strip() for value in raw.get("advertiser_ids") or []]
        bad = [value for value in ids if not _ADVERTISER_ID.fullmatch(value)]
        if bad:
            raise ScopeError(f"advertiser_ids {bad} are not Google advertiser ids (AR followed by digits, as in the "
                             "bundle's Advertiser_ID column)")
        countries = raw.get("countries") or []
        if not isinstance(countries, list) or not all(isinstance(c, str) and len(c.strip()) == 2 for c in countries):
            raise ScopeError(f"countries must be a list of ISO 3166-1 alpha-2 codes such as [\"IN\"], "
                             f"not {countries!r}")
        cap = raw.get("max_bundle_advertisers", 0)
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
            raise ScopeError(f"max_bundle_advertisers must be a whole number, 0 or more, not {cap!r}")
        if not ids and not cap:
            raise ScopeError("no advertisers: list them in sources.google_ads_transparency.advertiser_ids (the "
                             "bundle's Advertiser_ID values), or set max_bundle_advertisers to take the biggest "
                             "advertisers of the Google bundle in the warehouse")
        return {"advertiser_ids": list(dict.fromkeys(ids)), "countries": sorted({c.strip().upper() for c in countries}),
                "max_bundle_advertisers": cap}

    @classmethod
    def manifest_scope(cls, scope: dict, settings) -> dict:
        if not scope["max_bundle_advertisers"]:
            return {"advertiser_ids": scope["advertiser_ids"]}  # the bundle keys only when the bundle is used
        return dict(scope)

    def manifest_extra(self) -> dict:
        """Which advertisers this crawl visits and where they came from (the scope says only what was asked)."""
        return {"advertisers": self.plan.manifest_entry()}

    def _base(self) -> str:
        return self.settings["GOOGLE_ADS_TRANSPARENCY_URL"].rstrip("/")

    def chains(self) -> list[Chain]:
        return [Chain(f"advertiser-{advertiser_id}", f"{self._base()}/advertiser/{advertiser_id}")
                for advertiser_id in self.plan.advertiser_ids]

    async def start(self):
        if not self.plan.advertiser_ids:
            self.stop("no_advertisers", f"no advertisers to visit: none configured, and {self.plan.bundle_note}. "
                                        "List advertiser_ids in sources.google_ads_transparency, or run a snapshot "
                                        "with google_political_bundle first")
            return
        async for request in super().start():
            yield request

    def api_hosts(self) -> set[str]:
        return set()  # no token is ever sent

    def page_request(self, url: str, chain_id: str, page_number: int, attempt: int = 0) -> scrapy.Request:
        request = super().page_request(url, chain_id, page_number, attempt)
        return request.replace(callback=self.parse_advertiser, meta={
            **request.meta, "playwright": True, "playwright_include_page": True,
            "playwright_page_init_callback": self._init_page,
            "playwright_page_goto_kwargs": {"wait_until": "domcontentloaded",
                                            "timeout": self._ms("GOOGLE_ADS_TRANSPARENCY_PAGE_TIMEOUT_MS")}})

    def _ms(self, name: str) -> float:
        return float(self.settings[name])

    async def _init_page(self, page, request) -> None:
        if not self.settings.getbool("GOOGLE_ADS_TRANSPARENCY_LOCAL_ONLY"):
            return
        allowed = urlsplit(self._base()).hostname

        async def route(request_route):
            if urlsplit(request_route.request.url).hostname == allowed:
                await request_route.fallback()  # on to scrapy-playwright's own handler, or the network
            else:
                self.count("browser_requests_blocked")
                await request_route.abort()

        # Routes run newest first: on the page this one comes before scrapy-playwright's; on the context it
        # covers the creative pages opened later.
        await page.route("**/*", route)
        await page.context.route("**/*", route)

    async def parse_advertiser(self, response):
        page = response.meta["playwright_page"]
        chain_id, page_number = response.meta[META_CHAIN], response.meta[META_PAGE]
        if response.status == 404:
            await page.close()
            self.count("advertisers_not_found")
            self.logger.warning("%s: %s answered 404, no creatives (an advertiser the Center does not show)",
                                chain_id, response.url)
            yield PageDone(chain_id, page_number, 0, None, "not_found", hashlib.sha256(response.body).hexdigest())
            return
        try:
            dom = await self._all_creatives(page)
            archive_dom(self.crawler, response.url, dom, response.meta.get(WARC_RECORD_ID))
            pairs = google_transparency.creative_ids_in(dom)
            items = []
            for advertiser_id, creative_id in pairs:
                item = await self._creative(page.context, advertiser_id, creative_id, page_number)
                items.append(item)
                yield item
        finally:
            await page.close()
        body_sha256 = hashlib.sha256(response.body).hexdigest()
        self.logger.info("%s: %d creatives, %d failed", chain_id, len(items),
                         sum(item["status"] == "failed" for item in items))
        yield PageDone(chain_id, page_number, len(items), None, "last_page", body_sha256)

    async def _all_creatives(self, page) -> str:
        """Scroll and click "See more" until the count of creative links stops growing (bounded); the DOM."""
        wait = self._ms("GOOGLE_ADS_TRANSPARENCY_GROWTH_TIMEOUT_MS")
        clicks = scrolls = 0
        while True:
            before = await page.locator(CREATIVE_LINKS).count()
            button = page.get_by_role("button", name=_SEE_MORE)
            if await button.count() and clicks < int(self.settings["GOOGLE_ADS_TRANSPARENCY_MAX_MORE_CLICKS"]):
                await button.first.click()
                clicks += 1
            elif scrolls < int(self.settings["GOOGLE_ADS_TRANSPARENCY_MAX_SCROLLS"]):
                await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                scrolls += 1
            else:
                self.count("scroll_limit_reached")
                break
            try:
                await page.wait_for_function(f"document.querySelectorAll({CREATIVE_LINKS!r}).length > {before}",
                                             timeout=wait)
            except Exception:  # noqa: BLE001 - Playwright's TimeoutError: nothing new appeared
                if not await page.get_by_role("button", name=_SEE_MORE).count():
                    break
        self.count("see_more_clicks", clicks)
        self.count("scrolls", scrolls)
        return await page.content()

    @property
    def failed_creatives(self) -> list[str]:
        """This run's creatives that could not be read, each with its reason (for the manifest's error)."""
        if not hasattr(self, "_failed_creatives"):
            self._failed_creatives: list[str] = []
        return self._failed_creatives

    def items_failed_message(self) -> str | None:
        """The manifest's error of a crawl that finished with some creatives unread: which and why."""
        failed = self.failed_creatives
        if not failed:
            return None
        return (f"{len(failed)} of {self.crawler.stats.get_value('adtrail/creatives', 0) + len(failed)} creatives "
                f"failed: " + "; ".join(failed[:5]) + ("; ..." if len(failed) > 5 else "")
                + "; the other creatives are kept. Rerun later (a finished advertiser is skipped), or open the page "
                "in a browser, save it and read it with `adtrail parse google-creative`")

    async def _creative(self, context, advertiser_id: str, creative_id: str, page_number: int) -> dict:
        url = f"{self._base()}/advertiser/{advertiser_id}/creative/{creative_id}"
        provenance = {"item_kind": self.item_kind, "source": self.name, "crawl_id": self.crawl_id,
                      "source_url": url, "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                      "page_number": page_number}
        page = await context.new_page()
        try:
            step = "the page did not finish loading"
            navigation = await page.goto(url, wait_until="domcontentloaded",
                                         timeout=self._ms("GOOGLE_ADS_TRANSPARENCY_PAGE_TIMEOUT_MS"))
            step = "its details (format, dates) never appeared"
            await page.wait_for_selector(self.settings["GOOGLE_ADS_TRANSPARENCY_DETAIL_SELECTOR"], state="attached",
                                         timeout=self._ms("GOOGLE_ADS_TRANSPARENCY_DETAIL_TIMEOUT_MS"))
            html = await page.content()
            archive_dom(self.crawler, url, html, await archive_navigation(self.crawler, self, url, navigation))
        except Exception as error:  # noqa: BLE001 - Playwright's TimeoutError or a network error
            self.count("creatives_failed")
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            self.failed_creatives.append(f"{creative_id}: {step} ({first_line})")
            return google_transparency.failed_creative(
                {**provenance, "body_sha256": None}, advertiser_id=advertiser_id, creative_id=creative_id,
                error=(f"{url}: {step} ({first_line}); the other creatives are kept. Rerun later, or open the page "
                       "in a browser, save it and read it with `adtrail parse google-creative`"))
        finally:
            await page.close()
        provenance["body_sha256"] = hashlib.sha256(html.encode("utf-8")).hexdigest()
        self.count("creatives")
        return google_transparency.parse_creative_detail(html, provenance, url=url)

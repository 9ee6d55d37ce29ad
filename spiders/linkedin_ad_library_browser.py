"""linkedin_ad_library's detail pages rendered in Chromium (scrapy-playwright), for ads whose EU block
(total impressions, impressions by country, targeting) arrives after the page loads, inserted by script.

``LINKEDIN_AD_LIBRARY_DETAIL_RENDERING`` (config ``sources.linkedin_ad_library.detail_rendering``) chooses:

- ``http``: every detail page read from its HTTP answer, as the server sent it (a late block is not read);
- ``browser``: every detail page rendered in Chromium;
- ``auto`` (the default): HTTP first; a detail whose answer lacks the EU block is asked again in Chromium.
  The search results pages are always read over HTTP (they are server-rendered).

In Chromium a detail page is awaited (at most ``LINKEDIN_AD_LIBRARY_DETAIL_TIMEOUT_MS``) until the EU block
is in the DOM, or the page has loaded with nothing still marked as loading (``aria-busy="true"`` in the right
rail, or an ``.ad-analytics--loading`` placeholder): an ad shown only outside the EU has no block, and its
page is complete without one. LinkedIn documents none of this markup; the placeholder is modelled
(tests/fixtures/linkedin/README.md). The rendered DOM is read by the same parser
(spiders/parsers/linkedin_ad_library.py) and kept in the crawl's WARC as a ``conversion`` record beside the
page's response record (spiders/pipelines/warc_archive.py); the item's ``body_sha256`` is its sha256.
Images, video and fonts are not loaded (the parser reads their URLs from the DOM).

A detail page that never finishes loading (``LINKEDIN_AD_LIBRARY_PAGE_TIMEOUT_MS``) or whose block never
comes means that ad failed: no detail item (its search card is kept), its id and the reason in the
manifest's error, hence in ``snapshot_source.error``, and in ``state/failed_details.json`` so a resumed crawl
still names it. The chain goes on with the next ad; a failed detail is not retried within the crawl.

The browser is Debian's Chromium (``ADTRAIL_CHROMIUM`` or ``chromium`` on PATH), never one Playwright
downloads; ``browser`` and ``auto`` refuse to start without it and say what to do.
"""

from __future__ import annotations

import json

from scrapy.http import HtmlResponse

from spiders.manifest import write_json_atomically
from spiders.page_placements import CHROMIUM_ARGS, chromium_executable
from spiders.pipelines.warc_archive import WARC_RECORD_ID, conversion_record

MODES = ("http", "browser", "auto")
META_RENDER_FAILED = "adtrail_render_failed"  # request.meta: why a rendered detail could not be read
FAILED_STATE = "failed_details.json"
# What the parser reads of the EU block, and what marks part of a page as still loading.
EU_BLOCK = ".ad-analytics__country-impressions, .ad-analytics .justify-between, .ad-targeting__parameter"
PENDING = ".ad-detail-right-rail [aria-busy='true'], .ad-analytics--loading"
COMPLETE = (f"() => document.querySelector({EU_BLOCK!r}) !== null || (document.readyState === 'complete' "
            f"&& document.querySelector({PENDING!r}) === null)")
NOT_LOADED = ("image", "media", "font")


def rendering_mode(settings) -> str:
    return str(settings.get("LINKEDIN_AD_LIBRARY_DETAIL_RENDERING") or "auto").strip().lower()


def abort_media(request) -> bool:
    """scrapy-playwright's PLAYWRIGHT_ABORT_REQUEST: images, video and fonts are never loaded."""
    return request.resource_type in NOT_LOADED


def configure_browser(settings) -> None:
    """Chromium through scrapy-playwright for the ``browser`` and ``auto`` modes (update_settings)."""
    if rendering_mode(settings) not in ("browser", "auto"):
        return
    handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
    settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler}, priority="spider")
    settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", priority="spider")
    settings.set("PLAYWRIGHT_ABORT_REQUEST", abort_media, priority="spider")
    executable = chromium_executable(settings)
    if executable:  # without one the crawl stops at its start with what to do (browser_problem)
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", {"executable_path": executable, "headless": True,
                                                   "args": CHROMIUM_ARGS}, priority="spider")


def lacks_eu_block(item: dict) -> bool:
    return not (item["impressions_text"] or item["impressions_by_country"] or item["targeting"])


def first_line(error: BaseException) -> str:
    text = str(error)
    return text.splitlines()[0] if text else type(error).__name__


class DetailRendering:
    """The browser half of LinkedInAdLibrarySpider (a mixin: it uses the spider's settings, folder, count)."""

    def browser_problem(self) -> str | None:
        """Why the crawl cannot start with this rendering mode; None when it can."""
        mode = rendering_mode(self.settings)
        if mode not in MODES:
            return (f"LINKEDIN_AD_LIBRARY_DETAIL_RENDERING is {mode!r}; set sources.linkedin_ad_library."
                    f"detail_rendering to one of {', '.join(MODES)}")
        if mode != "http" and chromium_executable(self.settings) is None:
            return (f"detail_rendering {mode!r} needs Chromium, which was not found: install Debian's chromium "
                    "package or set ADTRAIL_CHROMIUM to its path (adtrail never downloads a browser), or set "
                    "sources.linkedin_ad_library.detail_rendering = \"http\" to read detail pages as served")
        return None

    def render(self, request):
        """The same page request, rendered in Chromium."""
        return request.replace(dont_filter=True, meta={
            **request.meta, "playwright": True, "playwright_include_page": True,
            "playwright_page_goto_kwargs": {"wait_until": "domcontentloaded",
                                            "timeout": float(self.settings["LINKEDIN_AD_LIBRARY_PAGE_TIMEOUT_MS"])}})

    async def rendered(self, response):
        """The response with the rendered DOM as its body, once the detail is complete; on a timeout the
        response as it came, marked failed (``META_RENDER_FAILED``)."""
        page = response.meta["playwright_page"]
        try:
            await page.wait_for_function(COMPLETE,
                                         timeout=float(self.settings["LINKEDIN_AD_LIBRARY_DETAIL_TIMEOUT_MS"]))
            dom = await page.content()
        except Exception as error:  # noqa: BLE001 - Playwright's TimeoutError, or the page gone
            response.meta[META_RENDER_FAILED] = (f"its EU block (impressions, targeting) never appeared "
                                                 f"({first_line(error)})")
            return response
        finally:
            await page.close()
        self.count("details_rendered")
        payload = dom.encode("utf-8")
        self.crawler.signals.send_catch_log(conversion_record, url=response.url,
                                            refers_to=response.meta.get(WARC_RECORD_ID),
                                            content_type="text/html; charset=utf-8", payload=payload)
        return response.replace(body=payload)

    async def render_download_failed(self, failure):
        """A rendered detail that never finished loading, as an empty response marked failed."""
        request = failure.request
        page = request.meta.get("playwright_page")
        if page is not None and not page.is_closed():
            await page.close()
        request.meta[META_RENDER_FAILED] = f"the page did not finish loading ({first_line(failure.value)})"
        return HtmlResponse(request.url, status=200, body=b"", encoding="utf-8", request=request)

    # ---- the failed ads, for the manifest's error

    @property
    def failed_details(self) -> list[dict]:
        """Every failed detail of this crawl folder (earlier runs' too), each ``{"ad_id", "reason"}``."""
        if not hasattr(self, "_failed_details"):
            try:
                self._failed_details = json.loads((self.folder.cursor.parent / FAILED_STATE).read_text("utf-8"))
            except (FileNotFoundError, json.JSONDecodeError):
                self._failed_details = []
        return self._failed_details

    def detail_failed(self, ad_id: str, url: str, reason: str) -> None:
        self.count("details_failed")
        self.logger.warning("detail %s (%s) not read: %s", ad_id, url, reason)
        self.failed_details.append({"ad_id": ad_id, "reason": reason})
        write_json_atomically(self.folder.cursor.parent / FAILED_STATE, self.failed_details)

    def items_failed_message(self) -> str | None:
        """The manifest's error of a crawl that finished with some detail pages unread: which and why."""
        failed = self.failed_details
        if not failed:
            return None
        named = "; ".join(f"{entry['ad_id']}: {entry['reason']}" for entry in failed[:5])
        return (f"{len(failed)} ad detail page(s) could not be read in Chromium: {named}"
                + ("; ..." if len(failed) > 5 else "") + ". Their search cards and every other ad are kept. "
                "Crawl again later (a new crawl folder asks for them again), or open the pages in a browser, save "
                "them and load them with `adtrail import linkedin FILE...`")

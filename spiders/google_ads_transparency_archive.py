"""The WARC evidence of google_ads_transparency's rendered pages, through the crawl's WARC pipeline
(spiders/pipelines/warc_archive.py), as page_placements keeps its pages.

An advertiser page is a Scrapy (scrapy-playwright) response: the pipeline has archived it as a ``response``
record; its DOM after scrolling and "See more" becomes a ``conversion`` record referring to it. A creative
page is opened by the spider in the same browser context, outside Scrapy's downloader, so its HTTP answer is
handed to the pipeline here (the ``response_received`` signal, as the downloader would send it) and its
rendered DOM, the text the creative was read from, follows as a ``conversion`` record referring to that
response. The conversion record's payload is the DOM's UTF-8 bytes: the item's ``body_sha256`` is its sha256.
"""

from __future__ import annotations

import scrapy
from scrapy import signals
from scrapy.http import HtmlResponse

from spiders.pipelines.warc_archive import WARC_RECORD_ID, conversion_record

DOM_TYPE = "text/html; charset=utf-8"


def archive_dom(crawler, url: str, dom: str, refers_to: str | None) -> None:
    """A rendered DOM as a conversion record (``refers_to``: the WARC record id of the page's response)."""
    crawler.signals.send_catch_log(conversion_record, url=url, refers_to=refers_to, content_type=DOM_TYPE,
                                   payload=dom.encode("utf-8"))


async def archive_navigation(crawler, spider, url: str, navigation) -> str | None:
    """A Playwright navigation's response as a WARC response record; its record id (None without a body)."""
    if navigation is None:
        return None
    try:
        body = await navigation.body()
        headers = await navigation.all_headers()
    except Exception:  # noqa: BLE001 - Playwright's Error: the body is gone (a redirect, a closed page)
        return None
    headers.pop("content-encoding", None)  # Playwright hands the body decoded
    request = scrapy.Request(url, dont_filter=True)
    response = HtmlResponse(url=navigation.url, status=navigation.status, headers=headers, body=body,
                            request=request)
    crawler.signals.send_catch_log(signals.response_received, response=response, request=request, spider=spider)
    return request.meta.get(WARC_RECORD_ID)

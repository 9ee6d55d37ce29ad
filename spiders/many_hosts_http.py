"""Scrapy's HTTP/1.1 download handler for crawls of many hosts, a request or two each (ads.txt, app-ads.txt):
an idle keep-alive connection is closed after ``ADTRAIL_IDLE_CONNECTION_SECONDS`` (the ads_txt spider: 10) instead of
Twisted's 240 seconds.

Such a crawl talks to a host for a moment (robots.txt, then the file, on one connection) and never again, so
with Twisted's default every host of the last four minutes keeps an open socket at both ends: about 4,000 at
100 sites a second, each with its protocol, transport, timer and buffers. Those objects are what made the
crawl slow down as it grew: Python's full garbage collections walk every live object, and at 10,000 sites
they took 20 of the crawl's 49 CPU seconds (2,000 sites: 0.8 of 9). Ten seconds still cover the pause
AutoThrottle usually puts between a host's two requests; a longer one costs a new connection, nothing else.
"""

from __future__ import annotations

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler


class ManyHostsHTTPDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._pool.cachedConnectionTimeout = crawler.settings.getfloat("ADTRAIL_IDLE_CONNECTION_SECONDS", 10.0)

"""Scrapy settings and a download handler for crawls of many hosts, a request or two each (ads.txt,
app-ads.txt): what made the ads_txt crawl's time per site grow with the number of sites, and the per-request
steps it does not need (bench/README.md, "ads.txt crawl", has the measurements).

- ``MANY_HOSTS_SETTINGS``, for a spider's ``custom_settings``:

  - requests are kept in memory, not in ``jobdir/``: such a spider continues from its own record of finished
    targets (spiders/base_site_files.py), so Scrapy would replay the saved requests next to the unfinished
    targets' own (each file fetched twice), and pickling every request to a queue directory that is made and
    removed as it empties is disk work per site;
  - one scheduler queue: every target is another host and the downloader already keeps one request at a time
    per host, so Scrapy's default per-host queues add only a scan of every host's queue per request;
  - idle keep-alive connections are closed after ``ADTRAIL_IDLE_CONNECTION_SECONDS`` (10), not Twisted's 240
    (``ManyHostsHTTPDownloadHandler``);
  - ``ADTRAIL_GC_GEN0_THRESHOLD`` (20,000; applied by spiders/base_site_files.py) instead of Python's 700.

  The last two are the growth: a host is talked to for a moment (robots.txt, then the file, on one
  connection) and never again, yet with Twisted's default each host of the last four minutes kept an open
  socket with its protocol, transport, timer and buffers (about 4,000 at 100 sites a second); and hundreds
  of fetches in flight, each with its Deferreds, response and parsed lines for a few hundred milliseconds,
  lived through enough young collections to reach the oldest generation. Python's full collections, which
  walk every live object, came more often and took longer as the crawl grew: 19.5 s of a 105 s crawl of
  10,000 sites against 0.8 s of 16 s at 2,000; with both changes, one full collection in 10,000 sites.

- ``drop_unused_components(settings)``, from a spider's ``update_settings``: Scrapy middlewares with nothing to
  do for such a crawl, each a step of every request: offsite (no ``allowed_domains``; redirects are judged by
  the spider), HTTP auth (no credentials go to websites), meta refresh (an HTML page is not the file), URL
  length (URLs are built from domain names) and depth (follow-ups are limited by the spider).
"""

from __future__ import annotations

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.utils.misc import load_object

HANDLER = "spiders.many_hosts.ManyHostsHTTPDownloadHandler"
MANY_HOSTS_SETTINGS = {
    "SCHEDULER_DISK_QUEUE": "scrapy.squeues.FifoMemoryQueue",
    "SCHEDULER_START_DISK_QUEUE": "scrapy.squeues.FifoMemoryQueue",
    "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
    "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
    "ADTRAIL_IDLE_CONNECTION_SECONDS": 10,
    "ADTRAIL_GC_GEN0_THRESHOLD": 20_000,
}
UNUSED_COMPONENTS = {
    "DOWNLOADER_MIDDLEWARES": ("scrapy.downloadermiddlewares.offsite.OffsiteMiddleware",
                               "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware",
                               "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"),
    "SPIDER_MIDDLEWARES": ("scrapy.spidermiddlewares.urllength.UrlLengthMiddleware",
                           "scrapy.spidermiddlewares.depth.DepthMiddleware"),
}


def drop_unused_components(settings) -> None:
    for setting, components in UNUSED_COMPONENTS.items():
        for component in components:
            settings.set_in_component_priority_dict(setting, load_object(component), None)


class ManyHostsHTTPDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler whose idle connections close after ``ADTRAIL_IDLE_CONNECTION_SECONDS``. Ten
    seconds cover the pause AutoThrottle usually puts between a host's two requests; a longer one costs a new
    connection, nothing else."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self._pool.cachedConnectionTimeout = crawler.settings.getfloat("ADTRAIL_IDLE_CONNECTION_SECONDS", 10.0)

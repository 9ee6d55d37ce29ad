"""Drops requests that an earlier run left in ``jobdir/``.

Scrapy's JOBDIR keeps the scheduler's queue when a crawl stops, and replays it on the next run. For the
paginated-API spiders the saved cursor (``state/cursor.json``) already says where every chain continues,
and the spider asks for exactly those pages again; a replayed copy would fetch a page twice. Each request
carries its run's id (``request.meta["adtrail_run"]``); one from another run is dropped here, before the
download, and counted (``stale_requests_dropped``).
"""

from __future__ import annotations

from spiders.base import META_RUN, STATS_PREFIX, EarlierRunRequest


class DropEarlierRunRequestsMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        run_id = getattr(self.crawler.spider, "run_id", None)
        if run_id is None or META_RUN not in request.meta or request.meta[META_RUN] == run_id:
            return None
        self.crawler.stats.inc_value(STATS_PREFIX + "stale_requests_dropped")
        raise EarlierRunRequest(f"request of an earlier run, superseded by the saved cursor: {request.url}")

"""HTTP cache policy for API pages: keep only whole pages, and never answer a retry from the cache.

Scrapy's HTTP cache (``HTTPCACHE_POLICY``) lets a resumed crawl take a page it already downloaded from the
crawl folder's ``httpcache/`` instead of the network. Two rules make that safe for a paginated API:

- only a complete answer is stored: HTTP 200, not cut short (no ``dataloss`` flag), a JSON value that is
  not an error object. A rate-limit answer, an HTML login wall or half a page is never replayed.
- a retry (``request.meta["adtrail_attempt"] > 0``) always goes to the network, and what it brings
  replaces the stored answer: the retry exists because the last answer was not usable.
"""

from __future__ import annotations

import json

from scrapy.extensions.httpcache import DummyPolicy

from spiders.base import META_ATTEMPT


class CompletePagesPolicy(DummyPolicy):
    def should_cache_response(self, response, request) -> bool:
        if response.status != 200 or "dataloss" in response.flags:
            return False
        try:
            value = json.loads(response.body)
        except ValueError:
            return False
        return not (isinstance(value, dict) and "error" in value)

    def is_cached_response_fresh(self, cachedresponse, request) -> bool:
        return request.meta.get(META_ATTEMPT, 0) == 0

    def is_cached_response_valid(self, cachedresponse, response, request) -> bool:
        return False

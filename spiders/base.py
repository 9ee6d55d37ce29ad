"""Base spider for paginated JSON APIs: chains of pages linked by a next URL.

A subclass says what to ask (``chains``: one first URL per chain), what a response means (``judge``: a
page, or a problem with an action) and how a page becomes items (``parse_api_page``: through a pure
parser). This class does the rest, the same way for every API:

- **Resume.** After a page's items are written (the ``PageDone`` marker follows them through the
  pipelines), the chain's next URL, redacted, is saved in ``state/cursor.json``. A rerun on the folder
  starts each chain there; a finished chain is not fetched again.
- **One retry budget per page** (``ADTRAIL_MAX_RETRIES``) for every failure: rate limits, server errors,
  download errors, truncated or HTML bodies. Waits honour the server's stated time to regain access,
  else grow exponentially from ``ADTRAIL_BACKOFF_BASE_SECONDS`` up to ``ADTRAIL_BACKOFF_MAX_SECONDS``;
  they are ``asyncio.sleep`` in an ``async def`` callback (asyncio reactor), so nothing else blocks, and
  they end at once when the crawl stops or is interrupted (Ctrl-C). A request that is "too large" is
  asked again with half the page ``limit``.
- **Stops** (expired token, refused access, budget spent, a wait too long) close the crawl with a
  finish reason and a message for the user that says what to do; the manifest pipeline writes both.
- **Counts** of every problem go to Scrapy stats under ``adtrail/``; the manifest copies them.
- **The end of a chain**: no next URL, or a next URL already fetched in this chain (``repeated_next``).
- **Hooks for APIs that differ**: ``page_request`` may turn a page's address into another request (a POST
  whose body carries the page's cursor; the address stays in ``request.meta``, so resume, retries and
  ``repeated_next`` work on addresses); ``admit`` may refuse a request (a daily request budget spent);
  ``renew_token`` answers a ``RENEW_TOKEN`` verdict (an expired token the API lets the client renew).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import CloseSpider, IgnoreRequest
from w3lib.url import canonicalize_url

from spiders.manifest import CrawlFolder, CursorStore, scope_hash
from spiders.secrets import Redactor, secrets_from_env

# Actions a response can call for.
STOP, BACKOFF, HALVE_LIMIT, RETRY, RENEW_TOKEN = "stop", "backoff", "halve_limit", "retry", "renew_token"
STATS_PREFIX = "adtrail/"
# request.meta keys (plain values: requests are pickled into jobdir/).
META_CHAIN, META_PAGE, META_ATTEMPT, META_RUN = "adtrail_chain", "adtrail_page", "adtrail_attempt", "adtrail_run"
META_ADDRESS = "adtrail_address"  # the page's address when the request's URL does not say which page it is


def page_address(request_or_response) -> str:
    """Which page a request (or its response) is: its address in meta, else its URL."""
    return request_or_response.meta.get(META_ADDRESS) or request_or_response.url


class EarlierRunRequest(IgnoreRequest):
    """A request an earlier run left in jobdir/, dropped before the download: the cursor supersedes it."""


class ScopeError(ValueError):
    """The scope asked for cannot be crawled; the message names the key and what is allowed."""


@dataclass(frozen=True)
class Chain:
    """One paginated sequence of pages: one search term, one group of page ids, or everything."""

    chain_id: str  # stable across runs: the key in state/cursor.json; holds no clear-text search term
    first_url: str


@dataclass(frozen=True)
class Verdict:
    """What a response (or a download failure) means for the crawl."""

    action: str  # STOP, BACKOFF, HALVE_LIMIT or RETRY
    message: str  # for the user: what happened and what to do
    finish_reason: str | None = None  # for STOP: the manifest's finish_reason
    wait_seconds: float | None = None  # the server's own estimate of when to try again
    counts: tuple[str, ...] = ()  # extra counters, e.g. ("graph_error_613",)


@dataclass
class PageDone:
    """Marker yielded after a page's items: the manifest pipeline saves the cursor when it arrives."""

    chain_id: str
    page_number: int
    items: int
    next_url: str | None  # where the chain continues (redacted); None when it ended
    end: str | None  # None, "last_page" or "repeated_next"
    body_sha256: str


def backoff_seconds(attempt: int, *, base: float, cap: float, stated: float | None) -> float:
    """The wait before re-request number ``attempt + 1``: the server's stated time when it gave one,
    else ``base * 2**attempt`` capped at ``cap``."""
    if stated is not None and stated > 0:
        return stated
    return min(base * (2 ** attempt), cap)


def with_halved_limit(url: str, param: str = "limit") -> str | None:
    """``url`` with its ``limit`` parameter halved (at least 1); None when it is 1 already or missing.
    Other parameters keep their order and spelling."""
    base, question_mark, query = url.partition("?")
    parts = query.split("&") if question_mark else []
    for index, part in enumerate(parts):
        name, _, value = part.partition("=")
        if name == param:
            try:
                limit = int(value)
            except ValueError:
                return None
            if limit <= 1:
                return None
            parts[index] = f"{param}={max(1, limit // 2)}"
            return base + "?" + "&".join(parts)
    return None


def describe_malformed(body: bytes, flags: list[str], announced_length: int | None = None) -> str:
    """The counter for a body that is not a page: truncated_body, html_body or malformed_body."""
    if "dataloss" in flags or (announced_length is not None and announced_length > len(body)):
        return "truncated_body"
    text = body.decode("utf-8", "replace").strip()
    if text.startswith("<"):
        return "html_body"
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        # JSON that runs out (inside a string, or with the error at the very end) is a body cut short;
        # an error anywhere else is broken JSON.
        ran_out = error.msg.startswith("Unterminated string") or error.pos >= len(text) - 1
        return "truncated_body" if text and ran_out else "malformed_body"
    return "malformed_body"


class PaginatedApiSpider(scrapy.Spider):
    """Subclasses set ``name``, ``item_kind``, ``token_env``, ``malformed_errors`` and implement
    ``normalise_scope``, ``manifest_scope``, ``chains``, ``api_hosts``, ``judge`` and ``parse_api_page``."""

    item_kind: ClassVar[str]
    platform: ClassVar[str]
    token_env: ClassVar[str | None] = None  # environment variable holding the API token
    token_missing_message: ClassVar[str] = "the API token is not set"
    malformed_errors: ClassVar[tuple[type[Exception], ...]] = (ValueError,)

    def __init__(self, *args: Any, scope: dict | str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        raw_scope = json.loads(scope) if isinstance(scope, str) else dict(scope or {})
        self.scope = self.normalise_scope(raw_scope)
        # Requests carry this run's id; jobdir/ may hold requests of an earlier run, which the cursor
        # file supersedes (spiders/middlewares/earlier_runs.py drops them).
        self.run_id = uuid.uuid4().hex
        self.stop_reason: str | None = None
        self.stop_message: str | None = None
        self._fetched: dict[str, set[str]] = defaultdict(set)
        # Bodies arrive redacted (spiders.middlewares.api_token); parsers redact again, as a second line.
        self.redactor = Redactor(secrets_from_env())

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.folder = CrawlFolder.from_settings(settings)
        spider.crawl_id = settings["ADTRAIL_CRAWL_ID"]
        spider.max_retries = settings.getint("ADTRAIL_MAX_RETRIES")
        spider.backoff_base = settings.getfloat("ADTRAIL_BACKOFF_BASE_SECONDS")
        spider.backoff_max = settings.getfloat("ADTRAIL_BACKOFF_MAX_SECONDS")
        spider.max_wait = settings.getfloat("ADTRAIL_MAX_WAIT_SECONDS")
        spider.safe_scope = cls.manifest_scope(spider.scope, settings)
        spider.scope_sha256 = scope_hash(spider.safe_scope)
        spider.cursors = CursorStore(spider.folder.cursor, spider.scope_sha256)
        return spider

    # ---- what a subclass provides

    @classmethod
    def normalise_scope(cls, raw: dict) -> dict:
        """The scope with defaults filled in; raises ScopeError for anything that cannot be asked."""
        raise NotImplementedError

    @classmethod
    def manifest_scope(cls, scope: dict, settings) -> dict:
        """The scope as stored in the manifest: safe to keep (search terms hashed)."""
        raise NotImplementedError

    def chains(self) -> list[Chain]:
        raise NotImplementedError

    def api_hosts(self) -> set[str]:
        """Hosts the API token may be sent to."""
        raise NotImplementedError

    def judge(self, response) -> Verdict | None:
        """None for a normal page, else what the error response calls for."""
        raise NotImplementedError

    def parse_api_page(self, response, provenance: dict) -> tuple[list[dict], str | None]:
        """(items, redacted next URL) of a page; raises one of ``malformed_errors``."""
        raise NotImplementedError

    def admit(self, chain_id: str, page_number: int) -> bool:
        """Whether the next request may be sent; a subclass that refuses calls ``stop`` first."""
        return True

    async def renew_token(self, where: str) -> bool:
        """Answer a RENEW_TOKEN verdict: True when a new token is in place (the page is asked again)."""
        return False

    def token_headers(self, token: str) -> dict[str, str]:
        """Headers that carry the token (added only by spiders.middlewares.api_token)."""
        return {"Authorization": f"Bearer {token}"}

    # ---- the crawl

    def chain_ids(self) -> list[str]:
        return [chain.chain_id for chain in self.chains()]

    def chain_urls(self) -> list[tuple[str, str]]:
        return [(chain.chain_id, chain.first_url) for chain in self.chains()]

    def count(self, name: str, value: int = 1) -> None:
        self.crawler.stats.inc_value(STATS_PREFIX + name, value)

    def stop(self, reason: str, message: str) -> None:
        """Remember why the crawl stops (the first reason wins); the caller raises CloseSpider."""
        if self.stop_reason is None:
            self.stop_reason, self.stop_message = reason, message
            self.logger.error("stopping the crawl (%s): %s", reason, message)

    async def start(self):
        if self.token_env and not os.environ.get(self.token_env, "").strip():
            # Nothing is requested: the manifest pipeline records the stop when the spider closes.
            self.stop("token_missing", self.token_missing_message)
            return
        for chain in self.chains():
            state = self.cursors.chain(chain.chain_id)
            if state["finished"]:
                self.logger.info("chain %s finished in an earlier run (%s); not fetched again",
                                 chain.chain_id, state["end"])
                continue
            if state["next"]:
                self.logger.info("chain %s continues from its saved cursor %s", chain.chain_id, state["next"])
            if not self.admit(chain.chain_id, state["pages"] + 1):
                return
            yield self.page_request(state["next"] or chain.first_url, chain.chain_id, state["pages"] + 1)

    def page_request(self, url: str, chain_id: str, page_number: int, attempt: int = 0) -> scrapy.Request:
        # dont_filter: a page is asked again on retry and on resume; repeats of a next link are caught
        # per chain in parse_response, not by a fingerprint filter that would persist in jobdir/.
        # priority: breadth first across chains (every chain's page N before any chain's page N+1), so one
        # failing chain cannot starve the others before the crawl stops.
        return scrapy.Request(
            url, callback=self.parse_response, errback=self.on_download_error, dont_filter=True,
            priority=-page_number,
            meta={META_CHAIN: chain_id, META_PAGE: page_number, META_ATTEMPT: attempt, META_RUN: self.run_id,
                  # Every status reaches the callback: errors are judged from their bodies (Graph API
                  # error objects), counted, and retried here with one budget.
                  "handle_httpstatus_all": True},
        )

    async def parse_response(self, response):
        meta = response.meta
        chain_id, page_number = meta[META_CHAIN], meta[META_PAGE]
        if "cached" in response.flags:
            self.count("cache_hits")
        if response.status == 429:
            self.count("http_429")
        elif response.status >= 500:
            self.count("http_5xx")
        elif response.status >= 400:
            self.count("http_4xx")
        body_sha256 = hashlib.sha256(response.body).hexdigest()
        verdict = self.judge(response)
        if verdict is None:
            provenance = {
                "item_kind": self.item_kind, "source": self.name, "crawl_id": self.crawl_id,
                "source_url": response.url, "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                "body_sha256": body_sha256, "page_number": page_number,
            }
            try:
                items, next_url = self.parse_api_page(response, provenance)
            except self.malformed_errors as error:
                announced = response.headers.get(b"Content-Length")
                self.count(describe_malformed(response.body, response.flags,
                                              int(announced) if announced and announced.isdigit() else None))
                verdict = Verdict(RETRY, str(error))
        if verdict is not None:
            async for request in self.handle_problem(response.request, verdict):
                yield request
            return

        for item in items:
            yield item
        self._fetched[chain_id].add(canonicalize_url(page_address(response)))
        end = None
        if next_url is None:
            end = "last_page"
        elif canonicalize_url(next_url) in self._fetched[chain_id]:
            self.count("repeated_next")
            self.logger.warning("chain %s: page %d links to a page already fetched (%s); the chain ends here",
                                chain_id, page_number, next_url)
            end = "repeated_next"
        yield PageDone(chain_id, page_number, len(items), None if end else next_url, end, body_sha256)
        if end is None and not self.stop_reason and self.admit(chain_id, page_number + 1):
            yield self.page_request(next_url, chain_id, page_number + 1)

    async def on_download_error(self, failure):
        request = failure.request
        if failure.check(EarlierRunRequest):
            return  # superseded by the saved cursor; nothing to retry
        if failure.check(IgnoreRequest):
            # Refused before the download (robots.txt, offsite): asking again changes nothing. The chain
            # stays unfinished, so the manifest says failed and names it.
            self.count("ignored_requests")
            self.logger.error("page %d of chain %s was not fetched: %s", request.meta[META_PAGE],
                              request.meta[META_CHAIN], failure.getErrorMessage())
            return
        self.count("download_errors")
        verdict = Verdict(RETRY, f"the download failed: {failure.getErrorMessage()}")
        async for retry in self.handle_problem(request, verdict):
            yield retry

    async def handle_problem(self, request: scrapy.Request, verdict: Verdict):
        """Yield the request to try again (after any wait), or stop the crawl."""
        chain_id, page_number = request.meta[META_CHAIN], request.meta[META_PAGE]
        attempt = request.meta.get(META_ATTEMPT, 0)
        where = f"page {page_number} of chain {chain_id}"
        for name in verdict.counts:
            self.count(name)
        if self.stop_reason:
            return  # the crawl is closing: the rerun asks for this page again, from the saved cursor
        if verdict.action == STOP:
            self.stop(verdict.finish_reason or "stopped", verdict.message)
            raise CloseSpider(self.stop_reason)
        if verdict.action == RENEW_TOKEN:
            if not await self.renew_token(where):
                # renew_token said why in stop(); without a stop reason it is a plain expired token
                self.stop("token_expired", verdict.message)
                raise CloseSpider(self.stop_reason)
            # A renewed token is progress, not a failed attempt: the retry budget is not spent.
            self.count("token_renewed")
            if self.admit(chain_id, page_number):
                yield self.page_request(page_address(request), chain_id, page_number, attempt)
            return
        if verdict.action == BACKOFF:
            self.count("rate_limited")
        if verdict.action == HALVE_LIMIT:
            smaller = with_halved_limit(page_address(request))
            if smaller is not None:
                # Asking for less is progress, not a failed attempt: it does not spend the retry budget.
                self.count("limit_halved")
                self.count("retries")
                self.logger.warning("%s: %s; asking again with %s", where, verdict.message, smaller)
                yield self.page_request(smaller, chain_id, page_number, attempt)
                return
        if attempt >= self.max_retries:
            self.stop("retries_exhausted", (
                f"{where} failed {attempt + 1} times (retry limit ADTRAIL_MAX_RETRIES={self.max_retries}); "
                f"last problem: {verdict.message}. The pages fetched so far are kept and the cursor is saved "
                f"in state/cursor.json: check the network and the API's status, then rerun the same command "
                f"to continue from this page"))
            raise CloseSpider(self.stop_reason)
        wait = backoff_seconds(attempt, base=self.backoff_base, cap=self.backoff_max, stated=verdict.wait_seconds)
        if wait > self.max_wait:
            resume_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=wait)
            self.stop("rate_limited", (
                f"{where}: {verdict.message}; the server says access returns in {wait / 60:.0f} minutes, longer "
                f"than ADTRAIL_MAX_WAIT_SECONDS={self.max_wait:.0f}. The cursor is saved: rerun after "
                f"{resume_at:%Y-%m-%d %H:%M} UTC to continue"))
            raise CloseSpider(self.stop_reason)
        self.count("retries")
        self.logger.warning("%s: %s; attempt %d of %d in %.2f s", where, verdict.message, attempt + 2,
                            self.max_retries + 1, wait)
        await self.wait(wait)
        if self.stop_reason or not self.crawler.crawling:
            return  # stopped while waiting: the rerun continues from the saved cursor
        if self.admit(chain_id, page_number):
            yield self.page_request(page_address(request), chain_id, page_number, attempt + 1)

    async def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` in short slices, so a stop or a shutdown (Ctrl-C) does not sit out a long wait."""
        deadline = asyncio.get_running_loop().time() + seconds
        while self.crawler.crawling and not self.stop_reason:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return
            await asyncio.sleep(min(left, 0.5))

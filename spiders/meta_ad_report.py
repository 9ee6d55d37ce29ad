"""Meta Ad Library Report, fetched live (opt-in): for each configured country and period, the website's
internal download query, then the report zip it points to, streamed to ``bulk/<country>_<period>/``.

**Off by default; the usual route is ``adtrail import meta-report ZIP|CSV…``** with files downloaded from
facebook.com/ads/library/report. The report has no public download URL: the website's "Download report"
button POSTs ``AdReportV2DownloadButtonContainerQuery`` to facebook.com's GraphQL endpoint
(spiders/parsers/meta_report_query.py) and follows the ``download_uri`` of the answer. That endpoint is
internal and undocumented: Meta may change the query's id (``doc_id``), its variables or its answer, or refuse
clients without a browser session, at any time. An answer without a download URI fails that country and
period with the reason in the manifest (and so in ``snapshot_source.error``); the others are kept.

**Legal note.** facebook.com's robots.txt opens with the notice "Collection of data on Facebook through
automated means is prohibited unless you have express written permission from Facebook" and ends with
``User-agent: *`` / ``Disallow: /`` (as quoted by several public copies; this code was written without
internet access, so check the live file), which disallows ``/api/graphql/`` for any client not named
there. So, like linkedin_ad_library, this spider runs only when BOTH ``sources.meta_ad_report.live_fetch =
true`` (setting ``META_AD_REPORT_LIVE_FETCH``) AND ``sources.meta_ad_report.permission_statement`` names the
permission the user holds (Meta's written permission, or a legal basis such as DSA Article 40(12) researcher
access); the statement is stored in the manifest's scope. With that permission robots.txt is not consulted
(it would refuse everything; the permission is what makes the access allowed): ``ROBOTSTXT_OBEY`` is off.

Each report file is a bulk file of spiders/bulk_multi.py: skipped when unchanged (ETag), resumed with Range,
never replaced by an HTML page. The manifest and logs keep the download URI without its query (the CDN's
signature expires). Settings: ``META_AD_REPORT_QUERY_URL`` (https://www.facebook.com/api/graphql/ by default,
a local server in tests), ``META_AD_REPORT_DOC_ID``, ``META_AD_REPORT_LIVE_FETCH``. The loader is
warehouse/load_meta_report_crawl.py (the same rows as an import).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

import scrapy
from scrapy.exceptions import IgnoreRequest

from spiders.base import ScopeError, backoff_seconds
from spiders.bulk import BulkFileSpider, _in_thread
from spiders.bulk_multi import MultiFileBulkSpider
from spiders.manifest import utc_now
from spiders.parsers import meta_report_query as query
from spiders.parsers.meta_report import PERIOD_DAYS, SOURCE, TIME_ZONE, MetaReportFileError, parse_name
from spiders.parsers.zip_csvs import csv_zip_problem

DEFAULT_URL = "https://www.facebook.com/api/graphql/"
SCOPE_KEYS = ("countries", "periods", "report_date", "permission_statement")
LIVE_FETCH_OFF = (
    "meta_ad_report live fetching is off (sources.meta_ad_report.live_fetch = false, the default): the report "
    "has no public download URL. Download the report from facebook.com/ads/library/report and load it with "
    "`adtrail import meta-report ZIP|CSV...`")
NO_PERMISSION = (
    "meta_ad_report live fetching needs the permission you hold: facebook.com's robots.txt disallows automated "
    "access (User-agent: * / Disallow: /, and its notice requires Meta's express written permission). Set "
    "sources.meta_ad_report.permission_statement to a sentence naming it (Meta's written permission of <date>, "
    "or your DSA Article 40 access); it is stored with every snapshot. Without permission, download the report "
    "by hand and load it with `adtrail import meta-report ZIP|CSV...`")


def default_report_ds() -> str:
    """The day asked for when none is configured: two days before today in Pacific time, as the website's own
    recorded request (2025-07-20) asked 2025-07-18 (Meta's reports lag a day or two)."""
    return (dt.datetime.now(ZoneInfo(TIME_ZONE)).date() - dt.timedelta(days=2)).isoformat()


class MetaAdReportSpider(MultiFileBulkSpider):
    name = SOURCE
    platform = "meta"
    item_kind = SOURCE  # no items.jsonl: the report zips are the data
    file_name = "FacebookAdLibraryReport.zip"  # replaced per file by the name in its download URI
    url_setting = "META_AD_REPORT_QUERY_URL"
    default_url = DEFAULT_URL
    magic = b"PK\x03\x04"
    expected = "the report zip"
    file_noun = "reports"
    custom_settings: ClassVar[dict] = {**BulkFileSpider.custom_settings, "ROBOTSTXT_OBEY": False}

    @classmethod
    def normalise_scope(cls, raw: dict) -> dict:
        unknown = sorted(set(raw) - set(SCOPE_KEYS))
        if unknown:
            raise ScopeError(f"{cls.name} takes {', '.join(SCOPE_KEYS)}; got {', '.join(unknown)}")
        if not str(raw.get("permission_statement") or "").strip():
            raise ScopeError(NO_PERMISSION)
        countries = [str(c).strip().upper() for c in raw.get("countries") or []]
        if not countries or any(len(c) != 2 or not c.isalpha() for c in countries):
            raise ScopeError(f"countries must be ISO 3166-1 alpha-2 codes (e.g. [\"BE\"]); got {countries or 'none'}")
        periods = list(raw.get("periods") or ["last_30_days"])
        wrong = [p for p in periods if p not in PERIOD_DAYS]
        if wrong:
            raise ScopeError(f"periods {wrong} unknown; use {', '.join(PERIOD_DAYS)}")
        report_date = str(raw.get("report_date") or "").strip()
        if report_date:
            try:
                report_date = dt.date.fromisoformat(report_date).isoformat()
            except ValueError:
                raise ScopeError(f"report_date {report_date!r} is not a date; write YYYY-MM-DD") from None
        return {"countries": countries, "periods": periods, "report_date": report_date,
                "permission_statement": str(raw["permission_statement"]).strip()}

    @classmethod
    def manifest_scope(cls, scope: dict, settings) -> dict:
        return {**scope, "report_date": scope["report_date"] or default_report_ds(),
                "doc_id": settings.get("META_AD_REPORT_DOC_ID") or query.DOC_ID}

    def file_keys(self) -> list[str]:
        return [f"{country}_{period}" for country in self.safe_scope["countries"]
                for period in self.safe_scope["periods"]]

    def entry_fields(self, key: str) -> dict:
        country, _, period = key.partition("_")
        return {"country": country, "period": period, "report_ds": self.safe_scope["report_date"]}

    def check_file(self, path: Path) -> str | None:
        """The zip opens, every member's CRC checks out, and it holds the report's CSVs."""
        return csv_zip_problem(path)

    # ---- the crawl: per report, the query first, then the bulk file's HEAD and streaming GET

    async def start(self):
        self.query_url, self.store_root = self.url, self.store
        self.refused = not self.crawler.settings.getbool("META_AD_REPORT_LIVE_FETCH", False)
        self.write_running_manifest()
        if self.refused:
            self.logger.error("%s", LIVE_FETCH_OFF)
            return
        self.pending = list(self.file_keys())
        request = await self._next_request()
        if request is not None:
            yield request

    async def _next_request(self):
        """Close the current report and return the query of the next one (None when all are done)."""
        if not self._take_next():
            return None
        self.file_name, self.known = type(self).file_name, None
        self.url = self.query_url
        self.shown_url = self.redactor.redact_url(self.query_url)
        self.store = self.store_root / self.key
        return self.query_request(0)

    def query_request(self, attempt: int) -> scrapy.Request:
        country, _, period = self.key.partition("_")
        form = query.query_form(country, self.safe_scope["report_date"], period, self.safe_scope["doc_id"])
        return scrapy.FormRequest(self.query_url, formdata=form, callback=self.on_query, errback=self.on_query_error,
                                  dont_filter=True, meta={"handle_httpstatus_all": True, "adtrail_attempt": attempt})

    async def on_query(self, response):
        attempt = response.meta["adtrail_attempt"]
        if response.status in (429, 500, 502, 503, 504) and attempt < self.max_retries:
            self.count("http_429" if response.status == 429 else "http_5xx")
            await asyncio.sleep(backoff_seconds(attempt, base=self.backoff[0], cap=self.backoff[1], stated=None))
            yield self.query_request(attempt + 1)
            return
        self.count("queries")
        if response.status >= 400:
            self.stop(f"http_{response.status}", (
                f"the report query to {self.shown_url} answered HTTP {response.status}; the internal endpoint may "
                f"have changed or refused this client. Check {self.url_setting}, or download the report by hand and "
                "load it with `adtrail import meta-report`"))
        else:
            try:
                uri = query.download_uri(response.body)
                name = query.report_file_name(uri)
                parse_name(name)  # the loader reads day, country and period from this name
            except (query.MetaReportQueryError, MetaReportFileError) as error:
                self.count("query_changed")
                self.stop("query_changed", f"the report query to {self.shown_url} for {self.key}: {error}")
            else:
                self.url, self.file_name = uri, name
                self.shown_url = self.redactor.redact_url(query.without_query(uri))
                self.known = await _in_thread(self.previous)
                yield self.head_request(0)
                return
        request = await self._next_request()
        if request is not None:
            yield request

    async def on_query_error(self, failure):
        self.count("download_errors")
        reason = "ignored" if failure.check(IgnoreRequest) else "query_failed"
        self.stop(reason, f"the report query to {self.shown_url} for {self.key} failed: {failure.getErrorMessage()}; "
                  "rerun later, or download the report by hand and load it with `adtrail import meta-report`")
        request = await self._next_request()
        if request is not None:
            self.crawler.engine.crawl(request)

    def write_final_manifest(self, spider, reason: str) -> None:
        if getattr(self, "refused", False):
            self.stop_reason, self.stop_message = "live_fetch_off", LIVE_FETCH_OFF
            self._write_manifest("failed", utc_now(), self.earlier)
            return
        super().write_final_manifest(spider, reason)

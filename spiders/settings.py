"""Scrapy settings for every adtrail spider (``scrapy.cfg`` and ``spiders.run`` load this module).

Components are ordered with gaps so new ones slot in. Per-crawl paths (the crawl folder, its ``httpcache/``
and ``jobdir/``, ``crawl.log``) are set by ``spiders.run``, never here. Settings named ``ADTRAIL_*`` and
``META_*`` are adtrail's own; everything else is Scrapy's (docs.scrapy.org, "Settings").
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path


def _adtrail_version() -> str:
    """The installed package's version, or pyproject.toml's when run from a source checkout."""
    try:
        return metadata.version("adtrail")
    except metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        try:
            return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


ADTRAIL_VERSION = _adtrail_version()
# Where a site owner who sees the crawler in their logs can read what it is.
ADTRAIL_PROJECT_URL = "https://github.com/adtrail/adtrail"

BOT_NAME = "adtrail"
# One entry per spider module (a walk of the whole package would import every helper module too).
SPIDER_MODULES = [
    "spiders.meta_ads_archive",
    "spiders.google_political_bundle",
    "spiders.fx_ecb",
    "spiders.fx_worldbank",
    "spiders.youtube_monetisation",
    "spiders.sellers_json",
    "spiders.snap_political",
    "spiders.meta_ad_report",
    "spiders.ads_txt",
    "spiders.tiktok_commercial_content",
    "spiders.linkedin_ad_library",
    "spiders.google_ads_transparency",
    "spiders.page_placements",
]
NEWSPIDER_MODULE = "spiders"

# Identify the crawler honestly: name, version and where to read about it.
USER_AGENT = f"adtrail/{ADTRAIL_VERSION} (+{ADTRAIL_PROJECT_URL})"
# Websites are crawled only where robots.txt allows it; a spider for an official API turns this off in its
# custom_settings and says why.
ROBOTSTXT_OBEY = True

# Throttle to the server's pace (latency-based); the per-API quota governor lives in the base spider.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_TIMEOUT = 120

# Keep every page that arrived whole, so a resumed crawl does not fetch it again (the folder is set per
# crawl by spiders.run). The policy stores only complete JSON pages and never serves a cached answer to a
# retry; see spiders/middlewares/cache_policy.py.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "spiders.middlewares.cache_policy.CompletePagesPolicy"
HTTPCACHE_EXPIRATION_SECS = 0

# The paginated-API base spider retries every kind of failure itself, with one per-page budget
# (ADTRAIL_MAX_RETRIES), back-off and the crawl's cursor in view; Scrapy's retry would spend a second,
# invisible budget and hide the failures from the manifest counts.
RETRY_ENABLED = False
# A body cut short by a dropped connection reaches the spider (flagged "dataloss"), which counts it as a
# truncated body and fetches the page again, instead of an exception that says less.
DOWNLOAD_FAIL_ON_DATALOSS = False

# Items of one page pass the pipelines one after another, so the page's end marker (PageDone) reaches the
# manifest pipeline only after every item of the page is written: the saved cursor never runs ahead of
# items.jsonl.
CONCURRENT_ITEMS = 1

# APIs need no cookies, and a cookie is a secret that would end up in the cache and the archive.
COOKIES_ENABLED = False
DEFAULT_REQUEST_HEADERS = {"Accept": "application/json"}
TELNETCONSOLE_ENABLED = False
# No HTTP control server: a crawl is a child process, controlled by its parent and its signals.
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    # Requests restored from jobdir/ by an earlier run are dropped: the cursor file says where each
    # chain continues.
    "spiders.middlewares.earlier_runs.DropEarlierRunRequestsMiddleware": 40,
    # Last, nearest the downloader: the only place a secret is added, and where it is removed from what
    # comes back, so the cache, statistics, spider, archive and jobdir above never see it.
    "spiders.middlewares.api_token.ApiTokenMiddleware": 1000,
}

ITEM_PIPELINES = {
    "spiders.pipelines.warc_archive.WarcArchivePipeline": 100,
    "spiders.pipelines.items_jsonl.ItemsJsonlPipeline": 300,
    "spiders.pipelines.crawl_manifest.CrawlManifestPipeline": 900,
}

# adtrail's own settings (README, "Configuration"). Every delay can be made tiny for tests.
ADTRAIL_MAX_RETRIES = 5  # re-requests of one page before the crawl stops with its cursor saved
ADTRAIL_BACKOFF_BASE_SECONDS = 30.0  # first wait after a failure; doubled each further attempt
ADTRAIL_BACKOFF_MAX_SECONDS = 900.0  # cap of that exponential wait
# A rate limit whose stated time to regain access is longer than this stops the crawl (cursor saved,
# the time to rerun in the error) instead of holding the process for hours.
ADTRAIL_MAX_WAIT_SECONDS = 3600.0
ADTRAIL_CRAWL_DIR = None  # set by spiders.run
ADTRAIL_CRAWL_ID = None  # set by spiders.run
# A crawl of many sites (ads_txt) split across this many processes, one core each (spiders/split_crawl.py);
# 0: one per CPU. Other spiders run in one process whatever it says.
ADTRAIL_CRAWL_PROCESSES = 1

META_ADS_ARCHIVE_URL = "https://graph.facebook.com/v23.0/ads_archive"
META_PAGE_LIMIT = 250
# youtube_monetisation: off by default (YouTube's terms restrict automated access; README, "YouTube").
YOUTUBE_BASE_URL = "https://www.youtube.com"
# ads_txt (spiders/ads_txt.py): where each file is asked; {port} is ADS_TXT_PORTS[scheme] (443 / 80 when unset),
# for a mirror or a local test server. Certificates are verified; ADTRAIL_TLS_CA_FILE adds an authority.
ADS_TXT_URL_TEMPLATE = "{scheme}://{host}/{file}"
ADS_TXT_PORTS: dict[str, int] = {}
ADS_TXT_MAX_REDIRECTS = 5
ADTRAIL_TLS_CA_FILE = None
# tiktok_commercial_content: the Commercial Content API (approved research clients only; README, "TikTok").
TIKTOK_TOKEN_URL = "https://open.tiktokapis.com/v2/oauth/token/"
TIKTOK_AD_QUERY_URL = "https://open.tiktokapis.com/v2/research/adlib/ad/query/"
TIKTOK_COMMERCIAL_CONTENT_QUERY_URL = "https://open.tiktokapis.com/v2/research/adlib/commercial_content/query/"
TIKTOK_ADVERTISER_QUERY_URL = "https://open.tiktokapis.com/v2/research/adlib/advertiser/query/"
TIKTOK_AD_DETAIL_URL = "https://open.tiktokapis.com/v2/research/adlib/ad/detail/"
TIKTOK_MAX_COUNT = 50  # results per page; TikTok's maximum is 50
TIKTOK_DAILY_REQUEST_BUDGET = 1000  # TikTok's research quota: 1000 requests a day, reset at 00:00 UTC
# google_ads_transparency (spiders/google_ads_transparency.py): Chromium through scrapy-playwright; off by default.
GOOGLE_ADS_TRANSPARENCY_URL = "https://adstransparency.google.com"
GOOGLE_ADS_TRANSPARENCY_PAGE_TIMEOUT_MS = 60_000  # a page that never finishes loading fails after this
GOOGLE_ADS_TRANSPARENCY_DETAIL_TIMEOUT_MS = 30_000  # how long a creative's late details are awaited
GOOGLE_ADS_TRANSPARENCY_GROWTH_TIMEOUT_MS = 5_000  # how long a scroll or "See more" may take to add results
GOOGLE_ADS_TRANSPARENCY_MAX_SCROLLS = 200
GOOGLE_ADS_TRANSPARENCY_MAX_MORE_CLICKS = 200
# A creative page's details have loaded when its last-shown date is in the DOM (the property that loads last).
GOOGLE_ADS_TRANSPARENCY_DETAIL_SELECTOR = "text=/Last shown/i"
GOOGLE_ADS_TRANSPARENCY_LOCAL_ONLY = False  # abort every browser request to a host other than the endpoint's
# linkedin_ad_library: off unless the user states the permission they hold (README, "LinkedIn").
LINKEDIN_AD_LIBRARY_URL = "https://www.linkedin.com/ad-library"
# Detail pages in Chromium (spiders/linkedin_ad_library_browser.py): "http", "browser", or "auto" (the browser only
# for a detail whose HTTP answer lacks the EU block).
LINKEDIN_AD_LIBRARY_DETAIL_RENDERING = "auto"
LINKEDIN_AD_LIBRARY_PAGE_TIMEOUT_MS = 60_000  # a detail page that never finishes loading fails after this
LINKEDIN_AD_LIBRARY_DETAIL_TIMEOUT_MS = 30_000  # how long a rendered detail's late EU block is awaited
# page_placements (spiders/page_placements.py): Chromium through scrapy-playwright; off by default.
EASYLIST_URL = "https://easylist.to/easylist/easylist.txt"  # fetched each crawl; a local path works too
ADTRAIL_AD_OWNERS_FILE = None  # optional webXray org_domains.json: which company owns each ad-system domain
ADTRAIL_VANTAGE_COUNTRY = None  # where the pages are seen from (ISO2), written into every item
ADTRAIL_VANTAGE_EGRESS = None  # how the crawler reaches the web (e.g. "residential DE", "VPN NL"), ditto
ADTRAIL_CHROMIUM = None  # Chromium executable; None: Debian's chromium found on PATH
ADTRAIL_CHROMIUM_ARGS: list[str] = []  # extra Chromium switches (tests, demo: --host-resolver-rules=...)

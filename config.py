"""adtrail's one configuration file (TOML) and its defaults.

Where the configuration comes from, first match wins: ``--config PATH``, the ``ADTRAIL_CONFIG`` variable,
``adtrail.toml`` in the working directory, the built-in defaults below. Secrets are never read from here:
access tokens come only from the environment (``META_ACCESS_TOKEN``). Every key is documented in the
README (a test holds the two together).
"""

from __future__ import annotations

import copy
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULTS: dict = {
    "warehouse": {
        "db": "data/adtrail.duckdb",  # ADTRAIL_DB overrides
        "crawl_dir": "data/crawls",  # ADTRAIL_CRAWL_ROOT overrides
    },
    "crawl": {
        "max_retries": 5,  # per page, before the crawl stops with its cursor saved
        "backoff_base_seconds": 30.0,
        "backoff_max_seconds": 900.0,
        "max_wait_seconds": 3600.0,  # a platform asking for a longer wait stops the crawl instead
        "processes": 1,  # a crawl of many sites (ads_txt) split across this many processes; 0: one per CPU
    },
    "sources": {
        "meta_ads_archive": {
            "enabled": True,
            "endpoint": "https://graph.facebook.com/v23.0/ads_archive",
            "countries": ["BD", "BR", "IN", "KE", "NG", "ID"],
            "ad_type": "POLITICAL_AND_ISSUE_ADS",
            "ad_active_status": "ALL",
            "search_terms": [],
            "search_page_ids": [],
            "delivery_date_min": "",
            "delivery_date_max": "",
            "page_limit": 250,
        },
        # Imported from files the user downloads (adtrail import meta-report): the report has no public
        # download URL. Live fetching through the website's internal, undocumented query is opt-in (live_fetch)
        # and refused unless permission_statement names the permission held: facebook.com's robots.txt
        # disallows automated access (spiders/meta_ad_report.py).
        "meta_ad_report": {
            "enabled": False,
            "live_fetch": False,
            "endpoint": "https://www.facebook.com/api/graphql/",
            "doc_id": "8277332145725251",
            "countries": [],
            "periods": ["last_30_days"],
            "report_date": "",
            "permission_statement": "",
        },
        "google_political_bundle": {
            "enabled": True,
            "endpoint": "https://storage.googleapis.com/political-csv/google-political-ads-transparency-bundle.zip",
        },
        # The fx_rates source of DESIGN.md, one spider per file: the ECB's daily euro reference rates, and
        # the World Bank's yearly averages for currencies the ECB does not quote.
        "fx_ecb": {
            "enabled": True,
            "endpoint": "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip",
        },
        "fx_worldbank": {
            "enabled": True,
            "endpoint": "https://api.worldbank.org/v2/en/indicator/PA.NUS.FCRF?downloadformat=csv",
        },
        # IAB sellers.json of each ad system. Off by default. Fetched: the list below (the largest exchanges;
        # Google publishes off its ads.txt domain, hence domain=URL), and up to max_ad_systems_from_ads_txt
        # more that the same snapshot's ads.txt records declare, most declared first (0: none).
        "sellers_json": {
            "enabled": False,
            "endpoint": "https://{domain}/sellers.json",
            "ad_systems": [
                "google.com=https://realtimebidding.google.com/sellers.json", "appnexus.com",
                "rubiconproject.com", "pubmatic.com", "openx.com", "indexexchange.com", "triplelift.com",
            ],
            "max_ad_systems_from_ads_txt": 100,
        },
        # Snap's political ads library: one zip per year, every year from first_year to the current one.
        "snap_political": {
            "enabled": True,
            "endpoint": "https://storage.googleapis.com/ad-manager-political-ads-dump/political/{year}/PoliticalAds.zip",
            "first_year": 2018,
        },
        # Off by default: the Ads Transparency Center's terms allow information and research use only; turning it
        # on states yours is (spiders/google_ads_transparency.py, legal note).
        "google_ads_transparency": {
            "enabled": False,
            "endpoint": "https://adstransparency.google.com",
            "advertiser_ids": [],
            # Also the biggest advertisers of the Google bundle in the warehouse's published copy (0: none),
            # those shown in these countries when any are named.
            "max_bundle_advertisers": 20,
            "countries": [],
        },
        # Off by default: YouTube's terms forbid automated access without its permission (README, "YouTube").
        "youtube_monetisation": {
            "enabled": False,
            "endpoint": "https://www.youtube.com",
            "video_ids": [],
            "channel_ids": [],
        },
        # Off by default, and refused unless permission_statement names the permission the user holds:
        # LinkedIn's robots.txt and User Agreement forbid automated access without it (docs/sources.md).
        "linkedin_ad_library": {
            "enabled": False,
            "endpoint": "https://www.linkedin.com/ad-library",
            "keyword": "",
            "advertiser": "",
            "countries": [],
            "date_min": "",
            "date_max": "",
            "permission_statement": "",
            "detail_rendering": "auto",  # http | browser | auto: Chromium only for a detail lacking its EU block
        },
        # ads.txt / app-ads.txt of the sites and apps named here; off until the user names them.
        # TikTok's Commercial Content API needs an approved research client (TIKTOK_CLIENT_KEY and
        # TIKTOK_CLIENT_SECRET in the environment): off by default.
        "tiktok_commercial_content": {
            "enabled": False,
            "token_endpoint": "https://open.tiktokapis.com/v2/oauth/token/",
            "endpoint": "https://open.tiktokapis.com/v2/research/adlib/ad/query/",
            "commercial_content_endpoint": "https://open.tiktokapis.com/v2/research/adlib/commercial_content/query/",
            "advertiser_endpoint": "https://open.tiktokapis.com/v2/research/adlib/advertiser/query/",
            "ad_detail_endpoint": "https://open.tiktokapis.com/v2/research/adlib/ad/detail/",
            "daily_request_budget": 1000,
            "content": "ads",
            "countries": ["ALL"],
            "date_min": "",
            "date_max": "",
            "search_terms": [],
            "advertiser_business_ids": [],
            "fetch_ad_details": False,
        },
        "ads_txt": {
            "enabled": False,
            "endpoint": "{scheme}://{host}/{file}",
            "domains": [],
            "app_domains": [],
            "app_store_urls": [],
        },
        # Pages rendered in Chromium for their ad slots, ad-system calls and bids; off until pages are named.
        "page_placements": {
            "enabled": False,
            "urls": [],
            "max_pages_per_site": 5,
            "easylist_url": "https://easylist.to/easylist/easylist.txt",
        },
    },
}

# Settings a source passes to its spider, by configuration key.
SPIDER_SETTING_NAMES: dict[str, dict[str, str]] = {
    "meta_ads_archive": {"endpoint": "META_ADS_ARCHIVE_URL", "page_limit": "META_PAGE_LIMIT"},
    "google_political_bundle": {"endpoint": "GOOGLE_BUNDLE_URL"},
    "meta_ad_report": {"endpoint": "META_AD_REPORT_QUERY_URL", "doc_id": "META_AD_REPORT_DOC_ID",
                       "live_fetch": "META_AD_REPORT_LIVE_FETCH"},
    "fx_ecb": {"endpoint": "ECB_FX_URL"},
    "fx_worldbank": {"endpoint": "WORLDBANK_FX_URL"},
    "sellers_json": {"endpoint": "SELLERS_JSON_URL_TEMPLATE"},
    "youtube_monetisation": {"endpoint": "YOUTUBE_BASE_URL"},
    "google_ads_transparency": {"endpoint": "GOOGLE_ADS_TRANSPARENCY_URL"},
    "linkedin_ad_library": {"endpoint": "LINKEDIN_AD_LIBRARY_URL",
                            "detail_rendering": "LINKEDIN_AD_LIBRARY_DETAIL_RENDERING"},
    "ads_txt": {"endpoint": "ADS_TXT_URL_TEMPLATE"},
    "page_placements": {"easylist_url": "EASYLIST_URL"},
    "snap_political": {"endpoint": "SNAP_POLITICAL_URL_TEMPLATE", "first_year": "SNAP_POLITICAL_FIRST_YEAR"},
    "tiktok_commercial_content": {"token_endpoint": "TIKTOK_TOKEN_URL", "endpoint": "TIKTOK_AD_QUERY_URL",
                                  "commercial_content_endpoint": "TIKTOK_COMMERCIAL_CONTENT_QUERY_URL",
                                  "advertiser_endpoint": "TIKTOK_ADVERTISER_QUERY_URL",
                                  "ad_detail_endpoint": "TIKTOK_AD_DETAIL_URL",
                                  "daily_request_budget": "TIKTOK_DAILY_REQUEST_BUDGET"},
}
# Bulk-file sources keep their last good download here, to skip unchanged files and resume partial ones.
BULK_SOURCES = ("google_political_bundle", "fx_ecb", "fx_worldbank", "sellers_json", "snap_political",
                "meta_ad_report")
CRAWL_SETTING_NAMES = {
    "max_retries": "ADTRAIL_MAX_RETRIES",
    "backoff_base_seconds": "ADTRAIL_BACKOFF_BASE_SECONDS",
    "backoff_max_seconds": "ADTRAIL_BACKOFF_MAX_SECONDS",
    "max_wait_seconds": "ADTRAIL_MAX_WAIT_SECONDS",
    "processes": "ADTRAIL_CRAWL_PROCESSES",
}
# Crawls that read the warehouse's published copy (google_ads_transparency: the bundle's advertisers).
WAREHOUSE_READERS = ("google_ads_transparency",)
# Scope keys: what a source asks for. Stored (terms hashed) with each snapshot_source row.
SCOPE_KEYS: dict[str, tuple[str, ...]] = {
    "meta_ads_archive": (
        "countries", "ad_type", "ad_active_status", "search_terms", "search_page_ids",
        "delivery_date_min", "delivery_date_max",
    ),
    "google_political_bundle": (),  # the bundle is one worldwide file
    "meta_ad_report": ("countries", "periods", "report_date", "permission_statement"),  # live fetch only
    "fx_ecb": (),  # every currency, whole history
    "fx_worldbank": (),  # every economy, every year
    "sellers_json": ("ad_systems", "max_ad_systems_from_ads_txt"),  # ad-system domains, or domain=URL
    "youtube_monetisation": ("video_ids", "channel_ids"),
    "google_ads_transparency": ("advertiser_ids", "countries", "max_bundle_advertisers"),
    "linkedin_ad_library": ("keyword", "advertiser", "countries", "date_min", "date_max", "permission_statement"),
    "ads_txt": ("domains", "app_domains", "app_store_urls"),
    "page_placements": ("urls", "max_pages_per_site"),
    "snap_political": (),  # every year's worldwide file; the years come from first_year and the clock
    "tiktok_commercial_content": ("content", "countries", "date_min", "date_max", "search_terms",
                                  "advertiser_business_ids", "fetch_ad_details"),
}


# Sources that read the crawl folder of another source of the same snapshot, so are crawled after it
# (sellers_json: the ad systems the ads.txt records declare, spiders/sellers_json_ad_systems.py).
CRAWL_AFTER: dict[str, tuple[str, ...]] = {"sellers_json": ("ads_txt",)}


def crawl_order(sources: list[str]) -> list[str]:
    """``sources`` in their order, except that a source comes after those it reads (CRAWL_AFTER)."""
    ordered: list[str] = []
    for source in sources:
        if source in ordered:
            continue
        ordered += [needed for needed in CRAWL_AFTER.get(source, ()) if needed in sources and needed not in ordered]
        ordered.append(source)
    return ordered


# Sources that are imported from the user's files unless a crawl is opted into: why a crawl is refused
# (None: the crawl may run).
IMPORT_ONLY = {
    "meta_ad_report": lambda source: None if source.get("live_fetch") else (
        "meta_ad_report is imported from report files you download (adtrail import meta-report ZIP|CSV...): "
        "live fetching is off (sources.meta_ad_report.live_fetch = false, the default)"),
}


class ConfigError(ValueError):
    """The configuration file cannot be used; the message names the file and the key."""


@dataclass
class Config:
    path: Path | None
    values: dict = field(default_factory=lambda: copy.deepcopy(DEFAULTS))

    @property
    def db_path(self) -> Path:
        return Path(os.environ.get("ADTRAIL_DB") or self.values["warehouse"]["db"])

    @property
    def crawl_root(self) -> Path:
        return Path(os.environ.get("ADTRAIL_CRAWL_ROOT") or self.values["warehouse"]["crawl_dir"])

    def enabled_sources(self) -> list[str]:
        return crawl_order([name for name, source in self.values["sources"].items() if source.get("enabled")])

    def source(self, name: str) -> dict:
        try:
            return self.values["sources"][name]
        except KeyError:
            known = ", ".join(sorted(self.values["sources"]))
            raise ConfigError(f"unknown source {name!r}; known sources: {known}") from None

    def scope(self, name: str) -> dict:
        source = self.source(name)
        if name in IMPORT_ONLY and IMPORT_ONLY[name](source):
            raise ConfigError(IMPORT_ONLY[name](source))
        return {key: source[key] for key in SCOPE_KEYS[name]}

    def spider_settings(self, name: str) -> dict[str, str]:
        source = self.source(name)
        settings = {setting: str(source[key]) for key, setting in SPIDER_SETTING_NAMES[name].items()}
        for key, setting in CRAWL_SETTING_NAMES.items():
            settings[setting] = str(self.values["crawl"][key])
        if name in BULK_SOURCES:
            settings["ADTRAIL_BULK_STORE"] = str(self.crawl_root / "bulk-store" / name)
        if name in WAREHOUSE_READERS:  # the crawl reads the published copy beside it, read-only
            settings["ADTRAIL_WAREHOUSE_DB"] = str(self.db_path)
        return settings


def _merge(base: dict, override: dict, where: str, path: Path) -> None:
    for key, value in override.items():
        if key not in base:
            raise ConfigError(f"{path}: unknown setting {where}{key}; see the README's configuration table")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: {where}{key} must be a table")
            _merge(base[key], value, f"{where}{key}.", path)
        elif base[key] is not None and type(value) is not type(base[key]) and not (
            isinstance(base[key], float) and isinstance(value, int)
        ):
            expected = type(base[key]).__name__
            raise ConfigError(f"{path}: {where}{key} must be a {expected}, not {value!r}")
        else:
            base[key] = value


def load_config(path: str | Path | None = None) -> Config:
    """Read the configuration: the named file, $ADTRAIL_CONFIG, ./adtrail.toml, or the defaults."""
    chosen = path or os.environ.get("ADTRAIL_CONFIG")
    if chosen is None and Path("adtrail.toml").exists():
        chosen = "adtrail.toml"
    config = Config(path=Path(chosen) if chosen else None)
    if config.path is None:
        return config
    try:
        data = tomllib.loads(config.path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file {config.path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{config.path} is not valid TOML: {error}") from None
    _merge(config.values, data, "", config.path)
    return config

"""Meta Ad Library API (Graph API ``ads_archive``): every ad that reached the scope's countries.

One paginated chain per country, per search term (or one without terms) and per group of at most 10 page
ids (the API's limit for ``search_page_ids``); every current ArchivedAd field is requested. Asking one
country at a time is what tells which country an ad reached (``ad_reached_countries``: the ad reached
it); each item records that country in ``query_country``. An ad that reached several countries comes
once per country; the loader keeps one raw row and every country. Pages go to the pure
parser ``spiders.parsers.meta_ads_archive``; error bodies to ``spiders.parsers.graph_errors``. Paging,
retries, resume and stops are the base class's (spiders/base.py).

Settings: ``META_ADS_ARCHIVE_URL`` (endpoint, default the real Graph API v23.0), ``META_PAGE_LIMIT``.
The token comes only from ``META_ACCESS_TOKEN`` and is sent as ``Authorization: Bearer``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from urllib.parse import urlencode, urlsplit

from spiders.base import (
    BACKOFF,
    HALVE_LIMIT,
    META_CHAIN,
    RETRY,
    STOP,
    Chain,
    PaginatedApiSpider,
    ScopeError,
    Verdict,
)
from spiders.parsers import graph_errors
from spiders.parsers.meta_ads_archive import MalformedPage, api_version_of, parse_page

# Every ArchivedAd field of Graph API v23.0 (Ad Library API reference).
AD_FIELDS = (
    "id", "ad_creation_time", "ad_delivery_start_time", "ad_delivery_stop_time", "ad_creative_bodies",
    "ad_creative_link_captions", "ad_creative_link_descriptions", "ad_creative_link_titles",
    "ad_snapshot_url", "page_id", "page_name", "bylines", "currency", "spend", "impressions",
    "estimated_audience_size", "demographic_distribution", "delivery_by_region", "languages",
    "publisher_platforms", "target_ages", "target_gender", "target_locations", "beneficiary_payers",
    "eu_total_reach", "age_country_gender_reach_breakdown",
)
AD_TYPES = ("ALL", "POLITICAL_AND_ISSUE_ADS", "EMPLOYMENT_ADS", "FINANCIAL_PRODUCTS_AND_SERVICES_ADS",
            "HOUSING_ADS")
ACTIVE_STATUSES = ("ACTIVE", "INACTIVE", "ALL")
PAGE_IDS_PER_REQUEST = 10
SCOPE_KEYS = ("countries", "ad_type", "ad_active_status", "delivery_date_min", "delivery_date_max",
              "search_terms", "search_page_ids")
STOP_REASONS = {
    graph_errors.STOP_TOKEN_EXPIRED: "token_expired",
    graph_errors.STOP_IDENTITY_CONFIRMATION: "identity_confirmation_required",
    graph_errors.STOP: "api_refused",
}
_ACTIONS = {graph_errors.BACKOFF: BACKOFF, graph_errors.HALVE_LIMIT: HALVE_LIMIT, graph_errors.RETRY: RETRY}


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _date(scope: dict, key: str) -> str | None:
    value = scope.get(key) or None
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ScopeError(f"{key} is {value!r}; write dates as YYYY-MM-DD") from None


class MetaAdsArchiveSpider(PaginatedApiSpider):
    name = "meta_ads_archive"
    item_kind = "meta_ad"
    platform = "meta"
    token_env = "META_ACCESS_TOKEN"
    token_missing_message = (
        "META_ACCESS_TOKEN is not set: get an Ad Library API access token (developers.facebook.com/tools/"
        "explorer, after Meta's identity confirmation at facebook.com/ID), export it as META_ACCESS_TOKEN, "
        "then rerun"
    )
    malformed_errors = (MalformedPage,)
    # The Graph API is an official API used under Meta's terms with the user's own token, not a website:
    # robots.txt speaks to web crawlers (graph.facebook.com's disallows them), not to API clients.
    custom_settings = {"ROBOTSTXT_OBEY": False}

    @classmethod
    def normalise_scope(cls, raw: dict) -> dict:
        unknown = sorted(set(raw) - set(SCOPE_KEYS))
        if unknown:
            raise ScopeError(f"unknown scope keys {unknown}; the meta_ads_archive scope has {list(SCOPE_KEYS)}")
        countries = [str(country).strip().upper() for country in raw.get("countries") or []]
        if not countries or not all(re.fullmatch(r"[A-Z]{2}|ALL", country) for country in countries):
            raise ScopeError(f"countries is {raw.get('countries')!r}; give ISO 3166-1 alpha-2 codes such as "
                             '["BD", "BR"] (the API needs at least one), or ["ALL"]')
        scope = {
            "countries": list(dict.fromkeys(countries)),
            "ad_type": str(raw.get("ad_type") or "POLITICAL_AND_ISSUE_ADS").upper(),
            "ad_active_status": str(raw.get("ad_active_status") or "ALL").upper(),
            "delivery_date_min": _date(raw, "delivery_date_min"),
            "delivery_date_max": _date(raw, "delivery_date_max"),
            "search_terms": [str(term) for term in dict.fromkeys(raw.get("search_terms") or []) if str(term).strip()],
            "search_page_ids": [str(page_id).strip() for page_id in dict.fromkeys(raw.get("search_page_ids") or [])],
        }
        if scope["ad_type"] not in AD_TYPES:
            raise ScopeError(f"ad_type is {scope['ad_type']!r}; one of {', '.join(AD_TYPES)}")
        if scope["ad_active_status"] not in ACTIVE_STATUSES:
            raise ScopeError(f"ad_active_status is {scope['ad_active_status']!r}; one of {', '.join(ACTIVE_STATUSES)}")
        if scope["delivery_date_min"] and scope["delivery_date_max"] and \
                scope["delivery_date_min"] > scope["delivery_date_max"]:
            raise ScopeError("delivery_date_min is after delivery_date_max; swap them")
        bad_ids = [page_id for page_id in scope["search_page_ids"] if not page_id.isdigit()]
        if bad_ids:
            raise ScopeError(f"search_page_ids {bad_ids} are not numeric Facebook page ids")
        return scope

    @classmethod
    def manifest_scope(cls, scope: dict, settings) -> dict:
        return {
            "countries": scope["countries"],
            "ad_type": scope["ad_type"],
            "ad_active_status": scope["ad_active_status"],
            "delivery_date_min": scope["delivery_date_min"],
            "delivery_date_max": scope["delivery_date_max"],
            "search_terms_sha256": [_sha256(term) for term in scope["search_terms"]],
            "search_page_ids": scope["search_page_ids"],
            "api_version": api_version_of(settings["META_ADS_ARCHIVE_URL"]),
        }

    def chains(self) -> list[Chain]:
        return [chain for _, chain in self.country_chains()]

    @functools.cached_property
    def chain_country(self) -> dict[str, str]:
        """chain id -> the country its query asks for."""
        return {chain.chain_id: country for country, chain in self.country_chains()}

    def country_chains(self) -> list[tuple[str, Chain]]:
        """(country asked for, chain) of every chain: countries x search terms x groups of page ids."""
        # A token pasted into the endpoint setting is dropped: tokens come only from the environment.
        endpoint = self.redactor.redact_url(self.settings["META_ADS_ARCHIVE_URL"])
        page_ids = self.scope["search_page_ids"]
        id_groups = [page_ids[start:start + PAGE_IDS_PER_REQUEST]
                     for start in range(0, len(page_ids), PAGE_IDS_PER_REQUEST)] or [None]
        chains = []
        for country in self.scope["countries"]:
            for term in self.scope["search_terms"] or [None]:
                for id_group in id_groups:
                    params = [("ad_reached_countries", json.dumps([country], separators=(",", ":"))),
                              ("ad_type", self.scope["ad_type"]),
                              ("ad_active_status", self.scope["ad_active_status"])]
                    for key, param in (("delivery_date_min", "ad_delivery_date_min"),
                                       ("delivery_date_max", "ad_delivery_date_max")):
                        if self.scope[key]:
                            params.append((param, self.scope[key]))
                    parts = [f"country-{country}"]
                    if term is not None:
                        params.append(("search_terms", term))
                        parts.append("term-" + _sha256(term)[:16])
                    if id_group is not None:
                        params.append(("search_page_ids", json.dumps([int(page_id) for page_id in id_group],
                                                                    separators=(",", ":"))))
                        parts.append("pages-" + _sha256(",".join(id_group))[:16])
                    params += [("fields", ",".join(AD_FIELDS)),
                               ("limit", str(self.settings.getint("META_PAGE_LIMIT")))]
                    chains.append((country, Chain("+".join(parts), f"{endpoint}?{urlencode(params)}")))
        return chains

    def api_hosts(self) -> set[str]:
        return {urlsplit(self.settings["META_ADS_ARCHIVE_URL"]).hostname}

    def judge(self, response) -> Verdict | None:
        error = graph_errors.classify(response.status, response.body, response.headers)
        if error is None:
            return None
        counts = (f"graph_error_{error.code}",) if error.code is not None else ()
        if error.action in STOP_REASONS:
            return Verdict(STOP, error.user_message, finish_reason=STOP_REASONS[error.action], counts=counts)
        return Verdict(_ACTIONS[error.action], error.user_message, counts=counts,
                       wait_seconds=graph_errors.regain_access_seconds(response.headers))

    def parse_api_page(self, response, provenance: dict) -> tuple[list[dict], str | None]:
        page = parse_page(response.body, source_url=provenance["source_url"], fetched_at=provenance["fetched_at"],
                          crawl_id=provenance["crawl_id"], page_number=provenance["page_number"],
                          body_sha256=provenance["body_sha256"], redactor=self.redactor)
        # the chain's country, not the page URL's: a next link is the server's and could drop the parameter
        country = self.chain_country[response.meta[META_CHAIN]]
        for item in page.items:
            item["query_country"] = country
        return page.items, page.next_url

"""TikTok Commercial Content API: ads, or other commercial content (creators' branded posts).

The API (developers.tiktok.com/doc/commercial-content-api-getting-started) is for approved research
clients. Requests are ``POST`` with the fields in the URL and the filters in a JSON body; a query continues
with the ``search_id`` of its last answer while ``has_more`` is true. One chain per country and per search
term (or group of at most 50 advertiser business ids, or neither); ``scope.content`` chooses ads
(``/v2/research/adlib/ad/query/``, items ``tiktok_ad``) or other commercial content
(``/v2/research/adlib/commercial_content/query/``, items ``tiktok_commercial_content``) or advertisers
(``/v2/research/adlib/advertiser/query/``, one chain per search term, items ``tiktok_advertiser``): one item
kind per crawl folder.

- **Ad details** (scope ``fetch_ad_details``, off by default: each costs one request of the daily budget):
  after each ad query page, one ``POST /v2/research/adlib/ad/detail/`` per ad listed (spiders/tiktok_state.py
  keeps the ads due; each detail is a one-page chain ``detail-<ad id>``). The detail answer holds the query's
  fields plus targeting, reach by country, title and call to action: it is written as a ``tiktok_ad`` line
  (``endpoint`` ``ad_detail``) after the query's line for the ad, so the loader keeps it (latest fetched).

- **Page addresses.** A page's address is the endpoint URL with its ``fields``, plus ``search_id`` for
  pages after the first; ``page_request`` moves ``search_id`` into the body. The base spider saves
  addresses as cursors, so a rerun continues a query where it stopped.
- **Credentials** come only from ``TIKTOK_CLIENT_KEY`` / ``TIKTOK_CLIENT_SECRET``. The client access token
  is asked for at the start (``POST /v2/oauth/token/``, grant ``client_credentials``) outside Scrapy's
  request path, so neither the secret nor the token reaches the cache, jobdir or the WARC; the token is
  registered as a runtime secret (every redactor removes it) and added only by the last downloader
  middleware. ``access_token_invalid`` renews it once; refused again, the crawl stops and says so
  (spiders/tiktok_token.py).
- **Daily request budget** (``TIKTOK_DAILY_REQUEST_BUDGET``, default 1000: TikTok's research quota, reset
  at 00:00 UTC): every API request sent is counted in ``state/budget.json`` and the manifest's ``budget``;
  when it is spent the crawl stops with its cursor saved and says when to rerun; the rerun asks for the
  details still due and the query pages not yet fetched, never a detail already stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from spiders.base import BACKOFF, META_ADDRESS, META_CHAIN, RENEW_TOKEN, RETRY, STOP, Chain, PaginatedApiSpider, \
    ScopeError, Verdict
from spiders.parsers import tiktok
from spiders.tiktok_token import ClientAccessToken
from spiders.tiktok_state import AdDetailsDue, RequestBudget, detail_ad_id, detail_chain_id

AD_FIELDS = ("ad.id", "ad.first_shown_date", "ad.last_shown_date", "ad.status", "ad.status_statement",
             "ad.videos", "ad.image_urls", "ad.reach", "advertiser.business_id", "advertiser.business_name",
             "advertiser.paid_for_by")
COMMERCIAL_CONTENT_FIELDS = ("id", "create_timestamp", "create_date", "label", "brand_names", "creator", "videos")
ADVERTISER_FIELDS = ("business_id", "business_name", "country_code")
DETAIL_FIELDS = ("ad", "ad_group", "advertiser")  # whole objects, as -getting-started's example asks
CONTENTS = ("ads", "commercial_content", "advertisers")
ITEM_KINDS = {"ads": "tiktok_ad", "commercial_content": "tiktok_commercial_content",
              "advertisers": "tiktok_advertiser"}
BODY_PARAMS = ("search_id", "ad_id")  # in a page's address, sent in the POST body
SEARCH_TYPES = ("exact_phrase", "fuzzy_phrase")
SCOPE_KEYS = ("content", "countries", "date_min", "date_max", "search_terms", "search_type",
              "advertiser_business_ids", "creator_usernames", "fetch_ad_details")
EARLIEST_DATE = "2022-10-01"  # TikTok: "min needs to be after October 1st, 2022"
MAX_COUNT = 50  # TikTok's largest page
IDS_PER_REQUEST = 50
META_NEW_DETAILS = "adtrail_tiktok_new_details"
_ACTIONS = {tiktok.RENEW_TOKEN: RENEW_TOKEN, tiktok.BACKOFF: BACKOFF, tiktok.RETRY: RETRY}
_STOP_REASONS = {"scope_not_authorized": "access_refused", "scope_permission_missed": "access_refused",
                 "invalid_params": "invalid_request"}


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _date(raw: dict, key: str) -> str:
    value = str(raw.get(key) or "").strip()
    if not value:
        raise ScopeError(f"{key} is not set; TikTok needs a published-date range: give date_min and date_max "
                         f"as YYYY-MM-DD (sources.tiktok_commercial_content in adtrail.toml)")
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ScopeError(f"{key} is {value!r}; write dates as YYYY-MM-DD") from None


class TikTokCommercialContentSpider(ClientAccessToken, PaginatedApiSpider):
    name = "tiktok_commercial_content"
    item_kind = "tiktok_ad"
    platform = "tiktok"
    token_env = None  # the token is obtained with client credentials, not read from the environment
    malformed_errors = (tiktok.MalformedPage,)
    # An official API used under TikTok's research terms with the user's own client, not a website.
    custom_settings = {"ROBOTSTXT_OBEY": False}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.item_kind = ITEM_KINDS[self.scope["content"]]
        self.access_token: str | None = None
        self.renewed_since_last_page = False
        self.chain_body: dict[str, dict] = {}
        self.chain_country: dict[str, str] = {}
        self.chain_term_sha256: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.budget = RequestBudget(spider.folder.root / "state" / "budget.json",
                                      crawler.settings.getint("TIKTOK_DAILY_REQUEST_BUDGET"))
        spider.details = AdDetailsDue(spider.folder.root / "state" / "ad_details.json")
        return spider

    # ---- scope

    @classmethod
    def normalise_scope(cls, raw: dict) -> dict:
        unknown = sorted(set(raw) - set(SCOPE_KEYS))
        if unknown:
            raise ScopeError(f"unknown scope keys {unknown}; the tiktok_commercial_content scope has {list(SCOPE_KEYS)}")
        countries = [str(country).strip().upper() for country in raw.get("countries") or ["ALL"]]
        if not all(re.fullmatch(r"[A-Z]{2}|ALL", country) for country in countries):
            raise ScopeError(f"countries is {raw.get('countries')!r}; give ISO 3166-1 alpha-2 codes such as "
                             '["FR", "RO"], or ["ALL"]')
        content = str(raw.get("content") or "ads")
        if content == "advertisers":  # the advertiser query has no date or country filter (TikTok's page)
            for key in ("date_min", "date_max", "advertiser_business_ids", "creator_usernames"):
                if raw.get(key):
                    raise ScopeError(f"{key} is set, but TikTok's advertiser query takes only search terms; "
                                     "remove it, or use content = \"ads\" to filter ads by it")
            raw = {**raw, "date_min": EARLIEST_DATE, "date_max": EARLIEST_DATE}
            if not raw.get("search_terms"):
                raise ScopeError('content = "advertisers" needs search_terms: TikTok finds advertisers by name')
        scope = {
            "content": content,
            "countries": list(dict.fromkeys(countries)),
            "date_min": _date(raw, "date_min"), "date_max": _date(raw, "date_max"),
            "search_terms": [str(t) for t in dict.fromkeys(raw.get("search_terms") or []) if str(t).strip()],
            "search_type": str(raw.get("search_type") or "exact_phrase").lower(),
            "advertiser_business_ids": [str(i).strip() for i in dict.fromkeys(raw.get("advertiser_business_ids") or [])],
            "creator_usernames": [str(u).strip() for u in dict.fromkeys(raw.get("creator_usernames") or [])],
            "fetch_ad_details": raw.get("fetch_ad_details") or False,
        }
        if not isinstance(scope["fetch_ad_details"], bool):
            raise ScopeError(f"fetch_ad_details is {scope['fetch_ad_details']!r}; write true or false")
        if scope["fetch_ad_details"] and content != "ads":
            raise ScopeError('fetch_ad_details asks for details of ads: it needs content = "ads"')
        if content == "advertisers":
            scope["date_min"] = scope["date_max"] = None
            scope["countries"] = []
        if scope["content"] not in CONTENTS:
            raise ScopeError(f"content is {scope['content']!r}; one of {', '.join(CONTENTS)}")
        if scope["search_type"] not in SEARCH_TYPES:
            raise ScopeError(f"search_type is {scope['search_type']!r}; one of {', '.join(SEARCH_TYPES)}")
        if content != "advertisers" and scope["date_min"] < EARLIEST_DATE:
            raise ScopeError(f"date_min is {scope['date_min']}; TikTok's library starts after {EARLIEST_DATE}")
        if content != "advertisers" and scope["date_min"] > scope["date_max"]:
            raise ScopeError("date_min is after date_max; swap them")
        long_terms = [len(term) for term in scope["search_terms"] if len(term) > 50]
        if long_terms:
            raise ScopeError(f"search terms of {long_terms} characters; TikTok takes at most 50")
        bad_ids = [i for i in scope["advertiser_business_ids"] if not i.isdigit()]
        if bad_ids:
            raise ScopeError(f"advertiser_business_ids {bad_ids} are not numeric TikTok business ids")
        return scope

    @classmethod
    def manifest_scope(cls, scope: dict, settings) -> dict:
        safe = {key: value for key, value in scope.items() if key != "search_terms"}
        safe["search_terms_sha256"] = [_sha256(term) for term in scope["search_terms"]]
        safe["api_version"] = "v2"
        return safe

    # ---- chains and requests

    def _endpoint(self) -> tuple[str, tuple[str, ...]]:
        if self.scope["content"] == "advertisers":
            return self.settings["TIKTOK_ADVERTISER_QUERY_URL"], ADVERTISER_FIELDS
        if self.scope["content"] == "commercial_content":
            return self.settings["TIKTOK_COMMERCIAL_CONTENT_QUERY_URL"], COMMERCIAL_CONTENT_FIELDS
        return self.settings["TIKTOK_AD_QUERY_URL"], AD_FIELDS

    def _detail_url(self, ad_id: str) -> str:
        return f"{self.settings['TIKTOK_AD_DETAIL_URL']}?{urlencode({'fields': ','.join(DETAIL_FIELDS), 'ad_id': ad_id})}"

    def chains(self) -> list[Chain]:
        endpoint, fields = self._endpoint()
        first_url = f"{endpoint}?{urlencode({'fields': ','.join(fields)})}"
        page_size = min(MAX_COUNT, self.settings.getint("TIKTOK_MAX_COUNT"))
        if self.scope["content"] == "advertisers":
            chains = []
            for term in self.scope["search_terms"]:
                chain_id = f"advertisers+term-{_sha256(term)[:16]}"
                self.chain_body[chain_id] = {"search_term": term, "max_count": page_size}
                self.chain_term_sha256[chain_id] = _sha256(term)
                chains.append(Chain(chain_id, first_url))
            return chains
        date_range = {"min": self.scope["date_min"].replace("-", ""), "max": self.scope["date_max"].replace("-", "")}
        chains = []
        for country in self.scope["countries"]:
            if self.scope["content"] == "commercial_content":
                filters = {"content_published_date_range": date_range, "creator_country_code": country}
                if self.scope["creator_usernames"]:
                    filters["creator_usernames"] = self.scope["creator_usernames"]
                variants = [("", {})]
            else:
                filters = {"ad_published_date_range": date_range, "country_code": country}
                ids = self.scope["advertiser_business_ids"]
                variants = [("+term-" + _sha256(term)[:16], {"search_term": term,
                                                             "search_type": self.scope["search_type"]})
                            for term in self.scope["search_terms"]]
                variants += [("+advertisers-" + _sha256(",".join(group))[:16],
                              {"filters": {**filters, "advertiser_business_ids": [int(i) for i in group]}})
                             for group in (ids[n:n + IDS_PER_REQUEST] for n in range(0, len(ids), IDS_PER_REQUEST))]
                variants = variants or [("", {})]
            for suffix, extra in variants:
                chain_id = f"country-{country}{suffix}"
                self.chain_body[chain_id] = {"filters": filters, "max_count": page_size, **extra}
                self.chain_country[chain_id] = country
                chains.append(Chain(chain_id, first_url))
        if self.scope["fetch_ad_details"] and hasattr(self, "details"):
            # after the query chains: on a rerun the pages still due come first, then the details still due
            chains += [Chain(detail_chain_id(ad_id), self._detail_url(ad_id)) for ad_id in self.details.ads]
        return chains

    def page_request(self, url: str, chain_id: str, page_number: int, attempt: int = 0):
        """The page at address ``url`` as TikTok's POST: ``search_id`` (or a detail's ``ad_id``) goes from the
        address into the body."""
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        moved = {name: value for name, value in query if name in BODY_PARAMS}
        api_url = urlunsplit(parts._replace(query=urlencode([(n, v) for n, v in query if n not in BODY_PARAMS])))
        if detail_ad_id(chain_id) is not None:
            body = {"ad_id": int(moved["ad_id"])}
        else:
            if chain_id not in self.chain_body:
                self.chains()
            body = dict(self.chain_body[chain_id])
            if moved.get("search_id"):
                body["search_id"] = moved["search_id"]
        request = super().page_request(url, chain_id, page_number, attempt)
        request = request.replace(url=api_url, method="POST", body=json.dumps(body).encode("utf-8"),
                                  headers={"Content-Type": "application/json"})
        request.meta[META_ADDRESS] = url
        self.budget.spend()  # counted when issued: the quota counts every request TikTok receives
        self.count("api_requests")
        return request

    def admit(self, chain_id: str, page_number: int) -> bool:
        if self.budget.left() > 0:
            return True
        state = self.budget.state()
        ad_id = detail_ad_id(chain_id)
        what = f"The detail of ad {ad_id}" if ad_id else f"Page {page_number} of chain {chain_id}"
        due = sum(not self.cursors.chain(detail_chain_id(a))["finished"] for a in self.details.ads)
        self.stop("budget_exhausted", (
            f"the daily request budget is spent: {state['requests']} of {state['limit']} requests on {state['date']} "
            f"(UTC; TIKTOK_DAILY_REQUEST_BUDGET, TikTok's research quota). {what} was not asked"
            + (f" ({due} ad details still due, kept in state/ad_details.json)" if due else "")
            + f"; the cursor is saved: rerun the same command after {state['resets_at']} (tomorrow) "
            "to continue from it"))
        return False

    def api_hosts(self) -> set[str]:
        endpoint, _ = self._endpoint()
        hosts = {urlsplit(endpoint).hostname}
        if self.scope["fetch_ad_details"]:
            hosts.add(urlsplit(self.settings["TIKTOK_AD_DETAIL_URL"]).hostname)
        return hosts

    def current_token(self) -> str | None:
        return self.access_token

    def manifest_extra(self) -> dict:
        extra = {"budget": self.budget.state()}
        if self.scope["fetch_ad_details"]:
            fetched = sum(self.cursors.chain(detail_chain_id(a))["finished"] for a in self.details.ads)
            extra["ad_details"] = {"listed": len(self.details.ads), "fetched": fetched,
                                   "due": len(self.details.ads) - fetched}
        return extra

    # ---- answers

    def judge(self, response) -> Verdict | None:
        error = tiktok.classify_error(response.status, response.body)
        if error is None:
            return None
        counts = (f"tiktok_error_{error.code}",)
        if error.action == tiktok.STOP:
            return Verdict(STOP, error.user_message, finish_reason=_STOP_REASONS.get(error.code, "api_refused"),
                           counts=counts)
        return Verdict(_ACTIONS[error.action], error.user_message, counts=counts)

    def parse_api_page(self, response, provenance: dict) -> tuple[list[dict], str | None]:
        chain_id = response.meta[META_CHAIN]
        provenance["item_kind"] = self.item_kind
        country = self.chain_country.get(chain_id)
        self.renewed_since_last_page = False
        ad_id = detail_ad_id(chain_id)
        if ad_id is not None:
            item = tiktok.parse_ad_detail(response.body, provenance=provenance, redactor=self.redactor)
            if item["ad_id"] != ad_id:
                raise tiktok.MalformedPage(f"asked for the detail of ad {ad_id}, the answer is of ad {item['ad_id']}")
            item["query_country"] = self.details.country(ad_id)
            return [item], None
        if self.scope["content"] == "advertisers":
            page = tiktok.parse_advertiser_page(response.body, provenance=provenance, redactor=self.redactor,
                                                search_term_sha256=self.chain_term_sha256.get(chain_id))
        elif self.scope["content"] == "commercial_content":
            page = tiktok.parse_commercial_content_page(response.body, provenance=provenance, redactor=self.redactor,
                                                        query_country=country)
        else:
            page = tiktok.parse_ad_page(response.body, provenance=provenance, redactor=self.redactor,
                                        query_country=country)
        items = page.items
        if self.scope["fetch_ad_details"]:
            # A detail already stored holds all the query gives: a later query line would replace it.
            items = [item for item in items if not self.cursors.chain(detail_chain_id(item["ad_id"]))["finished"]]
            response.meta[META_NEW_DETAILS] = self.details.add([(item["ad_id"], country) for item in items])
        if not page.has_more:
            return items, None
        address = response.meta[META_ADDRESS]
        parts = urlsplit(address)
        query = [(n, v) for n, v in parse_qsl(parts.query, keep_blank_values=True) if n != "search_id"]
        return items, urlunsplit(parts._replace(query=urlencode(query + [("search_id", page.search_id)])))

    async def parse_response(self, response):
        async for output in super().parse_response(response):
            yield output
        # The ads this query page listed for the first time: their details, while the budget lasts (those not
        # asked stay due in state/ad_details.json for the rerun).
        for ad_id in response.meta.pop(META_NEW_DETAILS, []):
            chain_id = detail_chain_id(ad_id)
            if self.stop_reason or not self.admit(chain_id, 1):
                return
            yield self.page_request(self._detail_url(ad_id), chain_id, 1)

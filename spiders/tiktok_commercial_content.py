"""TikTok Commercial Content API: ads, or other commercial content (creators' branded posts).

The API (developers.tiktok.com/doc/commercial-content-api-getting-started) is for approved research
clients. Requests are ``POST`` with the fields in the URL and the filters in a JSON body; a query continues
with the ``search_id`` of its last answer while ``has_more`` is true. One chain per country and per search
term (or group of at most 50 advertiser business ids, or neither); ``scope.content`` chooses ads
(``/v2/research/adlib/ad/query/``, items ``tiktok_ad``) or other commercial content
(``/v2/research/adlib/commercial_content/query/``, items ``tiktok_commercial_content``): one item kind
per crawl folder.

- **Page addresses.** A page's address is the endpoint URL with its ``fields``, plus ``search_id`` for
  pages after the first; ``page_request`` moves ``search_id`` into the body. The base spider saves
  addresses as cursors, so a rerun continues a query where it stopped.
- **Credentials** come only from ``TIKTOK_CLIENT_KEY`` / ``TIKTOK_CLIENT_SECRET``. The client access token
  is asked for at the start (``POST /v2/oauth/token/``, grant ``client_credentials``) outside Scrapy's
  request path, so neither the secret nor the token reaches the cache, jobdir or the WARC; the token is
  registered as a runtime secret (every redactor removes it) and added only by the last downloader
  middleware. ``access_token_invalid`` renews it once; refused again, the crawl stops and says so.
- **Daily request budget** (``TIKTOK_DAILY_REQUEST_BUDGET``, default 1000: TikTok's research quota, reset
  at 00:00 UTC): every API request sent is counted in ``state/budget.json`` and the manifest's ``budget``;
  when it is spent the crawl stops with its cursor saved and says when to rerun.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from spiders.base import BACKOFF, META_ADDRESS, META_CHAIN, RENEW_TOKEN, RETRY, STOP, Chain, PaginatedApiSpider, \
    ScopeError, Verdict
from spiders.manifest import write_json_atomically
from spiders.parsers import tiktok
from spiders.secrets import add_runtime_secret

AD_FIELDS = ("ad.id", "ad.first_shown_date", "ad.last_shown_date", "ad.status", "ad.status_statement",
             "ad.videos", "ad.image_urls", "ad.reach", "advertiser.business_id", "advertiser.business_name",
             "advertiser.paid_for_by")
COMMERCIAL_CONTENT_FIELDS = ("id", "create_timestamp", "create_date", "label", "brand_names", "creator", "videos")
CONTENTS = ("ads", "commercial_content")
SEARCH_TYPES = ("exact_phrase", "fuzzy_phrase")
SCOPE_KEYS = ("content", "countries", "date_min", "date_max", "search_terms", "search_type",
              "advertiser_business_ids", "creator_usernames")
EARLIEST_DATE = "2022-10-01"  # TikTok: "min needs to be after October 1st, 2022"
MAX_COUNT = 50  # TikTok's largest page
IDS_PER_REQUEST = 50
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


class RequestBudget:
    """``state/budget.json``: API requests sent on the current UTC day (TikTok's quota resets at 00:00 UTC)."""

    def __init__(self, path, limit: int):
        self.path, self.limit = path, limit
        self.date, self.requests = self.today(), 0
        if path.exists():
            saved = json.loads(path.read_text(encoding="utf-8"))
            if saved.get("date") == self.date:
                self.requests = int(saved.get("requests", 0))

    @staticmethod
    def today() -> str:
        return dt.datetime.now(dt.UTC).date().isoformat()

    def left(self) -> int:
        if self.date != self.today():  # the crawl ran past midnight UTC: a new day's quota
            self.date, self.requests = self.today(), 0
        return self.limit - self.requests

    def spend(self) -> None:
        self.left()
        self.requests += 1
        write_json_atomically(self.path, self.state())

    def state(self) -> dict:
        return {"format": "adtrail-budget/1", "date": self.date, "requests": self.requests, "limit": self.limit,
                "resets_at": f"{dt.date.fromisoformat(self.date) + dt.timedelta(days=1)}T00:00:00Z"}


class TikTokCommercialContentSpider(PaginatedApiSpider):
    name = "tiktok_commercial_content"
    item_kind = "tiktok_ad"
    platform = "tiktok"
    token_env = None  # the token is obtained with client credentials, not read from the environment
    malformed_errors = (tiktok.MalformedPage,)
    # An official API used under TikTok's research terms with the user's own client, not a website.
    custom_settings = {"ROBOTSTXT_OBEY": False}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.item_kind = "tiktok_commercial_content" if self.scope["content"] == "commercial_content" else "tiktok_ad"
        self.access_token: str | None = None
        self.renewed_since_last_page = False
        self.chain_body: dict[str, dict] = {}
        self.chain_country: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.budget = RequestBudget(spider.folder.root / "state" / "budget.json",
                                      crawler.settings.getint("TIKTOK_DAILY_REQUEST_BUDGET"))
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
        scope = {
            "content": str(raw.get("content") or "ads"),
            "countries": list(dict.fromkeys(countries)),
            "date_min": _date(raw, "date_min"), "date_max": _date(raw, "date_max"),
            "search_terms": [str(t) for t in dict.fromkeys(raw.get("search_terms") or []) if str(t).strip()],
            "search_type": str(raw.get("search_type") or "exact_phrase").lower(),
            "advertiser_business_ids": [str(i).strip() for i in dict.fromkeys(raw.get("advertiser_business_ids") or [])],
            "creator_usernames": [str(u).strip() for u in dict.fromkeys(raw.get("creator_usernames") or [])],
        }
        if scope["content"] not in CONTENTS:
            raise ScopeError(f"content is {scope['content']!r}; one of {', '.join(CONTENTS)}")
        if scope["search_type"] not in SEARCH_TYPES:
            raise ScopeError(f"search_type is {scope['search_type']!r}; one of {', '.join(SEARCH_TYPES)}")
        if scope["date_min"] < EARLIEST_DATE:
            raise ScopeError(f"date_min is {scope['date_min']}; TikTok's library starts after {EARLIEST_DATE}")
        if scope["date_min"] > scope["date_max"]:
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
        if self.scope["content"] == "commercial_content":
            return self.settings["TIKTOK_COMMERCIAL_CONTENT_QUERY_URL"], COMMERCIAL_CONTENT_FIELDS
        return self.settings["TIKTOK_AD_QUERY_URL"], AD_FIELDS

    def chains(self) -> list[Chain]:
        endpoint, fields = self._endpoint()
        first_url = f"{endpoint}?{urlencode({'fields': ','.join(fields)})}"
        date_range = {"min": self.scope["date_min"].replace("-", ""), "max": self.scope["date_max"].replace("-", "")}
        page_size = min(MAX_COUNT, self.settings.getint("TIKTOK_MAX_COUNT"))
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
        return chains

    def page_request(self, url: str, chain_id: str, page_number: int, attempt: int = 0):
        """The page at address ``url`` as TikTok's POST: ``search_id`` goes from the address into the body."""
        if chain_id not in self.chain_body:
            self.chains()
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        search_id = next((value for name, value in query if name == "search_id"), None)
        api_url = urlunsplit(parts._replace(query=urlencode([(n, v) for n, v in query if n != "search_id"])))
        body = dict(self.chain_body[chain_id])
        if search_id:
            body["search_id"] = search_id
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
        self.stop("budget_exhausted", (
            f"the daily request budget is spent: {state['requests']} of {state['limit']} requests on {state['date']} "
            f"(UTC; TIKTOK_DAILY_REQUEST_BUDGET, TikTok's research quota). Page {page_number} of chain {chain_id} "
            f"was not asked; the cursor is saved: rerun the same command after {state['resets_at']} (tomorrow) "
            "to continue from it"))
        return False

    def api_hosts(self) -> set[str]:
        endpoint, _ = self._endpoint()
        return {urlsplit(endpoint).hostname}

    def current_token(self) -> str | None:
        return self.access_token

    def manifest_extra(self) -> dict:
        return {"budget": self.budget.state()}

    # ---- the client access token

    def _request_token(self) -> str:
        """POST client_credentials to TikTok's token endpoint (blocking; run in a thread)."""
        key, secret = (self.settings_env("TIKTOK_CLIENT_KEY"), self.settings_env("TIKTOK_CLIENT_SECRET"))
        form = urllib.parse.urlencode({"client_key": key, "client_secret": secret,
                                       "grant_type": "client_credentials"}).encode()
        request = urllib.request.Request(self.settings["TIKTOK_TOKEN_URL"], data=form, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cache-Control": "no-cache"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({})) \
            if urlsplit(self.settings["TIKTOK_TOKEN_URL"]).hostname in ("127.0.0.1", "localhost") \
            else urllib.request.build_opener()
        try:
            with opener.open(request, timeout=self.settings.getfloat("DOWNLOAD_TIMEOUT")) as answer:
                body = answer.read()
        except urllib.error.HTTPError as error:
            body = error.read()
        except (urllib.error.URLError, OSError) as error:
            raise RuntimeError(f"the token endpoint could not be reached ({error.__class__.__name__}: "
                               f"{getattr(error, 'reason', error)}); check the network, then rerun") from None
        try:
            answer = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RuntimeError("the token endpoint did not answer with JSON; rerun later") from None
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not token:
            code = answer.get("error") if isinstance(answer, dict) else None
            description = answer.get("error_description") if isinstance(answer, dict) else None
            raise RuntimeError(f"TikTok refused the client credentials ({code}: {description}); check "
                               "TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET of your approved research client")
        return str(token)

    @staticmethod
    def settings_env(name: str) -> str:
        """A credential, from the environment only (spiders.run refuses --set for secrets)."""
        return os.environ.get(name, "").strip()

    async def obtain_token(self) -> bool:
        try:
            token = await asyncio.to_thread(self._request_token)
        except RuntimeError as error:
            self.stop("token_refused", str(error))
            return False
        add_runtime_secret(token)  # before anything can log it
        self.access_token = token
        self.count("token_requests")
        return True

    async def start(self):
        missing = [name for name in ("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET") if not self.settings_env(name)]
        if missing:
            self.stop("credentials_missing", (
                f"{' and '.join(missing)} not set: the Commercial Content API needs an approved research client "
                "(developers.tiktok.com, Research Tools); export its client key and secret as TIKTOK_CLIENT_KEY "
                "and TIKTOK_CLIENT_SECRET, then rerun"))
            return
        if not await self.obtain_token():
            return
        async for request in super().start():
            yield request

    async def renew_token(self, where: str) -> bool:
        if self.renewed_since_last_page:
            self.stop("token_expired", (
                f"{where}: TikTok refused the client access token again right after it was renewed; check that "
                "the research client is still approved and its credentials current, then rerun the same command "
                "to continue from the saved cursor"))
            return False
        self.logger.warning("%s: the access token expired; asking for a new one", where)
        self.renewed_since_last_page = True
        return await self.obtain_token()

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
        if self.scope["content"] == "commercial_content":
            page = tiktok.parse_commercial_content_page(response.body, provenance=provenance, redactor=self.redactor,
                                                        query_country=country)
        else:
            page = tiktok.parse_ad_page(response.body, provenance=provenance, redactor=self.redactor,
                                        query_country=country)
        self.renewed_since_last_page = False
        if not page.has_more:
            return page.items, None
        address = response.meta[META_ADDRESS]
        parts = urlsplit(address)
        query = [(n, v) for n, v in parse_qsl(parts.query, keep_blank_values=True) if n != "search_id"]
        return page.items, urlunsplit(parts._replace(query=urlencode(query + [("search_id", page.search_id)])))

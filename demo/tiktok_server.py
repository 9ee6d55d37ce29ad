"""A 127.0.0.1 server (port 0) answering like TikTok's Commercial Content API, from the demo's TikTok world.

- ``POST /v2/oauth/token/``: form ``client_key``, ``client_secret``, ``grant_type=client_credentials``; the
  demo credentials get a new client access token (``clt.demo-...``) each time, others TikTok's
  ``invalid_client`` answer.
- ``POST /v2/research/adlib/ad/query/``: the JSON body's ``filters`` (``country_code``,
  ``ad_published_date_range`` as YYYYMMDD, ``advertiser_business_ids``) and ``max_count`` (at most 50) pick
  the ads; the next page is asked with the ``search_id`` of the last answer while ``has_more`` is true. A
  bearer token the server did not issue gets ``access_token_invalid`` (401).
- ``POST /v2/research/adlib/ad/detail/``: body ``{"ad_id"}``; the ad's entry with ``ad_group.targeting_info``
  (the countries it reached, age groups and genders drawn from the ad id, so the same every week).
- ``POST /v2/research/adlib/advertiser/query/``: body ``{"search_term", "max_count"}``; the advertisers whose
  name holds the term (case-insensitive), one entry per country, paged by ``search_id`` like the ads.

The answers follow TikTok's published reference (developers.tiktok.com/doc/commercial-content-api-query-ads,
-get-ad-details, -query-advertisers, tiktok-api-v2-error-handling). ``TikTokApiServer`` is what the demo's
server and the tests' scripted one (tests/tiktok_server.py) share: the POST plumbing, every request logged in
``requests`` (path, query, JSON body, Authorization, status served, Content-Type), TikTok's ``invalid_client``.
"""

from __future__ import annotations

import base64
import json
import secrets
from urllib.parse import parse_qsl, urlsplit

from demo.local_server import LocalServer, QuietHandler
from demo.tiktok_world import TikTokWorld

TOKEN_PATH = "/v2/oauth/token/"
AD_QUERY_PATH = "/v2/research/adlib/ad/query/"
AD_DETAIL_PATH = "/v2/research/adlib/ad/detail/"
ADVERTISER_QUERY_PATH = "/v2/research/adlib/advertiser/query/"
AGE_GROUPS = ("13-17", "18-24", "25-34", "35-44", "45-54", "55+")
# Demo credentials, handed to the spider's child process only. Not secrets, but redacted like them.
DEMO_CLIENT_KEY = "demo-tiktok-client-key"
DEMO_CLIENT_SECRET = "demo-tiktok-client-secret-not-a-secret"
MAX_COUNT = 50


def _ok(data: dict) -> bytes:
    return json.dumps({"data": data, "error": {"code": "ok", "message": "", "log_id": "DEMO",
                                               "http_status_code": 200}}).encode()


def _search_id(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def ad_detail(entry: dict) -> dict:
    """The detail answer's data for an ad entry: the entry plus its ad group's targeting (drawn from the id:
    adults from an age group on, both genders or one)."""
    ad_id = entry["ad"]["id"]
    youngest = 1 + ad_id % 3  # 18-24, 25-34 or 35-44 and older
    genders = ({"female": True, "male": True, "unknown": True} if ad_id % 5 else
               {"female": True, "male": False, "unknown": False})
    countries = sorted(entry["ad"]["reach"]["unique_users_seen_by_country"])
    return {**entry, "ad_group": {"targeting_info": {
        "country": countries, "age": {age: index >= youngest for index, age in enumerate(AGE_GROUPS)},
        "gender": genders, "number_of_users_targeted": "1M-5M"}}}


def _error(code: str, message: str, status: int) -> bytes:
    return json.dumps({"data": {}, "error": {"code": code, "message": message, "log_id": "DEMO",
                                             "http_status_code": status}}).encode()


def invalid_client(log_id: str) -> tuple[int, bytes]:
    """TikTok's answer to a token request with a wrong client key or secret."""
    return 401, json.dumps({"error": "invalid_client", "error_description": "Client key or secret is incorrect.",
                            "log_id": log_id}).encode()


class TikTokApiServer(LocalServer):
    """A local Commercial Content API: ``answer(path, body, authorization) -> (status, JSON bytes)`` is the
    subclass's; every POST is answered with it and logged in ``requests``."""

    def __init__(self):
        self.requests: list[dict] = []
        super().__init__(self._handler())

    def answer(self, path: str, body: bytes, authorization: str | None) -> tuple[int, bytes]:
        raise NotImplementedError

    def _handler(self) -> type[QuietHandler]:
        server = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path, query = urlsplit(self.path)[2:4]
                authorization = self.headers.get("Authorization")
                status, answer = server.answer(path, body, authorization)
                with server.lock:
                    server.requests.append({
                        "path": path, "query": dict(parse_qsl(query)), "body": body.decode("utf-8", "replace"),
                        "authorization": authorization, "status": status,
                        "content_type": self.headers.get("Content-Type")})
                self.reply(status, answer, {"Content-Type": "application/json; charset=UTF-8"})

        return Handler


class TikTokDemoServer(TikTokApiServer):
    def __init__(self, world: TikTokWorld):
        self.world = world
        self.tokens: set[str] = set()
        super().__init__()

    @property
    def url(self) -> str:
        return self.base_url

    def answer(self, path: str, body: bytes, authorization: str | None) -> tuple[int, bytes]:
        if path == TOKEN_PATH:
            form = dict(parse_qsl(body.decode("utf-8", "replace")))
            if (form.get("client_key"), form.get("client_secret"), form.get("grant_type")) != (
                    DEMO_CLIENT_KEY, DEMO_CLIENT_SECRET, "client_credentials"):
                return invalid_client("DEMO")
            token = f"clt.demo-{secrets.token_hex(12)}"
            with self.lock:
                self.tokens.add(token)
            return 200, json.dumps({"access_token": token, "expires_in": 7200, "token_type": "Bearer"}).encode()
        if path not in (AD_QUERY_PATH, AD_DETAIL_PATH, ADVERTISER_QUERY_PATH):
            return 404, _error("invalid_params", f"no endpoint {path} in the demo", 404)
        token = (authorization or "").removeprefix("Bearer ")
        with self.lock:
            known = token in self.tokens
        if not known:
            return 401, _error("access_token_invalid", "The access token is invalid or not found in the request.", 401)
        if path == AD_DETAIL_PATH:
            return self.answer_detail(body)
        if path == ADVERTISER_QUERY_PATH:
            return self.answer_advertisers(body)
        try:
            query = json.loads(body or b"{}")
            filters = query["filters"]
            dates = filters["ad_published_date_range"]
            offset = json.loads(base64.urlsafe_b64decode(query["search_id"]))["offset"] if query.get("search_id") else 0
        except (ValueError, KeyError, TypeError):
            return 400, _error("invalid_params", "filters.ad_published_date_range is required", 400)
        count = min(MAX_COUNT, int(query.get("max_count") or 20))
        ads = self.world.ads_for(filters.get("country_code") or "ALL", str(dates["min"]), str(dates["max"]),
                                 filters.get("advertiser_business_ids"))
        page = ads[offset:offset + count]
        has_more = offset + count < len(ads)
        return 200, _ok({"ads": page, "has_more": has_more, "search_id": _search_id(offset + count)})

    def answer_detail(self, body: bytes) -> tuple[int, bytes]:
        try:
            ad_id = int(json.loads(body or b"{}")["ad_id"])
        except (ValueError, KeyError, TypeError):
            return 400, _error("invalid_params", "ad_id is required", 400)
        entry = next((entry for entry in self.world.ads if entry["ad"]["id"] == ad_id), None)
        if entry is None:
            return 404, _error("invalid_params", f"no ad {ad_id}", 404)
        return 200, _ok(ad_detail(entry))

    def answer_advertisers(self, body: bytes) -> tuple[int, bytes]:
        try:
            query = json.loads(body or b"{}")
            term = str(query["search_term"]).casefold()
            offset = json.loads(base64.urlsafe_b64decode(query["search_id"]))["offset"] if query.get("search_id") else 0
        except (ValueError, KeyError, TypeError):
            return 400, _error("invalid_params", "search_term is required", 400)
        count = min(MAX_COUNT, int(query.get("max_count") or 10))
        found = [{"business_id": advertiser.business_id, "business_name": advertiser.name, "country_code": country}
                 for advertiser in self.world.advertisers if term in advertiser.name.casefold()
                 for country in advertiser.countries]
        has_more = offset + count < len(found)
        return 200, _ok({"advertisers": found[offset:offset + count], "has_more": has_more,
                         "search_id": _search_id(offset + count)})

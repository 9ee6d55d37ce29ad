"""A local Graph API server for the demo world: ``GET /vXX.X/ads_archive`` as Meta answers it.

Implements the parts of the Ad Library API the spider uses: ``ad_reached_countries`` (a JSON list, single
or double quotes, or ``ALL``), ``ad_type``, ``ad_active_status`` (default ACTIVE), ``search_terms`` (all
words, or the phrase with ``search_type=KEYWORD_EXACT_PHRASE``), ``search_page_ids``,
``ad_delivery_date_min``/``max``, ``fields`` (only those come back, plus ``id``; an unknown field is error
100), ``limit`` (default 25, at most 5000) and ``after`` (an opaque cursor). The token comes from the
``Authorization`` header ("Bearer X" or "OAuth X") or the ``access_token`` parameter; without one the
answer is HTTP 400 with a code 190 error. Like the real pages under ``../shared/realdata/meta``, every page
with ads carries ``paging.cursors.after`` and a ``paging.next`` URL holding the caller's token, and the page
after the last ad is ``{"data": []}``. Bodies are written like Graph's own: compact, ``\\/`` for ``/`` and
``\\uXXXX`` for non-ASCII, so the caller's token appears JSON-escaped inside ``ad_snapshot_url``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from demo.local_server import LocalServer, QuietHandler
from demo.world import Ad, World

DEFAULT_LIMIT = 25
MAX_LIMIT = 5000
AD_TYPES = {"ALL", "POLITICAL_AND_ISSUE_ADS", "EMPLOYMENT_ADS", "FINANCIAL_PRODUCTS_AND_SERVICES_ADS",
            "HOUSING_ADS"}
# Fields of ArchivedAd that Meta documents; the demo fills the ones a non-EU political ad has.
ARCHIVED_AD_FIELDS = {
    "id", "ad_creation_time", "ad_creative_bodies", "ad_creative_link_captions",
    "ad_creative_link_descriptions", "ad_creative_link_titles", "ad_delivery_start_time",
    "ad_delivery_stop_time", "ad_snapshot_url", "age_country_gender_reach_breakdown", "beneficiary_payers",
    "br_total_reach", "bylines", "currency", "delivery_by_region", "demographic_distribution",
    "estimated_audience_size", "eu_total_reach", "impressions", "languages", "page_id", "page_name",
    "publisher_platforms", "spend", "target_ages", "target_gender", "target_locations",
}
_PATH = re.compile(r"^/(v\d+\.\d+)/ads_archive/?$")


class GraphRequestError(Exception):
    """A request Meta would refuse: carries the HTTP status and the Graph error object."""

    def __init__(self, status: int, message: str, code: int, error_type: str = "OAuthException",
                 subcode: int | None = None):
        super().__init__(message)
        self.status = status
        self.error = {"message": message, "type": error_type, "code": code}
        if subcode is not None:
            self.error["error_subcode"] = subcode
        self.error["fbtrace_id"] = base64.b64encode(secrets.token_bytes(8)).decode().rstrip("=")


def graph_json(value) -> bytes:
    """JSON as the Graph API writes it: compact, ASCII only, slashes escaped."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode("ascii")


def _invalid_parameter(message: str) -> GraphRequestError:
    return GraphRequestError(400, f"(#100) {message}", 100)


def parse_countries(raw: str | None) -> set[str] | None:
    """``["BD","BR"]``, ``['BD']``, ``BD,BR`` or ``ALL`` (None: every country)."""
    if raw is None or not raw.strip():
        raise _invalid_parameter("The parameter ad_reached_countries is required")
    text = raw.strip()
    if text.startswith("["):
        try:
            values = json.loads(text.replace("'", '"'))
        except ValueError:
            raise _invalid_parameter(f"Param ad_reached_countries[0] must be a valid ISO country code: {raw}")
    else:
        values = text.split(",")
    codes = {str(value).strip().upper() for value in values if str(value).strip()}
    if not codes or any(not re.fullmatch(r"[A-Z]{2}|ALL", code) for code in codes):
        raise _invalid_parameter(f"Param ad_reached_countries must be a list of ISO country codes: {raw}")
    return None if "ALL" in codes else codes


def _parse_ids(raw: str | None) -> set[str] | None:
    if raw is None or not raw.strip():
        return None
    ids = {part.strip().strip("'\"") for part in raw.strip().strip("[]").split(",") if part.strip()}
    if any(not value.isdigit() for value in ids):
        raise _invalid_parameter(f"Param search_page_ids must be an array of page ids: {raw}")
    return ids


def _parse_date(name: str, raw: str | None) -> dt.date | None:
    if raw is None or raw == "":
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise _invalid_parameter(f"Param {name} must be a date in the form YYYY-mm-dd: {raw}") from None


def encode_cursor(offset: int, last_id: str) -> str:
    inner = base64.b64encode(f"{offset}:{last_id}".encode()).decode()
    return base64.urlsafe_b64encode(f"scraping_cursor:{inner}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        outer = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, inner = outer.split(":", 1)
        offset, last_id = base64.b64decode(inner).decode().split(":", 1)
        if prefix != "scraping_cursor" or int(offset) < 0:
            raise ValueError(prefix)
        return int(offset), last_id
    except (ValueError, UnicodeDecodeError):
        raise _invalid_parameter(f"Invalid cursor: {cursor[:40]}") from None


class AdsArchiveQuery:
    """One ads_archive request's parameters, checked the way Meta checks them."""

    def __init__(self, params: dict[str, str]):
        self.countries = parse_countries(params.get("ad_reached_countries"))
        self.ad_type = params.get("ad_type", "ALL").upper()
        if self.ad_type not in AD_TYPES:
            raise _invalid_parameter(f"Param ad_type must be one of {{{', '.join(sorted(AD_TYPES))}}}")
        self.active_status = params.get("ad_active_status", "ACTIVE").upper()
        if self.active_status not in {"ACTIVE", "INACTIVE", "ALL"}:
            raise _invalid_parameter("Param ad_active_status must be one of {ACTIVE, ALL, INACTIVE}")
        terms = params.get("search_terms", "").strip().strip("'\"").strip()
        self.exact_phrase = params.get("search_type", "").upper() == "KEYWORD_EXACT_PHRASE"
        self.terms = terms.casefold().split() if terms else []
        self.phrase = terms.casefold()
        self.page_ids = _parse_ids(params.get("search_page_ids"))
        self.date_min = _parse_date("ad_delivery_date_min", params.get("ad_delivery_date_min"))
        self.date_max = _parse_date("ad_delivery_date_max", params.get("ad_delivery_date_max"))
        requested = [name.strip() for name in params.get("fields", "").split(",") if name.strip()]
        unknown = [name for name in requested if name not in ARCHIVED_AD_FIELDS]
        if unknown:
            raise _invalid_parameter(f"Tried accessing nonexisting field ({unknown[0]}) on node type (ArchivedAd)")
        self.fields = ["id", *[name for name in dict.fromkeys(requested) if name != "id"]]
        try:
            self.limit = min(MAX_LIMIT, max(1, int(params.get("limit", DEFAULT_LIMIT))))
        except ValueError:
            raise _invalid_parameter(f"Param limit must be an integer: {params.get('limit')}") from None
        self.after = decode_cursor(params["after"]) if params.get("after") else None

    def matches(self, world: World, ad: Ad, text: str) -> bool:
        if self.countries is not None and ad.country not in self.countries:
            return False
        if self.ad_type not in {"ALL", "POLITICAL_AND_ISSUE_ADS"}:  # every demo ad is political or issue
            return False
        active = world.is_active(ad)
        if (self.active_status == "ACTIVE" and not active) or (self.active_status == "INACTIVE" and active):
            return False
        if self.page_ids is not None and ad.page_id not in self.page_ids:
            return False
        if self.date_min and ad.stop is not None and ad.stop < self.date_min:
            return False
        if self.date_max and ad.start > self.date_max:
            return False
        if self.exact_phrase:
            return self.phrase in text
        return all(term in text for term in self.terms)


class GraphApiServer(LocalServer):
    """Serves a World on 127.0.0.1 (port 0 by default); a context manager. ``url`` is the ads_archive URL.

    ``access_token``: when given, any other token is refused with code 190, as Meta refuses an expired one.
    """

    def __init__(self, world: World, *, api_version: str = "v23.0", host: str = "127.0.0.1", port: int = 0,
                 access_token: str | None = None):
        self.world = world
        self.api_version = api_version
        self.expected_token = access_token
        self.requests_served = 0
        # Serving order: newest delivery first, as the Ad Library lists ads; ids break ties.
        self.ads = sorted(world.ads.values(), key=lambda ad: (ad.start, ad.ad_id), reverse=True)
        self.records = {ad.ad_id: world.record(ad, access_token="") for ad in self.ads}
        self.search_text = {ad.ad_id: self._search_text(ad) for ad in self.ads}
        super().__init__(self._handler_class(), host=host, port=port, thread_name="demo-graph-api")

    def _search_text(self, ad: Ad) -> str:
        record = self.records[ad.ad_id]
        parts = [*record.get("ad_creative_bodies", []), *record.get("ad_creative_link_titles", []),
                 *record.get("ad_creative_link_descriptions", []), *record.get("ad_creative_link_captions", [])]
        return "\n".join(parts).casefold()

    @property
    def url(self) -> str:
        return f"{self.base_url}/{self.api_version}/ads_archive"

    def page(self, path: str, query: str, authorization: str | None) -> tuple[int, dict]:
        """(HTTP status, JSON body) for one GET; the HTTP handler only writes it out."""
        match = _PATH.match(path)
        if not match:
            raise GraphRequestError(400, f"Unknown path components: {path}", 2500)
        pairs = parse_qsl(query, keep_blank_values=True)
        params = dict(pairs)
        token = _token(authorization, params.get("access_token"))
        if not token:
            raise GraphRequestError(400, "Invalid OAuth access token - Cannot parse access token", 190)
        if self.expected_token is not None and token != self.expected_token:
            raise GraphRequestError(400, "Error validating access token: Session has expired.", 190, subcode=463)
        ad_query = AdsArchiveQuery(params)
        matching = [ad for ad in self.ads if ad_query.matches(self.world, ad, self.search_text[ad.ad_id])]
        offset = 0
        if ad_query.after is not None:
            offset, last_id = ad_query.after
            if offset > len(matching) or (offset and matching[offset - 1].ad_id != last_id):
                raise _invalid_parameter("Invalid cursor: it belongs to a different query")
        chosen = matching[offset:offset + ad_query.limit]
        data = [self._project(ad, ad_query.fields, token) for ad in chosen]
        if not data:
            return 200, {"data": []}
        after = encode_cursor(offset + len(chosen), chosen[-1].ad_id)
        next_pairs = [("access_token", token)] + [(k, v) for k, v in pairs if k not in ("access_token", "after")]
        next_url = f"{self.base_url}{path}?" + urlencode(next_pairs + [("after", after)], quote_via=quote,
                                                         safe=",[]'")
        return 200, {"data": data, "paging": {"cursors": {"after": after}, "next": next_url}}

    def _project(self, ad: Ad, fields: list[str], token: str) -> dict:
        record = self.records[ad.ad_id]
        projected = {name: record[name] for name in fields if name in record}
        if "ad_snapshot_url" in projected:
            projected["ad_snapshot_url"] += quote(token, safe="")
        return projected

    def _handler_class(self):
        server = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"
            server_version = "adtrail-demo-graph"

            def do_GET(self):  # noqa: N802 (the name http.server calls)
                split = urlsplit(self.path)
                headers = {"facebook-api-version": server.api_version,
                           "x-app-usage": json.dumps({"call_count": 1, "total_cputime": 1, "total_time": 1})}
                try:
                    status, body = server.page(split.path, split.query, self.headers.get("Authorization"))
                except GraphRequestError as error:
                    status, body = error.status, {"error": error.error}
                    if error.error["code"] == 190:
                        headers["WWW-Authenticate"] = 'OAuth "Facebook Platform" "invalid_token" "' + (
                            error.error["message"].replace('"', "'") + '"')
                server.requests_served += 1
                payload = graph_json(body)
                self.reply(status, payload, {"Content-Type": "application/json; charset=UTF-8", **headers})

        return Handler


def _token(authorization: str | None, parameter: str | None) -> str | None:
    if authorization:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() in ("bearer", "oauth") and value.strip():
            return value.strip()
    return parameter or None

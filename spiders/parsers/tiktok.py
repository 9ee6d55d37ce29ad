"""TikTok Commercial Content API answers (bytes) to items, the next page's cursor, and error verdicts.

Pure functions, no I/O but ``parse_file``. Written from TikTok's published reference pages
(developers.tiktok.com/doc/...):

- ``commercial-content-api-query-ads``: ``POST /v2/research/adlib/ad/query/`` answers
  ``{"data": {"ads": [{"ad": {...}, "advertiser": {...}, "ad_group": {...}}], "has_more": bool,
  "search_id": str}, "error": {...}}``; the next page is asked with the same body plus ``search_id``.
- ``commercial-content-api-get-ad-details``: ``POST /v2/research/adlib/ad/detail/`` answers
  ``{"data": {"ad": ..., "advertiser": ..., "ad_group": {"targeting_info": ...}}}``.
- ``commercial-content-api-query-commercial-content``: ``{"data": {"commercial_contents": [...],
  "has_more", "search_id"}}``; each entry has id, create_date / create_timestamp, label, brand_names,
  creator {username, follower_count}, videos.
- ``commercial-content-api-query-advertisers``: ``POST /v2/research/adlib/advertiser/query/`` with
  ``{"search_term", "max_count"}`` answers ``{"data": {"advertisers": [{"business_id", "business_name",
  "country_code"}]}}``.
- ``tiktok-api-v2-error-handling``: every answer carries ``{"error": {"code", "message", "log_id"}}``;
  ``code`` is ``"ok"`` on success, else e.g. ``access_token_invalid`` (401), ``rate_limit_exceeded``
  (429), ``scope_not_authorized`` (401), ``invalid_params`` (400), ``internal_error`` (500).

Reach comes as text buckets ("30K", "1K-10K", "10M+"): kept as written, and read as lower and upper
bounds (an open top bucket has no upper bound). Dates come as YYYYMMDD numbers or strings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from spiders.items import empty_item
from spiders.secrets import Redactor

# What an error answer calls for (the spider maps these to the base spider's verdicts).
OK, RENEW_TOKEN, BACKOFF, RETRY, STOP = "ok", "renew_token", "backoff", "retry", "stop"
_ERROR_ACTIONS = {
    "access_token_invalid": RENEW_TOKEN,
    "rate_limit_exceeded": BACKOFF,
    "internal_error": RETRY,
    "scope_not_authorized": STOP,
    "scope_permission_missed": STOP,
    "invalid_params": STOP,
}
_ERROR_ADVICE = {
    "access_token_invalid": "the client access token is invalid or expired (tokens last 2 hours)",
    "rate_limit_exceeded": "TikTok's rate limit was exceeded",
    "scope_not_authorized": ("the research client is not authorised for research.adlib.basic: the Commercial "
                             "Content API needs an approved research project (developers.tiktok.com/products/"
                             "commercial-content-api); check TIKTOK_CLIENT_KEY belongs to it"),
    "scope_permission_missed": "the research client lacks the research.adlib.basic scope; ask TikTok to add it",
    "invalid_params": ("TikTok refused the request's parameters; check the scope (dates YYYY-MM-DD after "
                       "2022-10-01, ISO country codes, search terms of at most 50 characters)"),
    "internal_error": "TikTok reported an internal error",
}
_BUCKET = re.compile(r"^\s*(?P<low>[\d.,]+\s*[KMB]?)\s*(?:(?P<plus>\+)|[-–]\s*(?P<high>[\d.,]+\s*[KMB]?))?\s*$",
                     re.IGNORECASE)
_SCALE = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}


class MalformedPage(ValueError):
    """The body is not a Commercial Content API answer; the message says what is wrong."""


@dataclass(frozen=True)
class ApiError:
    code: str
    message: str
    log_id: str | None
    action: str  # RENEW_TOKEN, BACKOFF, RETRY or STOP

    @property
    def user_message(self) -> str:
        advice = _ERROR_ADVICE.get(self.code, "TikTok answered with an error")
        detail = f": {self.message}" if self.message else ""
        return f"{advice} (error {self.code}{detail}; log_id {self.log_id})"


@dataclass(frozen=True)
class Page:
    items: list[dict]
    has_more: bool
    search_id: str | None


def _document(body: bytes) -> dict:
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise MalformedPage(f"the answer is not JSON ({error}); if it was cut short, ask again") from None
    if not isinstance(document, dict):
        raise MalformedPage("the answer is JSON but not an object with 'data' and 'error'")
    return document


def classify_error(status: int, body: bytes) -> ApiError | None:
    """None for a successful answer (error code "ok", HTTP 2xx), else the error and what it calls for."""
    try:
        document = json.loads(body)
        error = document.get("error") if isinstance(document, dict) else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        error = None
    if isinstance(error, dict) and error.get("code"):
        code = str(error["code"])
        if code == OK and status < 400:
            return None
        action = _ERROR_ACTIONS.get(code) or (BACKOFF if status == 429 else RETRY if status >= 500 else STOP)
        if code == OK:  # "ok" with an error status: judge by the status
            action = BACKOFF if status == 429 else RETRY if status >= 500 else STOP
        return ApiError(code, str(error.get("message") or ""), error.get("log_id"), action)
    if status == 429:
        return ApiError("http_429", "", None, BACKOFF)
    if status == 401:
        return ApiError("access_token_invalid", f"HTTP {status} without an error object", None, RENEW_TOKEN)
    if status >= 500:
        return ApiError(f"http_{status}", "", None, RETRY)
    if status >= 400:
        return ApiError(f"http_{status}", "", None, STOP)
    return None  # a 2xx without an error object: the page parser decides whether it is a page


def reach_bounds(text) -> tuple[int | None, int | None]:
    """("1K-10K") -> (1000, 10000); ("30K") -> (30000, 30000); ("10M+") -> (10000000, None)."""
    if text is None:
        return None, None
    if isinstance(text, (int, float)):
        return int(text), int(text)
    match = _BUCKET.match(str(text).replace("<", ""))
    if not match:
        return None, None

    def number(part: str) -> int:
        part = part.replace(",", "").replace(" ", "")
        suffix = part[-1].upper() if part[-1].isalpha() else ""
        return int(round(float(part.rstrip("KMBkmb")) * _SCALE[suffix]))

    low = number(match["low"])
    if match["plus"]:
        return low, None
    return low, number(match["high"]) if match["high"] else low


def tiktok_date(value) -> str | None:
    """20230102 or "20230102" -> "2023-01-02"; None for anything else."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date().isoformat()
    except ValueError:
        return None


def _strings(values) -> list[str] | None:
    if values is None:
        return None
    return [str(value) for value in values if value is not None]


def _video_urls(videos) -> list[str] | None:
    if videos is None:
        return None
    return [str(video.get("url")) if isinstance(video, dict) else str(video) for video in videos
            if video and (not isinstance(video, dict) or video.get("url"))]


def ad_item(entry: dict, *, provenance: dict, redactor: Redactor, endpoint: str,
            query_country: str | None) -> dict:
    """One tiktok_ad item of an ``{"ad", "advertiser", "ad_group"}`` entry."""
    entry = redactor.redact_obj(entry)
    ad = entry.get("ad") or {}
    advertiser = entry.get("advertiser") or {}
    ad_group = entry.get("ad_group") or {}
    if ad.get("id") is None:
        raise MalformedPage("an ad entry has no ad.id; ask for the field ad.id")
    reach = ad.get("reach") or {}
    seen = reach.get("unique_users_seen")
    seen_lower, seen_upper = reach_bounds(seen)
    # TikTok's pages name the targeting block "targeting_info"; the detail page's example writes "target".
    targeting = ad_group.get("targeting_info") or ad_group.get("target")
    item = empty_item("tiktok_ad")
    item.update(provenance)
    item.update(
        item_kind="tiktok_ad", platform="tiktok", ad_id=str(ad["id"]), ad_key=str(ad["id"]), endpoint=endpoint,
        first_shown_date=tiktok_date(ad.get("first_shown_date")),
        last_shown_date=tiktok_date(ad.get("last_shown_date")),
        status=ad.get("status"), status_statement=ad.get("status_statement"), title=ad.get("title"),
        call_to_action=ad.get("call_to_action"), external_url=ad.get("external_url"),
        advertising_objective=ad.get("advertising_objective"),
        video_urls=_video_urls(ad.get("videos")), image_urls=_strings(ad.get("image_urls")),
        advertiser_business_id=None if advertiser.get("business_id") is None else str(advertiser["business_id"]),
        advertiser_business_name=advertiser.get("business_name"), paid_for_by=advertiser.get("paid_for_by"),
        advertiser_follower_count=advertiser.get("follower_count"),
        unique_users_seen_text=None if seen is None else str(seen),
        unique_users_seen_lower=seen_lower, unique_users_seen_upper=seen_upper,
        unique_users_seen_by_country=reach.get("unique_users_seen_by_country"),
        targeting=targeting,
        targeted_countries=_strings((targeting or {}).get("country")) if isinstance(targeting, dict) else None,
        users_targeted_text=(None if not isinstance(targeting, dict) or targeting.get("number_of_users_targeted")
                             is None else str(targeting["number_of_users_targeted"])),
        query_country=query_country, record=entry,
    )
    return item


def commercial_content_item(entry: dict, *, provenance: dict, redactor: Redactor,
                            query_country: str | None) -> dict:
    entry = redactor.redact_obj(entry)
    if entry.get("id") is None:
        raise MalformedPage("a commercial content entry has no id; ask for the field id")
    creator = entry.get("creator") or {}
    timestamp = entry.get("create_timestamp")
    item = empty_item("tiktok_commercial_content")
    item.update(provenance)
    item.update(
        item_kind="tiktok_commercial_content", platform="tiktok", content_id=str(entry["id"]),
        content_key=str(entry["id"]), create_date=tiktok_date(entry.get("create_date")),
        create_timestamp=(dt.datetime.fromtimestamp(int(timestamp), dt.UTC).isoformat()
                          if isinstance(timestamp, (int, float)) or str(timestamp or "").isdigit() else None),
        label=entry.get("label"), brand_names=_strings(entry.get("brand_names")),
        creator_username=creator.get("username"), creator_follower_count=creator.get("follower_count"),
        video_urls=_video_urls(entry.get("videos")), query_country=query_country, record=entry,
    )
    return item


def _data(body: bytes) -> dict:
    document = _document(body)
    data = document.get("data")
    if not isinstance(data, dict):
        raise MalformedPage("the answer has no 'data' object")
    return data


def _paging(data: dict) -> tuple[bool, str | None]:
    has_more = bool(data.get("has_more"))
    search_id = data.get("search_id")
    if has_more and not search_id:
        raise MalformedPage("has_more is true but the answer gives no search_id to continue with")
    return has_more, None if search_id is None else str(search_id)


def parse_ad_page(body: bytes, *, provenance: dict, redactor: Redactor, query_country: str | None) -> Page:
    """An ad query answer: its ads and where the query continues."""
    data = _data(body)
    ads = data.get("ads")
    if not isinstance(ads, list):
        raise MalformedPage("the answer's data has no 'ads' list")
    items = [ad_item(entry, provenance=provenance, redactor=redactor, endpoint="ad_query",
                     query_country=query_country) for entry in ads]
    return Page(items, *_paging(data))


def parse_ad_detail(body: bytes, *, provenance: dict, redactor: Redactor) -> dict:
    """An ad detail answer: one tiktok_ad with targeting."""
    data = _data(body)
    if not isinstance(data.get("ad"), dict):
        raise MalformedPage("the answer's data has no 'ad' object")
    return ad_item(data, provenance=provenance, redactor=redactor, endpoint="ad_detail", query_country=None)


def parse_commercial_content_page(body: bytes, *, provenance: dict, redactor: Redactor,
                                  query_country: str | None) -> Page:
    data = _data(body)
    entries = data.get("commercial_contents")
    if not isinstance(entries, list):
        raise MalformedPage("the answer's data has no 'commercial_contents' list")
    items = [commercial_content_item(entry, provenance=provenance, redactor=redactor,
                                     query_country=query_country) for entry in entries]
    return Page(items, *_paging(data))


def parse_advertiser_page(body: bytes, *, provenance: dict, redactor: Redactor,
                          search_term_sha256: str | None) -> Page:
    """An advertiser query answer (``commercial-content-api-query-advertisers``: ``data.advertisers[]`` of
    business_id, business_name, country_code). TikTok documents no paging for it; ``has_more`` and
    ``search_id`` are followed as on the other adlib queries when an answer carries them."""
    data = _data(body)
    entries = data.get("advertisers")
    if not isinstance(entries, list):
        raise MalformedPage("the answer's data has no 'advertisers' list")
    items = []
    for entry in redactor.redact_obj(entries):
        if not isinstance(entry, dict) or entry.get("business_id") is None:
            raise MalformedPage("an advertiser entry has no business_id; ask for the field business_id")
        item = empty_item("tiktok_advertiser")
        item.update(provenance)
        country = entry.get("country_code")
        item.update(item_kind="tiktok_advertiser", platform="tiktok", business_id=str(entry["business_id"]),
                    advertiser_key=f"{entry['business_id']}:{country or ''}", business_name=entry.get("business_name"),
                    country_code=country, search_term_sha256=search_term_sha256, record=entry)
        items.append(item)
    return Page(items, *_paging(data))


def _file_provenance(path: Path, body: bytes, kind: str) -> dict:
    return {"item_kind": kind, "source": "tiktok_commercial_content", "crawl_id": None,
            "source_url": path.resolve().as_uri(),
            "fetched_at": dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat(),
            "body_sha256": hashlib.sha256(body).hexdigest(), "page_number": None}


def parse_file(path: Path) -> Iterator[dict]:
    """`adtrail parse tiktok-ads FILE`: a saved ad query, ad detail or commercial content answer."""
    body = Path(path).read_bytes()
    error = classify_error(200, body)
    if error is not None:
        raise ValueError(f"{path} holds a TikTok error answer, not ads: {error.user_message}")
    data = _data(body)
    redactor = Redactor([])
    if "commercial_contents" in data:
        page = parse_commercial_content_page(body, provenance=_file_provenance(path, body, "tiktok_commercial_content"),
                                             redactor=redactor, query_country=None)
        yield from page.items
    elif "ads" in data:
        yield from parse_ad_page(body, provenance=_file_provenance(path, body, "tiktok_ad"), redactor=redactor,
                                 query_country=None).items
    elif "advertisers" in data:
        yield from parse_advertiser_page(body, provenance=_file_provenance(path, body, "tiktok_advertiser"),
                                         redactor=redactor, search_term_sha256=None).items
    elif "ad" in data:
        yield parse_ad_detail(body, provenance=_file_provenance(path, body, "tiktok_ad"), redactor=redactor)
    else:
        raise MalformedPage(f"{path}: data has none of 'ads', 'ad', 'advertisers' or 'commercial_contents': not an "
                            "answer of the Commercial Content API's ad query, ad detail, advertiser query or "
                            "commercial content query")

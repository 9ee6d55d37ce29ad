"""Meta Graph API ``ads_archive`` pages (Ad Library API, v5.0 to v23.0): bytes in, ``meta_ad`` items out.

A page is ``{"data": [ArchivedAd...], "paging": {"cursors": {"after"}, "next"}}``; the last page has no
``next`` and the one after it is ``{"data": []}``. Field names changed over the versions: v5-era records
have no ``id`` and no ``currency`` and carry single values (``ad_creative_body``, ``funding_entity``,
``region_distribution``, ``potential_reach``); current ones carry lists (``ad_creative_bodies``),
``bylines``, ``delivery_by_region``, ``estimated_audience_size`` and, for ads delivered in the EU, the DSA
fields (``target_ages``, ``target_gender``, ``target_locations``, ``beneficiary_payers``,
``eu_total_reach``, ``age_country_gender_reach_breakdown``). Both map onto ``FIELDS["meta_ad"]``.

Amounts are Meta's buckets, ``{"lower_bound": "100", "upper_bound": "199"}`` (strings or numbers); a bucket
with no upper bound is open at the top ("at least 1,000,000"). Nothing is guessed: a missing currency stays
NULL.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from spiders.items import empty_item
from spiders.secrets import Redactor

ITEM_KIND = "meta_ad"
SOURCE = "meta_ads_archive"

_API_VERSION = re.compile(r"/(v\d+\.\d+)/")

# Fields that describe the ad itself rather than its delivery so far (legacy and current spellings).
_FIXED_FIELDS = (
    "page_id",
    "page_name",
    "funding_entity",
    "bylines",
    "ad_creation_time",
    "ad_delivery_start_time",
    "ad_creative_body",
    "ad_creative_bodies",
    "ad_creative_link_title",
    "ad_creative_link_titles",
    "ad_creative_link_caption",
    "ad_creative_link_captions",
    "ad_creative_link_description",
    "ad_creative_link_descriptions",
)


class MalformedPage(ValueError):
    """A response that is not an ads_archive page: truncated JSON, HTML, or JSON without ``data``."""


@dataclass
class MetaPage:
    items: list[dict]
    next_url: str | None  # redacted: no access_token


def api_version_of(url: str | None) -> str | None:
    """The Graph API version in a request URL's path ("v19.0"), or None."""
    match = _API_VERSION.search(urlsplit(url).path + "/") if url else None
    return match.group(1) if match else None


def canonical_json(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _bound(record_id: str, field: str, name: str, value) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MalformedPage(
            f"ad {record_id}: {field}.{name} is {value!r}, not a whole number; Meta's buckets are whole "
            "numbers, so this response is not an ads_archive page as documented (check the API version)"
        ) from None


def parse_range(record_id: str, field: str, value) -> tuple[int | None, int | None, bool | None]:
    """(lower, upper, open_ended) of a Meta bucket; (None, None, None) when the record has no such field."""
    if value is None:
        return None, None, None
    if not isinstance(value, dict):
        raise MalformedPage(f"ad {record_id}: {field} is {value!r}, expected {{lower_bound, upper_bound}}")
    lower = _bound(record_id, field, "lower_bound", value.get("lower_bound"))
    upper = _bound(record_id, field, "upper_bound", value.get("upper_bound"))
    return lower, upper, upper is None


def _strings(value) -> list[str] | None:
    """A VARCHAR[] value: a list of strings, a single legacy string as one element, or None."""
    if value is None:
        return None
    if isinstance(value, list):
        return [item if isinstance(item, str) else json.dumps(item, ensure_ascii=False) for item in value]
    return [str(value)]


def _first_present(record: dict, current: str, legacy: str):
    return record[current] if record.get(current) is not None else record.get(legacy)


def _archive_id(record: dict) -> str | None:
    """Meta's archive id: ``id``, or (v3/v4, before ``id`` was a field) the ``id`` in ``ad_snapshot_url``."""
    if record.get("id") not in (None, ""):
        return str(record["id"])
    snapshot_url = record.get("ad_snapshot_url")
    if isinstance(snapshot_url, str):
        ids = [value for name, value in parse_qsl(urlsplit(snapshot_url).query) if name == "id" and value]
        if ids:
            return ids[0]
    return None


def synthetic_key(record: dict) -> str:
    """A key for a record without an id: sha256 of the canonical JSON of its fixed fields, plus the rest of
    the record. The fixed fields alone are not enough: in the real v5 crawl, 369 of 1,863 records share
    creative, page and times with another record yet are different ads (different impressions, regions,
    audiences), and the loader keeps one row per key. The same record fetched again gets the same key;
    synthetic keys are kept out of week-to-week history, so a key that changes as delivery grows is safe."""
    fixed = {name: record.get(name) for name in _FIXED_FIELDS}
    rest = {name: value for name, value in record.items() if name not in _FIXED_FIELDS and name != "ad_snapshot_url"}
    return "synthetic:" + hashlib.sha256(canonical_json({"fixed": fixed, "delivery": rest})).hexdigest()


_NO_SECRETS = Redactor(())


def item_from_record(record: dict, provenance: dict) -> dict:
    """One ``meta_ad`` item (every key of ``FIELDS["meta_ad"]``) from one ArchivedAd record.

    ``provenance`` holds the provenance fields (source_url, fetched_at, crawl_id, page_number,
    body_sha256). Access tokens are removed from the snapshot URL and from the kept record."""
    if not isinstance(record, dict):
        raise MalformedPage(f"an entry of data is {type(record).__name__}, expected an object (one ad)")
    record = _NO_SECRETS.redact_obj(record)
    item = empty_item(ITEM_KIND)
    for name in ("item_kind", "source", "crawl_id", "source_url", "fetched_at", "body_sha256", "page_number"):
        item[name] = provenance.get(name)
    item["item_kind"] = ITEM_KIND
    item["source"] = item["source"] or SOURCE
    if item["source_url"]:
        item["source_url"] = _NO_SECRETS.redact_url(item["source_url"])
    item["platform"] = "meta"
    item["api_version"] = api_version_of(provenance.get("source_url"))

    ad_id = _archive_id(record)
    item["ad_id"] = ad_id
    item["ad_key"] = ad_id if ad_id is not None else synthetic_key(record)
    item["key_is_synthetic"] = ad_id is None
    label = ad_id or item["ad_key"][:22]

    for name in ("ad_creation_time", "ad_delivery_start_time", "ad_delivery_stop_time", "page_name",
                 "bylines", "funding_entity", "currency", "target_gender"):
        value = record.get(name)
        item[name] = None if value is None else str(value)
    item["page_id"] = None if record.get("page_id") is None else str(record["page_id"])

    for current, legacy in (
        ("ad_creative_bodies", "ad_creative_body"),
        ("ad_creative_link_captions", "ad_creative_link_caption"),
        ("ad_creative_link_descriptions", "ad_creative_link_description"),
        ("ad_creative_link_titles", "ad_creative_link_title"),
    ):
        item[current] = _strings(_first_present(record, current, legacy))
    for name in ("languages", "publisher_platforms", "target_ages"):
        item[name] = _strings(record.get(name))

    if record.get("ad_snapshot_url") is not None:
        item["ad_snapshot_url"] = _NO_SECRETS.redact_url(str(record["ad_snapshot_url"]))

    item["spend_lower"], item["spend_upper"], item["spend_open_ended"] = parse_range(
        label, "spend", record.get("spend"))
    item["impressions_lower"], item["impressions_upper"], item["impressions_open_ended"] = parse_range(
        label, "impressions", record.get("impressions"))
    for audience_field in ("estimated_audience_size", "potential_reach"):
        if record.get(audience_field) is not None:
            (item["audience_size_lower"], item["audience_size_upper"],
             item["audience_size_open_ended"]) = parse_range(label, audience_field, record[audience_field])
            item["audience_size_field"] = audience_field
            break

    item["eu_total_reach"] = _bound(label, "eu_total_reach", "value", record.get("eu_total_reach"))
    for name in ("target_locations", "beneficiary_payers", "demographic_distribution",
                 "age_country_gender_reach_breakdown"):
        item[name] = record.get(name)
    item["delivery_by_region"] = _first_present(record, "delivery_by_region", "region_distribution")
    item["record"] = record
    return item


def parse_records(obj, *, provenance: dict) -> list[dict]:
    """Items from a page dict with ``data`` or from a bare list of records."""
    if isinstance(obj, dict):
        if not isinstance(obj.get("data"), list):
            raise MalformedPage(
                f"a JSON object without a data list (keys: {sorted(obj)[:8]}); an ads_archive page has "
                '{"data": [...]}; if it holds "error", classify it with spiders.parsers.graph_errors'
            )
        obj = obj["data"]
    if not isinstance(obj, list):
        raise MalformedPage(f"expected an ads_archive page or a list of ads, got JSON {type(obj).__name__}")
    return [item_from_record(record, provenance) for record in obj]


def _ends_open(text: str) -> bool:
    """Whether JSON text stops inside a string or with brackets still open: the mark of a cut-off body."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return in_string or depth > 0


def _decode_page(body: bytes, where: str):
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MalformedPage(
            f"{where}: the body is not UTF-8 (bad byte at {error.start} of {len(body)}); the Graph API "
            "always answers in UTF-8, so something else answered; check the endpoint setting, then rerun"
        ) from None
    stripped = text.lstrip()
    if not stripped:
        raise MalformedPage(f"{where}: the body is empty; the page will be fetched again")
    if stripped.startswith("<"):
        raise MalformedPage(
            f"{where}: got HTML instead of JSON (starts {stripped[:60]!r}); a login wall, a proxy or an "
            "error page answered instead of the Graph API; check the endpoint setting and the network, "
            "then rerun (the crawl continues from this page)"
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedPage(
            f"{where}: not complete JSON ({error.msg}, character {error.pos} of {len(text)}"
            + ("; the body ends inside an unclosed object, so it looks truncated" if _ends_open(text) else "")
            + "); the page will be fetched again, and if it keeps failing lower the page limit"
        ) from None


def parse_page(body: bytes, *, source_url: str, fetched_at: str, crawl_id: str, page_number: int,
               body_sha256: str, redactor: Redactor | None = None) -> MetaPage:
    """Items and the redacted next-page URL of one ads_archive response body.

    Raises MalformedPage for truncated JSON, HTML, or JSON without ``data`` (callers run
    ``graph_errors.classify`` first, so Graph error bodies are handled before they get here)."""
    redactor = redactor or _NO_SECRETS
    safe_url = redactor.redact_url(source_url)
    where = f"page {page_number} ({safe_url})"
    page = _decode_page(body, where)
    if isinstance(page, dict) and "error" in page and "data" not in page:
        raise MalformedPage(f"{where}: a Graph API error body, not a page: {redactor.redact_obj(page)['error']}")
    if not isinstance(page, dict):
        raise MalformedPage(f"{where}: JSON {type(page).__name__} instead of an object with data")
    page = redactor.redact_obj(page)
    provenance = {
        "item_kind": ITEM_KIND,
        "source": SOURCE,
        "crawl_id": crawl_id,
        "source_url": safe_url,
        "fetched_at": fetched_at,
        "body_sha256": body_sha256,
        "page_number": page_number,
    }
    try:
        items = parse_records(page, provenance=provenance)
    except MalformedPage as error:
        raise MalformedPage(f"{where}: {error}") from None
    paging = page.get("paging") if isinstance(page.get("paging"), dict) else {}
    next_url = paging.get("next")
    return MetaPage(items=items, next_url=redactor.redact_url(next_url) if isinstance(next_url, str) else None)

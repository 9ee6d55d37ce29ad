"""Writes valid crawl folders (manifest.json + items.jsonl) for tests, per the contract in spiders/items.py.

For the warehouse's tests and anyone else's: ``write_crawl(folder, items, ...)`` writes the items as JSON
lines (every field of ``FIELDS[kind]`` present, unknown fields refused) and a manifest recording the
file's sha256, size and rows, written atomically like the spiders do. ``meta_ad_item`` makes one
realistic Meta ``ads_archive`` item (values shaped like the real v19.0 records in
``../shared/realdata/meta``), ``generated_meta_ads`` streams many for load tests, and
``write_fixture_crawls`` writes the committed folders under ``tests/fixtures/crawls`` (run this module to
rewrite them: ``python -m tests.crawl_factory``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from spiders.items import FIELDS, empty_item

CRAWL_FORMAT = "adtrail-crawl/1"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures" / "crawls"
# The demo's simulated clock starts on a Monday; week N is N weeks later.
CLOCK_START = dt.datetime(2026, 1, 5, 6, 0, tzinfo=dt.timezone.utc)

DEFAULT_SCOPE = {
    "countries": ["BD"],
    "ad_type": "POLITICAL_AND_ISSUE_ADS",
    "ad_active_status": "ALL",
    "delivery_date_min": None,
    "delivery_date_max": None,
    "search_terms_sha256": [hashlib.sha256("নির্বাচন".encode()).hexdigest()],
    "search_page_ids": [],
    "api_version": "v19.0",
}


def scope_hash(scope: dict) -> str:
    """sha256 hex of the canonical scope JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(scope, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


def synthetic_key(page_id: str | None, bodies: list[str] | None, created: str | None) -> str:
    fixed = json.dumps([page_id, bodies, created], ensure_ascii=False)
    return "synthetic:" + hashlib.sha256(fixed.encode("utf-8")).hexdigest()


def meta_ad_item(
    ad_id: str | None,
    *,
    crawl_id: str = "crawl-test",
    fetched_at: dt.datetime = CLOCK_START,
    page_id: str | None = "501",
    page_name: str | None = "Nagorik Oikya Dhaka",
    bodies: list[str] | None = None,
    spend: tuple[int, int | None] | None = (0, 99),
    currency: str | None = "BDT",
    page_number: int = 1,
    **fields,
) -> dict:
    """One ``meta_ad`` item; ``fields`` override any field of ``FIELDS['meta_ad']``."""
    unknown = set(fields) - set(FIELDS["meta_ad"])
    if unknown:
        raise KeyError(f"not meta_ad fields: {sorted(unknown)}")
    bodies = ["ভোট দিন, পরিবর্তন আনুন। আমাদের প্রার্থী আপনার পাশে।"] if bodies is None else bodies
    created = fields.get("ad_creation_time", "2025-12-20")
    key = ad_id if ad_id is not None else synthetic_key(page_id, bodies, created)
    spend_lower, spend_upper = spend if spend is not None else (None, None)
    api_version = "v19.0" if ad_id is not None else "v5.0"
    snapshot_url = (
        f"https://www.facebook.com/ads/archive/render_ad/?id={ad_id}&access_token=REDACTED" if ad_id else None
    )
    record = {
        "id": ad_id,
        "page_id": page_id,
        "page_name": page_name,
        "ad_creation_time": created,
        "ad_creative_bodies": bodies,
        "currency": currency,
        "spend": None if spend is None else {
            "lower_bound": str(spend_lower), **({"upper_bound": str(spend_upper)} if spend_upper is not None else {})
        },
        "ad_snapshot_url": snapshot_url,
    }
    item = empty_item("meta_ad")
    item.update(
        item_kind="meta_ad",
        source="meta_ads_archive",
        crawl_id=crawl_id,
        source_url=f"https://graph.facebook.com/{api_version}/ads_archive?ad_reached_countries=%5B%22BD%22%5D"
        f"&limit=250&access_token=REDACTED",
        fetched_at=iso(fetched_at),
        body_sha256=hashlib.sha256(f"page {page_number} of {crawl_id}".encode()).hexdigest(),
        page_number=page_number,
        platform="meta",
        api_version=api_version,
        ad_id=ad_id,
        ad_key=key,
        key_is_synthetic=ad_id is None,
        ad_creation_time=created,
        ad_delivery_start_time="2025-12-21T08:29:55+0000",
        ad_delivery_stop_time=None,
        page_id=page_id,
        page_name=page_name,
        bylines=page_name if ad_id is not None else None,
        funding_entity=page_name if ad_id is None else None,
        ad_creative_bodies=bodies,
        ad_creative_link_captions=["nagorikoikya.org"],
        ad_creative_link_descriptions=None,
        ad_creative_link_titles=["আমাদের ইশতেহার"],
        ad_snapshot_url=snapshot_url,
        currency=currency,
        spend_lower=spend_lower,
        spend_upper=spend_upper,
        spend_open_ended=spend is not None and spend_upper is None,
        impressions_lower=1000,
        impressions_upper=1999,
        impressions_open_ended=False,
        languages=["bn"],
        publisher_platforms=["facebook", "instagram"],
        target_ages=["18", "65+"],
        target_gender="All",
        target_locations=[{"name": "Bangladesh", "type": "countries", "excluded": False}],
        demographic_distribution=[
            {"percentage": "0.61", "age": "18-24", "gender": "male"},
            {"percentage": "0.39", "age": "18-24", "gender": "female"},
        ],
        delivery_by_region=[{"percentage": "0.72", "region": "Dhaka Division"},
                            {"percentage": "0.28", "region": "Chittagong Division"}],
        record=record,
        query_country="BD",  # the spider asks one country per query (source_url's ad_reached_countries)
    )
    item.update(fields)
    return item


def generated_meta_ads(
    count: int, *, crawl_id: str = "crawl-generated", repeats: int = 0, start: dt.datetime = CLOCK_START
) -> Iterator[dict]:
    """``count`` distinct ads (ids 9000000001...), then ``repeats`` lines re-fetching the first ones later,
    as a resumed crawl writes them. Pages of 250, as the spider asks for."""
    for index in range(count):
        yield meta_ad_item(
            str(9_000_000_001 + index), crawl_id=crawl_id, fetched_at=start + dt.timedelta(seconds=index // 250),
            page_id=str(700 + index % 997), page_name=f"Page {700 + index % 997}",
            spend=(100 * (index % 50), 100 * (index % 50) + 99), page_number=1 + index // 250,
        )
    for index in range(repeats):
        yield meta_ad_item(
            str(9_000_000_001 + index), crawl_id=crawl_id, fetched_at=start + dt.timedelta(days=1),
            page_id=str(700 + index % 997), page_name=f"Page {700 + index % 997}",
            spend=(5000, 5999), page_number=1 + (count + index) // 250,
        )


def write_crawl(
    crawl_dir: str | Path,
    items: Iterable[dict],
    *,
    item_kind: str = "meta_ad",
    source: str = "meta_ads_archive",
    platform: str = "meta",
    crawl_id: str | None = None,
    scope: dict | None = None,
    status: str = "complete",
    finish_reason: str | None = None,
    error: str | None = None,
    cursor: str | None = None,
    counts: dict | None = None,
    started_at: dt.datetime = CLOCK_START,
    finished_at: dt.datetime | None = None,
    code_version: str = "tests",
) -> Path:
    """Write a crawl folder holding ``items``; returns the folder. Items may be a generator (streamed)."""
    crawl_dir = Path(crawl_dir)
    crawl_dir.mkdir(parents=True, exist_ok=True)
    crawl_id = crawl_id or crawl_dir.name
    scope = DEFAULT_SCOPE if scope is None else scope
    allowed = FIELDS[item_kind]
    digest = hashlib.sha256()
    rows = size = pages = 0
    items_path = crawl_dir / "items.jsonl"
    with items_path.open("wb") as stream:
        for item in items:
            unknown = set(item) - set(allowed)
            if unknown:
                raise KeyError(f"not {item_kind} fields: {sorted(unknown)}")
            line = (json.dumps({**empty_item(item_kind), **item}, ensure_ascii=False) + "\n").encode("utf-8")
            stream.write(line)
            digest.update(line)
            size += len(line)
            rows += 1
            pages = max(pages, item.get("page_number") or 0)
    if finish_reason is None:
        finish_reason = {"complete": "finished", "failed": "retries_exhausted", "running": None}[status]
    if finished_at is None and status != "running":
        finished_at = started_at + dt.timedelta(minutes=12)
    manifest = {
        "format": CRAWL_FORMAT,
        "crawl_id": crawl_id,
        "source": source,
        "platform": platform,
        "scope": scope,
        "scope_hash": scope_hash(scope),
        "started_at": iso(started_at),
        "finished_at": iso(finished_at) if finished_at else None,
        "status": status,
        "finish_reason": finish_reason,
        "error": error,
        "cursor": cursor,
        "counts": counts if counts is not None else {
            "pages": pages, "items": rows, "http_429": 0, "rate_limited": 0, "limit_halved": 0,
            "truncated_body": 0, "repeated_next": 0, "retries": 0, "http_5xx": 0,
        },
        "files": [{"path": "items.jsonl", "kind": "items", "item_kind": item_kind,
                   "sha256": digest.hexdigest(), "size": size, "rows": rows}],
        "code_version": code_version,
    }
    temporary = crawl_dir / "manifest.json.tmp"
    temporary.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, crawl_dir / "manifest.json")
    return crawl_dir


# The committed fixtures: four weekly crawls of Bangladeshi political ads. Week 3's crawl failed (token
# expired) after fetching part of the ads; week 4 completed again with one new ad.
def _week(n: int) -> dt.datetime:
    return CLOCK_START + dt.timedelta(weeks=n - 1)


def fixture_items(week: int) -> list[dict]:
    crawl_id = f"meta_bd_w{week}"
    at = _week(week)
    page_501 = "Nagorik Oikya Dhaka" if week == 1 else "Nagorik Oikya Bangladesh"
    ads = {
        "1001": meta_ad_item("1001", crawl_id=crawl_id, fetched_at=at, page_name=page_501,
                             spend=(0, 99) if week == 1 else (100, 199)),
        "1002": meta_ad_item("1002", crawl_id=crawl_id, fetched_at=at, page_name=page_501, spend=(100, 199),
                             bodies=["ঢাকার যানজট আমরাই কমাবো।"] if week == 1 else ["ঢাকার যানজট ও জলাবদ্ধতা আমরাই কমাবো।"]),
        "1003": meta_ad_item(
            "1003", crawl_id=crawl_id, fetched_at=at, page_id="502", page_name="Janata Forum", spend=(1000, 1499),
            bodies=["Janata Forum: শিক্ষা সবার অধিকার"],
            beneficiary_payers=[{"payer": "Janata Forum Trust", "beneficiary": "Janata Forum", "current": True},
                                {"payer": "Old Print House Ltd", "beneficiary": "Janata Forum", "current": False}],
        ),
        "1004": meta_ad_item("1004", crawl_id=crawl_id, fetched_at=at, page_id="503", page_name="Shobuj Pata",
                             currency=None, spend=(0, 99), ad_delivery_stop_time="2026-01-02"),
        "1005": meta_ad_item(
            "1005", crawl_id=crawl_id, fetched_at=at, page_id="502", page_name="Janata Forum", spend=(100000, None),
            impressions_lower=1000000, impressions_upper=None, impressions_open_ended=True,
            eu_total_reach=5200 if week == 1 else 6100,
            target_locations=[{"name": "Bangladesh", "type": "countries", "excluded": False},
                              {"name": "Germany", "type": "countries", "excluded": False},
                              {"name": "Sylhet Division", "type": "regions", "excluded": True}],
            age_country_gender_reach_breakdown=[{"country": "DE", "age_gender_breakdowns": [
                {"age_range": "25-34", "male": 2100, "female": 1900, "unknown": 40},
                {"age_range": "35-44", "male": 700, "female": 460}]}],
        ),
        "legacy": meta_ad_item(None, crawl_id=crawl_id, fetched_at=at, page_id="504", page_name="Gono Odhikar Mancha",
                               bodies=["পুরোনো বিজ্ঞাপন" if week == 1 else "পুরোনো বিজ্ঞাপন, নতুন লেখা"],
                               ad_creation_time="2019-11-03T08:29:55+0000"),
        "1006": meta_ad_item("1006", crawl_id=crawl_id, fetched_at=at, page_name=page_501, spend=(200, 299)),
        "1007": meta_ad_item("1007", crawl_id=crawl_id, fetched_at=at, page_id="505", page_name="Nodi Bachao",
                             spend=(0, 99), languages=["bn", "en"]),
    }
    keys = {1: ["1001", "1002", "1003", "1004", "1005", "legacy"],
            2: ["1001", "1002", "1004", "1005", "legacy", "1006"],
            3: ["1001", "1006"],
            4: ["1001", "1002", "1004", "1005", "legacy", "1006", "1007"]}[week]
    items = [ads[key] for key in keys]
    if week == 1:
        # a resumed crawl re-wrote ad 1001 from an earlier page fetch: the later fetch must win
        items.insert(0, meta_ad_item("1001", crawl_id=crawl_id, fetched_at=at - dt.timedelta(hours=1),
                                     page_name=page_501, spend=(0, 99), bodies=["খসড়া"]))
    return items


# (folder under tests/fixtures/crawls, the as_of date its snapshot stands for)
FIXTURE_WEEKS = (
    ("meta_bd_w1", "2026-01-05"),
    ("meta_bd_w2", "2026-01-12"),
    ("meta_bd_w3_failed", "2026-01-19"),
    ("meta_bd_w4", "2026-01-26"),
)


def write_fixture_crawls(root: Path = FIXTURES_DIR) -> list[Path]:
    folders = []
    for week in (1, 2, 3, 4):
        failed = week == 3
        folders.append(write_crawl(
            root / (f"meta_bd_w{week}" + ("_failed" if failed else "")),
            fixture_items(week),
            crawl_id=f"meta_bd_w{week}",
            started_at=_week(week),
            status="failed" if failed else "complete",
            finish_reason="token_expired" if failed else "finished",
            error=("The Meta access token expired (Graph API error 190). Create a new token and set "
                   "META_ACCESS_TOKEN, then run adtrail snapshot again to resume.") if failed else None,
            cursor=("https://graph.facebook.com/v19.0/ads_archive?after=QVFIUm&limit=250&access_token=REDACTED"
                    if failed else None),
        ))
    return folders


if __name__ == "__main__":
    for folder in write_fixture_crawls():
        print(folder)

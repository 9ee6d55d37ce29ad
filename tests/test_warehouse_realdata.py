"""Real Meta ads_archive pages (../shared/realdata/meta), parsed by the spider's parser, loaded end to end.

The v19.0 pages (2024) carry ids, lists and bylines; the 2019 full-day run is v5-era: no ids (synthetic
keys), no currency, single-valued legacy fields, timestamps written "2019-11-03T08:29:55+0000".
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from spiders.parsers.meta_ads_archive import parse_page
from tests.crawl_factory import write_crawl
from warehouse import db, load, snapshots

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
META = REALDATA / "meta"

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata"),
]


def _items(run: str, pages: int, api_version: str) -> list[dict]:
    items = []
    for number in range(1, pages + 1):
        body = (META / f"guardian_ukelection_{run}_{number}.json").read_bytes()
        page = parse_page(
            body,
            source_url=f"https://graph.facebook.com/{api_version}/ads_archive?search_terms=Woking&access_token=REDACTED",
            fetched_at="2024-05-18T10:52:27+00:00",
            crawl_id=run,
            page_number=number,
            body_sha256=hashlib.sha256(body).hexdigest(),
        )
        items.extend(page.items)
    return items


@pytest.fixture
def con(tmp_path):
    connection = db.connect(tmp_path / "adtrail.duckdb")
    yield connection
    connection.close()


def test_real_v19_pages_load_into_core(con, tmp_path):
    items = _items("test_run_FacebookAds_2024518T105227", 3, "v19.0")
    crawl = write_crawl(tmp_path / "v19", items, crawl_id="guardian-v19")
    sid = snapshots.begin_or_resume(con, "2024-05-18", "tests")
    result = load.load_crawl(con, sid, crawl)
    keys = {item["ad_key"] for item in items}
    assert result.items_loaded == len(keys) == 4
    rows = con.execute(
        "SELECT ad_key, key_is_synthetic, payer_name, spend_currency, spend_low, spend_high, "
        "created_at IS NOT NULL, delivery_start IS NOT NULL, content_bodies FROM core_ad ORDER BY ad_key"
    ).fetchall()
    assert {row[0] for row in rows} == keys
    for ad_key, synthetic, payer, currency, low, high, created, start, bodies in rows:
        item = next(i for i in items if i["ad_key"] == ad_key)
        assert not synthetic
        assert payer == item["bylines"]
        assert currency == item["currency"]
        assert (low, high) == (item["spend_lower"], item["spend_upper"])
        assert created and start  # every real date parsed
        assert bodies == item["ad_creative_bodies"]
    # the snapshot URL kept in core is the redacted one
    assert con.execute("SELECT count(*) FROM core_ad WHERE content_url LIKE '%access_token=%' "
                       "AND content_url NOT LIKE '%access_token=REDACTED%'").fetchall() == [(0,)]


def test_real_v5_run_loads_with_synthetic_keys_and_no_guessed_currency(con, tmp_path):
    items = _items("full_day_run_FacebookAds_2019113T112323", 3, "v5.0")
    crawl = write_crawl(tmp_path / "v5", items, crawl_id="guardian-v5")
    sid = snapshots.begin_or_resume(con, "2019-11-13", "tests")
    result = load.load_crawl(con, sid, crawl)
    distinct_keys = len({item["ad_key"] for item in items})
    # some 2019 records carry no "paid for by" line at all: their payer stays NULL
    with_payer = len({item["ad_key"] for item in items if item["funding_entity"] or item["bylines"]})
    assert 0 < with_payer < distinct_keys
    assert result.items_read == len(items) and result.items_loaded == distinct_keys
    assert con.execute(
        "SELECT count(*), count(DISTINCT ad_key), bool_and(key_is_synthetic), count(spend_currency), "
        "count(created_at), count(delivery_start), count(payer_name) FROM core_ad"
    ).fetchall() == [(distinct_keys, distinct_keys, True, 0, distinct_keys, distinct_keys, with_payer)]
    # timestamps written with a +0000 offset are parsed to the same instant
    first = next(item for item in items if "T" in (item["ad_creation_time"] or ""))
    assert con.execute(
        "SELECT strftime(created_at, '%Y-%m-%dT%H:%M:%S+0000') FROM core_ad WHERE ad_key = ?", [first["ad_key"]]
    ).fetchall() == [(first["ad_creation_time"],)]
    # legacy region_distribution travels in platform_fields.delivery_by_region
    regions = con.execute(
        "SELECT platform_fields->'delivery_by_region' FROM core_ad WHERE ad_key = ?", [first["ad_key"]]
    ).fetchall()[0][0]
    assert json.loads(regions) == first["delivery_by_region"]
    snapshots.complete(con, sid)
    assert con.execute("SELECT count(*) FROM mart_ad_changes").fetchall() == [(0,)]

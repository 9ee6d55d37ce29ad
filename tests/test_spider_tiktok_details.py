"""The tiktok_commercial_content spider's advertiser query and ad details, run as adtrail runs it against
tests/tiktok_server.py (answers written from TikTok's reference pages: tests/fixtures/tiktok/README.md),
then loaded into a real DuckDB warehouse."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from demo.tiktok_server import DEMO_CLIENT_KEY, DEMO_CLIENT_SECRET, TikTokDemoServer, ad_detail
from demo.tiktok_world import TIKTOK_COUNTRIES, generate_tiktok_world
from demo.world import generate_world
from spiders.items import FIELDS
from tests.test_spider_tiktok import SECRET, THREE_PAGES, crawl, items, manifest, search_ids
from tests.tiktok_server import TikTokServer
from warehouse import db, load, snapshots

pytestmark = pytest.mark.slow
SCOPE = {"countries": ["FR"], "date_min": "2024-05-01", "date_max": "2024-06-30", "search_terms": ["élection"]}
DETAILS = {**SCOPE, "fetch_ad_details": True}
ADS = ["7300000000000001", "7300000000000002", "7300000000000003", "7300000000000004", "7300000000000005"]


def endpoints(server: TikTokServer) -> dict[str, str]:
    return {"TIKTOK_ADVERTISER_QUERY_URL": f"{server.base_url}/v2/research/adlib/advertiser/query/",
            "TIKTOK_AD_DETAIL_URL": f"{server.base_url}/v2/research/adlib/ad/detail/"}


def load_folder(tmp_path: Path, out: Path, query: str, params: list | None = None) -> list[tuple]:
    con = db.connect(tmp_path / "adtrail.duckdb")
    try:
        sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
        load.load_crawl(con, sid, out)
        return con.execute(query, [sid, *(params or [])]).fetchall()
    finally:
        con.close()


# ---- advertiser query

def test_advertiser_query_pages_by_search_id_into_tiktok_advertiser_rows(tmp_path):
    out = tmp_path / "crawl"
    script = {"first": [(200, "advertisers_paged1.json")],
              "eyJhZHZlcnRpc2VycyI6Mn0": [(200, "advertisers_paged2.json")]}
    scope = {"content": "advertisers", "search_terms": ["Parti Exemple"]}
    with TikTokServer(script, client_secret=SECRET) as server:
        completed = crawl(server, out, scope=scope, settings=endpoints(server))
    assert completed.returncode == 0, completed.stderr
    saved = manifest(out)
    assert (saved["status"], saved["counts"]["pages"]) == ("complete", 2)
    assert "Parti Exemple" not in json.dumps(saved)  # the term is hashed
    requests = server.api_requests()
    assert {request["path"] for request in requests} == {"/v2/research/adlib/advertiser/query/"}
    assert requests[0]["query"]["fields"] == "business_id,business_name,country_code"
    assert json.loads(requests[0]["body"]) == {"search_term": "Parti Exemple", "max_count": 50}
    assert search_ids(server) == [None, "eyJhZHZlcnRpc2VycyI6Mn0"]
    rows = items(out)
    assert all(list(row) == list(FIELDS["tiktok_advertiser"]) for row in rows)
    assert [row["advertiser_key"] for row in rows] == ["1755645247067185:FR", "1755645247067186:FR",
                                                       "1755645247067185:BE"]
    loaded = load_folder(tmp_path, out, "SELECT business_id, business_name, country_code FROM raw_tiktok_advertiser "
                                        "WHERE snapshot_id = ? ORDER BY country_code, business_id")
    assert loaded == [("1755645247067185", "Parti Exemple", "BE"), ("1755645247067185", "Parti Exemple", "FR"),
                      ("1755645247067186", "Parti Exemple Jeunes", "FR")]


def test_advertiser_answer_without_paging_ends_the_chain(tmp_path):
    out = tmp_path / "crawl"
    with TikTokServer({"first": [(200, "advertisers.json")]}, client_secret=SECRET) as server:
        completed = crawl(server, out, scope={"content": "advertisers", "search_terms": ["awesome"]},
                          settings=endpoints(server))
    assert completed.returncode == 0, completed.stderr
    assert manifest(out)["status"] == "complete" and len(server.api_requests()) == 1
    assert [(row["business_name"], row["country_code"]) for row in items(out)] == [
        ("Awesome Food Co.", "US"), ("Awesome Drink Co.", "CA")]


def test_advertiser_scope_refuses_ad_filters(tmp_path):
    with TikTokServer({"first": [(200, "advertisers.json")]}, client_secret=SECRET) as server:
        completed = crawl(server, tmp_path / "crawl", settings=endpoints(server),
                          scope={"content": "advertisers", "search_terms": ["x"], "date_min": "2024-05-01"})
    assert completed.returncode != 0
    assert "advertiser query takes only search terms" in completed.stderr
    assert server.api_requests() == []


# ---- ad details

def test_details_fetched_once_per_ad_and_loaded_into_core(tmp_path):
    out = tmp_path / "crawl"
    with TikTokServer(THREE_PAGES, client_secret=SECRET) as server:
        completed = crawl(server, out, scope=DETAILS, settings=endpoints(server))
    assert completed.returncode == 0, completed.stderr
    assert sorted(str(ad_id) for ad_id in server.detail_ad_ids()) == ADS
    detail_request = next(r for r in server.api_requests() if r["path"].endswith("/ad/detail/"))
    assert detail_request["query"] == {"fields": "ad,ad_group,advertiser"}
    saved = manifest(out)
    assert saved["status"] == "complete"
    assert saved["ad_details"] == {"listed": 5, "fetched": 5, "due": 0}
    assert saved["budget"]["requests"] == 8  # three query pages and five details
    details = [row for row in items(out) if row["endpoint"] == "ad_detail"]
    assert sorted(row["ad_id"] for row in details) == ADS
    assert all(row["query_country"] == "FR" and row["targeted_countries"] == ["IT", "GB"] for row in details)

    core = load_folder(tmp_path, out, "SELECT ad_key, targeting_ages, targeting_gender, targeting_locations_included, "
                                      "platform_fields->>'endpoint' FROM core_ad WHERE snapshot_id = ? "
                                      "AND platform = 'tiktok' ORDER BY ad_key")
    assert [row[0] for row in core] == ADS
    for _, ages, gender, locations, endpoint in core:
        assert endpoint == "ad_detail"
        assert ages == ["35-44", "45-54", "55+"] and gender == "female,male,unknown"
        assert {location["name"] for location in json.loads(locations)} == {"IT", "GB"}
    reach = load_folder(tmp_path, out, "SELECT ad_key, country, reach FROM core_ad_country_reach "
                                       "WHERE snapshot_id = ? AND platform = 'tiktok' AND ad_key = ? ORDER BY country",
                        [ADS[0]])
    assert reach == [(ADS[0], "GB", 18000), (ADS[0], "IT", 12000)]


def test_without_the_setting_no_detail_is_asked(tmp_path):
    out = tmp_path / "crawl"
    with TikTokServer(THREE_PAGES, client_secret=SECRET) as server:
        completed = crawl(server, out, scope=SCOPE, settings=endpoints(server))
    assert completed.returncode == 0, completed.stderr
    assert server.detail_ad_ids() == [] and manifest(out)["budget"]["requests"] == 3
    assert not (out / "state" / "ad_details.json").exists()


def test_budget_spent_among_details_rerun_asks_only_the_details_still_due(tmp_path):
    out = tmp_path / "crawl"
    with TikTokServer(THREE_PAGES, client_secret=SECRET) as server:
        # page 1, page 2, the first ad's detail: then the budget is spent
        stopped = crawl(server, out, scope=DETAILS, settings={**endpoints(server), "TIKTOK_DAILY_REQUEST_BUDGET": "3"})
        assert stopped.returncode == 3
        saved = manifest(out)
        assert (saved["status"], saved["finish_reason"]) == ("failed", "budget_exhausted")
        assert f"The detail of ad {ADS[1]} was not asked" in saved["error"]
        assert saved["ad_details"] == {"listed": 4, "fetched": 1, "due": 3}
        assert [str(ad_id) for ad_id in server.detail_ad_ids()] == [ADS[0]]

        resumed = crawl(server, out, scope=DETAILS, settings={**endpoints(server), "TIKTOK_DAILY_REQUEST_BUDGET": "100"})
    assert resumed.returncode == 0, resumed.stderr
    asked = [str(ad_id) for ad_id in server.detail_ad_ids()]
    assert len(asked) == len(set(asked)) and sorted(asked) == ADS  # no detail asked twice
    pages = [json.loads(r["body"]).get("search_id") for r in server.api_requests() if r["path"].endswith("/ad/query/")]
    assert pages == [None, "eyJsYXN0X3NvcnQiOlsyXX0", "eyJsYXN0X3NvcnQiOls0XX0"]  # no query page asked twice
    saved = manifest(out)
    assert saved["status"] == "complete" and saved["ad_details"] == {"listed": 5, "fetched": 5, "due": 0}
    assert saved["budget"]["requests"] == 3 + 1 + 4  # the same UTC day: page 3 and the four details left
    core = load_folder(tmp_path, out, "SELECT ad_key, targeting_ages FROM core_ad WHERE snapshot_id = ? "
                                      "AND platform = 'tiktok' ORDER BY ad_key")
    assert core == [(ad, ["35-44", "45-54", "55+"]) for ad in ADS]


# ---- the demo's TikTok server answers both endpoints as the spider asks them

def test_demo_server_advertisers_and_details(tmp_path):
    world = generate_world(1)
    tiktok_world = generate_tiktok_world(world)
    advertiser = tiktok_world.advertisers[0]
    term = advertiser.name.split()[0]
    expected_advertisers = sorted(f"{a.business_id}:{c}" for a in tiktok_world.advertisers
                                  if term.casefold() in a.name.casefold() for c in a.countries)
    country = TIKTOK_COUNTRIES[0]
    date_min, date_max = "2025-09-01", world.as_of.isoformat()
    ads = tiktok_world.ads_for(country, date_min.replace("-", ""), date_max.replace("-", ""))
    with TikTokDemoServer(tiktok_world) as demo:
        server = SimpleNamespace(base_url=demo.url)
        found = crawl(server, tmp_path / "advertisers", scope={"content": "advertisers", "search_terms": [term]},
                      settings={**endpoints(server), "TIKTOK_MAX_COUNT": "1"},
                      client_key=DEMO_CLIENT_KEY, secret=DEMO_CLIENT_SECRET)
        detailed = crawl(server, tmp_path / "ads", settings=endpoints(server),
                         scope={"countries": [country], "date_min": date_min, "date_max": date_max,
                                "fetch_ad_details": True},
                         client_key=DEMO_CLIENT_KEY, secret=DEMO_CLIENT_SECRET)
    assert found.returncode == 0, found.stderr
    assert manifest(tmp_path / "advertisers")["counts"]["pages"] == len(expected_advertisers)  # one a page
    assert sorted(row["advertiser_key"] for row in items(tmp_path / "advertisers")) == expected_advertisers
    assert detailed.returncode == 0, detailed.stderr
    assert ads and manifest(tmp_path / "ads")["ad_details"] == {"listed": len(ads), "fetched": len(ads), "due": 0}
    details = {row["ad_id"]: row for row in items(tmp_path / "ads") if row["endpoint"] == "ad_detail"}
    assert sorted(details) == sorted(str(entry["ad"]["id"]) for entry in ads)
    for entry in ads:
        assert details[str(entry["ad"]["id"])]["targeting"] == ad_detail(entry)["ad_group"]["targeting_info"]

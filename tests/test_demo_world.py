"""The demo world and its Graph API server: deterministic weeks that change like real ones, pages shaped
like the real v19 ads_archive sample, paging that returns every matching ad once, and tokens that the
parser removes."""

import datetime as dt
import hashlib
import json
import unicodedata
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from demo.meta_buckets import IMPRESSIONS_BUCKET_STEPS, bucket
from demo.server import GraphApiServer
from demo.world import DEMO_START, generate_world
from spiders.items import FIELDS
from spiders.parsers.graph_errors import classify
from spiders.parsers.meta_ads_archive import parse_page
from spiders.secrets import Redactor

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
META = REALDATA / "meta"
needs_realdata = pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")
TOKEN = "demo-token|with/slash+plus"
REAL_V19 = [META / f"guardian_ukelection_test_run_FacebookAds_2024518T105227_{n}.json" for n in (1, 2, 3)]
REAL_PAGES = REAL_V19 + [META / f"guardian_ukelection_full_day_run_FacebookAds_2019113T112323_{n}.json"
                         for n in (1, 2)]
# Coarser buckets that sit beside the fine ones in the 2019 pages; the demo makes only the fine ones.
COARSE_2019 = {(100, 499), (500, 999), (1000, 4999), (5000, 9999), (10000, 49999), (50000, 99999),
               (100000, 199999), (200000, 499999), (500000, 999999)}


@pytest.fixture(scope="module")
def week1():
    return generate_world(1)


@pytest.fixture(scope="module")
def week2():
    return generate_world(2)


@pytest.fixture(scope="module")
def server(week1):
    with GraphApiServer(week1) as running:
        yield running


def records(world):
    return {ad_id: world.record(ad, "t") for ad_id, ad in world.ads.items()}


def get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def crawl(server, query: str, headers: dict | None = None) -> tuple[list[dict], list[bytes]]:
    """Follow paging.next from the first page to the empty one; the ads and every body."""
    url, ads, bodies = f"{server.url}?{query}", [], []
    while url:
        status, body = get(url, headers)
        assert status == 200, body
        bodies.append(body)
        page = json.loads(body)
        ads += page["data"]
        url = page.get("paging", {}).get("next")
        assert len(bodies) < 200
    assert json.loads(bodies[-1]) == {"data": []}
    return ads, bodies


def test_same_week_and_seed_give_the_same_world():
    assert json.dumps(records(generate_world(3))) == json.dumps(records(generate_world(3)))
    assert set(generate_world(1, seed=7).ads) != set(generate_world(1).ads)


def test_week_one_size_places_and_date(week1):
    assert week1.as_of == DEMO_START + dt.timedelta(weeks=1)
    assert 2500 <= len(week1.ads) <= 3500 and 200 <= len(week1.pages) <= 500
    assert week1.countries[:6] == ["BD", "BR", "IN", "KE", "NG", "ID"]
    assert {"PK", "PH", "ZA", "MX"} <= set(week1.countries)
    currencies = {ad.currency for ad in week1.ads.values()}
    assert {"BDT", "BRL", "INR", "KES", "NGN", "IDR", "PKR", "PHP", "ZAR", "MXN"} <= currencies
    for ad in week1.ads.values():
        assert ad.created <= ad.start <= week1.as_of
        assert ad.stop is None or ad.start <= ad.stop <= week1.as_of


@pytest.mark.parametrize(("country", "script"), [("BD", "BENGALI"), ("IN", "DEVANAGARI"), ("PK", "ARABIC"),
                                                 ("BR", "LATIN"), ("NG", "LATIN")])
def test_ads_are_written_in_the_countrys_scripts(week1, country, script):
    texts = [" ".join(ad.bodies) for ad in week1.ads.values() if ad.country == country]
    assert any(any(unicodedata.name(char, "").startswith(script) for char in text) for text in texts)


def test_some_ads_are_sensational_most_are_not(week1):
    sensational = sum(ad.sensational for ad in week1.ads.values())
    assert 0.03 * len(week1.ads) < sensational < 0.3 * len(week1.ads)


def test_week_two_moves_on_from_week_one(week1, week2):
    before, after = records(week1), records(week2)
    assert week2.as_of - week1.as_of == dt.timedelta(days=7)
    assert set(before) < set(after)  # ads keep their ids; new ads appear
    assert len(set(after) - set(before)) >= 200
    ended = [ad_id for ad_id, record in before.items()
             if "ad_delivery_stop_time" not in record and "ad_delivery_stop_time" in after[ad_id]]
    assert len(ended) >= 50
    grown = [ad_id for ad_id in before
             if int(after[ad_id]["spend"]["lower_bound"]) > int(before[ad_id]["spend"]["lower_bound"])]
    assert len(grown) >= 100
    for ad_id in before:
        for amount in ("spend", "impressions"):
            assert int(after[ad_id][amount]["lower_bound"]) >= int(before[ad_id][amount]["lower_bound"])
        assert after[ad_id]["ad_creative_bodies"] == before[ad_id]["ad_creative_bodies"]
        assert after[ad_id]["ad_creation_time"] == before[ad_id]["ad_creation_time"]
    renamed = [page for page in week2.pages.values()
               if page.page_id in week1.pages and page.name != week1.pages[page.page_id].name]
    assert renamed and all(page.former_names[-1] == week1.pages[page.page_id].name for page in renamed)
    renamed_ads = [r for r in after.values() if r["page_id"] == renamed[0].page_id]
    assert renamed_ads and {r["page_name"] for r in renamed_ads} == {renamed[0].name}


@needs_realdata
@pytest.mark.realdata
def test_bucket_scheme_reproduces_the_real_buckets():
    seen = 0
    for path in REAL_PAGES:
        for record in json.loads(path.read_bytes())["data"]:
            for amount, steps in (("spend", None), ("impressions", IMPRESSIONS_BUCKET_STEPS)):
                lower = int(record[amount]["lower_bound"])
                upper = record[amount].get("upper_bound")
                real = (lower, None if upper is None else int(upper))
                if real not in COARSE_2019:
                    assert bucket(lower, *([steps] if steps else [])) == real
                    seen += 1
    assert seen > 3000


def test_served_buckets_are_whole_buckets_with_some_open_at_the_top(week1):
    open_spend = 0
    for record in records(week1).values():
        for amount, steps in (("spend", None), ("impressions", IMPRESSIONS_BUCKET_STEPS)):
            bounds = record[amount]
            assert all(isinstance(value, str) and value.isdigit() for value in bounds.values())
            lower = int(bounds["lower_bound"])
            upper = int(bounds["upper_bound"]) if "upper_bound" in bounds else None
            assert bucket(lower, *([steps] if steps else [])) == (lower, upper)
        open_spend += "upper_bound" not in record["spend"]
    assert 0 < open_spend < 0.2 * len(week1.ads)


def shape(value):
    """The structure of a JSON value: object keys and JSON types, recursively, list items merged into one
    shape. A scalar's shape is the set of its type names, so shapes of several values can be merged."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        merged = None
        for item in value:
            merged = shape(item) if merged is None else merge(merged, shape(item))
        return [merged]
    return frozenset({type(value).__name__})


def merge(left, right):
    """One shape covering both; a key missing on one side is simply absent there."""
    if isinstance(left, dict) and isinstance(right, dict):
        return {key: merge(left[key], right[key]) if key in left and key in right else left.get(key, right.get(key))
                for key in left.keys() | right.keys()}
    if isinstance(left, list) and isinstance(right, list):
        if left[0] is None or right[0] is None:
            return [left[0] if right[0] is None else right[0]]
        return [merge(left[0], right[0])]
    if isinstance(left, frozenset) and isinstance(right, frozenset):
        return left | right
    raise AssertionError(f"an object, a list and a scalar mixed in one place: {left} / {right}")


def is_subset(served, real) -> bool:
    if isinstance(served, dict) and isinstance(real, dict):
        return all(key in real and is_subset(value, real[key]) for key, value in served.items())
    if isinstance(served, list) and isinstance(real, list):
        return served[0] is None or (real[0] is not None and is_subset(served[0], real[0]))
    if isinstance(served, frozenset) and isinstance(real, frozenset):
        return served <= real
    return False


def test_shape_comparison_can_fail():
    real = shape({"data": [{"id": "1", "spend": {"lower_bound": "0"}}, {"id": "2", "tags": ["a"]}]})
    assert is_subset(shape({"data": [{"id": "3", "tags": []}]}), real)
    assert not is_subset(shape({"data": [{"id": 3}]}), real)  # a number where Meta writes a string
    assert not is_subset(shape({"data": [{"id": "3", "spend": {"lower_bound": "0", "upper": "9"}}]}), real)
    assert not is_subset(shape({"data": [{"id": "3", "extra": True}]}), real)


@needs_realdata
@pytest.mark.realdata
def test_served_pages_are_shaped_like_the_real_v19_pages(server):
    real = {}
    for path in REAL_V19:
        real = merge(real, shape(json.loads(path.read_bytes())))
    fields = sorted(real["data"][0])
    status, body = get(f"{server.url}?ad_reached_countries=['BD','BR','IN']&ad_active_status=ALL&limit=300"
                       f"&fields={','.join(fields)}&access_token={quote(TOKEN, safe='')}")
    served = shape(json.loads(body))
    assert status == 200 and is_subset(served, real), str(served)[:2000]
    assert set(served["data"][0]) >= {"id", "spend", "impressions", "ad_creative_bodies", "currency"}


def test_paging_returns_every_matching_ad_once(server, week1):
    ads, bodies = crawl(server, f"ad_reached_countries=['BR','KE']&ad_active_status=ALL&limit=333"
                                f"&fields=id,page_name&access_token={quote(TOKEN, safe='')}")
    ids = [ad["id"] for ad in ads]
    expected = {ad.ad_id for ad in week1.ads.values() if ad.country in ("BR", "KE")}
    assert len(ids) == len(set(ids)) == len(expected) and set(ids) == expected
    assert len(bodies) == -(-len(expected) // 333) + 1


@pytest.mark.parametrize("query", [
    'ad_reached_countries=["IN"]&ad_active_status=ACTIVE',
    "ad_reached_countries=['NG']&ad_active_status=INACTIVE&ad_delivery_date_min=2026-01-01",
    "ad_reached_countries=ALL&ad_active_status=ALL&ad_delivery_date_max=2025-11-15",
])
def test_filters_match_the_world(server, week1, query):
    ads, _ = crawl(server, f"{query}&limit=5000&fields=id", {"Authorization": f"OAuth {TOKEN}"})
    params = dict(part.split("=", 1) for part in query.split("&"))
    status = params["ad_active_status"]
    expected = {
        ad.ad_id for ad in week1.ads.values()
        if (params["ad_reached_countries"] == "ALL" or ad.country in params["ad_reached_countries"])
        and (status == "ALL" or (status == "ACTIVE") == (ad.stop is None))
        and ("ad_delivery_date_min" not in params or ad.stop is None
             or ad.stop >= dt.date.fromisoformat(params["ad_delivery_date_min"]))
        and ("ad_delivery_date_max" not in params or ad.start <= dt.date.fromisoformat(params["ad_delivery_date_max"]))
    }
    assert expected and sorted(ad["id"] for ad in ads) == sorted(expected)


def test_search_terms_and_page_ids(server, week1):
    page = max(week1.pages.values(), key=lambda page: sum(ad.page_id == page.page_id for ad in week1.ads.values()))
    ads, _ = crawl(server, f"ad_reached_countries=ALL&ad_active_status=ALL&search_page_ids=[{page.page_id}]"
                           f"&fields=id,page_id&limit=50", {"Authorization": f"Bearer {TOKEN}"})
    assert ads and {ad["page_id"] for ad in ads} == {page.page_id}
    assert len(ads) == sum(ad.page_id == page.page_id for ad in week1.ads.values())
    ads, _ = crawl(server, "ad_reached_countries=['BR']&ad_active_status=ALL&search_terms='URGENTE'"
                           "&fields=id,ad_creative_bodies&limit=100", {"Authorization": f"Bearer {TOKEN}"})
    assert ads and all("urgente" in " ".join(ad["ad_creative_bodies"]).casefold() for ad in ads)


def test_only_requested_fields_come_back(server):
    status, body = get(f"{server.url}?ad_reached_countries=['KE']&fields=spend,currency",
                       {"Authorization": f"Bearer {TOKEN}"})
    data = json.loads(body)["data"]
    assert status == 200 and len(data) == 25  # Meta's default limit
    assert all(set(ad) == {"id", "spend", "currency"} for ad in data)


def test_next_url_carries_the_callers_token(server):
    status, body = get(f"{server.url}?ad_reached_countries=['ID']&fields=id&limit=2",
                       {"Authorization": f"Bearer {TOKEN}"})
    next_url = json.loads(body)["paging"]["next"]
    assert next_url.startswith(server.url + "?access_token=" + quote(TOKEN, safe="") + "&")
    assert "limit=2" in next_url and "&after=" in next_url


def test_missing_token_is_a_code_190_error(server):
    status, body = get(f"{server.url}?ad_reached_countries=['BD']")
    assert status == 400 and json.loads(body)["error"]["code"] == 190
    assert classify(status, body, {}).action == "stop_token_expired"


def test_unknown_field_and_bad_cursor_are_refused(server):
    status, body = get(f"{server.url}?ad_reached_countries=['BD']&fields=id,no_such_field&access_token=x")
    assert status == 400 and "no_such_field" in json.loads(body)["error"]["message"]
    assert classify(status, body, {}).action == "stop"
    status, body = get(f"{server.url}?ad_reached_countries=['BD']&after=bm90LWEtY3Vyc29y&access_token=x")
    assert status == 400 and json.loads(body)["error"]["code"] == 100


def test_parse_page_on_served_pages_removes_the_token(server):
    fields = ("ad_creation_time,ad_creative_bodies,ad_creative_link_titles,ad_delivery_start_time,"
              "ad_delivery_stop_time,ad_snapshot_url,bylines,currency,delivery_by_region,demographic_distribution,"
              "estimated_audience_size,impressions,languages,page_id,page_name,publisher_platforms,spend")
    url = f"{server.url}?ad_reached_countries=['BD']&ad_active_status=ALL&fields={fields}&limit=200" \
          f"&access_token={quote(TOKEN, safe='')}"
    status, body = get(url)
    assert TOKEN.encode() not in body and quote(TOKEN, safe="").encode() in body  # as Meta echoes it
    page = parse_page(body, source_url=url, fetched_at="2026-01-12T00:00:00+00:00", crawl_id="demo",
                      page_number=1, body_sha256=hashlib.sha256(body).hexdigest(), redactor=Redactor([TOKEN]))
    assert len(page.items) == 200 and page.next_url and "access_token" not in page.next_url
    dumped = json.dumps(page.items) + page.next_url
    assert "demo-token" not in dumped and "with/slash" not in dumped and "with%2Fslash" not in dumped
    for item in page.items:
        assert list(item) == list(FIELDS["meta_ad"])
        assert item["api_version"] == "v23.0" and not item["key_is_synthetic"] and item["currency"]
        assert item["ad_snapshot_url"] == f"https://www.facebook.com/ads/archive/render_ad/?id={item['ad_id']}"
        assert isinstance(item["spend_lower"], int) and isinstance(item["impressions_lower"], int)
        assert item["audience_size_field"] == "estimated_audience_size" and item["page_name"]

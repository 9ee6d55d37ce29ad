"""spiders.parsers.meta_ads_archive on real ads_archive pages (v5.0 and v19.0) and written fixtures."""

import hashlib
import json
from pathlib import Path

import pytest

from spiders.items import FIELDS
from spiders.parsers.meta_ads_archive import MalformedPage, parse_page, parse_records
from spiders.secrets import Redactor

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
META = REALDATA / "meta"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "meta_graph"
needs_realdata = pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")

V5_RUN = "guardian_ukelection_full_day_run_FacebookAds_2019113T112323_{}.json"
V19_RUN = "guardian_ukelection_test_run_FacebookAds_2024518T105227_{}.json"
TOKEN = "EAAWrittenFixtureToken"


def parse(body: bytes, url: str, page_number: int = 1, redactor=None):
    return parse_page(body, source_url=url, fetched_at="2026-01-12T10:00:00+00:00", crawl_id="crawl-test",
                      page_number=page_number, body_sha256=hashlib.sha256(body).hexdigest(), redactor=redactor)


def real_pages(pattern: str, version: str):
    url = f"https://graph.facebook.com/{version}/ads_archive?access_token={TOKEN}&limit=1000"
    return [parse((META / pattern.format(n)).read_bytes(), url, n, Redactor([TOKEN])) for n in (1, 2, 3)]


@pytest.fixture(scope="module")
def v5_pages():
    return real_pages(V5_RUN, "v5.0")


@pytest.fixture(scope="module")
def v19_pages():
    return real_pages(V19_RUN, "v19.0")


@needs_realdata
@pytest.mark.realdata
def test_v5_crawl_gives_1000_863_0(v5_pages):
    assert [len(page.items) for page in v5_pages] == [1000, 863, 0]
    assert v5_pages[2].next_url is None


@needs_realdata
@pytest.mark.realdata
def test_v19_run_gives_2_2_0(v19_pages):
    assert [len(page.items) for page in v19_pages] == [2, 2, 0]


@needs_realdata
@pytest.mark.realdata
@pytest.mark.parametrize("run", ["v5", "v19"])
def test_next_url_is_redacted_and_keeps_after(run, v5_pages, v19_pages):
    page = (v5_pages if run == "v5" else v19_pages)[0]
    assert page.next_url.startswith("https://graph.facebook.com/")
    assert "access_token" not in page.next_url
    raw = json.loads((META / (V5_RUN if run == "v5" else V19_RUN).format(1)).read_bytes())
    assert page.next_url.endswith("&after=" + raw["paging"]["cursors"]["after"])


@needs_realdata
@pytest.mark.realdata
def test_every_item_has_exactly_the_contract_keys(v5_pages, v19_pages):
    for page in v5_pages + v19_pages:
        for item in page.items:
            assert list(item) == list(FIELDS["meta_ad"])


@needs_realdata
@pytest.mark.realdata
def test_v5_items_have_synthetic_keys_and_no_currency(v5_pages):
    items = v5_pages[0].items + v5_pages[1].items
    assert all(item["key_is_synthetic"] and item["ad_key"].startswith("synthetic:") for item in items)
    assert all(item["ad_id"] is None and item["currency"] is None for item in items)
    assert {item["api_version"] for item in items} == {"v5.0"}


@needs_realdata
@pytest.mark.realdata
def test_synthetic_keys_are_distinct_where_records_differ(v5_pages):
    items = v5_pages[0].items + v5_pages[1].items
    distinct_records = {json.dumps(item["record"], sort_keys=True) for item in items}
    assert len({item["ad_key"] for item in items}) == len(distinct_records) == 1863


@needs_realdata
@pytest.mark.realdata
def test_synthetic_key_is_stable_for_the_same_record(v5_pages):
    again = real_pages(V5_RUN, "v5.0")
    assert [i["ad_key"] for i in again[0].items] == [i["ad_key"] for i in v5_pages[0].items]


@needs_realdata
@pytest.mark.realdata
def test_v5_legacy_fields_map_to_current_names(v5_pages):
    first = v5_pages[0].items[0]
    record = json.loads((META / V5_RUN.format(1)).read_bytes())["data"][0]
    assert first["funding_entity"] == record["funding_entity"] == "Huw Elfed Williams"
    assert first["ad_creative_bodies"] == [record["ad_creative_body"]]
    assert first["ad_creative_link_titles"] == [record["ad_creative_link_title"]]
    assert first["ad_creative_link_captions"] == ["bright-green.org"]
    assert first["ad_creative_link_descriptions"] == ["Wales' answer to climate change"]
    assert first["delivery_by_region"] == [{"percentage": "1", "region": "Wales"}]
    assert (first["spend_lower"], first["spend_upper"], first["spend_open_ended"]) == (0, 99, False)
    assert (first["impressions_lower"], first["impressions_upper"]) == (0, 999)
    assert first["record"] == record


@needs_realdata
@pytest.mark.realdata
def test_v5_open_top_impressions_bucket(v5_pages):
    open_items = [item for item in v5_pages[1].items if item["impressions_open_ended"]]
    assert len(open_items) == 10
    assert {(item["impressions_lower"], item["impressions_upper"]) for item in open_items} == {(1000000, None)}


@needs_realdata
@pytest.mark.realdata
def test_v19_items(v19_pages):
    first = v19_pages[0].items[0]
    assert (first["ad_id"], first["ad_key"], first["key_is_synthetic"]) == ("1428050904019116",) * 2 + (False,)
    assert first["api_version"] == "v19.0"
    assert first["currency"] == "GBP" and first["bylines"] == "Woking Liberal Democrats"
    assert first["ad_snapshot_url"] == "https://www.facebook.com/ads/archive/render_ad/?id=1428050904019116"
    assert first["publisher_platforms"] == ["facebook", "instagram"]
    assert (first["impressions_lower"], first["impressions_upper"]) == (9000, 9999)
    assert first["source_url"] == "https://graph.facebook.com/v19.0/ads_archive?limit=1000"
    assert first["page_number"] == 1 and first["crawl_id"] == "crawl-test"
    assert first["body_sha256"] == hashlib.sha256((META / V19_RUN.format(1)).read_bytes()).hexdigest()


@needs_realdata
@pytest.mark.realdata
def test_mathematical_bold_text_survives(v19_pages):
    raw = json.loads((META / V19_RUN.format(1)).read_bytes())["data"][0]["ad_creative_bodies"][0]
    assert "𝗪𝗶𝗹𝗹 𝗙𝗼𝗿𝘀𝘁𝗲𝗿" in raw
    assert v19_pages[0].items[0]["ad_creative_bodies"] == [raw]


def test_the_callers_token_is_removed_everywhere():
    body = (FIXTURES / "page_eu_record.json").read_bytes().replace(b"EAAWrittenFixtureToken", b"EAA|sec/ret+1")
    page = parse(body, "https://graph.facebook.com/v23.0/ads_archive?access_token=EAA%7Csec%2Fret%2B1&limit=1",
                 redactor=Redactor(["EAA|sec/ret+1"]))
    dumped = json.dumps(page.items) + page.next_url
    assert "sec/ret" not in dumped and "sec%2Fret" not in dumped and "access_token" not in page.next_url
    assert page.next_url.endswith("&limit=1&after=QVFIUldyaXR0ZW5GaXh0dXJl")


def test_open_top_bucket_record():
    page = parse((FIXTURES / "page_open_top_bucket.json").read_bytes(),
                 "https://graph.facebook.com/v23.0/ads_archive?access_token=x")
    [item] = page.items
    assert (item["spend_lower"], item["spend_upper"], item["spend_open_ended"]) == (1000000, None, True)
    assert (item["impressions_lower"], item["impressions_upper"], item["impressions_open_ended"]) == (
        1000000, None, True)
    assert (item["audience_size_lower"], item["audience_size_upper"], item["audience_size_open_ended"],
            item["audience_size_field"]) == (1000001, None, True, "estimated_audience_size")
    assert item["currency"] == "BDT" and item["languages"] == ["bn"]
    assert item["ad_snapshot_url"] == "https://www.facebook.com/ads/archive/render_ad/?id=900000000000001"
    assert "EAAWrittenFixtureToken" not in json.dumps(item["record"])
    assert page.next_url is None


def test_eu_record():
    [item] = parse((FIXTURES / "page_eu_record.json").read_bytes(),
                   "https://graph.facebook.com/v23.0/ads_archive").items
    assert item["target_ages"] == ["18", "65+"] and item["target_gender"] == "All"
    assert item["target_locations"][1] == {"name": "Amsterdam, North Holland", "num_obfuscated": 0,
                                           "type": "cities", "excluded": True}
    assert item["beneficiary_payers"] == [
        {"payer": "Stichting Voorbeeld", "beneficiary": "Vereniging Voorbeeld", "current": True}]
    assert item["eu_total_reach"] == 12345
    assert item["age_country_gender_reach_breakdown"][0]["age_gender_breakdowns"][1]["female"] == 950
    assert (item["audience_size_lower"], item["audience_size_upper"]) == (100000, 500000)


def test_legacy_potential_reach_and_integer_bounds():
    record = {"ad_snapshot_url": "https://www.facebook.com/ads/archive/render_ad/?id=123&access_token=t0k",
              "potential_reach": {"lower_bound": 1000, "upper_bound": 5000},
              "spend": {"lower_bound": 100, "upper_bound": 499}, "page_id": 77, "target_ages": [18, 65]}
    [item] = parse_records([record], provenance={"source_url": "https://graph.facebook.com/v4.0/ads_archive"})
    assert (item["ad_id"], item["key_is_synthetic"], item["api_version"]) == ("123", False, "v4.0")
    assert (item["audience_size_lower"], item["audience_size_upper"], item["audience_size_field"]) == (
        1000, 5000, "potential_reach")
    assert (item["spend_lower"], item["spend_upper"], item["page_id"], item["target_ages"]) == (
        100, 499, "77", ["18", "65"])
    assert "t0k" not in json.dumps(item)


def test_records_differing_only_in_delivery_get_different_synthetic_keys():
    base = {"funding_entity": "X", "ad_creation_time": "2019-11-01", "ad_creative_body": "same"}
    items = parse_records({"data": [{**base, "impressions": {"lower_bound": "0", "upper_bound": "999"}},
                                    {**base, "impressions": {"lower_bound": "1000", "upper_bound": "1999"}},
                                    {**base, "ad_creative_body": "other"}]}, provenance={})
    assert len({item["ad_key"] for item in items}) == 3
    assert all(item["api_version"] is None and item["source"] == "meta_ads_archive" for item in items)


def test_truncated_page_is_malformed_with_a_clear_message():
    with pytest.raises(MalformedPage, match=r"page 4 .*not complete JSON.*truncated.*fetched again"):
        parse((FIXTURES / "page_truncated.json").read_bytes(), "https://graph.facebook.com/v23.0/ads_archive", 4)


def test_html_page_is_malformed_with_a_clear_message():
    with pytest.raises(MalformedPage, match=r"HTML instead of JSON.*check the endpoint"):
        parse((FIXTURES / "page_html_instead_of_json.html").read_bytes(),
              "https://graph.facebook.com/v23.0/ads_archive?access_token=SECRETVALUE")


def test_malformed_message_does_not_leak_the_token():
    with pytest.raises(MalformedPage) as raised:
        parse(b"<html></html>", "https://graph.facebook.com/v23.0/ads_archive?access_token=SECRETVALUE")
    assert "SECRETVALUE" not in str(raised.value)


@pytest.mark.parametrize("body", [b"", b"[1, 2]", b'{"paging": {}}', b'{"error": {"code": 190}}',
                                  b'{"data": [{"spend": {"lower_bound": "lots"}}]}', b'{"data": ["x"]}',
                                  b"\xff\xfe{}"])
def test_other_malformed_bodies(body):
    with pytest.raises(MalformedPage):
        parse(body, "https://graph.facebook.com/v23.0/ads_archive")


def test_fixtures_say_they_were_written():
    readme = (FIXTURES / "README.md").read_text()
    assert "written by hand from Meta's Graph API documentation, not recorded" in readme.replace("\n", " ")
    for path in FIXTURES.glob("page_*.json"):
        assert path.name in readme

"""The demo's local Ads Transparency Center (demo/gatc_site.py): its advertisers and creatives are the demo
bundle's, its pages hide creatives behind a scroll and a "See more" button, and the real spider in Chromium
reads every creative with the world's format, dates and region."""

from __future__ import annotations

import csv
import io
import json
import urllib.request

import pytest

from demo.gatc_site import CREATIVES_PER_ADVERTISER, GatcDemoSite, configure_gatc, creatives_of, shown_advertisers
from demo.google_bundle_files import generate_google_bundle
from demo.google_world import COUNTRY_NAMES, generate_google_world
from demo.monetisation_config import DemoConfig
from spiders.google_ads_transparency import chromium_path
from spiders.launch import run_crawl

WEEK = 1


@pytest.fixture(scope="module")
def world():
    return generate_google_world(WEEK)


def test_advertisers_and_creatives_are_the_bundles(world):
    advertisers = shown_advertisers(world)
    assert [a.country for a in advertisers] == ["IN", "BR", "ZA"]
    assert all(a.meta_page_id for a in advertisers)  # the same organisations as Meta demo pages
    bundle = generate_google_bundle(WEEK).files["google-political-ads-creative-stats.csv"]
    in_bundle = {(row["Ad_ID"], row["Advertiser_ID"]) for row in csv.DictReader(io.StringIO(bundle))}
    for advertiser in advertisers:
        creatives = creatives_of(world, advertiser)
        assert len(creatives) == CREATIVES_PER_ADVERTISER
        assert {(c.ad_id, advertiser.advertiser_id) for c in creatives} <= in_bundle


def test_advertiser_page_shows_two_creatives_until_scrolled(world):
    advertiser = shown_advertisers(world)[0]
    ids = [c.ad_id for c in creatives_of(world, advertiser)]
    with GatcDemoSite(world) as site:
        with urllib.request.urlopen(f"{site.url}/advertiser/{advertiser.advertiser_id}") as answer:
            page = answer.read().decode()
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{site.url}/advertiser/AR0")
    assert f"const first = {json.dumps(ids[:2])}, onScroll = {json.dumps(ids[2:3])}, seeMore = {json.dumps(ids[3:])}" \
        in page
    assert "See more" in page


@pytest.mark.browser
def test_spider_reads_every_demo_creative(world, tmp_path):
    if not chromium_path():
        pytest.skip("Chromium not found: install Debian's chromium package or set ADTRAIL_CHROMIUM to its path")
    config = DemoConfig(path=None)
    with GatcDemoSite(world) as site:
        configure_gatc(config, site)
        source = config.values["sources"]["google_ads_transparency"]
        outcome = run_crawl("google_ads_transparency", tmp_path / "crawl",
                            scope={"advertiser_ids": source["advertiser_ids"]},
                            settings=config.spider_settings("google_ads_transparency"))
    assert outcome.manifest["status"] == "complete" and outcome.manifest["error"] is None
    items = {item["creative_id"]: item for item in map(json.loads, (tmp_path / "crawl" / "items.jsonl")
                                                       .read_text(encoding="utf-8").splitlines())}
    expected = {c.ad_id: c for a in shown_advertisers(world) for c in creatives_of(world, a)}
    assert sorted(items) == sorted(expected)
    for ad_id, creative in expected.items():
        item, days = items[ad_id], world.served_days(creative)
        assert item["status"] == "ok" and item["advertiser_id"] == creative.advertiser_id
        assert item["ad_format"] == creative.ad_type.lower()
        assert (item["first_shown_date"], item["last_shown_date"]) == (str(days[0][0]), str(days[-1][0]))
        assert item["regions"] == [COUNTRY_NAMES[creative.country]]

"""google_ads_transparency takes its advertisers from the Google bundle already in the warehouse: a bundle zip
served locally, crawled by the real google_political_bundle spider, loaded and published by the real loader;
the plan read from the published copy (biggest USD spend first, countries, the cap, configured ids first and
outside the cap, kept for a rerun), and one browser crawl that visits exactly those advertisers.

The bundle's two CSVs are written here, with the 2019 release's header (../shared/realdata/google) and the
current advertiser-geo-spend header (tests/fixtures/google_bundle); advertisers and amounts are invented.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from commands.snapshot import load_and_publish
from demo.bulk_server import BundleServer
from spiders.google_ads_transparency import chromium_path
from spiders.google_ads_transparency_advertisers import STATE_NAME, plan_advertisers
from spiders.launch import run_crawl

US_BIG, IRISH, INDIAN, EU_ONLY, US_SMALL = (f"AR1111111111111111111{n}" for n in range(1, 6))
ADVERTISER_STATS = f"""\
Advertiser_ID,Advertiser_Name,Public_IDs_List,Regions,Elections,Total_Creatives,Spend_USD,Spend_EUR
{US_BIG},BIG SPENDER FOR AMERICA,EIN ID 12-3456789,US,US-Federal,40,900000,810000
{IRISH},PAIRTI NA HEIREANN,,"EU, GB, IE",EU-Parliament,12,50000,45000
{INDIAN},BHARAT VOTERS FORUM,,IN,IN-General,30,300000,270000
{EU_ONLY},EUROPE TOGETHER,,EU,EU-Parliament,5,20000,18000
{US_SMALL},SMALL TOWN COMMITTEE,FEC ID C00000001,US,US-Federal,1,100,100
"""
GEO_SPEND = f"""Advertiser_ID,Advertiser_Name,Country,Country_Subdivision_Primary,Spend_USD,Spend_EUR
{EU_ONLY},EUROPE TOGETHER,IE,,15000,13500
{US_BIG},BIG SPENDER FOR AMERICA,US,US-PA,900000,810000
"""
FOLDER = "google-political-ads-transparency-bundle"


def bundle_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{FOLDER}/google-political-ads-advertiser-stats.csv", ADVERTISER_STATS)
        archive.writestr(f"{FOLDER}/google-political-ads-advertiser-geo-spend.csv", GEO_SPEND)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """A warehouse whose published copy holds the bundle above, loaded the way adtrail snapshot loads it."""
    root = tmp_path_factory.mktemp("bundle")
    with BundleServer(bundle_zip()) as store:
        outcome = run_crawl("google_political_bundle", root / "crawl", scope={}, settings={
            "GOOGLE_BUNDLE_URL": store.url, "ADTRAIL_BULK_STORE": str(root / "store"), "ADTRAIL_MAX_RETRIES": "0",
            "AUTOTHROTTLE_ENABLED": "False"})
    assert outcome.complete, outcome.error
    db_path = root / "adtrail.duckdb"
    load_and_publish(db_path, [root / "crawl"], dt.date(2026, 11, 30))
    return db_path


def scope(ids=(), countries=(), cap=0) -> dict:
    return {"advertiser_ids": list(ids), "countries": list(countries), "max_bundle_advertisers": cap}


def test_biggest_spenders_after_the_configured_ids(warehouse, tmp_path):
    plan = plan_advertisers(scope([INDIAN], cap=2), "scope-a", str(warehouse), tmp_path)
    # INDIAN is configured: it comes first and leaves both bundle places to the next biggest spenders.
    assert plan.advertiser_ids == [INDIAN, US_BIG, IRISH]
    assert (plan.from_config, plan.from_bundle, plan.bundle_note) == (1, 2, None)
    assert plan.bundle_snapshot_id == 1 and plan.published_copy.startswith("adtrail-s1-")


def test_countries_from_regions_and_geo_spend(warehouse, tmp_path):
    plan = plan_advertisers(scope(countries=["IE"], cap=10), "scope-b", str(warehouse), tmp_path)
    assert plan.advertiser_ids == [IRISH, EU_ONLY]  # IRISH by its Regions, EU_ONLY by its geo-spend row
    plan = plan_advertisers(scope(countries=["US", "IN"], cap=10), "scope-c", str(warehouse), tmp_path / "c")
    assert plan.advertiser_ids == [US_BIG, INDIAN, US_SMALL]
    plan = plan_advertisers(scope(countries=["DE"], cap=10), "scope-d", str(warehouse), tmp_path / "d")
    assert plan.advertiser_ids == [] and "holds no complete google_political_bundle load" in plan.bundle_note
    assert "DE" in plan.bundle_note


def test_the_plan_is_kept_for_a_rerun(warehouse, tmp_path):
    first = plan_advertisers(scope(cap=1), "scope-e", str(warehouse), tmp_path)
    assert first.advertiser_ids == [US_BIG]
    saved = json.loads((tmp_path / STATE_NAME).read_text())
    assert saved["advertiser_ids"] == [US_BIG] and saved["scope_sha256"] == "scope-e"
    # The rerun of the same folder visits the same advertisers, whatever the warehouse holds by then.
    assert plan_advertisers(scope(cap=1), "scope-e", None, tmp_path).advertiser_ids == [US_BIG]
    # Another scope in the folder is planned again.
    assert plan_advertisers(scope(cap=2), "scope-f", str(warehouse), tmp_path).advertiser_ids == [US_BIG, INDIAN]


def test_without_a_published_warehouse_only_the_configured_ids(tmp_path):
    plan = plan_advertisers(scope([US_SMALL], cap=5), "scope-g", str(tmp_path / "empty" / "adtrail.duckdb"),
                            tmp_path)
    assert plan.advertiser_ids == [US_SMALL] and plan.from_bundle == 0
    assert "nothing is published" in plan.bundle_note
    plan = plan_advertisers(scope([US_SMALL], cap=5), "scope-h", None, tmp_path / "h")
    assert "ADTRAIL_WAREHOUSE_DB" in plan.bundle_note
    untouched = plan_advertisers(scope([US_SMALL]), "scope-i", None, tmp_path / "i")
    assert untouched.bundle_note is None and untouched.advertiser_ids == [US_SMALL]


# ---- one crawl in Chromium: the advertisers of the plan, and nothing else

ADVERTISER_PAGE = """<!doctype html><html><body><h1>%(adv)s</h1>
<a href="/advertiser/%(adv)s/creative/CR9%(tail)s">one creative</a></body></html>"""
CREATIVE_PAGE = """<!doctype html><html><body><creative-details>
<advertiser-header><a href="/advertiser/%(adv)s">NAME OF %(adv)s</a></advertiser-header>
<div class="creative-container"><div class="headline">Headline of %(adv)s</div></div>
<div class="property"><span class="label">Format</span><span class="value">Text</span></div>
<div class="property"><span class="label">Last shown</span><span class="value">Nov 3, 2026</span></div>
</creative-details></body></html>"""


class Site(BaseHTTPRequestHandler):
    shown = (INDIAN, US_BIG)  # IRISH, also in the plan, is answered 404
    visited: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts == ["robots.txt"]:
            body = "User-agent: *\nAllow: /\n"
        elif parts[0] == "advertiser" and parts[1] in self.shown:
            self.visited.append(self.path)
            values = {"adv": parts[1], "tail": parts[1][-17:]}
            body = (ADVERTISER_PAGE if len(parts) == 2 else CREATIVE_PAGE) % values
        else:
            self.visited.append(self.path)
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.mark.browser
def test_the_crawl_visits_the_planned_advertisers(warehouse, tmp_path):
    if not chromium_path() or not Path(chromium_path()).exists():
        pytest.skip("Chromium not found: install Debian's chromium package or set ADTRAIL_CHROMIUM to its path")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        outcome = run_crawl("google_ads_transparency", tmp_path / "crawl", scope=scope([INDIAN], cap=2), settings={
            "GOOGLE_ADS_TRANSPARENCY_URL": f"http://127.0.0.1:{server.server_address[1]}",
            "GOOGLE_ADS_TRANSPARENCY_LOCAL_ONLY": "True", "ADTRAIL_WAREHOUSE_DB": str(warehouse),
            "GOOGLE_ADS_TRANSPARENCY_MAX_SCROLLS": "0", "GOOGLE_ADS_TRANSPARENCY_MAX_MORE_CLICKS": "0",
            # guards against a hang, not measurements
            "GOOGLE_ADS_TRANSPARENCY_PAGE_TIMEOUT_MS": "20000", "GOOGLE_ADS_TRANSPARENCY_DETAIL_TIMEOUT_MS": "20000",
            "AUTOTHROTTLE_ENABLED": "False", "ADTRAIL_MAX_RETRIES": "0"})
    finally:
        server.shutdown()
        server.server_close()
    manifest = outcome.manifest
    assert manifest["status"] == "complete" and manifest["error"] is None, (manifest["error"], outcome.stderr_tail)
    assert manifest["scope"] == scope([INDIAN], cap=2)
    assert manifest["advertisers"] == {"from_config": 1, "from_bundle": 2, "bundle_snapshot_id": 1,
                                       "published_copy": manifest["advertisers"]["published_copy"],
                                       "bundle_note": None}
    items = [json.loads(line) for line in (tmp_path / "crawl" / "items.jsonl").read_text().splitlines()]
    assert sorted(item["advertiser_id"] for item in items) == sorted([INDIAN, US_BIG])
    assert all(item["status"] == "ok" and item["headline"] == f"Headline of {item['advertiser_id']}" for item in items)
    assert manifest["counts"]["advertisers_not_found"] == 1  # IRISH: in the plan, not shown by the site
    advertiser_paths = [path for path in Site.visited if path.startswith("/advertiser/")]
    assert {path.split("/")[2] for path in advertiser_paths} == {INDIAN, US_BIG, IRISH}  # never US_SMALL or EU_ONLY
    # Chromium may ask for the favicon on its own; nothing else leaves the plan.
    assert {path for path in Site.visited if path not in advertiser_paths} <= {"/favicon.ico"}


def test_the_warehouse_is_adtrail_db_else_the_setting(monkeypatch):
    from spiders.google_ads_transparency_advertisers import warehouse_path

    monkeypatch.delenv("ADTRAIL_DB", raising=False)
    assert warehouse_path({"ADTRAIL_WAREHOUSE_DB": "from-config.duckdb"}) == "from-config.duckdb"
    assert warehouse_path({}) is None
    # ADTRAIL_DB overrides the configuration everywhere; the demo gives its crawls its own warehouse this way.
    monkeypatch.setenv("ADTRAIL_DB", "from-env.duckdb")
    assert warehouse_path({"ADTRAIL_WAREHOUSE_DB": "from-config.duckdb"}) == "from-env.duckdb"


def test_no_advertiser_at_all_stops_with_what_to_do(tmp_path):
    outcome = run_crawl("google_ads_transparency", tmp_path / "crawl", scope=scope(cap=5), settings={
        "GOOGLE_ADS_TRANSPARENCY_URL": "http://127.0.0.1:9", "ADTRAIL_WAREHOUSE_DB": str(tmp_path / "adtrail.duckdb")},
        env={key: value for key, value in os.environ.items() if key != "ADTRAIL_DB"})
    assert not outcome.complete and outcome.manifest["finish_reason"] == "no_advertisers"
    assert "nothing is published" in outcome.error and "google_political_bundle first" in outcome.error
    assert outcome.manifest["counts"]["pages"] == 0

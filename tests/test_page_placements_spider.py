"""page_placements end to end: ``python -m spiders.run page_placements`` (spiders.launch.run_crawl) renders
pages of a local Host-routed site in Debian's Chromium, obeys robots.txt, caps pages per site, archives the
DOM and a full-page screenshot in the WARC as conversion records, and ``adtrail load`` puts the items into
the raw_page_* tables and the monetisation graph's observed edges (migrations 125, 135), which
``who_pays_site`` and ``sites_of_seller`` list beside the disclosed ones of the site's ads.txt (crawled by
the ads_txt spider from the same server, over HTTPS with the test's certificate authority).

One 127.0.0.1 server (demo/site_server.py) plays every host; Chromium maps every host name to 127.0.0.1
(--host-resolver-rules) and Scrapy's robots.txt and EasyList fetches use the loopback resolver, so nothing
leaves the machine. EasyList is the real copy in ../shared/realdata/adblock, served by the local server.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from commands.snapshot import load_and_publish
from demo.site_server import Answer, LocalCertificateAuthority, SiteServer
from spiders.launch import run_crawl
from tests.test_spider_ads_txt import read_items
from warehouse import db
from warehouse.queries import run_query

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).parent / "fixtures" / "page_placements"
REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
ADBLOCK = REALDATA / "adblock"
SITE = "news.publisher.test"
HOSTS = [SITE, "cdn.publisher.test", "ib.adnxs.com", "ads.juicyads.com", "easylist.test",
         "publisher.test"]  # the root domain: the ads_txt crawl asks for its ads.txt too
ADS_TXT = b"appnexus.com, 8531, DIRECT\ngoogle.com, pub-1234567890123456, DIRECT, f08c47fec0942fa0\n"
BIDS = [{"bidderCode": "appnexus", "adUnitCode": "div-gpt-ad-mrec-5", "adId": "a1", "cpm": 1.42, "currency": "USD",
         "width": 300, "height": 250, "creativeId": "cr-771", "ad": "<div>creative</div>",
         "meta": {"advertiserDomains": ["brand-landing.test"]}}]


def chromium_path() -> str | None:
    path = os.environ.get("ADTRAIL_CHROMIUM") or shutil.which("chromium")
    return path if path and Path(path).exists() else None


def routes(port: int) -> dict:
    def answer(content_type: str, body: bytes) -> Answer:
        return Answer(200, {"Content-Type": content_type, "Access-Control-Allow-Origin": "*"},
                      body.replace(b"__PORT__", str(port).encode()))

    page = (FIXTURES / "publisher.html").read_bytes()
    gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
    return {
        (SITE, "/robots.txt"): answer("text/plain", b"User-agent: *\nDisallow: /private/\n"),
        (SITE, "/"): answer("text/html", page),
        (SITE, "/private/members"): answer("text/html", page),
        (SITE, "/second"): answer("text/html", b"<html><head><title>Second</title></head><body><p>no ads</p>"),
        (SITE, "/third"): answer("text/html", page),
        (SITE, "/js/header-bidding.js"): answer("application/javascript",
                                                (FIXTURES / "header-bidding.js").read_bytes()),
        ("cdn.publisher.test", "/logo.png"): answer("image/gif", gif),
        ("ib.adnxs.com", "/creative?slot=mrec"): answer("text/html", (FIXTURES / "creative.html").read_bytes()),
        ("ib.adnxs.com", "/creative.png"): answer("image/gif", gif),
        ("ib.adnxs.com", "/ut/v3/prebid?unit=div-gpt-ad-mrec-5"): answer("application/json", json.dumps(BIDS).encode()),
        ("ads.juicyads.com", "/banner.html"): answer("text/html", (FIXTURES / "juicy-banner.html").read_bytes()),
        ("easylist.test", "/easylist.txt"): answer("text/plain", (ADBLOCK / "easylist.txt").read_bytes()),
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    if chromium_path() is None:
        pytest.skip("Chromium not found: install Debian's chromium package or set ADTRAIL_CHROMIUM to its path")
    if not REALDATA.exists():
        pytest.skip("needs ../shared/realdata (the real EasyList)")
    pytest.importorskip("scrapy_playwright", reason="the scrapy-playwright package is not installed")
    folder = tmp_path_factory.mktemp("page_placements")
    ca = LocalCertificateAuthority(folder / "ca", HOSTS)
    table: dict = {}
    server = SiteServer(table, ca)
    table.update(routes(server.http_port))
    base = f"http://{SITE}:{server.http_port}"
    scope = {"urls": [f"{base}/", f"{base}/private/members", f"{base}/second", f"{base}/third"],
             "max_pages_per_site": 3}
    settings = {"TWISTED_DNS_RESOLVER": "demo.site_server.LoopbackResolver", "AUTOTHROTTLE_ENABLED": "False",
                "EASYLIST_URL": f"http://easylist.test:{server.http_port}/easylist.txt",
                "ADTRAIL_AD_OWNERS_FILE": str(ADBLOCK / "org_domains.json"),
                "ADTRAIL_VANTAGE_COUNTRY": "DE", "ADTRAIL_VANTAGE_EGRESS": "test loopback",
                "ADTRAIL_CHROMIUM": chromium_path(),
                "ADTRAIL_CHROMIUM_ARGS": json.dumps(["--host-resolver-rules=MAP * 127.0.0.1"])}
    # The site's ads.txt (at its root domain, where the ads_txt spider asks) declares the AppNexus account its page exposes, and a Google one the page never shows.
    table[("publisher.test", "/ads.txt")] = Answer(200, {"Content-Type": "text/plain"}, ADS_TXT)
    ads_txt_settings = {"TWISTED_DNS_RESOLVER": "demo.site_server.LoopbackResolver", "AUTOTHROTTLE_ENABLED": "False",
                        "ADS_TXT_URL_TEMPLATE": "{scheme}://{host}:{port}/{file}", "ADTRAIL_TLS_CA_FILE": str(ca.ca_file),
                        "ADS_TXT_PORTS": json.dumps({"http": server.http_port, "https": server.https_port})}
    with server:
        outcome = run_crawl("page_placements", folder / "crawl", scope=scope, settings=settings)
        ads_txt = run_crawl("ads_txt", folder / "ads_txt", scope={"domains": ["publisher.test"]},
                            settings=ads_txt_settings)
    assert ads_txt.complete, ads_txt.error
    db_path = folder / "adtrail.duckdb"
    snapshot_id = load_and_publish(db_path, [folder / "crawl", folder / "ads_txt"], dt.date(2026, 12, 7))
    return outcome, server, base, db_path, snapshot_id


def test_crawl_complete_with_every_kind_in_the_manifest(crawled):
    outcome = crawled[0]
    assert outcome.complete, outcome.error
    manifest = outcome.manifest
    assert manifest["source"] == "page_placements" and manifest["status"] == "complete"
    assert manifest["scope"]["max_pages_per_site"] == 3 and len(manifest["scope"]["urls"]) == 4
    files = {entry["item_kind"]: entry for entry in manifest["files"] if entry["kind"] == "items"}
    assert set(files) == {"page_render", "page_ad_slot", "page_ad_request", "page_bid"}
    items = read_items(outcome.crawl_dir)
    assert all(files[kind]["rows"] == len(items[kind]) for kind in files)
    assert manifest["counts"]["robots_disallowed"] == 1 and manifest["counts"]["over_site_cap"] == 1


def test_robots_txt_obeyed_and_pages_capped(crawled):
    outcome, server, base, _, _ = crawled
    rendered = sorted(item["page_url"] for item in read_items(outcome.crawl_dir)["page_render"])
    assert rendered == [f"{base}/", f"{base}/second"]
    asked = {(host, path) for _, host, path in server.requests}
    assert (SITE, "/robots.txt") in asked
    assert (SITE, "/private/members") not in asked  # disallowed: never fetched by Scrapy nor the browser
    assert (SITE, "/third") not in asked  # beyond max_pages_per_site
    assert {host for _, host, _ in server.requests} <= set(HOSTS)  # nothing else was asked for


def test_slot_and_page_screenshots_in_the_crawl_folder(crawled):
    outcome = crawled[0]
    items = read_items(outcome.crawl_dir)
    front = next(item for item in items["page_render"] if item["page_url"].endswith("/"))
    assert (front["ad_slots"], front["vantage_country"], front["vantage_egress"]) == (2, "DE", "test loopback")
    shots = [slot["screenshot_path"] for slot in items["page_ad_slot"]]
    assert len(shots) == 2
    for path in shots + [front["screenshot_path"]]:
        assert (outcome.crawl_dir / path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_warc_holds_dom_and_screenshot_as_conversions_of_the_page_response(crawled):
    outcome, _, base, _, _ = crawled
    responses, conversions = {}, []
    for path in sorted((outcome.crawl_dir / "warc").glob("*.warc.gz")):
        with open(path, "rb") as handle:
            for record in ArchiveIterator(handle):
                uri = record.rec_headers.get_header("WARC-Target-URI")
                if record.rec_type == "response":
                    responses[record.rec_headers.get_header("WARC-Record-ID")] = uri
                elif record.rec_type == "conversion":
                    conversions.append((uri, record.rec_headers.get_header("WARC-Refers-To"),
                                        record.rec_headers.get_header("Content-Type"), record.content_stream().read()))
    front = [c for c in conversions if c[0] == f"{base}/"]
    assert [c[2] for c in front] == ["text/html; charset=utf-8", "image/png"]
    for _, refers_to, _, _ in front:
        assert responses[refers_to] == f"{base}/"
    assert b"div-gpt-ad-mrec-5" in front[0][3] and front[1][3][:8] == b"\x89PNG\r\n\x1a\n"
    assert {c[0] for c in conversions} == {f"{base}/", f"{base}/second"}


def test_loaded_into_raw_tables_and_the_graph(crawled):
    _, _, base, db_path, snapshot_id = crawled
    con = db.connect(db_path)
    try:
        counts = {table: con.execute(f"SELECT count(*) FROM {table} WHERE snapshot_id = ?", [snapshot_id]).fetchone()[0]
                  for table in ("raw_page_render", "raw_page_ad_slot", "raw_page_ad_request", "raw_page_bid")}
        assert counts["raw_page_render"] == 2 and counts["raw_page_ad_slot"] == 2
        assert counts["raw_page_ad_request"] >= 2 and counts["raw_page_bid"] >= 1
        edges = con.execute("""SELECT from_kind, from_id, to_id, basis, evidence_url, evidence FROM monetisation_edge
                               WHERE edge = 'calls_ad_system' AND snapshot_id = ? ORDER BY to_id""",
                            [snapshot_id]).fetchall()
        # adnxs.com (EasyList's rule) is AppNexus, whose sellers.json is at appnexus.com (migration 135's aliases)
        assert [(e[0], e[1], e[2], e[3], e[4]) for e in edges] == [
            ("site", SITE, "appnexus.com", "observed", f"{base}/"), ("site", SITE, "juicyads.com", "observed", f"{base}/")]
        assert "ib.adnxs.com http://ib.adnxs.com:" in edges[0][5] and "?" not in edges[0][5]
    finally:
        con.close()


def test_who_pays_the_site_lists_every_observed_edge_of_its_pages(crawled):
    _, _, base, db_path, snapshot_id = crawled
    con = db.connect(db_path)
    try:
        # asked by root domain: the pages of news.publisher.test count
        rows = run_query(con, "who_pays_site", snapshot_id=None, recipient="publisher.test").to_dicts()
    finally:
        con.close()
    assert {row["snapshot_id"] for row in rows} == {snapshot_id}
    assert {(row["basis"], row["recipient"]) for row in rows} == {("disclosed", "publisher.test"), ("observed", SITE)}
    declared = {(row["edge"], row["ad_system_domain"], row["seller_id"], row["relationship"]): row["declared_and_observed"]
                for row in rows if row["basis"] == "disclosed"}
    # what the ads.txt declares, and whether the page showed that ad system (and account) too
    assert declared == {("authorises", "appnexus.com", "8531", "DIRECT"): True,
                        ("authorises", "google.com", "pub-1234567890123456", "DIRECT"): False}
    rows = [row for row in rows if row["basis"] == "observed"]
    assert all(row["evidence_url"] == f"{base}/" for row in rows)
    assert {row["ad_system_domain"] for row in rows if row["declared_and_observed"]} == {"appnexus.com"}
    edges = sorted((row["edge"], row["ad_system_domain"], row["bidder"], row["seller_id"],
                    tuple(row["advertiser_domains"] or ())) for row in rows)
    assert edges == [
        ("calls_ad_system", "appnexus.com", None, None, ()),
        ("calls_ad_system", "juicyads.com", None, None, ()),
        # the winning bid is reported by getBidResponses and getAllWinningBids: one edge
        ("receives_bid", "appnexus.com", "appnexus", None, ("brand-landing.test",)),
        ("sells_through", "appnexus.com", None, "8531", ()),  # the schain node asi adnxs.com, sid 8531
        ("shows_ad_of", "appnexus.com", None, None, ("www.brand-landing.test",)),
        ("shows_ad_of", "juicyads.com", None, None, ("shop.landing.test",)),
    ]
    bid = next(row for row in rows if row["edge"] == "receives_bid")
    assert bid["evidence_table"] == "raw_page_bid" and "cpm 1.42 USD" in bid["evidence"] and "won" in bid["evidence"]
    chain = next(row for row in rows if row["edge"] == "sells_through")
    assert chain["sellers_json_check"] == "no_sellers_json" and '"sid":"8531"' in chain["evidence"]
    slot = next(row for row in rows if row["edge"] == "shows_ad_of" and row["ad_system_domain"] == "appnexus.com")
    assert "landing https://www.brand-landing.test/spring-offer (from u)" in slot["evidence"]
    assert "?" not in slot["evidence"]  # query strings (click ids) stay out of the evidence


def test_sites_of_seller_lists_the_site_declaring_the_account_and_the_one_whose_page_exposed_it(crawled):
    _, _, base, db_path, snapshot_id = crawled
    con = db.connect(db_path)
    try:
        sold = run_query(con, "sites_of_seller", snapshot_id=snapshot_id, ad_system_domain="appnexus.com",
                         seller_id="8531").to_dicts()
        other = run_query(con, "sites_of_seller", snapshot_id=snapshot_id, ad_system_domain="google.com",
                          seller_id="8531").height
    finally:
        con.close()
    assert [(r["edge"], r["recipient"], r["basis"], r["declared_and_observed"]) for r in sold] == [
        ("authorises", "publisher.test", "disclosed", True), ("sells_through", SITE, "observed", True)]
    assert sold[0]["evidence_url"].endswith("/ads.txt") and sold[1]["evidence_url"] == f"{base}/"
    assert other == 0

"""page_placements on a local page: two ad iframes in slots EasyList's real hiding rules name, requests to an
ad-server host EasyList lists, and the test's own header-bidding script answering with bids.

One 127.0.0.1 server routes by Host header; Chromium maps every host name to 127.0.0.1
(--host-resolver-rules), and the browser context aborts any request to a host the server does not play, so
nothing leaves the machine. Debian's Chromium (PATH or ADTRAIL_CHROMIUM), never a downloaded browser.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from spiders.page_ads import read_page
from spiders.parsers import easylist

pytestmark = pytest.mark.browser  # registered in pyproject.toml
FIXTURES = Path(__file__).parent / "fixtures" / "page_placements"
REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
ADBLOCK = REALDATA / "adblock"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--host-resolver-rules=MAP * 127.0.0.1"]
BIDS = [
    {"bidderCode": "appnexus", "adUnitCode": "div-gpt-ad-mrec-5", "adId": "a1", "cpm": 1.42, "currency": "USD",
     "width": 300, "height": 250, "creativeId": "cr-771", "dealId": "", "ad": "<div>creative markup</div>",
     "meta": {"advertiserDomains": ["brand-landing.test"]}},
    {"bidderCode": "rubicon", "adUnitCode": "div-gpt-ad-mrec-5", "adId": "r9", "cpm": 0.95, "currency": "EUR",
     "width": 300, "height": 250, "creativeId": 5501, "dealId": "PMP-DEAL-7",
     "meta": {"advertiserDomains": ["other-brand.test", "other-brand.example"]}},
]
# host -> path -> (content type, body)
SITES = {
    "news.publisher.test": {"/": ("text/html", (FIXTURES / "publisher.html").read_bytes()),
                            "/js/header-bidding.js": ("application/javascript",
                                                      (FIXTURES / "header-bidding.js").read_bytes())},
    "cdn.publisher.test": {"/logo.png": ("image/gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")},
    "ib.adnxs.com": {"/creative": ("text/html", (FIXTURES / "creative.html").read_bytes()),
                     "/creative.png": ("image/gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
                     "/ut/v3/prebid": ("application/json", json.dumps(BIDS).encode())},
    "ads.juicyads.com": {"/banner.html": ("text/html", (FIXTURES / "juicy-banner.html").read_bytes())},
    # The advertisers' landing hosts: any request to them is recorded; the test asserts none came.
    "www.brand-landing.test": {"/spring-offer": ("text/html", b"<p>landing</p>")},
    "shop.landing.test": {"/": ("text/html", b"<p>landing</p>")},
}


class HostRouter(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0]
        path = urlsplit(self.path).path
        self.seen.append((host, path))
        found = SITES.get(host, {}).get(path)
        if found is None:
            self.send_response(404)
            self.end_headers()
            return
        body = found[1].replace(b"__PORT__", str(self.server.server_address[1]).encode())
        self.send_response(200)
        self.send_header("Content-Type", found[0])
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), HostRouter)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()


def chromium_path() -> str | None:
    path = os.environ.get("ADTRAIL_CHROMIUM") or shutil.which("chromium")
    return path if path and Path(path).exists() else None


async def render(url: str, crawl_dir: Path, matcher, port: int) -> tuple[dict, list[str]]:
    from playwright.async_api import async_playwright

    blocked: list[str] = []
    requests: list[dict] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = await browser.new_context(accept_downloads=False)

        async def only_test_hosts(route):
            parts = urlsplit(route.request.url)
            if parts.hostname in SITES and parts.port == port:
                await route.continue_()
            else:
                blocked.append(route.request.url)
                await route.abort()

        await context.route("**/*", only_test_hosts)
        page = await context.new_page()
        page.on("request", lambda request: requests.append({"url": request.url,
                                                             "resource_type": request.resource_type}))
        await page.goto(url, wait_until="networkidle")
        shots = crawl_dir / "screenshots"
        shots.mkdir(parents=True)
        base = {"crawl_id": "c1", "source": "page_placements", "page_url": url, "vantage_country": "DE"}
        result = await read_page(page, matcher, requests, page_url=url, base=base, screenshot_dir=shots,
                                 crawl_dir=crawl_dir)
        await browser.close()
    return result, blocked


@pytest.fixture(scope="module")
def rendered(server, tmp_path_factory):
    if chromium_path() is None:
        pytest.skip("Chromium not found: install Debian's chromium package or set ADTRAIL_CHROMIUM to its path")
    if not REALDATA.exists():
        pytest.skip("needs ../shared/realdata (the real EasyList)")
    pytest.importorskip("playwright.async_api", reason="the playwright Python package is not installed")
    matcher = easylist.load(ADBLOCK / "easylist.txt", ADBLOCK / "org_domains.json")
    port = server.server_address[1]
    crawl_dir = tmp_path_factory.mktemp("crawl")
    HostRouter.seen.clear()
    # In a thread of its own: another test's library (Playwright's sync API) may leave an event loop
    # marked running in this thread, and asyncio.run refuses to start inside one.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        result, blocked = pool.submit(
            asyncio.run, render(f"http://news.publisher.test:{port}/", crawl_dir, matcher, port)).result()
    return result, blocked, crawl_dir


def test_ad_slots_from_real_easylist_selectors(rendered):
    result, _, crawl_dir = rendered
    slots = result["slots"]
    assert [slot["element_id"] for slot in slots] == ["div-gpt-ad-mrec-5", None]
    assert {"#div-gpt-ad-mrec-5", 'div[id^="div-gpt-ad"]'} <= set(slots[0]["selectors"])
    assert ".adsbygoogle" in slots[1]["selectors"]
    assert (slots[0]["width"], slots[0]["height"]) == (300, 250)
    assert slots[0]["iframe_src"].startswith("http://ib.adnxs.com:")
    assert slots[1]["iframe_src"].startswith("http://ads.juicyads.com:")
    for slot in slots:
        assert (crawl_dir / slot["screenshot_path"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_landing_domains_read_without_clicking(rendered, server):
    slots = rendered[0]["slots"]
    assert (slots[0]["landing_domain"], slots[0]["landing_via"]) == ("www.brand-landing.test", "u")
    assert slots[0]["landing_url"] == "https://www.brand-landing.test/spring-offer?ref=ad"
    assert (slots[1]["landing_domain"], slots[1]["landing_via"]) == ("shop.landing.test", "url")
    hosts_asked = {host for host, _ in HostRouter.seen}
    assert "news.publisher.test" in hosts_asked
    assert not hosts_asked & {"www.brand-landing.test", "shop.landing.test", "nym1-ib.adnxs.com", "ck.juicyads.com"}


def test_ad_system_requests(rendered):
    result, blocked, _ = rendered
    requests = result["requests"]
    assert {(r["request_host"], r["ad_system_domain"]) for r in requests} == {
        ("ib.adnxs.com", "adnxs.com"), ("ads.juicyads.com", "juicyads.com")}
    assert {r["resource_type"] for r in requests} == {"document", "fetch", "image"}  # iframes, bids, creative
    assert all("?" not in r["request_url"] for r in requests)  # query strings may identify the reader
    assert {r["ad_system_owner"] for r in requests if r["request_host"] == "ib.adnxs.com"} == {"AppNexus"}
    assert result["render"]["ad_systems"] == ["adnxs.com", "juicyads.com"]
    assert result["render"]["ad_system_owners"] == ["AppNexus"]
    assert blocked == []  # every request the page made was to a host the test plays


def test_header_bidding_bids_and_supply_chain(rendered):
    result = rendered[0]
    bids = result["bids"]
    responses = [bid for bid in bids if bid["source_call"] == "getBidResponses"]
    assert [(b["bidder"], b["cpm"], b["currency"]) for b in responses] == [("appnexus", 1.42, "USD"),
                                                                          ("rubicon", 0.95, "EUR")]
    assert responses[0]["advertiser_domains"] == ["brand-landing.test"]
    assert (responses[0]["creative_id"], responses[0]["deal_id"]) == ("cr-771", None)
    assert (responses[1]["creative_id"], responses[1]["deal_id"]) == ("5501", "PMP-DEAL-7")
    assert [b["won"] for b in bids] == [True, False, True]
    assert "ad" not in responses[0]["record"] and "render" not in responses[0]["record"]
    assert [entry["from"] for entry in result["render"]["schain"]] == ["config.schain", "bidRequested:appnexus"]
    assert result["render"]["schain"][0]["schain"]["nodes"][0] == {"asi": "adnxs.com", "sid": "8531", "hp": 1}
    assert result["render"]["title"] == "Local news front page"
    assert (result["render"]["ad_slots"], result["render"]["bids"]) == (2, 3)

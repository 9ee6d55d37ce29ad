"""ads_txt spider, for real: one local server routing by Host header (HTTP and HTTPS), every test host
resolved to 127.0.0.1 (demo.site_server.LoopbackResolver), and a local certificate authority the spider
trusts and verifies against. The crawl runs as adtrail runs it (``python -m spiders.run`` in a child
process) and its folder is loaded into a real warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from demo.site_server import PLAIN, Answer, LocalCertificateAuthority, SiteServer
from spiders.launch import run_crawl
from warehouse import db, load, snapshots

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
BILD = REALDATA / "ads_txt" / "bild.de_ads.txt"

HOSTS = ["dailyglobe.co.uk", "www.dailyglobe.co.uk", "sport.dailyglobe.co.uk", "deep.sport.dailyglobe.co.uk",
         "partnertv.com", "otherpartner.com", "plainhttp.org", "movedsite.com", "www.movedsite.com",
         "cdn-host.net", "twohops.com", "first-host.net", "second-host.org", "htmlsite.com", "nofile.com",
         "robotsblock.com", "gameapp.io", "bild.de", "spiele.bild.de", "toralarm.bild.de", "sportbild.bild.de"]
RECORD = "google.com, pub-{n}, DIRECT, f08c47fec0942fa0\n"


def text(body: str) -> Answer:
    return Answer(200, dict(PLAIN), body.encode())


def moved(status: int, location: str) -> Answer:
    return Answer(status, {"Location": location, "Content-Type": "text/html"}, b"moved")


ROUTES = {
    ("dailyglobe.co.uk", "/ads.txt"): text(RECORD.format(n=1) + RECORD.format(n=2)
                                            + "SUBDOMAIN=sport.dailyglobe.co.uk\nINVENTORYPARTNERDOMAIN=partnertv.com\n"),
    ("sport.dailyglobe.co.uk", "/ads.txt"): text(RECORD.format(n=3) + "SUBDOMAIN=deep.sport.dailyglobe.co.uk\n"),
    ("deep.sport.dailyglobe.co.uk", "/ads.txt"): text(RECORD.format(n=4)),
    ("partnertv.com", "/ads.txt"): text(RECORD.format(n=5) + "INVENTORYPARTNERDOMAIN=otherpartner.com\n"),
    ("otherpartner.com", "/ads.txt"): text(RECORD.format(n=6)),
    ("plainhttp.org", "/ads.txt"): text(RECORD.format(n=7)),
    ("movedsite.com", "/ads.txt"): moved(301, "https://www.movedsite.com:{https}/ads.txt"),
    ("www.movedsite.com", "/ads.txt"): moved(302, "https://cdn-host.net:{https}/movedsite/ads.txt"),
    ("cdn-host.net", "/movedsite/ads.txt"): text(RECORD.format(n=8)),
    ("twohops.com", "/ads.txt"): moved(301, "https://first-host.net:{https}/ads.txt"),
    ("first-host.net", "/ads.txt"): moved(301, "https://second-host.org:{https}/ads.txt"),
    ("second-host.org", "/ads.txt"): text(RECORD.format(n=9)),
    ("htmlsite.com", "/ads.txt"): Answer(200, {"Content-Type": "text/html; charset=utf-8"},
                                         ("<html>" + RECORD.format(n=10) + "</html>").encode()),
    ("robotsblock.com", "/robots.txt"): text("User-agent: *\nDisallow: /ads.txt\n"),
    ("robotsblock.com", "/ads.txt"): text(RECORD.format(n=11)),
    ("gameapp.io", "/app-ads.txt"): text(RECORD.format(n=12) + "SUBDOMAIN=sub.gameapp.io\n"),
}
SCOPE = {"domains": ["www.dailyglobe.co.uk", "plainhttp.org", "movedsite.com", "twohops.com", "htmlsite.com",
                     "nofile.com", "robotsblock.com"],
         "app_domains": ["gameapp.io"]}


def crawl(server: SiteServer, ca: LocalCertificateAuthority | None, out: Path, scope: dict = SCOPE):
    settings = {"TWISTED_DNS_RESOLVER": "demo.site_server.LoopbackResolver",
                "ADS_TXT_URL_TEMPLATE": "{scheme}://{host}:{port}/{file}",
                "ADS_TXT_PORTS": json.dumps({"http": server.http_port, "https": server.https_port}),
                "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "20"}
    if ca is not None:
        settings["ADTRAIL_TLS_CA_FILE"] = str(ca.ca_file)
    return run_crawl("ads_txt", out, scope=scope, settings=settings)


def read_items(folder: Path) -> dict[str, list[dict]]:
    kinds: dict[str, list[dict]] = {}
    for path in [folder / "items.jsonl", *folder.glob("items-*.jsonl")]:
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            kinds.setdefault(item["item_kind"], []).append(item)
    return kinds


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ads_txt")
    ca = LocalCertificateAuthority(folder / "ca", HOSTS)
    with SiteServer(dict(ROUTES), ca, https_refused={"plainhttp.org"}) as server:
        outcome = crawl(server, ca, folder / "crawl")
        yield server, ca, folder, outcome, read_items(folder / "crawl")


def fetches(items) -> dict[str, dict]:
    return {item["fetch_key"]: item for item in items["ads_txt_fetch"]}


def records_of(items, domain: str) -> list[str]:
    return [r["seller_account_id"] for r in items.get("ads_txt_record", []) if r["domain"] == domain]


def test_crawl_completes_with_every_kind_in_the_manifest(world):
    _, _, folder, outcome, items = world
    assert outcome.complete, outcome.error
    files = {entry["item_kind"]: entry for entry in outcome.manifest["files"] if entry["kind"] == "items"}
    assert set(files) == {"ads_txt_fetch", "ads_txt_record", "ads_txt_variable"}
    assert all(files[kind]["rows"] == len(items[kind]) for kind in files)
    assert outcome.manifest["counts"]["files_found"] == len([f for f in items["ads_txt_fetch"] if f["status"] == "found"])


def test_https_first_and_really_over_tls_with_a_verified_certificate(world):
    server, _, _, _, items = world
    fetch = fetches(items)["dailyglobe.co.uk/ads.txt"]
    assert fetch["status"] == "found" and fetch["url_final"].startswith("https://dailyglobe.co.uk:")
    assert ("https", "dailyglobe.co.uk", "/ads.txt") in server.requests
    assert ("http", "dailyglobe.co.uk", "/ads.txt") not in server.requests
    assert fetch["discovered_via"] == "configured" and fetch["root_domain"] == "dailyglobe.co.uk"
    assert records_of(items, "dailyglobe.co.uk") == ["pub-1", "pub-2"] and fetch["records"] == 2


def test_https_failing_falls_back_to_http(world):
    server, _, _, _, items = world
    fetch = fetches(items)["plainhttp.org/ads.txt"]
    assert fetch["status"] == "found" and fetch["url_final"].startswith("http://plainhttp.org:")
    assert [url.split(":")[0] for url in fetch["redirect_chain"]] == ["https", "http"]
    assert ("http", "plainhttp.org", "/ads.txt") in server.requests
    assert records_of(items, "plainhttp.org") == ["pub-7"]


def test_redirects_inside_the_root_domain_then_one_hop_outside_are_fine(world):
    _, _, _, _, items = world
    fetch = fetches(items)["movedsite.com/ads.txt"]
    assert fetch["status"] == "found", fetch["error"]
    assert [url.split("/")[2].split(":")[0] for url in fetch["redirect_chain"]] == [
        "movedsite.com", "www.movedsite.com", "cdn-host.net"]
    assert fetch["cross_domain_hops"] == 1
    assert records_of(items, "movedsite.com") == ["pub-8"]


def test_a_second_hop_outside_is_an_error(world):
    server, _, _, _, items = world
    fetch = fetches(items)["twohops.com/ads.txt"]
    assert fetch["status"] == "error" and "only one hop to another domain" in fetch["error"]
    assert fetch["cross_domain_hops"] == 2 and fetch["redirect_chain"][-1].startswith("https://second-host.org:")
    assert not [r for r in server.requests if r[1] == "second-host.org" and r[2] == "/ads.txt"]
    assert records_of(items, "twohops.com") == []


def test_html_content_type_is_an_error_and_the_content_ignored(world):
    _, _, _, _, items = world
    fetch = fetches(items)["htmlsite.com/ads.txt"]
    assert fetch["status"] == "error" and fetch["content_type"] == "text/html; charset=utf-8"
    assert "not text/plain" in fetch["error"] and fetch["records"] == 0
    assert records_of(items, "htmlsite.com") == []


def test_404_means_no_file(world):
    _, _, _, _, items = world
    fetch = fetches(items)["nofile.com/ads.txt"]
    assert fetch["status"] == "not_found" and fetch["http_status"] == 404 and fetch["error"] is None


def test_robots_txt_is_obeyed(world):
    server, _, _, _, items = world
    fetch = fetches(items)["robotsblock.com/ads.txt"]
    assert fetch["status"] == "error" and "robots.txt" in fetch["error"]
    assert ("https", "robotsblock.com", "/robots.txt") in server.requests
    assert ("https", "robotsblock.com", "/ads.txt") not in server.requests


def test_subdomain_followed_one_level_only(world):
    server, _, _, _, items = world
    fetch = fetches(items)["sport.dailyglobe.co.uk/ads.txt"]
    assert fetch["status"] == "found" and fetch["discovered_via"] == "subdomain"
    assert fetch["discovered_from"] == "dailyglobe.co.uk"
    assert records_of(items, "sport.dailyglobe.co.uk") == ["pub-3"]
    assert "deep.sport.dailyglobe.co.uk/ads.txt" not in fetches(items)
    assert not [r for r in server.requests if r[1] == "deep.sport.dailyglobe.co.uk"]


def test_inventory_partner_domain_one_hop(world):
    server, _, _, _, items = world
    fetch = fetches(items)["partnertv.com/ads.txt"]
    assert fetch["status"] == "found" and fetch["discovered_via"] == "inventory_partner"
    assert records_of(items, "partnertv.com") == ["pub-5"]
    assert not [r for r in server.requests if r[1] == "otherpartner.com"]


def test_app_ads_txt_for_app_domains_ignores_subdomain(world):
    server, _, _, _, items = world
    fetch = fetches(items)["gameapp.io/app-ads.txt"]
    assert fetch["status"] == "found" and fetch["file_kind"] == "app-ads.txt"
    assert not [r for r in server.requests if r[1] == "sub.gameapp.io"]


def test_identifies_itself(world):
    # The request log holds no headers; the crawl log names the agent Scrapy used.
    _, _, folder, _, _ = world
    from spiders.settings import USER_AGENT
    assert USER_AGENT.startswith("adtrail/")


def test_untrusted_certificate_is_not_accepted(world, tmp_path):
    # Without the local authority the certificate does not verify: a TLS error, so HTTP is tried.
    server, _, _, _, _ = world
    outcome = crawl(server, None, tmp_path / "crawl", scope={"domains": ["nofile.com", "dailyglobe.co.uk"]})
    assert outcome.complete, outcome.error
    fetch = fetches(read_items(tmp_path / "crawl"))["dailyglobe.co.uk/ads.txt"]
    assert fetch["url_final"].startswith("http://") and "https" in fetch["redirect_chain"][0]


def test_warehouse_keeps_the_last_good_copy(world, tmp_path):
    server, ca, folder, _, _ = world
    con = db.connect(tmp_path / "adtrail.duckdb")
    first = snapshots.begin_or_resume(con, "2026-01-05", "test")
    load.load_crawl(con, first, folder / "crawl")
    snapshots.complete(con, first)
    assert con.execute("SELECT count(*) FROM ads_txt_current WHERE domain = 'dailyglobe.co.uk'").fetchone()[0] == 2
    # A week later the site serves an HTML page and nofile.com has a file: the error keeps the last copy.
    server.routes[("dailyglobe.co.uk", "/ads.txt")] = Answer(200, {"Content-Type": "text/html"}, b"<html/>")
    server.routes[("nofile.com", "/ads.txt")] = text(RECORD.format(n=13))
    try:
        outcome = crawl(server, ca, tmp_path / "crawl2", scope={"domains": ["dailyglobe.co.uk", "nofile.com"]})
    finally:
        server.routes.update({k: v for k, v in ROUTES.items() if k[0] == "dailyglobe.co.uk"})
        server.routes.pop(("nofile.com", "/ads.txt"))
    assert outcome.complete, outcome.error
    second = snapshots.begin_or_resume(con, "2026-01-12", "test")
    load.load_crawl(con, second, tmp_path / "crawl2")
    snapshots.complete(con, second)
    rows = con.execute("SELECT domain, snapshot_id, seller_account_id FROM ads_txt_current "
                   "WHERE domain IN ('dailyglobe.co.uk', 'nofile.com') ORDER BY 1, 3").fetchall()
    assert rows == [("dailyglobe.co.uk", first, "pub-1"), ("dailyglobe.co.uk", first, "pub-2"),
                    ("nofile.com", second, "pub-13")]
    status = con.execute("SELECT status FROM raw_ads_txt_fetch WHERE snapshot_id = ? AND domain = 'dailyglobe.co.uk'",
                         [second]).fetchone()[0]
    assert status == "error"
    con.close()


@pytest.mark.realdata
@pytest.mark.skipif(not BILD.exists(), reason="needs ../shared/realdata")
def test_real_file_served_parses_to_its_counts_and_its_subdomains_are_followed(tmp_path):
    ca = LocalCertificateAuthority(tmp_path / "ca", HOSTS)
    routes = {("bild.de", "/ads.txt"): Answer(200, {"Content-Type": "text/plain"}, BILD.read_bytes()),
              ("spiele.bild.de", "/ads.txt"): text(RECORD.format(n=20))}
    with SiteServer(routes, ca) as server:
        outcome = crawl(server, ca, tmp_path / "crawl", scope={"domains": ["www.bild.de"]})
    assert outcome.complete, outcome.error
    items = read_items(tmp_path / "crawl")
    assert len(records_of(items, "bild.de")) == 255  # tests/test_parser_ads_txt.py's frozen count
    assert len([v for v in items["ads_txt_variable"] if v["domain"] == "bild.de"]) == 5
    assert not [r for r in items.get("ads_txt_rejected_line", []) if r["domain"] == "bild.de"]
    by_key = fetches(items)
    assert by_key["spiele.bild.de/ads.txt"]["status"] == "found"
    assert {by_key[f"{h}/ads.txt"]["status"] for h in ("toralarm.bild.de", "sportbild.bild.de")} == {"not_found"}

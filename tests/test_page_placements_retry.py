"""page_placements: a page that fails to render is fetched again by a rerun; the pages rendered are kept.

A local page answers HTTP 503 the first time (every retry of the run included) and renders the second: the
first crawl completes with the page counted as failed, named in the manifest's error and ``retry_due``; the
rerun of the same folder renders only that page. Through ``adtrail snapshot`` (commands/snapshot.py
run_snapshot): a snapshot killed after its page_placements crawl stays open; the rerun resumes it, crawls
page_placements again for its ``retry_due`` page and publishes both pages in the one snapshot.

One 127.0.0.1 server plays every host (demo/site_server.py); Chromium maps every host to 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from commands.snapshot import crawl_source, run_snapshot
from demo.monetisation_config import DemoConfig
from demo.site_server import Answer, LocalCertificateAuthority, SiteServer
from spiders.launch import run_crawl
from warehouse import db, snapshots

pytestmark = pytest.mark.browser
SITE = "flaky.news.test"
HOSTS = [SITE, "ads.adserver.test", "easylist.test"]
EASYLIST = b"[Adblock Plus 2.0]\n! Title: test list\n##.ad-slot\n||adserver.test^$third-party\n"
HTML = {"Content-Type": "text/html; charset=utf-8"}
UNAVAILABLE = Answer(503, HTML, b"<html><body>busy, try later</body></html>")


def chromium_path() -> str | None:
    path = os.environ.get("ADTRAIL_CHROMIUM") or shutil.which("chromium")
    return path if path and Path(path).exists() else None


def page(title: str, port: int) -> Answer:
    return Answer(200, HTML, f"""<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1>
<div class="ad-slot" style="width:300px;height:250px">
<iframe src="http://ads.adserver.test:{port}/serve" width="300" height="250"></iframe></div></body></html>""".encode())


@pytest.fixture
def site(tmp_path):
    if chromium_path() is None:
        pytest.skip("Chromium not found: install Debian's chromium package or set ADTRAIL_CHROMIUM to its path")
    pytest.importorskip("scrapy_playwright", reason="the scrapy-playwright package is not installed")
    routes: dict = {}
    server = SiteServer(routes, LocalCertificateAuthority(tmp_path / "ca", HOSTS))
    port = server.http_port
    routes.update({
        (SITE, "/"): page("front page", port),
        (SITE, "/late"): UNAVAILABLE,  # until the test makes it render
        ("ads.adserver.test", "/serve"): Answer(200, HTML, b"<html><body><a href='http://shop.test/'>ad</a></body></html>"),
        ("easylist.test", "/easylist.txt"): Answer(200, {"Content-Type": "text/plain"}, EASYLIST),
    })
    settings = {"TWISTED_DNS_RESOLVER": "demo.site_server.LoopbackResolver", "AUTOTHROTTLE_ENABLED": "False",
                "EASYLIST_URL": f"http://easylist.test:{port}/easylist.txt",
                "ADTRAIL_CHROMIUM": chromium_path(),
                "ADTRAIL_CHROMIUM_ARGS": json.dumps(["--host-resolver-rules=MAP * 127.0.0.1"])}
    urls = [f"http://{SITE}:{port}/", f"http://{SITE}:{port}/late"]
    with server:
        yield server, routes, urls, settings


def rendered_pages(folder: Path) -> list[str]:
    lines = (folder / "items.jsonl").read_text(encoding="utf-8").splitlines()
    return sorted(json.loads(line)["page_url"] for line in lines)


def page_requests(server: SiteServer, path: str) -> int:
    return sum(1 for _, host, asked in server.requests if host == SITE and asked == path)


def test_a_rerun_renders_again_only_the_page_that_failed(site, tmp_path):
    server, routes, urls, settings = site
    scope = {"urls": urls, "max_pages_per_site": 5}
    first = run_crawl("page_placements", tmp_path / "crawl", scope=scope, settings=settings)
    assert first.complete, first.error  # one page failing does not fail the crawl
    manifest = first.manifest
    assert manifest["retry_due"] == 1
    assert manifest["page_outcomes"] == {"rendered": 1, "failed": 1, "robots_disallowed": 0, "not_fetched": 0}
    assert manifest["counts"]["failed_pages"] == 1 and manifest["counts"].get("retried_pages", 0) == 0
    assert "1 of 2 pages failed to render" in manifest["error"] and urls[1] in manifest["error"]
    assert rendered_pages(tmp_path / "crawl") == [urls[0]]
    front_fetches, late_fetches = page_requests(server, "/"), page_requests(server, "/late")
    assert late_fetches >= 1

    routes[(SITE, "/late")] = page("late page", server.http_port)
    second = run_crawl("page_placements", tmp_path / "crawl", scope=scope, settings=settings)
    assert second.complete, second.error
    manifest = second.manifest
    assert manifest["crawl_id"] == first.manifest["crawl_id"]  # the same crawl, continued
    assert (manifest["retry_due"], manifest["error"]) == (0, None)
    assert manifest["page_outcomes"] == {"rendered": 2, "failed": 0, "robots_disallowed": 0, "not_fetched": 0}
    # counts add up over the folder's runs: one failure, one page fetched again
    assert manifest["counts"]["failed_pages"] == 1 and manifest["counts"]["retried_pages"] == 1
    assert page_requests(server, "/") == front_fetches  # the page done is kept, not fetched again
    assert rendered_pages(tmp_path / "crawl") == sorted(urls)
    files = {entry["item_kind"]: entry["rows"] for entry in manifest["files"] if entry["kind"] == "items"}
    assert files["page_render"] == 2

    third = run_crawl("page_placements", tmp_path / "crawl", scope=scope, settings=settings)
    assert third.complete and third.manifest["counts"]["retried_pages"] == 1  # nothing left to fetch again
    assert page_requests(server, "/late") == late_fetches + 1  # the 503s, then the one render


def test_a_resumed_snapshot_crawls_again_the_pages_that_failed(site, tmp_path):
    server, routes, urls, settings = site
    config = DemoConfig(path=None)  # the ordinary configuration plus the test's spider settings
    config.values["warehouse"]["crawl_dir"] = str(tmp_path / "crawls")
    config.values["sources"]["page_placements"].update(enabled=True, urls=urls, easylist_url=settings["EASYLIST_URL"])
    config.extra_settings["page_placements"] = settings
    db_path = tmp_path / "adtrail.duckdb"
    # A snapshot killed after its page_placements crawl (while crawling another source): begun, crawled, open.
    con = db.connect(db_path)
    snapshots.begin_or_resume(con, dt.date(2026, 12, 7), "tests")
    con.close()
    crawl_dir = tmp_path / "crawls" / "snapshot-1" / "page_placements"
    crawl_source(config, "page_placements", crawl_dir)
    first = json.loads((crawl_dir / "manifest.json").read_text(encoding="utf-8"))
    assert (first["status"], first["retry_due"]) == ("complete", 1)

    routes[(SITE, "/late")] = page("late page", server.http_port)
    snapshot_id = run_snapshot(config, db_path, dt.date(2026, 12, 14), sources=["page_placements"])
    assert snapshot_id == 1
    manifest = json.loads((crawl_dir / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["status"], manifest["retry_due"], manifest["counts"]["retried_pages"]) == ("complete", 0, 1)
    assert page_requests(server, "/") == 1
    con = db.connect(db_path)
    try:
        pages = [row[0] for row in con.execute(
            "SELECT page_url FROM raw_page_render WHERE snapshot_id = 1 ORDER BY page_url").fetchall()]
        status = con.execute("SELECT status, error FROM snapshot_source WHERE snapshot_id = 1 "
                             "AND source = 'page_placements'").fetchone()
    finally:
        con.close()
    assert pages == sorted(urls) and status == ("complete", None)

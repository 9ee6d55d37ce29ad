"""The observed edges of rendered pages beside the disclosed ones (migration 135, who_pays_site, sites_of_seller).

The demo's own world and configuration (demo/monetisation_config.py): its sites' ads.txt and the ad systems'
sellers.json crawled by the real spiders from the demo's Host-routing server, its two front pages rendered by
page_placements in Chromium, all loaded into one snapshot. who_pays_site then lists, for a rendered site, the
seller accounts its ads.txt declares and what its page did, each with basis, evidence and snapshot.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from demo import placement_pages
from demo.monetisation_config import DemoConfig, configure_monetisation
from demo.monetisation_world import generate_monetisation_world
from demo.site_server import DemoSiteServer
from spiders.launch import run_crawl
from spiders.parsers.ad_systems import ALIASES
from warehouse import db, load, publish, snapshots
from warehouse.queries import run_query


def test_the_warehouse_alias_table_is_the_parsers(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    try:
        table = dict(con.execute("SELECT alias, ad_system_domain FROM ad_system_alias").fetchall())
        bidders = dict(con.execute("SELECT bidder, ad_system_domain FROM prebid_bidder_ad_system").fetchall())
    finally:
        con.close()
    assert table == ALIASES
    canonical = set(ALIASES.values())
    assert set(bidders.values()) <= canonical | {"smaato.com"} and bidders["rubicon"] == "rubiconproject.com"


def chromium_path() -> str | None:
    path = os.environ.get("ADTRAIL_CHROMIUM") or shutil.which("chromium")
    return path if path and Path(path).exists() else None


@pytest.fixture(scope="module")
def demo_graph(tmp_path_factory):
    if chromium_path() is None:
        pytest.skip("Chromium not found: install Debian's chromium package or set ADTRAIL_CHROMIUM to its path")
    pytest.importorskip("scrapy_playwright", reason="the scrapy-playwright package is not installed")
    world = generate_monetisation_world()
    root = tmp_path_factory.mktemp("observed-graph")
    with DemoSiteServer(world.routes(), root / "tls") as server:
        config = DemoConfig(path=None)
        config.values["warehouse"]["crawl_dir"] = str(root / "crawls")
        configure_monetisation(config, world, server)
        for source in ("ads_txt", "sellers_json", "page_placements"):
            outcome = run_crawl(source, root / source, scope=config.scope(source),
                                settings=config.spider_settings(source))
            assert outcome.complete, outcome.error
    con = db.connect(root / "adtrail.duckdb")
    sid = snapshots.begin_or_resume(con, dt.date(2026, 12, 7), "tests")
    for source in ("ads_txt", "sellers_json", "page_placements"):
        load.load_crawl(con, sid, root / source)
    snapshots.complete(con, sid)
    publish.publish(con, sid)
    reader = publish.open_published(root / "adtrail.duckdb")
    yield reader, sid, world
    reader.close()


@pytest.mark.browser
def test_who_pays_a_rendered_demo_site_lists_declared_and_observed_edges(demo_graph):
    con, sid, world = demo_graph
    site = placement_pages.placement_sites(world)[0]  # its page shows an ad served by ads.sahelbid.com
    rows = run_query(con, "who_pays_site", snapshot_id=None, recipient=site).to_dicts()
    assert {row["snapshot_id"] for row in rows} == {sid}
    by_basis = {basis: [row for row in rows if row["basis"] == basis] for basis in ("disclosed", "observed")}
    assert by_basis["disclosed"] and {row["edge"] for row in by_basis["disclosed"]} == {"authorises"}
    observed = {(row["edge"], row["ad_system_domain"], tuple(row["advertiser_domains"] or ()))
                for row in by_basis["observed"]}
    assert observed == {("calls_ad_system", "sahelbid.com", ()),
                        ("shows_ad_of", "sahelbid.com", ("www.sunvalleyloans.example",))}
    assert all(row["declared_and_observed"] for row in by_basis["observed"])  # its ads.txt names sahelbid.com
    declared_sahel = [row for row in by_basis["disclosed"] if row["ad_system_domain"] == "sahelbid.com"]
    assert declared_sahel and all(row["declared_and_observed"] for row in declared_sahel)
    assert not any(row["declared_and_observed"] for row in by_basis["disclosed"]
                   if row["ad_system_domain"] != "sahelbid.com")  # nothing else was seen on the page
    call = next(row for row in by_basis["observed"] if row["edge"] == "calls_ad_system")
    assert call["evidence_table"] == "raw_page_ad_request" and call["evidence"].startswith("ads.sahelbid.com http://")
    assert "?" not in call["evidence"] and call["evidence_url"].startswith(f"http://{site}:")
    slot = next(row for row in by_basis["observed"] if row["edge"] == "shows_ad_of")
    assert "landing https://www.sunvalleyloans.example/offer (from url)" in slot["evidence"]


@pytest.mark.browser
def test_the_demo_graph_counts_the_observed_page_edges(demo_graph):
    con, sid, world = demo_graph
    edges = dict(con.execute("SELECT edge || '/' || basis, count(*) FROM monetisation_edge WHERE snapshot_id = ? "
                             "GROUP BY 1", [sid]).fetchall())
    assert edges["calls_ad_system/observed"] == 2 and edges["shows_ad_of/observed"] == 2
    assert edges["authorises/disclosed"] > 150
    second = placement_pages.placement_sites(world)[1]
    rows = run_query(con, "who_pays_site", snapshot_id=sid, recipient=second).to_dicts()
    assert {(r["edge"], r["ad_system_domain"]) for r in rows if r["basis"] == "observed"} == {
        ("calls_ad_system", "equatorx.com"), ("shows_ad_of", "equatorx.com")}

"""The observed edges of rendered pages beside the disclosed ones (migration 135, who_pays_site, sites_of_seller).

The demo's own world and configuration (demo/monetisation_config.py): its sites' ads.txt and the ad systems'
sellers.json crawled by the real spiders from the demo's Host-routing server, its two front pages rendered by
page_placements in Chromium, all loaded into one snapshot. who_pays_site then lists, for a rendered site, the
seller accounts its ads.txt declares and what its page did (the ad system it called, the ad it showed, the
bids and supply chain its header-bidding script exposed: demo/header_bidding.py), each with basis, evidence
and snapshot.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from demo import header_bidding, placement_pages
from demo.monetisation_config import DemoConfig, configure_monetisation
from demo.monetisation_world import HEADER_BIDDERS, POOLED_ARBITRAGE, generate_monetisation_world
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


def bid_edges(world, index: int) -> set[tuple]:
    """The receives_bid edges the page's header-bidding script should show: (edge, ad system, seller, bidder,
    advertiser domains), from the demo week's auction."""
    site, (_, landing) = placement_pages.placement_sites(world)[index], placement_pages.CREATIVES[index]
    return {("receives_bid", HEADER_BIDDERS[bid["bidderCode"]], None, bid["bidderCode"],
             tuple(bid["meta"]["advertiserDomains"])) for bid in header_bidding.auction(world, site, landing)["bids"]}


def observed_edges(rows: list[dict]) -> set[tuple]:
    return {(row["edge"], row["ad_system_domain"], row["seller_id"], row["bidder"],
             tuple(row["advertiser_domains"] or ())) for row in rows if row["basis"] == "observed"}


@pytest.mark.browser
def test_who_pays_a_rendered_demo_site_lists_declared_and_observed_edges(demo_graph):
    con, sid, world = demo_graph
    site = placement_pages.placement_sites(world)[0]  # its page shows an ad served by ads.sahelbid.com
    own_sahel = next(seller for system, seller, relationship in world.declared[site]
                     if (system, relationship) == ("sahelbid.com", "DIRECT"))
    rows = run_query(con, "who_pays_site", snapshot_id=None, recipient=site).to_dicts()
    assert {row["snapshot_id"] for row in rows} == {sid}
    by_basis = {basis: [row for row in rows if row["basis"] == basis] for basis in ("disclosed", "observed")}
    assert by_basis["disclosed"] and {row["edge"] for row in by_basis["disclosed"]} == {"authorises"}
    assert observed_edges(rows) == {("calls_ad_system", "sahelbid.com", None, None, ()),
                                    ("shows_ad_of", "sahelbid.com", None, None, ("www.sunvalleyloans.example",)),
                                    ("sells_through", "sahelbid.com", own_sahel, None, ()),
                                    ("sells_through", "equatorx.com", "EQX-771", None, ())} | bid_edges(world, 0)
    assert all(row["declared_and_observed"] for row in by_basis["observed"])  # its ads.txt names each of them
    seen = {"sahelbid.com", "equatorx.com", "appnexus.com", "rubiconproject.com"}
    assert {row["ad_system_domain"] for row in by_basis["disclosed"] if row["declared_and_observed"]} == seen
    assert not any(row["declared_and_observed"] for row in by_basis["disclosed"]
                   if row["ad_system_domain"] not in seen)  # nothing else was seen on the page
    call = next(row for row in by_basis["observed"] if row["edge"] == "calls_ad_system")
    assert call["evidence_table"] == "raw_page_ad_request" and call["evidence"].startswith("ads.sahelbid.com http://")
    assert "?" not in call["evidence"] and call["evidence_url"].startswith(f"http://{site}:")
    slot = next(row for row in by_basis["observed"] if row["edge"] == "shows_ad_of")
    assert "landing https://www.sunvalleyloans.example/offer (from url)" in slot["evidence"]
    won = [row for row in by_basis["observed"] if row["edge"] == "receives_bid" and row["evidence"].endswith(", won")]
    assert len(won) == 1 and won[0]["evidence_table"] == "raw_page_bid"
    assert won[0]["evidence"].startswith(f"getBidResponses: bidder {won[0]['bidder']}, unit demo-leaderboard, cpm ")
    deal = next(row for row in by_basis["observed"] if row["bidder"] == "rubicon")
    assert ", deal RP-PMP-" in deal["evidence"] and ", creative ru-" in deal["evidence"]
    chain = next(row for row in by_basis["observed"] if row["edge"] == "sells_through"
                 and row["seller_id"] == own_sahel)
    assert (chain["sellers_json_check"], chain["seller_type"], chain["evidence_table"]) == (
        "listed", "PUBLISHER", "raw_page_render")
    exposed_by = {part.split(": ", 1)[0] for part in chain["evidence"].split("; ")}  # one part per place shown
    assert exposed_by == {"config.schain", "bidRequested:appnexus", "bidRequested:rubicon"}
    assert f'"seller_id": "{own_sahel}"' in chain["seller_evidence"]
    resold = next(row for row in by_basis["observed"] if row["seller_id"] == "EQX-771")
    assert (resold["sellers_json_check"], resold["seller_type"]) == ("listed", "INTERMEDIARY")
    assert resold["evidence"].startswith("bidRequested:rubicon: ") and "; " not in resold["evidence"]  # only
    # that bidder's request adds the reseller hop


@pytest.mark.browser
def test_the_demo_graph_counts_the_observed_page_edges(demo_graph):
    con, sid, world = demo_graph
    edges = dict(con.execute("SELECT edge || '/' || basis, count(*) FROM monetisation_edge WHERE snapshot_id = ? "
                             "GROUP BY 1", [sid]).fetchall())
    assert edges["calls_ad_system/observed"] == 2 and edges["receives_bid/observed"] == 4
    assert edges["sells_through/observed"] == 4
    assert edges["shows_ad_of/observed"] == 6  # per page: the slot's landing domain, each bid's advertiser
    assert edges["authorises/disclosed"] > 150
    second = placement_pages.placement_sites(world)[1]
    rows = run_query(con, "who_pays_site", snapshot_id=sid, recipient=second).to_dicts()
    assert observed_edges(rows) == {("calls_ad_system", "equatorx.com", None, None, ()),
                                    ("shows_ad_of", "equatorx.com", None, None, ("miraclecure.example",)),
                                    ("sells_through", "sahelbid.com", POOLED_ARBITRAGE[1], None, ()),
                                    ("sells_through", "equatorx.com", "EQX-771", None, ())} | bid_edges(world, 1)
    pooled = next(row for row in rows if row["edge"] == "sells_through" and row["seller_id"] == POOLED_ARBITRAGE[1])
    # the sensational page sells through the account ClickHarbor pools over many sites, an intermediary
    assert (pooled["seller_name"], pooled["seller_type"], pooled["declared_and_observed"]) == (
        "ClickHarbor Media Ltd", "INTERMEDIARY", True)
    sold = run_query(con, "sites_of_seller", snapshot_id=sid, ad_system_domain="sahelbid.com",
                     seller_id=POOLED_ARBITRAGE[1]).to_dicts()
    assert {(row["edge"], row["recipient"], row["declared_and_observed"]) for row in sold
            if row["basis"] == "observed"} == {("sells_through", second, True)}  # declared DIRECT, seen on its page

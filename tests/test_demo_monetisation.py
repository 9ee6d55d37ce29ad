"""The demo's monetisation world: its files parse with the real parsers, and crawled by the real spiders from
the demo's Host-routing server (loopback resolver, demo CA, ports mapping: the demo's configuration) and
loaded, they make a graph with pooled seller ids, a group's shared id that is not pooling, and channels
carrying ad slots; who_pays_site and sites_of_seller answer from it with evidence. The two front pages the
demo renders carry its own header-bidding script, whose bids and supply chain name accounts the sites' ads.txt
declare (tests/test_observed_page_graph.py renders them in Chromium)."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlsplit

import pytest

from demo import header_bidding, placement_pages
from demo.monetisation_config import DemoConfig, configure_monetisation
from demo.monetisation_world import (GROUP_ACCOUNT, POOLED_ARBITRAGE, POOLED_PARTISAN_PUB, SELLERS_JSON_SYSTEMS,
                                     generate_monetisation_world)
from demo.site_server import DemoSiteServer
from demo.youtube_pages import watch_page
from spiders.launch import run_crawl
from spiders.parsers import ads_txt, youtube
from spiders.parsers.sellers_json import parse_file as parse_sellers_json
from warehouse import db, load, publish, snapshots
from warehouse.queries import run_query


@pytest.fixture(scope="module")
def world():
    return generate_monetisation_world()


def test_every_generated_file_parses(world, tmp_path):
    assert len(world.sites) == 30 and {s.kind for s in world.sites} == {"news", "partisan", "sensational"}
    for site in world.sites + world.apps:
        parsed = ads_txt.parse_ads_txt(world.ads_txt[site.domain].encode(), file_kind=site.file_kind,
                                       domain=site.domain)
        assert parsed.records and not parsed.rejected, site.domain
        assert [r.line.recovered_reason for r in parsed.records if r.line.recovered_reason] == [
            "full-width comma read as a comma"]
    for system in SELLERS_JSON_SYSTEMS:
        path = tmp_path / f"{system}.json"
        path.write_bytes(world.routes()[("127.0.0.1", f"/sellers/{system}/sellers.json")].body)
        *sellers, facts = parse_sellers_json(path)
        assert facts["status"] == "ok" and facts["sellers_count"] == len(sellers) > 0, system
        assert all(s["seller_type_known"] and not s["problems"] for s in sellers), system
    labels = [youtube.parse_page(watch_page(video), {})["ad_slots_label"] for video in world.videos]
    assert labels.count("ad slots present") == 3 and labels.count("no ad slots observed") == 5


@pytest.fixture(scope="module")
def published(world, tmp_path_factory):
    root = tmp_path_factory.mktemp("demo-monetisation")
    with DemoSiteServer(world.routes(), root / "tls") as server:
        config = DemoConfig(path=None)
        config.values["warehouse"]["crawl_dir"] = str(root / "crawls")
        configure_monetisation(config, world, server)
        crawls = []
        for source in ("ads_txt", "sellers_json", "youtube_monetisation"):
            outcome = run_crawl(source, root / source, scope=config.scope(source),
                                settings=config.spider_settings(source))
            assert outcome.complete, outcome.error
            crawls.append(root / source)
    con = db.connect(root / "adtrail.duckdb")
    sid = snapshots.begin_or_resume(con, dt.date(2026, 12, 7), "tests")
    for crawl in crawls:
        load.load_crawl(con, sid, crawl)
    snapshots.complete(con, sid)
    publish.publish(con, sid)
    reader = publish.open_published(root / "adtrail.duckdb")
    yield reader, sid
    reader.close()


def test_the_spiders_reached_every_demo_host_over_https(published):
    con, sid = published
    fetches = dict(con.execute("SELECT domain, status FROM raw_ads_txt_fetch").fetchall())
    assert len(fetches) == 33
    assert fetches["johannesburgcitytribune.co.za"] == "not_found"
    assert fetches["ciudaddemexicodailyledger.mx"] == "error"  # an HTML page served as 200
    assert list(fetches.values()).count("found") == 31
    urls = [u for (u,) in con.execute("SELECT url_final FROM raw_ads_txt_fetch WHERE status = 'found'").fetchall()]
    assert all(url.startswith("https://") for url in urls)


def test_the_graph_has_pooled_seller_ids_and_a_group_that_is_not(published):
    con, sid = published
    pooled = {(s, i): (owners, seller_type) for s, i, owners, seller_type in con.execute(
        "SELECT ad_system_domain, seller_id, owners, seller_type FROM ads_txt_seller_id_pooling "
        "WHERE snapshot_id = ?", [sid]).fetchall()}
    assert pooled == {POOLED_ARBITRAGE: (11, "INTERMEDIARY"), ("google.com", POOLED_PARTISAN_PUB): (3, "PUBLISHER")}
    assert GROUP_ACCOUNT not in pooled  # three sites, one OWNERDOMAIN
    edges = dict(con.execute("SELECT edge, count(*) FROM monetisation_edge WHERE snapshot_id = ? GROUP BY 1",
                             [sid]).fetchall())
    assert edges["carries_ad_slots"] == 3 and edges["authorises"] > 150 and edges["belongs_to"] > 50
    bases = dict(con.execute("SELECT edge, any_value(basis) FROM monetisation_edge GROUP BY 1").fetchall())
    assert bases == {"authorises": "disclosed", "belongs_to": "disclosed", "carries_ad_slots": "observed"}


def test_who_pays_a_sensational_site(published, world):
    con, sid = published
    site = next(s.domain for s in world.sites if s.kind == "sensational")
    rows = run_query(con, "who_pays_site", snapshot_id=sid, recipient=site).to_dicts()
    by_system = {row["ad_system_domain"]: row for row in rows}
    assert set(by_system) == {"google.com", "sahelbid.com", "equatorx.com", "baobabmedia.net", "monsoonads.com",
                              "appnexus.com", "rubiconproject.com"}
    arbitrage = by_system["sahelbid.com"]
    assert (arbitrage["seller_id"], arbitrage["relationship"], arbitrage["seller_name"],
            arbitrage["sellers_json_check"]) == ("CH-4410", "DIRECT", "ClickHarbor Media Ltd", "type_mismatch")
    assert arbitrage["evidence_table"] == "raw_ads_txt_record" and arbitrage["evidence_url"].endswith("/ads.txt")
    assert '"seller_id": "CH-4410"' in arbitrage["seller_evidence"]
    assert by_system["google.com"]["seller_id"].startswith("pub-")  # ca-pub- in the file
    assert by_system["baobabmedia.net"]["sellers_json_check"] == "no_sellers_json"
    # the header-bidding exchanges' accounts are the site's own; the demo serves no sellers.json for them
    assert {by_system[s]["sellers_json_check"] for s in ("appnexus.com", "rubiconproject.com")} == {"no_sellers_json"}


def test_who_pays_a_channel_and_which_sites_a_seller_sells(published, world):
    con, sid = published
    channel = next(v for v in world.videos if v.with_ads)
    rows = run_query(con, "who_pays_site", snapshot_id=None, recipient=channel.channel_title).to_dicts()
    assert rows and {(r["recipient"], r["basis"], r["ad_system_domain"]) for r in rows} == {
        (channel.channel_id, "observed", "youtube.com")}
    assert all(r["evidence"].startswith('"playerAds"') for r in rows)
    quiet = next(v for v in world.videos if not any(w.with_ads for w in world.videos if w.channel_id == v.channel_id))
    assert run_query(con, "who_pays_site", snapshot_id=sid, recipient=quiet.channel_id).height == 0
    sold = run_query(con, "sites_of_seller", snapshot_id=sid, ad_system_domain="sahelbid.com",
                     seller_id="CH-4410").to_dicts()
    assert len(sold) == 11 and all(r["pooled"] and r["relationship"] == "DIRECT" for r in sold)
    assert {r["recipient_kind"] for r in sold} == {"site", "app"}
    group = run_query(con, "sites_of_seller", snapshot_id=sid, ad_system_domain=None,
                      seller_id=GROUP_ACCOUNT[1]).to_dicts()
    assert len(group) == 3 and not any(r["pooled"] for r in group)
    assert {r["owner_domain"] for r in group} == {"sunrisemediagroup.com"}


def chains_of(auction: dict) -> list[dict]:
    return [auction["schain"], *(request["schain"] for request in auction["requests"])]


@pytest.mark.parametrize("week", [1, 2, 7])
def test_the_rendered_pages_bids_and_supply_chain_name_what_the_sites_declare(week, tmp_path):
    this_week = generate_monetisation_world(week)
    con = db.connect(tmp_path / "adtrail.duckdb")
    try:
        bidder_systems = dict(con.execute("SELECT bidder, ad_system_domain FROM prebid_bidder_ad_system").fetchall())
    finally:
        con.close()
    listed = {(system, entry["seller_id"]) for system, document in this_week.sellers_json.items()
              for entry in document["sellers"]}
    served = placement_pages.routes(this_week, 8080)
    for site, (_, landing) in zip(placement_pages.placement_sites(this_week), placement_pages.CREATIVES):
        parsed = ads_txt.parse_ads_txt(this_week.ads_txt[site].encode(), file_kind="ads.txt", domain=site)
        declared = {(r.ad_system_canonical, r.line.seller_account_id) for r in parsed.records}
        auction = header_bidding.auction(this_week, site, landing)
        assert auction == header_bidding.auction(generate_monetisation_world(week), site, landing)  # seeded
        bids = auction["bids"]
        assert {bid["bidderCode"] for bid in bids} == {"appnexus", "rubicon"} <= set(bidder_systems)
        assert {bidder_systems[bid["bidderCode"]] for bid in bids} <= {system for system, _ in declared}
        assert all(bid["meta"]["advertiserDomains"] and bid["creativeId"] and bid["cpm"] > 0 for bid in bids)
        assert [bid["dealId"] for bid in bids if "dealId" in bid] and len({bid["adId"] for bid in bids}) == 2
        winner = [bid for bid in bids if bid["adId"] == auction["winningAdId"]]
        assert len(winner) == 1 and winner[0]["cpm"] == max(bid["cpm"] for bid in bids)
        assert winner[0]["meta"]["advertiserDomains"] == [urlsplit(landing).hostname.removeprefix("www.")]
        nodes = {(node["asi"], node["sid"]) for chain in chains_of(auction) for node in chain["nodes"]}
        assert nodes and nodes <= declared and nodes <= listed  # ads.txt and sellers.json both name them
        assert f"var auction = {json.dumps(auction, sort_keys=True)};".encode() in served[
            (site, header_bidding.SCRIPT_PATH)].body
        assert f'<script src="{header_bidding.SCRIPT_PATH}">'.encode() in served[(site, "/")].body
    sensational = placement_pages.placement_sites(this_week)[1]
    assert header_bidding.auction(this_week, sensational, "https://a.example/")["schain"]["nodes"][0]["sid"] == \
        POOLED_ARBITRAGE[1]  # the sensational page sells through the pooled intermediary account


def test_the_auctions_change_with_the_week(world):
    site = placement_pages.placement_sites(world)[0]
    prices = {tuple(bid["cpm"] for bid in header_bidding.auction(generate_monetisation_world(week), site,
                                                                  "https://a.example/")["bids"])
              for week in range(1, 6)}
    assert len(prices) == 5

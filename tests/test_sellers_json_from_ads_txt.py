"""sellers_json fetches the sellers.json of every ad system the snapshot's ads.txt files declare, beside the
configured ones (spiders/sellers_json_ad_systems.py), end to end on local servers.

The demo's world and Host-routing server (demo/site_server.py: its sites' ads.txt over verified HTTPS, its
ad systems' sellers.json) with the demo's configuration, except that sellers_json is configured with one ad
system only. ``adtrail snapshot`` (run_snapshot) crawls ads_txt first although the configuration lists
sellers_json before it, and sellers_json reads the ads_txt crawl folder beside its own. Then: the cap keeps
the most declared ad systems, 0 turns the derivation off, and nothing to fetch at all is a clear error.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from commands.snapshot import run_snapshot
from config import DEFAULTS
from demo.monetisation_config import DemoConfig, configure_monetisation
from demo.monetisation_world import SELLERS_JSON_SYSTEMS, generate_monetisation_world
from demo.site_server import DemoSiteServer
from spiders.launch import run_crawl
from warehouse import db

pytestmark = pytest.mark.slow
CONFIGURED = "monsoonads.com"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    assert list(DEFAULTS["sources"]).index("sellers_json") < list(DEFAULTS["sources"]).index("ads_txt")
    world = generate_monetisation_world()
    root = tmp_path_factory.mktemp("sellers-from-ads-txt")
    with DemoSiteServer(world.routes(), root / "tls") as server:
        config = DemoConfig(path=None)
        config.values["warehouse"]["crawl_dir"] = str(root / "crawls")
        configure_monetisation(config, world, server)
        for name, source in config.values["sources"].items():
            source["enabled"] = name in ("ads_txt", "sellers_json")
        config.values["sources"]["sellers_json"].update(ad_systems=[CONFIGURED], max_ad_systems_from_ads_txt=100)
        snapshot_id = run_snapshot(config, root / "adtrail.duckdb", dt.date(2026, 12, 7))
        yield root, server, config, snapshot_id


def manifest_of(folder) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def declared_in_warehouse(root) -> dict[str, int]:
    """Ad system -> hosts declaring it, by the warehouse's view of the current ads.txt files."""
    con = db.connect(root / "adtrail.duckdb")
    try:
        return dict(con.execute("""SELECT lower(ad_system_canonical), count(DISTINCT domain) FROM ads_txt_current
                                   WHERE NOT coalesce(is_placeholder, false) GROUP BY 1""").fetchall())
    finally:
        con.close()


def test_the_snapshot_fetches_sellers_json_of_every_ad_system_its_sites_declare(snapshot):
    root, server, _, snapshot_id = snapshot
    crawls = root / "crawls" / f"snapshot-{snapshot_id}"
    ads_txt, sellers = manifest_of(crawls / "ads_txt"), manifest_of(crawls / "sellers_json")
    assert ads_txt["finished_at"] < sellers["started_at"]  # ads_txt crawled first
    assert sellers["status"] == "complete"
    assert sellers["scope"] == {"ad_systems": [CONFIGURED], "max_ad_systems_from_ads_txt": 100}
    declared = declared_in_warehouse(root)
    assert set(SELLERS_JSON_SYSTEMS) <= set(declared) and len(declared) > len(SELLERS_JSON_SYSTEMS)
    added = sellers["ad_systems_from_ads_txt"]
    assert (added["crawl_id"], added["crawl_status"]) == (ads_txt["crawl_id"], "complete")
    assert added["declared"] == len(declared) and added["over_cap"] == 0
    assert sorted(added["taken"]) == sorted(set(declared) - {CONFIGURED})
    entries = {e["ad_system"]: e for e in sellers["files"] if e["kind"] in ("bulk", "fetch_error")}
    assert set(entries) == set(declared)  # one per declared ad system, the configured one among them
    assert entries[CONFIGURED]["origin"] == "config+ads_txt"
    for system in set(declared) - {CONFIGURED}:
        assert (entries[system]["origin"], entries[system]["ads_txt_sites"]) == ("ads_txt", declared[system])
    # the demo serves four ad systems' files; the others answer 404, each recorded without stopping the crawl
    assert {s for s, e in entries.items() if e["kind"] == "bulk"} == set(SELLERS_JSON_SYSTEMS)
    con = db.connect(root / "adtrail.duckdb")
    try:
        files = dict(con.execute("SELECT ad_system_domain, status FROM raw_sellers_json_file WHERE snapshot_id = ?",
                                 [snapshot_id]).fetchall())
        checks = dict(con.execute("""SELECT "check", count(*) FROM ads_txt_sellers_json_check
                                     WHERE snapshot_id = ? GROUP BY 1""", [snapshot_id]).fetchall())
        unchecked = {row[0] for row in con.execute(
            """SELECT DISTINCT ad_system_domain FROM ads_txt_sellers_json_check
               WHERE snapshot_id = ? AND "check" = 'no_sellers_json'""", [snapshot_id]).fetchall()}
    finally:
        con.close()
    assert set(files) == set(declared) and {files[s] for s in SELLERS_JSON_SYSTEMS} == {"ok"}
    # with only monsoonads.com configured, every record of the other served ad systems is checked all the same
    assert unchecked == set(declared) - set(SELLERS_JSON_SYSTEMS)
    assert sum(count for check, count in checks.items() if check != "no_sellers_json") > 100


def test_the_cap_keeps_the_most_declared_ad_systems(snapshot, tmp_path):
    root, server, config, snapshot_id = snapshot
    ads_txt_crawl = root / "crawls" / f"snapshot-{snapshot_id}" / "ads_txt"
    declared = declared_in_warehouse(root)
    settings = {**config.spider_settings("sellers_json"), "SELLERS_JSON_ADS_TXT_CRAWL": str(ads_txt_crawl),
                "ADTRAIL_BULK_STORE": str(tmp_path / "store")}
    with DemoSiteServer(generate_monetisation_world().routes(), tmp_path / "tls") as again:
        settings["SELLERS_JSON_URL_TEMPLATE"] = again.local_url + "/sellers/{domain}/sellers.json"
        outcome = run_crawl("sellers_json", tmp_path / "capped", scope={"ad_systems": [CONFIGURED],
                            "max_ad_systems_from_ads_txt": 2}, settings=settings)
    assert outcome.complete, outcome.error
    added = outcome.manifest["ad_systems_from_ads_txt"]
    ranked = sorted((s for s in declared if s != CONFIGURED), key=lambda s: (-declared[s], s))
    assert added["taken"] == ranked[:2] and added["over_cap"] == len(ranked) - 2
    asked = [e["ad_system"] for e in outcome.manifest["files"] if e["kind"] in ("bulk", "fetch_error")]
    assert asked == [CONFIGURED, *ranked[:2]]


def test_zero_turns_the_derivation_off(snapshot, tmp_path):
    root, _, config, snapshot_id = snapshot
    with DemoSiteServer(generate_monetisation_world().routes(), tmp_path / "tls") as again:
        (tmp_path / "ads_txt").symlink_to(root / "crawls" / f"snapshot-{snapshot_id}" / "ads_txt")  # beside it
        settings = {**config.spider_settings("sellers_json"), "ADTRAIL_BULK_STORE": str(tmp_path / "store"),
                    "SELLERS_JSON_URL_TEMPLATE": again.local_url + "/sellers/{domain}/sellers.json"}
        outcome = run_crawl("sellers_json", tmp_path / "sellers_json",
                            scope={"ad_systems": [CONFIGURED], "max_ad_systems_from_ads_txt": 0}, settings=settings)
    assert outcome.complete, outcome.error
    assert outcome.manifest["scope"] == {"ad_systems": [CONFIGURED]} and "ad_systems_from_ads_txt" not in outcome.manifest
    assert [e["ad_system"] for e in outcome.manifest["files"] if e["kind"] == "bulk"] == [CONFIGURED]


def test_nothing_to_fetch_is_a_clear_error(tmp_path):
    outcome = run_crawl("sellers_json", tmp_path / "sellers_json",
                        scope={"ad_systems": [], "max_ad_systems_from_ads_txt": 10},
                        settings={"SELLERS_JSON_URL_TEMPLATE": "http://127.0.0.1:9/{domain}/sellers.json"})
    assert not outcome.complete
    assert outcome.manifest["finish_reason"] == "no_ad_systems"
    assert "crawl ads_txt first" in outcome.manifest["error"]
    assert outcome.manifest["ad_systems_from_ads_txt"]["crawl_id"] is None


def test_the_ads_txt_records_are_read_canonical_and_ranked_by_sites(tmp_path):
    from spiders.items import empty_item
    from spiders.sellers_json_ad_systems import declared_ad_systems

    folder = tmp_path / "ads_txt"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"source": "ads_txt", "crawl_id": "ads_txt-1",
                                                      "status": "failed"}), encoding="utf-8")

    def record(site: str, given: str, canonical: str | None, placeholder: bool = False) -> str:
        item = empty_item("ads_txt_record")
        item.update(item_kind="ads_txt_record", domain=site, ad_system_domain=given, ad_system_canonical=canonical,
                    is_placeholder=placeholder)
        return json.dumps(item)

    lines = [record("a.example", "google.com", "google.com"), record("a.example", "Google.com", "google.com"),
             record("b.example", "googlesyndication.com", "google.com"),
             record("a.example", "AdNxs.com", None),  # canonicalised here: appnexus.com
             record("b.example", "appnexus.com", "appnexus.com"), record("c.example", "xandr.com", "xandr.com"),
             record("c.example", "pubmatic.com", "pubmatic.com"),
             record("d.example", "placeholder.example", "placeholder.example", placeholder=True),
             record("d.example", "not a domain", "not a domain")]
    fetch = empty_item("ads_txt_fetch")
    fetch.update(item_kind="ads_txt_fetch", domain="e.example")
    (folder / "items.jsonl").write_text(json.dumps(fetch) + "\n", encoding="utf-8")
    (folder / "items-ads_txt_record.jsonl").write_text("\n".join(lines) + '\n{"item_kind": "ads_txt_rec',
                                                       encoding="utf-8")  # the last line cut by a kill
    declared = declared_ad_systems(folder)
    assert (declared.crawl_id, declared.crawl_status) == ("ads_txt-1", "failed")  # a failed crawl's records count
    assert dict(declared.sites) == {"appnexus.com": 3, "google.com": 2, "pubmatic.com": 1}
    assert declared.ranked(2) == ["appnexus.com", "google.com"]
    assert declared_ad_systems(tmp_path / "nothing").crawl_id is None
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "manifest.json").write_text(json.dumps({"source": "fx_ecb"}), encoding="utf-8")
    with pytest.raises(ValueError, match="not ads_txt"):
        declared_ad_systems(tmp_path / "other")

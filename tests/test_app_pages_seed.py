"""A published warehouse for the app's pages beyond the explorer (sources, disclosure coverage, completeness,
advertisers across platforms, who pays a site), built only through the warehouse's own loaders: crawl folders
written like the spiders write them (ads.txt items from the real ads.txt parser, YouTube items from the real
page parser on a demo watch page, a sellers.json file as a bulk file), ``load.load_crawl``, Meta report CSVs
through ``import_meta_report``, ``snapshots.complete``, entities through ``analysis.entities.resolve`` (as
``adtrail entities review`` does) and ``publish.publish``.

One snapshot (as of 2026-01-12) holds:
- the explorer's five Meta ads (tests/test_app_seed.py) plus two more of page 506 "Partido Exemplo", whose
  bylines name a payer, and the Google bundle fixture, whose advertiser 'Partido "Exemplo"' is a name match;
- Meta reports for Bangladesh (last 30 days to 2026-01-11, pages 501 and 509) and Brazil (BRL, which has no
  rate: the "rate not loaded" gap); the Google and Meta "Partido Exemplo" confirmed as one organisation, and
  the Meta page "Kiwi Example Party" a name match of a Google advertiser, awaiting review;
- ads.txt of two unrelated news sites and one app declaring the same sahelbid.com seller id DIRECT (pooling),
  with sahelbid.com's sellers.json calling that id an INTERMEDIARY;
- a YouTube watch page with ad slots, and a rendered page of one site calling an ad server;
- a TikTok crawl that failed with an expired token.

The expected figures in the page tests are computed from the constants below, never read back from the app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from analysis.entities import resolve
from analysis.fx import install_fx_rule
from demo.youtube_pages import DemoVideo, watch_page
from spiders.parsers import ads_txt, youtube
from tests.crawl_factory import iso, scope_hash, write_crawl
from tests.test_app_seed import SEED_ADS, SeedAd, _item, write_google_crawl, write_rates
from warehouse import db, entities as entity_store, fx, load, load_google, publish, snapshots
from warehouse.load_meta_report import import_meta_report
from warehouse.lock import WarehouseLock
from warehouse.queries import run_query

AS_OF = dt.date(2026, 1, 12)
FETCHED_AT = dt.datetime(2026, 1, 12, 6, tzinfo=dt.UTC)
EXEMPLO_ADS = [
    SeedAd("2011", "506", "Partido Exemplo", "BDT", (300, 399), "2026-01-02"),
    SeedAd("2012", "506", "Partido Exemplo", "BDT", (400, 499), "2026-01-03"),
]
EXEMPLO_PAYER = "Amigos do Partido Exemplo"
# A Meta page whose name extends a Google advertiser's word for word: a name match left awaiting review.
NEAR_NAME = (SeedAd("2013", "507", "Kiwi Example Party", "BDT", (100, 199), "2026-01-04"),
             "Kiwi Example Party Incorporated")
PAGE_ADS = [*SEED_ADS[1], *EXEMPLO_ADS, NEAR_NAME[0]]

# The Meta reports: file -> currency and rows, page id -> (page name, disclaimer, amount as Meta writes it).
REPORTS = {
    "FacebookAdLibraryReport_2026-01-11_BD_last_30_days_advertisers.csv": ("BDT", {
        "501": ("Nagorik Oikya Dhaka", "Nagorik Oikya Dhaka", "2500"),
        "509": ("Shobuj Bangla", "Shobuj Bangla Trust", "≤100"),
        "506": ("Partido Exemplo", EXEMPLO_PAYER, "1200")}),
    "FacebookAdLibraryReport_2026-01-11_BR_last_7_days_advertisers.csv": ("BRL", {
        "504": ("Movimento São Paulo", "Movimento São Paulo", "800")}),
}
# A BDT rate for the report's last day (the explorer's seed rates hold 7 days: none reaches 2026-01-11).
REPORT_RATE = (dt.date(2026, 1, 10), 121.5)
# The name match confirmed as adtrail entities review --confirm would: one organisation on Google and Meta.
CONFIRMED_MATCH = ("google_advertiser_id:AR10000000000000000002", "meta_page_id:506")
# Google's weekly spend of that advertiser (USD per week from Monday, rounded by Google) and its lifetime spend
# per country, added to the bundle fixture: Brazil only, so none of it falls in the Bangladeshi report's country.
GOOGLE_WEEKS = {dt.date(2025, 12, 8): 700, dt.date(2026, 1, 5): 100}
GOOGLE_EXTRA_LINES = {
    "google-political-ads-advertiser-weekly-spend.csv":
        "Advertiser_ID,Advertiser_Name,Election_Cycle,Week_Start_Date,Spend_USD,Spend_EUR,Spend_INR\n" + "".join(
            f"AR10000000000000000002,Partido Exemplo,,{week.isoformat()},{usd},{usd},{usd * 80}\n"
            for week, usd in GOOGLE_WEEKS.items()),
    "google-political-ads-advertiser-geo-spend.csv":
        "AR10000000000000000002,Partido Exemplo,BR,,800" + ",0" * 19 + "\n",
}

POOLED_SYSTEM, POOLED_ID = "sahelbid.com", "CH-4410"
ADS_TXT = {  # domain -> (file kind, file text)
    "dhakamorningpost.com.bd": ("ads.txt", "# Dhaka Morning Post\n"
                                "google.com, ca-pub-1111222233334444, DIRECT, f08c47fec0942fa0\n"
                                "sahelbid.com, CH-4410, DIRECT\nequatorx.com, 7781, RESELLER\n"),
    "lagoseveningstar.ng": ("ads.txt", "sahelbid.com, CH-4410, DIRECT\nsahelbid.com, LES-01, DIRECT\n"),
    "newsbuzzapp.example": ("app-ads.txt", "sahelbid.com, CH-4410, DIRECT\n"),
}
SELLERS_JSON = {
    "contact_email": "sellers@sahelbid.com", "version": "1.0",
    "sellers": [
        {"seller_id": "CH-4410", "name": "=ClickHarbor Media Ltd", "domain": "clickharbor.example",
         "seller_type": "INTERMEDIARY"},
        {"seller_id": "LES-01", "name": "Lagos Evening Star", "domain": "lagoseveningstar.ng",
         "seller_type": "PUBLISHER"},
    ],
}
VIDEO = DemoVideo("dQw4w9WgXc1", "Breaking: the vote in Dhaka", "UCdemoChannel00000000001", "Dhaka Khobor TV",
                  "812K subscribers", 120400, "News & Politics", True)
PLACEMENT_PAGE = "https://lagoseveningstar.ng/politics/2026/01/ballot"
PLACEMENT_SCHAIN = (POOLED_SYSTEM, "LES-01")  # the supply chain node the page exposed: the site's own account
PLACEMENT_REQUESTS = ["https://securepubads.g.doubleclick.net/tag/js/gpt.js",
                      "https://securepubads.g.doubleclick.net/gampad/ads"]
TIKTOK_ERROR = ("TikTok answered 401 access_token_invalid: the client access token expired. Set new "
                "TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET values and run adtrail snapshot again.")


def _meta_crawl(crawl_root: Path) -> Path:
    crawl_id = "pages_meta"
    items = [_item(ad, crawl_id, FETCHED_AT) for ad in [*SEED_ADS[1], NEAR_NAME[0]]]
    items += [{**_item(ad, crawl_id, FETCHED_AT), "bylines": EXEMPLO_PAYER} for ad in EXEMPLO_ADS]
    return write_crawl(crawl_root / crawl_id, items, crawl_id=crawl_id, started_at=FETCHED_AT)


def _provenance(kind: str, source: str, crawl_id: str, url: str, body: bytes) -> dict:
    return {"item_kind": kind, "source": source, "crawl_id": crawl_id, "source_url": url,
            "fetched_at": iso(FETCHED_AT), "body_sha256": hashlib.sha256(body).hexdigest(), "page_number": 1}


def _ads_txt_crawl(crawl_root: Path) -> Path:
    """Records only (one item kind per crawl folder of tests.crawl_factory): what the graph is made of."""
    crawl_id = "pages_ads_txt"
    items = []
    for domain, (file_kind, text) in ADS_TXT.items():
        body = text.encode()
        parsed = ads_txt.parse_ads_txt(body, file_kind=file_kind, domain=domain)
        provenance = _provenance("ads_txt_record", "ads_txt", crawl_id, f"https://{domain}/{file_kind}", body)
        items += [item for item in ads_txt.items(parsed, domain=domain, provenance=provenance)
                  if item["item_kind"] == "ads_txt_record"]
    scope = {"domains": sorted(ADS_TXT)}
    return write_crawl(crawl_root / crawl_id, items, item_kind="ads_txt_record", source="ads_txt", platform="web",
                       crawl_id=crawl_id, scope=scope, started_at=FETCHED_AT)


def _sellers_json_crawl(crawl_root: Path) -> Path:
    """A sellers_json crawl folder as spiders/sellers_json.py writes it: bulk/<ad system>/sellers.json."""
    folder = crawl_root / "pages_sellers_json"
    target = folder / "bulk" / POOLED_SYSTEM / "sellers.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(SELLERS_JSON, indent=1).encode()
    target.write_bytes(body)
    entry = {"path": f"bulk/{POOLED_SYSTEM}/sellers.json", "kind": "bulk", "ad_system": POOLED_SYSTEM,
             "sha256": hashlib.sha256(body).hexdigest(), "size": len(body), "etag": None, "last_modified": None,
             "source_url": f"https://{POOLED_SYSTEM}/sellers.json", "fetched_at": iso(FETCHED_AT),
             "not_modified": False}
    scope = {"ad_systems": [POOLED_SYSTEM]}
    manifest = {"format": "adtrail-crawl/1", "crawl_id": folder.name, "source": "sellers_json",
                "platform": "monetisation", "scope": scope, "scope_hash": scope_hash(scope),
                "started_at": iso(FETCHED_AT), "finished_at": iso(FETCHED_AT + dt.timedelta(minutes=1)),
                "status": "complete", "finish_reason": "finished", "error": None, "cursor": None,
                "counts": {"bulk_files": 1}, "files": [entry], "code_version": "tests"}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _youtube_crawl(crawl_root: Path) -> Path:
    crawl_id = "pages_youtube"
    url = f"https://www.youtube.com/watch?v={VIDEO.video_id}"
    body = watch_page(VIDEO)
    item = youtube.parse_page(body, _provenance("youtube_signal", "youtube_monetisation", crawl_id, url, body))
    scope = {"videos": [VIDEO.video_id], "channels": []}
    return write_crawl(crawl_root / crawl_id, [item], item_kind="youtube_signal", source="youtube_monetisation",
                       platform="youtube", crawl_id=crawl_id, scope=scope, started_at=FETCHED_AT)


def _placements_crawl(crawl_root: Path) -> Path:
    """A page_placements crawl folder with two items files, as the spider writes them: the page's ad-system
    requests, and its render, whose Prebid config exposed a supply chain naming the site's own seller account."""
    crawl_id = "pages_placements"
    page = {"page_url": PLACEMENT_PAGE, "page_domain": "lagoseveningstar.ng", "vantage_country": "NG"}
    requests = []
    for index, url in enumerate(PLACEMENT_REQUESTS):
        requests.append({**_provenance("page_ad_request", "page_placements", crawl_id, PLACEMENT_PAGE, b"<html>"),
                         **page, "request_key": f"{crawl_id}:{PLACEMENT_PAGE}#{index}", "request_index": index,
                         "request_url": url, "request_host": "securepubads.g.doubleclick.net",
                         "resource_type": "script", "ad_system_domain": "doubleclick.net", "ad_system_owner": "Google"})
    render = {**_provenance("page_render", "page_placements", crawl_id, PLACEMENT_PAGE, b"<html>"), **page,
              "render_key": f"{crawl_id}:{PLACEMENT_PAGE}", "final_url": PLACEMENT_PAGE, "http_status": 200,
              "title": "Ballot day", "ad_slots": 0, "ad_requests": len(requests), "ad_systems": ["doubleclick.net"],
              "bids": 0, "schain": [{"from": "config.schain", "schain": {"ver": "1.0", "complete": 1, "nodes": [
                  {"asi": PLACEMENT_SCHAIN[0], "sid": PLACEMENT_SCHAIN[1], "hp": 1}]}}]}
    scope = {"pages": [PLACEMENT_PAGE]}
    folder = write_crawl(crawl_root / crawl_id, requests, item_kind="page_ad_request", source="page_placements",
                         platform="web", crawl_id=crawl_id, scope=scope, started_at=FETCHED_AT)
    renders = write_crawl(crawl_root / f"{crawl_id}_renders", [render], item_kind="page_render",
                          source="page_placements", platform="web", crawl_id=crawl_id, scope=scope,
                          started_at=FETCHED_AT)
    (renders / "items.jsonl").rename(folder / "renders.jsonl")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    render_file = json.loads((renders / "manifest.json").read_text(encoding="utf-8"))["files"][0]
    manifest["files"].append({**render_file, "path": "renders.jsonl"})
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


def _failed_tiktok_crawl(crawl_root: Path) -> Path:
    scope = {"countries": ["BD"], "search_terms_sha256": [], "advertiser_ids": []}
    return write_crawl(crawl_root / "pages_tiktok", [], item_kind="tiktok_ad", source="tiktok_commercial_content",
                       platform="tiktok", scope=scope, status="failed", finish_reason="token_expired",
                       error=TIKTOK_ERROR, started_at=FETCHED_AT,
                       counts={"pages": 0, "items": 0, "http_401": 1, "requests_today": 1})


def _report_csvs(crawl_root: Path) -> list[Path]:
    """The report files as Meta writes them: a byte-order mark, then the advertisers' rows."""
    paths = []
    for file_name, (currency, rows) in REPORTS.items():
        lines = [f"Page ID,Page name,Disclaimer,Amount spent ({currency}),Number of ads in Library"]
        lines += [f"{page_id},{name},{disclaimer},{amount},2" for page_id, (name, disclaimer, amount) in rows.items()]
        paths.append(crawl_root / file_name)
        paths[-1].write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode("utf-8"))
    return paths


def _rates(crawl_root: Path) -> Path:
    path = write_rates(crawl_root / "rates.csv")
    day, rate = REPORT_RATE
    path.write_text(path.read_text(encoding="utf-8") + f"BDT,{day.isoformat()},{rate},USD\n", encoding="utf-8")
    return path


def _confirm_match(con, snapshot_id: int) -> None:
    """Confirm one name match and resolve again, as adtrail entities review --confirm does."""
    candidate_id = con.execute("SELECT candidate_id FROM entity_candidate WHERE identifier_a = ? AND identifier_b = ?",
                               list(CONFIRMED_MATCH)).fetchone()[0]
    assert entity_store.decide_candidate(con, candidate_id, "confirmed", "review")
    resolve(con, snapshot_id)


def seed_pages_warehouse(root: Path, *, folder: str = "data/warehouse") -> Path:
    """The warehouse at ``root/folder/adtrail.duckdb`` with the one snapshot above published."""
    db_path = root / folder / "adtrail.duckdb"
    crawl_root = root / "crawls"
    crawl_root.mkdir(parents=True, exist_ok=True)
    crawls = [_meta_crawl(crawl_root), _ads_txt_crawl(crawl_root), _sellers_json_crawl(crawl_root),
              _youtube_crawl(crawl_root), _placements_crawl(crawl_root), _failed_tiktok_crawl(crawl_root)]
    with WarehouseLock(db_path):
        con = db.connect(db_path)
        install_fx_rule(con)
        fx.import_rates_file(con, _rates(crawl_root))
        snapshot_id = snapshots.begin_or_resume(con, AS_OF, "tests")
        for crawl in crawls:
            load.load_crawl(con, snapshot_id, crawl)
        google = write_google_crawl(crawl_root / "pages_google", "pages_google", FETCHED_AT, GOOGLE_EXTRA_LINES)
        load_google.load_google_crawl(con, snapshot_id, google)
        import_meta_report(con, snapshot_id, _report_csvs(crawl_root))
        snapshots.complete(con, snapshot_id)
        resolve(con, snapshot_id)
        _confirm_match(con, snapshot_id)
        publish.publish(con, snapshot_id)
    return db_path


def test_the_pages_seed_holds_every_source_it_says(tmp_path):
    db_path = seed_pages_warehouse(tmp_path)
    reader = publish.open_published(db_path)
    try:
        sources = {row["source"]: row for row in run_query(reader, "snapshot_sources", snapshot_id=1).to_dicts()}
        assert {name: row["source_status"] for name, row in sources.items()} == {
            "ads_txt": "complete", "google_political_bundle": "complete", "meta_ad_report": "complete",
            "meta_ads_archive": "complete", "page_placements": "complete", "sellers_json": "complete",
            "tiktok_commercial_content": "failed", "youtube_monetisation": "complete"}
        assert sources["tiktok_commercial_content"]["error"] == TIKTOK_ERROR
        pooled = reader.execute("SELECT ad_system_domain, seller_id, owners FROM ads_txt_seller_id_pooling").fetchall()
        assert pooled == [(POOLED_SYSTEM, POOLED_ID, 3)]
        assert reader.execute("SELECT status, count(*) FROM entity_candidate GROUP BY ALL ORDER BY 1").fetchall() == [
            ("candidate", 1), ("confirmed", 1)]
    finally:
        reader.close()

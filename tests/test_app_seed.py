"""A small published warehouse for the app's tests, built only through the warehouse's own functions:
crawl folders written by ``tests.crawl_factory``, then ``load.load_crawl``, ``snapshots.complete`` and
``publish.publish``; exchange rates through ``warehouse.fx.import_rates_file`` and the rule in
``analysis/assumptions.toml``.

Snapshot 1 (as of 2026-01-12) holds five Meta ads; snapshot 2 (2026-01-19) the same ads, one grown, and
one new. With ``google=True`` each snapshot also loads a google_political_bundle crawl holding the bundle
written from Google's column documentation (tests/fixtures/google_bundle/current), through
``warehouse.load_google.load_google_crawl``. Advertiser names carry a spreadsheet formula and HTML/Markdown on purpose. BDT has rates (a user
table), BRL has none: its ad is the "rate not loaded" gap. The tests compute what the app must show from
``SEED_ADS`` and ``BDT_PER_USD`` below, never from the app.

The test in this file checks the seed itself: what the marts hold is what the seed says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from analysis.fx import install_fx_rule
from tests.crawl_factory import iso, meta_ad_item, scope_hash, write_crawl
from warehouse import db, demo_marker, fx, load, load_google, publish, snapshots
from warehouse.lock import WarehouseLock
from warehouse.queries import run_query

GOOGLE_BUNDLE = Path(__file__).resolve().parent / "fixtures" / "google_bundle" / "current"
GOOGLE_CREATIVES = GOOGLE_BUNDLE / "google-political-ads-creative-stats.csv"
AS_OF = {1: dt.date(2026, 1, 12), 2: dt.date(2026, 1, 19)}
FORMULA_NAME = '=HYPERLINK("http://evil.example","click")'
MARKUP_NAME = "<script>alert(1)</script> **Janata** _Forum_"


@dataclass(frozen=True)
class SeedAd:
    ad_id: str
    page_id: str
    page_name: str
    currency: str
    spend: tuple[int, int | None]
    start: str  # delivery start, ISO date
    regions: tuple[tuple[str, str], ...] = ()  # (region, share as Meta writes it)
    reach_country: str | None = None  # EU reach breakdown country, when the ad has one


SEED_ADS: dict[int, list[SeedAd]] = {
    1: [
        SeedAd("2001", "501", "Nagorik Oikya Dhaka", "BDT", (100, 199), "2026-01-06",
               (("Dhaka Division", "0.75"), ("Chittagong Division", "0.25"))),
        SeedAd("2002", "501", "Nagorik Oikya Dhaka", "BDT", (1000, 1499), "2025-12-10", (("Dhaka Division", "1"),)),
        SeedAd("2003", "502", FORMULA_NAME, "BDT", (100000, None), "2025-12-20", (("Sylhet Division", "1"),)),
        SeedAd("2004", "503", MARKUP_NAME, "USD", (0, 99), "2025-12-22"),
        SeedAd("2005", "504", "Movimento São Paulo", "BRL", (500, 599), "2025-12-15", (("São Paulo", "1"),),
               reach_country="DE"),
    ],
}
SEED_ADS[2] = [
    SeedAd("2001", "501", "Nagorik Oikya Dhaka", "BDT", (200, 299), "2026-01-06",
           (("Dhaka Division", "0.75"), ("Chittagong Division", "0.25"))),
    *SEED_ADS[1][1:],
    SeedAd("2006", "505", "Nodi Bachao", "BDT", (5000, 5999), "2026-01-14", (("Khulna Division", "1"),)),
]
# A user's rate table (adtrail fx import): BDT per USD from each date; daily rates hold for 7 days.
BDT_PER_USD = {dt.date(2025, 12, 8): 120.0, dt.date(2025, 12, 19): 125.0, dt.date(2026, 1, 2): 122.0,
               dt.date(2026, 1, 13): 121.0}


def bdt_rate_for(day: dt.date) -> float:
    """The rate the rule picks: the latest on or before the day (all seed dates are within 7 days of one)."""
    return BDT_PER_USD[max(rate_day for rate_day in BDT_PER_USD if rate_day <= day)]


def usd_low(ad: SeedAd) -> float | None:
    """What one ad's lower bound is in USD, by the rule, or None for the gap (no BRL rate)."""
    if ad.currency == "USD":
        return float(ad.spend[0])
    if ad.currency == "BDT":
        return ad.spend[0] / bdt_rate_for(dt.date.fromisoformat(ad.start))
    return None


def _item(ad: SeedAd, crawl_id: str, fetched_at: dt.datetime) -> dict:
    extra = {}
    if ad.reach_country:
        extra["age_country_gender_reach_breakdown"] = [{"country": ad.reach_country, "age_gender_breakdowns": [
            {"age_range": "25-34", "male": 120, "female": 80, "unknown": 1}]}]
    return meta_ad_item(
        ad.ad_id, crawl_id=crawl_id, fetched_at=fetched_at, page_id=ad.page_id, page_name=ad.page_name,
        currency=ad.currency, spend=ad.spend, ad_delivery_start_time=f"{ad.start}T09:00:00+0000",
        delivery_by_region=[{"region": region, "percentage": share} for region, share in ad.regions] or None,
        **extra,
    )


def write_rates(path: Path) -> Path:
    lines = ["currency,date,rate,base"] + [f"BDT,{day.isoformat()},{rate},USD" for day, rate in BDT_PER_USD.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_google_crawl(crawl_dir: Path, crawl_id: str, fetched_at: dt.datetime,
                       extra_lines: dict[str, str] | None = None) -> Path:
    """A complete google_political_bundle crawl folder: the bundle zip as a bulk file in the manifest.
    ``extra_lines``: CSV lines added to a fixture file of that name, or a new file (header first)."""
    bundle = crawl_dir / "bulk" / "google-political-ads-transparency-bundle.zip"
    bundle.parent.mkdir(parents=True, exist_ok=True)
    files = {path.name: path.read_bytes() for path in sorted(GOOGLE_BUNDLE.glob("*.csv"))}
    for name, lines in (extra_lines or {}).items():
        files[name] = files.get(name, b"") + lines.encode("utf-8")
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    data = bundle.read_bytes()
    scope = {"bundle": "google-political-ads-transparency-bundle.zip"}
    manifest = {
        "format": "adtrail-crawl/1", "crawl_id": crawl_id, "source": "google_political_bundle", "platform": "google",
        "scope": scope, "scope_hash": scope_hash(scope), "started_at": iso(fetched_at), "finished_at": iso(fetched_at),
        "status": "complete", "finish_reason": "finished", "error": None, "cursor": None, "counts": {"files": 1},
        "files": [{"path": "bulk/" + bundle.name, "kind": "bulk", "sha256": hashlib.sha256(data).hexdigest(),
                   "size": len(data), "source_url": "https://storage.googleapis.com/political-csv/" + bundle.name,
                   "fetched_at": iso(fetched_at)}],
        "code_version": "tests",
    }
    (crawl_dir / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return crawl_dir


def load_snapshot(db_path: Path, number: int, crawl_root: Path, *, google: bool = False) -> Path:
    """Load seed snapshot ``number`` into the warehouse and publish it; returns the published copy."""
    crawl_id = f"app_seed_w{number}"
    fetched_at = dt.datetime.combine(AS_OF[number], dt.time(6), tzinfo=dt.UTC)
    crawl = write_crawl(crawl_root / crawl_id, [_item(ad, crawl_id, fetched_at) for ad in SEED_ADS[number]],
                        crawl_id=crawl_id, started_at=fetched_at)
    with WarehouseLock(db_path):
        con = db.connect(db_path)
        install_fx_rule(con)
        fx.import_rates_file(con, write_rates(crawl_root / "rates.csv"))
        snapshot_id = snapshots.begin_or_resume(con, AS_OF[number], "tests")
        load.load_crawl(con, snapshot_id, crawl)
        if google:
            google_crawl = write_google_crawl(crawl_root / f"google_w{number}", f"google_w{number}", fetched_at)
            load_google.load_google_crawl(con, snapshot_id, google_crawl)
        snapshots.complete(con, snapshot_id)
        return publish.publish(con, snapshot_id)


def seed_warehouse(root: Path, *, snapshots_wanted: int = 1, demo: bool = False, google: bool = False,
                   folder: str = "data/warehouse") -> Path:
    """A warehouse at ``root/folder/adtrail.duckdb`` with seed snapshots 1..n published; marked as the
    demo's (``warehouse.demo_marker.mark_demo``, before anything is loaded, as the demo does) when ``demo``."""
    db_path = root / folder / "adtrail.duckdb"
    if demo:
        with WarehouseLock(db_path):
            con = db.connect(db_path)
            try:
                demo_marker.mark_demo(con)
            finally:
                con.close()
    for number in range(1, snapshots_wanted + 1):
        load_snapshot(db_path, number, root / "crawls", google=google)
    return db_path


def test_seed_marts_hold_what_the_seed_says(tmp_path):
    db_path = seed_warehouse(tmp_path, snapshots_wanted=2)
    reader = publish.open_published(db_path)
    try:
        assert [row["snapshot_id"] for row in run_query(reader, "snapshots").to_dicts()] == [2, 1]
        for number in (1, 2):
            rows = reader.execute(
                "SELECT ad_key, advertiser_name, spend_currency, spend_low, spend_high, CAST(delivery_start AS DATE) "
                "FROM mart_ad WHERE snapshot_id = ? ORDER BY ad_key", [number]).fetchall()
            assert [(r[0], r[1], r[2], r[3], r[4], r[5].isoformat()) for r in rows] == [
                (ad.ad_id, ad.page_name, ad.currency, ad.spend[0], ad.spend[1], ad.start)
                for ad in sorted(SEED_ADS[number], key=lambda ad: ad.ad_id)]
    finally:
        reader.close()

"""`adtrail demo`: the real pipeline on a generated world, on a simulated clock.

Run N stands for the date DEMO_START + N weeks: the world of that week is generated, served from a local
HTTP server in the real Graph API format, crawled by the real spider in a child process, loaded into the
demo's own warehouse (never the user's), completed and published. Each run adds the next week, so the
demo's history (new ads, ended ads, grown spend, renamed pages) is meaningful.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from config import Config

DEMO_DB = Path("data/demo/adtrail.duckdb")
# The sources the demo world serves; every other source stays untouched (never the real internet).
DEMO_SOURCES = ["meta_ads_archive", "google_political_bundle", "fx_ecb", "fx_worldbank", "snap_political",
                "ads_txt", "sellers_json", "youtube_monetisation", "tiktok_commercial_content"]
# The demo server checks that a token is sent and echoes it in paging links like Meta does, so the
# redaction of secrets is exercised on every demo run. It is not a real credential.
DEMO_TOKEN = "demo-token|not-a-secret"


def demo_config(endpoint: str, countries: list[str], crawl_root: Path, bundle_url: str | None = None,
                fx_urls: dict[str, str] | None = None, snap: tuple[str, int] | None = None,
                monetisation=None, tiktok: tuple[str, list[str], dt.date] | None = None) -> Config:
    from demo.monetisation_config import DemoConfig, configure_monetisation

    config = DemoConfig(path=None)
    config.values["warehouse"]["crawl_dir"] = str(crawl_root)
    source = config.values["sources"]["meta_ads_archive"]
    source.update(endpoint=endpoint, countries=countries, page_limit=500)
    if bundle_url:
        config.values["sources"]["google_political_bundle"]["endpoint"] = bundle_url
    for fx_source, fx_url in (fx_urls or {}).items():  # fx_ecb, fx_worldbank: demo/fx_world.py's files
        config.values["sources"][fx_source]["endpoint"] = fx_url
    if snap:  # (URL template with {year}, the demo year): demo/snap_world.py's file
        config.values["sources"]["snap_political"].update(endpoint=snap[0], first_year=snap[1])
    if monetisation:  # (MonetisationWorld, DemoSiteServer): demo/monetisation_world.py's sites, apps, channels
        configure_monetisation(config, *monetisation)
    if tiktok:  # (server URL, countries, as_of): demo/tiktok_world.py's ads, the 16 weeks before as_of
        url, tiktok_countries, as_of = tiktok
        config.values["sources"]["tiktok_commercial_content"].update(
            token_endpoint=f"{url}/v2/oauth/token/", endpoint=f"{url}/v2/research/adlib/ad/query/",
            countries=tiktok_countries, date_min=str(as_of - dt.timedelta(weeks=16)),
            date_max=str(as_of - dt.timedelta(days=1)))
    config.values["crawl"].update(backoff_base_seconds=0.5, backoff_max_seconds=5.0)
    return config


# Rendered by Chromium: crawled only when it is installed.
BROWSER_SOURCES = ["page_placements", "google_ads_transparency"]


def demo_sources() -> list[str]:
    """DEMO_SOURCES, and the browser sources when Chromium is installed: the demo never fails for want of it."""
    from commands.common import progress
    from spiders.page_placements import chromium_executable

    if chromium_executable({}) is None:
        progress(f"{' and '.join(BROWSER_SOURCES)} skipped: Chromium not found (install Debian's chromium or set "
                 "ADTRAIL_CHROMIUM)")
        return list(DEMO_SOURCES)
    return [*DEMO_SOURCES, *BROWSER_SOURCES]


def run_demo(*, db_path: Path | None = None, open_app: bool = True, week: int | None = None,
             port: int = 8501) -> int:
    from commands.common import progress
    from commands.snapshot import run_snapshot
    from demo.bulk_server import BundleServer
    from demo.fx_world import ECB_PATH, WORLDBANK_PATH, generate_fx_files
    from demo.gatc_site import GatcDemoSite, configure_gatc
    from demo.google_bundle_files import generate_google_bundle
    from demo.google_world import generate_google_world
    from demo.monetisation_world import generate_monetisation_world
    from demo.site_server import DemoSiteServer
    from demo.server import GraphApiServer
    from demo.snap_world import FILE_PATH as SNAP_PATH, generate_snap_file
    from demo.tiktok_server import DEMO_CLIENT_KEY, DEMO_CLIENT_SECRET, TikTokDemoServer
    from demo.tiktok_world import TIKTOK_COUNTRIES, generate_tiktok_world
    from demo.world import DEMO_START, generate_world
    from warehouse import db, snapshots
    from warehouse.queries import run_query

    from warehouse.demo_marker import mark_demo
    from warehouse.lock import WarehouseLock

    db_path = Path(db_path or DEMO_DB)
    with WarehouseLock(db_path):
        con = db.connect(db_path)
        try:
            # the app shows its demo banner on every page of a warehouse marked so, wherever it lives
            mark_demo(con)
            if week is None:
                week = snapshots.completed_count(con) + 1
        finally:
            con.close()
    as_of = DEMO_START + dt.timedelta(weeks=week)
    progress(f"demo week {week} (simulated date {as_of}); warehouse {db_path}")
    world = generate_world(week)
    # Demo credentials in the child's environment only (redacted like real ones: spiders/secrets.py).
    env = dict(os.environ, META_ACCESS_TOKEN=DEMO_TOKEN, ADTRAIL_DB=str(db_path),
               TIKTOK_CLIENT_KEY=DEMO_CLIENT_KEY, TIKTOK_CLIENT_SECRET=DEMO_CLIENT_SECRET)
    bundle = generate_google_bundle(week)
    rates = generate_fx_files()
    snap = generate_snap_file(as_of, world.countries)
    monetisation = generate_monetisation_world(week)  # its rendered pages' auctions change weekly
    tiktok_world = generate_tiktok_world(world)
    imports = demo_imports(world, db_path.parent / "downloads" / f"week-{week}", db_path.parent / "crawls")
    with GraphApiServer(world) as server, BundleServer(bundle.zip_bytes, last_modified=bundle.last_modified) as store, \
            BundleServer(rates.ecb_zip, last_modified=rates.last_modified, path=ECB_PATH) as ecb, \
            BundleServer(rates.worldbank_zip, last_modified=rates.last_modified, path=WORLDBANK_PATH) as worldbank, \
            BundleServer(snap.zip_bytes, last_modified=snap.last_modified,
                         path=SNAP_PATH.format(year=snap.year)) as snap_store, \
            DemoSiteServer(monetisation.routes(), db_path.parent / "demo-tls") as sites, \
            TikTokDemoServer(tiktok_world) as tiktok, GatcDemoSite(generate_google_world(week)) as gatc:
        config = demo_config(server.url, world.countries, db_path.parent / "crawls", store.url,
                             {"fx_ecb": ecb.url, "fx_worldbank": worldbank.url},
                             (snap_store.url.replace(f"/{snap.year}/", "/{year}/"), snap.year), (monetisation, sites),
                             (tiktok.url, list(TIKTOK_COUNTRIES), as_of))
        configure_gatc(config, gatc)  # crawled only when Chromium is found (demo_sources)
        snapshot_id = run_snapshot(config, db_path, as_of, env=env, sources=demo_sources(), imports=imports)

    from warehouse.publish import open_published

    reader = open_published(db_path)
    try:
        print_summary(reader, snapshot_id, run_query)
    finally:
        reader.close()
    if open_app:
        from commands.serve import serve_app

        return serve_app(db_path, port)
    return 0


def demo_imports(world, downloads: Path, crawl_root: Path) -> list:
    """The files a user would download by hand (Meta's Ad Library Report zips, saved LinkedIn Ad Library pages)
    or write (an entity_overrides.csv of the accounts the demo world knows to be one organisation), written for
    the demo world and loaded into the demo's snapshot by the import commands' own functions."""
    from demo.entity_overrides import import_demo_overrides, write_overrides
    from demo.linkedin_pages import write_linkedin_pages
    from demo.meta_report_files import generate_meta_reports
    from spiders.linkedin_saved_pages import write_import_crawl
    from warehouse.load import load_crawl
    from warehouse.load_meta_report import import_meta_report

    reports = generate_meta_reports(world, downloads / "meta-report")
    linkedin_folder = write_import_crawl(write_linkedin_pages(world, downloads / "linkedin"), crawl_root)
    overrides = write_overrides(world, downloads)
    return [lambda con, snapshot_id: import_meta_report(con, snapshot_id, reports),
            lambda con, snapshot_id: load_crawl(con, snapshot_id, linkedin_folder, accept_unfinished=True),
            lambda con, snapshot_id: import_demo_overrides(con, overrides)]  # before the snapshot's resolution


def print_summary(con, snapshot_id: int, run_query, out=sys.stdout) -> None:
    """The demo's figures, read back from the published copy: what a user sees first."""
    print(f"DEMO DATA (generated, not real) — snapshot {snapshot_id}", file=out)
    for row in run_query(con, "snapshot_summary", snapshot_id=snapshot_id).iter_rows(named=True):
        print(f"  {row['source']}: {row['status']}, {row['items_loaded']:,} rows loaded", file=out)
    print("  spend by currency (disclosed ranges, original currency):", file=out)
    for row in run_query(con, "spend_by_currency", snapshot_id=snapshot_id).iter_rows(named=True):
        if row["spend_low"] is None:  # TikTok and LinkedIn disclose no spend
            print(f"    {row['currency'] or '(no spend disclosed)'}: {row['ads']} ads", file=out)
            continue
        high = "open" if row["spend_high"] is None else f"{row['spend_high']:,}"
        print(f"    {row['currency'] or '(none)'}: {row['ads']} ads, {row['spend_low']:,} to {high}", file=out)
    changes = list(run_query(con, "change_counts", snapshot_id=snapshot_id).iter_rows(named=True))
    if changes:
        print("  changes since the previous snapshot:", file=out)
        for row in changes:
            print(f"    {row['change']}: {row['ads']}", file=out)
    from demo.monetisation_config import print_monetisation_summary

    print_monetisation_summary(con, snapshot_id, out)

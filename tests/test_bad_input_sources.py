"""Bad input for each issue-4 source, through the path real runs take (crawl or import, then load into a
snapshot): the failure lands in ``snapshot_source`` with a message saying what happened and what to do, and
the other files of the source and the other sources of the same snapshot are kept.

- meta_ad_report: an HTML page saved as the zip, a CSV whose header Meta changed (``import_meta_report``).
- snap_political: an HTML error page served instead of a year's zip (the spider against a local store).
- tiktok_commercial_content: a token refused again right after its renewal (tests/tiktok_server.py).
- google_ads_transparency: a creative page that never finishes loading (Chromium against a local site).
- linkedin_ad_library: a login wall among the pages a user saved (``adtrail import linkedin``).

Each snapshot also holds a good meta_ads_archive crawl (tests/crawl_factory.py): it must stay complete.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path

import duckdb
import pytest

from cli import main
from commands.snapshot import _begin, _load_complete_publish
from spiders.launch import run_crawl
from tests.crawl_factory import meta_ad_item, write_crawl
from tests.test_google_ads_transparency_spider import ADVERTISER, FIRST, HANGS, ON_SCROLL, SEE_MORE, site  # noqa: F401
from tests.test_snap_spider import HTML, ObjectStore, written_2019, zipped
from tests.test_snap_spider import crawl as snap_crawl
from tests.test_spider_tiktok import SECRET, THREE_PAGES
from tests.test_spider_tiktok import crawl as tiktok_crawl
from tests.tiktok_server import TikTokServer
from warehouse import db
from warehouse.load_meta_report import import_meta_report
from warehouse.lock import WarehouseLock

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
META = REALDATA / "meta"
LINKEDIN = Path(__file__).resolve().parent / "fixtures" / "linkedin"
AS_OF = dt.date(2026, 1, 5)
needs_realdata = pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")


def good_meta_crawl(root: Path) -> Path:
    """The other source of every snapshot here: two Meta ads, a complete crawl."""
    return write_crawl(root / "meta-good", [meta_ad_item("1001"), meta_ad_item("1002")])


def load_snapshot(db_path: Path, crawl_dirs: list[Path], imports=()) -> dict[str, tuple]:
    """Load crawl folders and imports into one snapshot as adtrail does; source -> (status, error, items)."""
    with WarehouseLock(db_path):
        con = db.connect(db_path)
        _load_complete_publish(con, _begin(con, AS_OF), crawl_dirs, imports)
    return sources_of(db_path)


def sources_of(db_path: Path) -> dict[str, tuple]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        assert con.execute("SELECT status FROM snapshot").fetchall() == [("complete",)]
        return {source: (status, error, items) for source, status, error, items in con.execute(
            "SELECT source, status, error, items_loaded FROM snapshot_source").fetchall()}
    finally:
        con.close()


def assert_other_source_kept(sources: dict[str, tuple]) -> None:
    assert sources["meta_ads_archive"] == ("complete", None, 2)


# ---- meta_ad_report: files the user downloaded

@needs_realdata
def test_meta_report_html_zip_and_changed_header_fail_the_source_others_kept(tmp_path):
    html = tmp_path / "FacebookAdLibraryReport_2025-07-13_AD_last_30_days.zip"
    html.write_text("<!DOCTYPE html><html><head><title>Facebook</title></head><body>Log in to continue</body></html>")
    changed = tmp_path / "FacebookAdLibraryReport_2025-07-12_BE_last_30_days_advertisers.csv"
    original = (META / changed.name).read_text(encoding="utf-8-sig")
    changed.write_text(original.replace("Number of ads in Library", "Ads", 1), encoding="utf-8-sig")
    db_path = tmp_path / "w.duckdb"
    sources = load_snapshot(db_path, [good_meta_crawl(tmp_path)],
                            imports=[lambda con, snapshot_id: import_meta_report(con, snapshot_id, [html, changed])])
    status, error, items = sources["meta_ad_report"]
    assert (status, items) == ("failed", 0)
    assert f"{html.name} is an HTML page" in error and "Download the report again" in error
    assert changed.name in error and "the header is" in error and "nothing of this file was loaded" in error
    assert_other_source_kept(sources)


# ---- snap_political: the yearly zips


def crawl_snap_from(files: dict[str, tuple[bytes, str]], tmp_path: Path) -> None:
    """Crawl snap_political into ``tmp_path / "snap"`` from a local object store serving ``files``."""
    store = ObjectStore(files)
    threading.Thread(target=store.serve_forever, daemon=True).start()
    try:
        snap_crawl(store, tmp_path / "snap", tmp_path / "bulk-store")
    finally:
        store.shutdown()
        store.server_close()


@needs_realdata
@pytest.mark.slow
def test_snap_html_instead_of_a_year_recorded_other_year_and_source_kept(tmp_path):
    crawl_snap_from({"/political/2018/PoliticalAds.zip": (HTML, "text/html; charset=UTF-8"),
                     "/political/2019/PoliticalAds.zip": (zipped(written_2019()), "application/zip")}, tmp_path)
    db_path = tmp_path / "w.duckdb"
    sources = load_snapshot(db_path, [tmp_path / "snap", good_meta_crawl(tmp_path)])
    status, error, items = sources["snap_political"]
    assert (status, items) == ("complete", 3)  # the 2019 rows are kept
    assert "1 of 3 years failed: 2018" in error and "an HTML page" in error
    assert "SNAP_POLITICAL_URL_TEMPLATE" in error  # what to do: check the address the years are fetched from
    assert_other_source_kept(sources)


@needs_realdata
@pytest.mark.slow
def test_snap_every_year_an_html_page_fails_the_source(tmp_path):
    page = (HTML, "text/html; charset=UTF-8")
    crawl_snap_from({"/political/2018/PoliticalAds.zip": page, "/political/2019/PoliticalAds.zip": page}, tmp_path)
    sources = load_snapshot(tmp_path / "w.duckdb", [tmp_path / "snap", good_meta_crawl(tmp_path)])
    status, error, items = sources["snap_political"]
    assert (status, items) == ("failed", 0)
    assert "2 of 3 years failed" in error and "an HTML page" in error
    assert_other_source_kept(sources)


# ---- tiktok_commercial_content: an expired token

@pytest.mark.slow
def test_tiktok_token_refused_after_renewal_fails_the_source_pages_kept(tmp_path):
    script = {**THREE_PAGES, "eyJsYXN0X3NvcnQiOlsyXX0": [(401, "expire"), (401, "expire")]}
    with TikTokServer(script, client_secret=SECRET) as server:
        stopped = tiktok_crawl(server, tmp_path / "tiktok")
    assert stopped.returncode == 3, stopped.stderr
    sources = load_snapshot(tmp_path / "w.duckdb", [tmp_path / "tiktok", good_meta_crawl(tmp_path)])
    status, error, items = sources["tiktok_commercial_content"]
    assert (status, items) == ("failed", 2)  # the first page's ads are kept
    assert "again right after it was renewed" in error
    assert "TIKTOK_CLIENT" in error or "credentials" in error  # what to do
    assert SECRET not in error
    assert_other_source_kept(sources)


# ---- google_ads_transparency: a creative page that never finishes loading

@pytest.mark.browser
def test_gatc_page_that_never_loads_named_in_snapshot_source_others_kept(site, tmp_path):  # noqa: F811
    run_crawl("google_ads_transparency", tmp_path / "gatc", scope={"advertiser_ids": [ADVERTISER]}, settings={
        "GOOGLE_ADS_TRANSPARENCY_URL": site, "GOOGLE_ADS_TRANSPARENCY_LOCAL_ONLY": "True",
        # guards against a hang, not measurements: the hanging page fails after this
        "GOOGLE_ADS_TRANSPARENCY_PAGE_TIMEOUT_MS": "4000", "GOOGLE_ADS_TRANSPARENCY_DETAIL_TIMEOUT_MS": "10000",
        "GOOGLE_ADS_TRANSPARENCY_GROWTH_TIMEOUT_MS": "3000", "AUTOTHROTTLE_ENABLED": "False",
        "ADTRAIL_MAX_RETRIES": "0"})
    db_path = tmp_path / "w.duckdb"
    sources = load_snapshot(db_path, [tmp_path / "gatc", good_meta_crawl(tmp_path)])
    status, error, items = sources["google_ads_transparency"]
    assert status == "complete" and items == len(FIRST + ON_SCROLL + SEE_MORE)
    assert error.startswith(f"1 of {items} creatives failed: {HANGS}: the page did not finish loading")
    assert "the other creatives are kept" in error and "Rerun later" in error
    assert_other_source_kept(sources)


# ---- linkedin_ad_library: pages saved by hand

def test_linkedin_login_wall_among_saved_pages_named_others_kept(tmp_path, monkeypatch, capsys):
    saved = tmp_path / "saved"
    saved.mkdir()
    for name in ("search_page1.html", "detail_512345678.html", "authwall.html"):
        shutil.copy(LINKEDIN / name, saved / name)
    monkeypatch.setenv("ADTRAIL_CRAWL_ROOT", str(tmp_path / "crawls"))
    db_path = tmp_path / "w.duckdb"
    # The import's own snapshot, then the same import beside another source in one snapshot.
    assert main(["import", "linkedin", "--db", str(db_path), *sorted(map(str, saved.iterdir()))]) == 1
    assert "REFUSED authwall.html" in capsys.readouterr().err
    status, error, items = sources_of(db_path)["linkedin_ad_library"]
    assert (status, items) == ("complete", 2)
    assert "authwall.html: LinkedIn answered with its sign-in wall" in error and "import it again" in error
    [folder] = [p.parent for p in (tmp_path / "crawls").rglob("manifest.json")]
    both = load_snapshot(tmp_path / "w2.duckdb", [folder, good_meta_crawl(tmp_path)])
    assert both["linkedin_ad_library"] == (status, error, items)
    assert_other_source_kept(both)


def test_linkedin_only_a_login_wall_fails_the_source(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ADTRAIL_CRAWL_ROOT", str(tmp_path / "crawls"))
    db_path = tmp_path / "w.duckdb"
    assert main(["import", "linkedin", "--db", str(db_path), str(LINKEDIN / "authwall.html")]) == 1
    status, error, items = sources_of(db_path)["linkedin_ad_library"]
    assert (status, items) == ("failed", 0)
    assert "authwall.html: LinkedIn answered with its sign-in wall" in error and "import it again" in error

"""The ad spend explorer under Streamlit's AppTest, on a seeded published warehouse (tests/test_app_seed.py).

Expected figures are computed here from the seed (amounts, rates), never read back from the app.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import shutil

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from tests.test_app_seed import (
    FORMULA_NAME, GOOGLE_BUNDLE, GOOGLE_CREATIVES, MARKUP_NAME, SEED_ADS, bdt_rate_for, load_snapshot, seed_warehouse, usd_low,
)

from warehouse import db, fx, publish
from warehouse.lock import WarehouseLock

APP = Path(__file__).resolve().parents[1] / "app.py"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    return seed_warehouse(tmp_path_factory.mktemp("explorer"), snapshots_wanted=2)


def run_app(db_path: Path, monkeypatch, **query) -> AppTest:
    monkeypatch.setenv("ADTRAIL_DB", str(db_path))
    app = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [item.value for item in app.exception]
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def table(app: AppTest, column: str) -> list[dict]:
    """The rows of the one table on the page that has ``column`` (Currency, Advertiser, Week, Region)."""
    frames = [frame.value for frame in app.dataframe if column in frame.value.columns]
    assert len(frames) == 1, [list(frame.value.columns) for frame in app.dataframe]
    return frames[0].to_dict("records")


def usd_total_low(ads) -> float:
    return sum(value for value in map(usd_low, ads) if value is not None)


def test_totals_are_ranges_in_own_currency_and_usd_with_the_gap_shown(seeded, monkeypatch):
    app = run_app(seeded, monkeypatch, snapshot="1")
    ads = SEED_ADS[1]
    assert metrics(app) == {
        "Ads": "5",
        "Advertisers": "4",
        # an open BDT bucket and the BRL ad without a rate: the top is unknown, "at least"; the gap is below
        "Spend in USD": f"at least {math.floor(usd_total_low(ads)):,} USD",
    }
    bdt = [ad for ad in ads if ad.currency == "BDT"]
    rows = {row["Currency"]: row for row in table(app, "Currency")}
    assert rows["BDT"]["Spend (own currency)"] == f"at least {sum(ad.spend[0] for ad in bdt):,} BDT"
    assert rows["BDT"]["Spend in USD"] == f"at least {math.floor(usd_total_low(bdt)):,} USD"
    assert rows["BDT"]["USD rate"] == "user daily, 2025-12-08 to 2026-01-02"
    assert rows["BDT"]["Open top buckets"] == 1
    assert rows["BRL"]["Spend (own currency)"] == "500–599 BRL"
    assert rows["BRL"]["Spend in USD"] == "USD: rate not loaded"
    assert rows["USD"]["Spend (own currency)"] == rows["USD"]["Spend in USD"] == "0–99 USD"
    assert any("USD: rate not loaded for 1 ad (currencies: BRL)" in warning.value for warning in app.warning)
    # 2001 started on 2026-01-06, within 7 days before the snapshot's date
    assert [info.value for info in app.info] == [
        "1 ad started in the 7 days before 2026-01-12: platforms report spend late, so its figures may still grow."]


def test_every_figure_names_snapshot_and_basis_and_every_table_downloads(seeded, monkeypatch):
    app = run_app(seeded, monkeypatch, snapshot="1")
    captions = [caption.value for caption in app.caption]
    assert any(caption.startswith("Snapshot 1 (as of 2026-01-12) · basis: disclosed") for caption in captions)
    assert any(caption.startswith("Basis per row. Meta: derived") for caption in captions)  # the regions
    labels = [button.label for button in app.get("download_button")]
    assert labels == ["Download CSV", "CSV for Excel (UTF-8 with BOM)"] * len(app.dataframe)


def test_top_advertisers_ranked_in_usd_with_source_text_as_text(seeded, monkeypatch):
    app = run_app(seeded, monkeypatch, snapshot="1")
    rows = table(app, "Advertiser")
    by_name = {row["Advertiser"]: row for row in rows}
    assert [row["Advertiser"] for row in rows] == [FORMULA_NAME, "Nagorik Oikya Dhaka", MARKUP_NAME,
                                                   "Movimento São Paulo"]
    assert by_name[FORMULA_NAME]["Spend in USD"] == f"at least {math.floor(100000 / bdt_rate_for(dt.date(2025, 12, 20))):,} USD"
    nagorik = [ad for ad in SEED_ADS[1] if ad.page_id == "501"]
    high = sum(ad.spend[1] / bdt_rate_for(dt.date.fromisoformat(ad.start)) for ad in nagorik)
    assert by_name["Nagorik Oikya Dhaka"]["Spend in USD"] == f"{math.floor(usd_total_low(nagorik))}–{math.ceil(high)} USD"
    assert by_name["Nagorik Oikya Dhaka"]["Spend (own currency)"] == "1,100–1,698 BDT"
    assert by_name["Movimento São Paulo"]["Spend in USD"] == "USD: rate not loaded"
    # names from sources are never Markdown or HTML on the page: only in tables and chart labels
    rendered = [item.value for kind in ("title", "subheader", "markdown", "caption", "text", "warning", "info", "error")
                for item in app.get(kind)] + [metric.value for metric in app.metric]
    assert not [text for text in rendered if "<script>" in text or "HYPERLINK" in text or "**Janata**" in text]


def test_weeks_mark_the_newest_days_possibly_incomplete(seeded, monkeypatch):
    app = run_app(seeded, monkeypatch, snapshot="1")
    rows = {str(row["Week"])[:10]: row for row in table(app, "Week")}
    assert list(rows) == ["2025-12-08", "2025-12-15", "2025-12-22", "2026-01-05"]
    assert [row["Possibly incomplete"] for row in rows.values()] == [False, False, False, True]
    assert rows["2025-12-15"]["Ads"] == 2  # 2003 (Saturday 20th) and the BRL ad
    assert rows["2025-12-15"]["Spend"] == f"at least {math.floor(100000 / 125.0):,} USD (1 ad without a USD rate left out)"
    assert rows["2025-12-22"]["Spend"] == "0–99 USD"
    assert rows["2026-01-05"]["Spend"] == f"{math.floor(100 / 122 * 100) / 100:.2f}–{math.ceil(199 / 122 * 100) / 100:.2f} USD"


def test_regions_are_a_ranked_derived_share_of_spend(seeded, monkeypatch):
    app = run_app(seeded, monkeypatch, snapshot="1", **{"in": "BDT"})
    assert {row["Basis"] for row in table(app, "Region")} == {"derived"}
    regions = [(row["Rank"], row["Region"], row["Spend"]) for row in table(app, "Region")]
    assert regions == [
        (1, "Sylhet Division", "at least 100,000 BDT"),
        (2, "Dhaka Division", f"{round(100 * 0.75 + 1000):,}–{math.ceil(199 * 0.75 + 1499):,} BDT"),
        (3, "Chittagong Division", f"{math.floor(100 * 0.25)}–{math.ceil(199 * 0.25)} BDT"),
    ]
    assert [row["Advertiser"] for row in table(app, "Advertiser")] == [FORMULA_NAME, "Nagorik Oikya Dhaka"]
    charts = app.get("vega_lite_chart")
    assert len(charts) == 3  # advertisers, weeks, regions: ranked bars, no map
    assert "possibly incomplete (reported late)" in charts[1].proto.spec


def test_filters_and_snapshot_come_from_the_url_and_go_back_into_it(seeded, monkeypatch):
    app = run_app(seeded, monkeypatch, snapshot="1", country="DE", platform="meta")
    # only the ad with an EU reach breakdown for Germany: the BRL one, which has no rate
    assert metrics(app)["Ads"] == "1"
    assert metrics(app)["Spend in USD"] == "USD: rate not loaded"
    assert table(app, "Currency")[0]["Spend (own currency)"] == "500–599 BRL"
    assert app.session_state["in"] == "BRL"  # no USD rate: ranked in its own currency
    assert dict(app.query_params) == {"snapshot": "1", "country": "DE", "platform": "meta", "in": "BRL"}


def test_advertiser_and_dates_filter(seeded, monkeypatch):
    app = run_app(seeded, monkeypatch, snapshot="1", advertiser="nagorik", **{"from": "2025-12-01", "to": "2026-01-05"})
    assert metrics(app)["Ads"] == "1"  # 2002; 2001 started on the 6th
    assert table(app, "Currency")[0]["Spend (own currency)"] == "1,000–1,499 BDT"
    assert [text.value for text in app.text] == ["Advertiser filter: nagorik"]


def test_a_link_to_an_older_snapshot_shows_that_snapshot(seeded, monkeypatch):
    newest = run_app(seeded, monkeypatch)
    assert newest.session_state["snapshot"] == 2
    assert metrics(newest)["Ads"] == str(len(SEED_ADS[2]))
    older = run_app(seeded, monkeypatch, snapshot="1")
    assert metrics(older)["Ads"] == str(len(SEED_ADS[1]))
    missing = run_app(seeded, monkeypatch, snapshot="99")
    assert any("snapshot 99, which the published copy does not hold" in error.value for error in missing.error)


def test_a_newly_published_snapshot_is_picked_up_without_a_restart(tmp_path, monkeypatch):
    db_path = seed_warehouse(tmp_path, snapshots_wanted=1)
    app = run_app(db_path, monkeypatch)
    first_copy = [c.value for c in app.caption if "published copy" in c.value][0]
    assert metrics(app)["Ads"] == str(len(SEED_ADS[1]))
    second = load_snapshot(db_path, 2, tmp_path / "crawls")
    app.run()  # the same session: the next rerun reads the new copy
    caption = [c.value for c in app.caption if "published copy" in c.value][0]
    assert caption != first_copy and caption.endswith(second.name)
    assert app.get("selectbox")[0].options == ["Snapshot 2 (as of 2026-01-19)", "Snapshot 1 (as of 2026-01-12)"]
    fresh = run_app(db_path, monkeypatch)  # a new visitor gets the newest snapshot
    assert metrics(fresh)["Ads"] == str(len(SEED_ADS[2]))


def demo_banner_shown(app: AppTest) -> bool:
    return any(warning.value.startswith("DEMO DATA") for warning in app.warning)


def test_demo_banner_follows_the_mark_in_the_warehouse_not_its_folder(tmp_path, monkeypatch, seeded):
    # marked by the demo's function, in a folder that says nothing of a demo: the banner shows
    marked = seed_warehouse(tmp_path / "marked", demo=True, folder="elsewhere")
    assert demo_banner_shown(run_app(marked, monkeypatch))
    # the published copy carries the mark: moved anywhere, it still shows the banner
    moved = tmp_path / "moved" / "adtrail.duckdb"
    shutil.copytree(marked.parent, moved.parent)
    assert demo_banner_shown(run_app(moved, monkeypatch))
    # unmarked, even in a folder named data/demo: no banner
    unmarked = seed_warehouse(tmp_path / "unmarked", folder="data/demo")
    assert not demo_banner_shown(run_app(unmarked, monkeypatch))
    assert not demo_banner_shown(run_app(seeded, monkeypatch))


def test_a_copy_published_before_the_app_s_schema_says_to_publish_again(tmp_path, monkeypatch):
    db_path = seed_warehouse(tmp_path)
    copy = publish.current_published(db_path)
    con = duckdb.connect(str(copy))
    try:  # as a copy made by the adtrail before migration 060: no explorer macros, no labels
        con.execute("DROP MACRO TABLE explorer_ads")
        con.execute("DROP MACRO TABLE explorer_ad_country")
        con.execute("DROP TABLE warehouse_label")
        con.execute("DELETE FROM schema_version WHERE version >= 60")  # and every later migration
    finally:
        con.close()
    app = run_app(db_path, monkeypatch)
    assert len(app.error) == 1
    before_explorer = max(m.version for m in db.available_migrations() if m.version < 60)
    assert f"made by an older adtrail (schema {before_explorer};" in app.error[0].value
    assert "Publish again" in app.error[0].value


def test_nothing_published_says_what_to_do(tmp_path, monkeypatch):
    app = run_app(tmp_path / "empty" / "adtrail.duckdb", monkeypatch)
    assert len(app.error) == 1
    assert "run adtrail snapshot (or adtrail demo) first" in app.error[0].value


def test_a_rate_loaded_later_fills_the_gap_once_published_again(tmp_path, monkeypatch):
    db_path = seed_warehouse(tmp_path, snapshots_wanted=1)
    before = run_app(db_path, monkeypatch)
    assert {row["Currency"]: row for row in table(before, "Currency")}["BRL"]["Spend in USD"] == "USD: rate not loaded"
    rates = tmp_path / "brl.csv"
    rates.write_text("currency,date,rate,base\nBRL,2025-12-15,5.5,USD\n", encoding="utf-8")
    with WarehouseLock(db_path):
        con = db.connect(db_path)
        fx.import_rates_file(con, rates)
        publish.publish(con, 1)  # the same snapshot, republished with the new rate; nothing reloaded
    app = run_app(db_path, monkeypatch)
    brl = {row["Currency"]: row for row in table(app, "Currency")}["BRL"]
    assert brl["Spend in USD"] == f"{math.floor(500 / 5.5)}–{math.ceil(599 / 5.5)} USD"
    assert brl["USD rate"] == "user daily, 2025-12-15"
    assert not any("rate not loaded" in warning.value for warning in app.warning)


def google_creatives() -> list[dict]:
    with GOOGLE_CREATIVES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_google_ads_by_country_in_usd_as_google_converted_them(tmp_path, monkeypatch):
    db_path = seed_warehouse(tmp_path, google=True)
    app = run_app(db_path, monkeypatch, platform="google", country="US")
    us = [row for row in google_creatives() if "US" in [region.strip() for region in row["Regions"].split(",")]]
    low = sum(int(row["Spend_Range_Min_USD"]) for row in us)
    open_top = any(not row["Spend_Range_Max_USD"] for row in us)
    assert metrics(app)["Ads"] == str(len(us))
    expected = f"at least {low:,} USD" if open_top else \
        f"{low:,}–{sum(int(row['Spend_Range_Max_USD']) for row in us):,} USD"
    assert metrics(app)["Spend in USD"] == expected
    usd = table(app, "Currency")[0]
    assert usd["USD rate"] == f"none needed (amounts in USD); {len(us)} ads in USD as the platform converted it"
    assert {row["Advertiser"] for row in table(app, "Advertiser")} == {row["Advertiser_Name"] for row in us}
    platforms = app.sidebar.multiselect[0]  # the most ads first
    assert platforms.options == [f"google ({len(google_creatives())} ads)", f"meta ({len(SEED_ADS[1])} ads)"]
    assert platforms.value == ["google"]


def test_google_regions_are_disclosed_and_ranked_beside_meta_derived_ones(tmp_path, monkeypatch):
    db_path = seed_warehouse(tmp_path, google=True)
    app = run_app(db_path, monkeypatch, country="US", **{"in": "USD"})
    with (GOOGLE_BUNDLE / "google-political-ads-advertiser-geo-spend.csv").open(encoding="utf-8") as handle:
        geo = [row for row in csv.DictReader(handle) if row["Country"] == "US"]
    # Google rounds to a step (the greatest common divisor of the file's amounts): v stands for v ± step/2
    step = math.gcd(*(int(row["Spend_USD"]) for row in geo if int(row["Spend_USD"])))
    expected = sorted(((int(row["Spend_USD"]), row["Country_Subdivision_Primary"]) for row in geo), reverse=True)
    rows = table(app, "Region")
    assert [(row["Region"], row["Platform"], row["Basis"], row["Spend"]) for row in rows] == [
        (region, "google", "disclosed", f"{max(amount - step // 2, 0):,}–{amount + step // 2:,} USD")
        for amount, region in expected]
    with_dates = run_app(db_path, monkeypatch, country="US", **{"from": "2024-01-01"})
    assert table(with_dates, "Region") == []  # lifetime totals have no dates

"""Completeness through the real load path: a Meta ads_archive crawl folder (one ad returned by the queries of
Bangladesh and India, its delivery_by_region as the API writes it, dates as Meta writes them) and report CSVs
imported as a user would, then mart_meta_completeness, with the figures computed by hand from rule
[completeness] v2; and the real Belgian report file, in euro and in dollars at the ECB's rate."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from analysis.fx import install_fx_rule
from tests import core_seed
from tests.crawl_factory import meta_ad_item, write_crawl
from warehouse import db, load, snapshots
from warehouse import fx as warehouse_fx
from warehouse.load_meta_report import import_meta_report
from warehouse.queries import run_query

BOM = "\ufeff"
REPORT = "FacebookAdLibraryReport_2024-01-07_{country}_last_7_days_{part}.csv"


def write_report(folder, country, part, header, rows):
    path = folder / REPORT.format(country=country, part=part)
    path.write_text(BOM + "\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    folder = tmp_path_factory.mktemp("completeness_load")
    regions = [{"percentage": "0.6", "region": "Dhaka Division"}, {"percentage": "0.3", "region": "West Bengal"},
               {"percentage": "0.1", "region": "Chittagong Division"}]
    ad = dict(page_id="501", spend=(1000, 1499), currency="BDT", ad_delivery_start_time="2024-01-02",
              ad_delivery_stop_time="2024-01-03", delivery_by_region=regions)
    items = [meta_ad_item("7001", query_country="BD", **ad), meta_ad_item("7001", query_country="IN", **ad),
             # the Pacific evening of 7 January: 21:00-23:00 PST, 05:00-07:00 UTC on the 8th
             meta_ad_item("7002", page_id="501", spend=(100, 199), currency="BDT",
                          ad_delivery_start_time="2024-01-08T05:00:00+0000",
                          ad_delivery_stop_time="2024-01-08T07:00:00+0000",
                          delivery_by_region=[{"percentage": "1", "region": "Dhaka Division"}])]
    write_crawl(folder / "crawl", items)
    reports = [
        write_report(folder, "BD", "advertisers", "Page ID,Page name,Disclaimer,Amount spent (BDT),"
                     "Number of ads in Library", ["501,Nagorik Oikya Dhaka,Nagorik Oikya Dhaka,1000,2"]),
        write_report(folder, "BD", "locations", "Location name,Amount spent (BDT)",
                     ["Dhaka Division,900", "Chittagong Division,≤100"]),
        write_report(folder, "IN", "locations", "Location name,Amount spent (INR)", ["West Bengal,5000"]),
    ]
    (folder / "rates.csv").write_text("currency,date,rate,base\nBDT,2024-01-05,120,USD\n")
    con = db.connect(folder / "adtrail.duckdb")
    install_fx_rule(con)
    warehouse_fx.import_rates_file(con, folder / "rates.csv")
    snapshot_id = snapshots.begin_or_resume(con, "2024-01-08", "tests")
    load.load_crawl(con, snapshot_id, folder / "crawl")
    result = import_meta_report(con, snapshot_id, reports)
    assert not result.failed_files
    snapshots.complete(con, snapshot_id)
    yield con, snapshot_id
    con.close()


def test_region_shares_from_the_loaded_ad(warehouse):
    con, snapshot_id = warehouse
    shares = dict(con.execute("SELECT country, country_share FROM meta_ad_country_share WHERE ad_key = '7001' "
                              "AND country_share_rule = 'delivery_by_region'").fetchall())
    assert shares == {"BD": pytest.approx(0.7), "IN": pytest.approx(0.3)}


def test_loaded_ads_beside_the_imported_report(warehouse):
    con, snapshot_id = warehouse
    (row,) = run_query(con, "meta_completeness", report_snapshot_id=snapshot_id, country="BD").iter_rows(named=True)
    assert (row["page_id"], row["report_currency"], row["api_ads"], row["ads_split_by_region"]) == ("501", "BDT", 2, 2)
    # 7001: two whole UTC days (2 and 3 January), all inside the period, 0.7 of it Bangladesh's;
    # 7002: its two hours are on 7 January Pacific time, the report's last day: all of it
    assert row["api_low"] == pytest.approx(0.7 * 1000 + 100)
    assert row["api_high"] == pytest.approx(0.7 * 1499 + 199)
    assert row["api_estimate"] == pytest.approx(0.7 * 1249.5 + 149.5)  # 1024.15
    assert (row["completeness_ratio_currency"], row["completeness_ratio"]) == ("BDT", pytest.approx(1.0242))
    assert (row["completeness_ratio_low"], row["completeness_ratio_high"]) == (pytest.approx(0.8),
                                                                               pytest.approx(1.2483))
    # the rate of 5 January is the latest on or before the 7th, still valid (7 days)
    assert (row["usd_rate_date"], row["report_usd_estimate"], row["api_usd_estimate"]) == (
        dt.date(2024, 1, 5), pytest.approx(8.33), pytest.approx(8.53))  # 1000 / 120, 1024.15 / 120


REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
BE_ADVERTISERS = REALDATA / "meta" / "FacebookAdLibraryReport_2025-07-12_BE_last_30_days_advertisers.csv"


def ecb_usd_per_eur(day: str) -> float:
    """The ECB's USD per EUR of one day, read straight from its history file (not through adtrail)."""
    with zipfile.ZipFile(REALDATA / "fx" / "eurofxref-hist.zip") as archive:
        (member,) = archive.namelist()
        rows = csv.DictReader(io.TextIOWrapper(archive.open(member), encoding="utf-8"))
        return next(float(row["USD"]) for row in rows if row["Date"] == day)


@pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")
def test_real_belgian_report_in_euro_and_dollars(tmp_path):
    con, sid = core_seed.warehouse(tmp_path / "adtrail.duckdb", "2025-07-14")
    install_fx_rule(con)
    warehouse_fx.import_rates_file(con, REALDATA / "fx" / "eurofxref-hist.zip")
    import_meta_report(con, sid, [BE_ADVERTISERS, BE_ADVERTISERS.with_name(
        "FacebookAdLibraryReport_2025-07-12_BE_last_30_days_locations.csv")])
    snapshots.complete(con, sid)
    with open(BE_ADVERTISERS, encoding="utf-8-sig", newline="") as handle:
        csv_rows = list(csv.DictReader(handle))
    rows = run_query(con, "meta_completeness", report_snapshot_id=None, country="BE")
    # one mart row per page (a page listed under two disclaimers is summed), every CSV row counted once
    assert rows.height == len({row["Page ID"] for row in csv_rows})
    exact = sum(int(row["Amount spent (EUR)"]) for row in csv_rows if row["Amount spent (EUR)"] != "≤100")
    buckets = sum(row["Amount spent (EUR)"] == "≤100" for row in csv_rows)
    assert (rows["report_low"].sum(), rows["report_high"].sum()) == (exact, exact + 100 * buckets)
    # 12 July 2025 was a Saturday: the euro converts at the ECB's rate of Friday the 11th (the ASOF rule)
    usd_per_eur = ecb_usd_per_eur("2025-07-11")
    top = rows.filter(rows["page_id"] == "56605856504").row(0, named=True)
    assert (top["report_currency"], top["report_estimate"], top["usd_rate_date"], top["usd_rate_source"]) == (
        "EUR", 84970, dt.date(2025, 7, 11), "ecb")
    assert top["report_usd_estimate"] == pytest.approx(round(84970 * usd_per_eur, 2))
    assert (top["period_start"], top["report_time_zone"], top["completeness_rule_version"]) == (
        dt.date(2025, 6, 13), "America/Los_Angeles", 2)
    assert (top["api_ads"], top["completeness_ratio"]) == (0, None)  # no API ads loaded: no ratio
    con.close()

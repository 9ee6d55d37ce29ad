"""Completeness through the real load path: a Meta ads_archive crawl folder (one ad returned by the queries of
Bangladesh and India, its delivery_by_region as the API writes it, dates as Meta writes them) and report CSVs
imported as a user would, then mart_meta_completeness, with the figures computed by hand from rule
[completeness] v2."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.fx import install_fx_rule
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


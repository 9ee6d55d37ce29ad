"""Disclosure coverage per country and platform, on seeded rows with figures counted by hand. Meta's
completeness against its report is tested in tests/test_completeness.py."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.entities import resolve
from tests import core_seed
from warehouse import snapshots
from warehouse.queries import run_query

D = dt.date.fromisoformat


def report_row(con, sid, page_id, amount_text, low, high, row_number):
    con.execute("""
        INSERT INTO raw_meta_ad_report (snapshot_id, source, file_name, file_sha256, member, row_number, report_kind,
            country, period, report_date, period_start, time_zone, page_id, page_name, currency, amount_spent_text,
            amount_spent_low, amount_spent_high, amount_below_threshold)
        VALUES (?, 'meta_ad_report', 'r.zip', 'seed', 'FacebookAdLibraryReport_2024-01-07_BD_last_7_days_advertisers.csv',
            ?, 'advertisers', 'BD', 'last_7_days', DATE '2024-01-07', DATE '2024-01-01', 'America/Los_Angeles',
            ?, ?, 'BDT', ?, ?, ?, ?)""", [sid, row_number, page_id, f"page {page_id}", amount_text, low, high,
                                          amount_text == "≤100"])


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    con, ads_sid = core_seed.warehouse(tmp_path_factory.mktemp("coverage") / "adtrail.duckdb", "2024-01-08")
    ts = lambda day: dt.datetime.fromisoformat(day + "T10:00:00+00:00")  # noqa: E731
    meta = {"advertiser_id": "1001", "advertiser_name": "Friends of Suzy", "fetched_at": ts("2024-01-08")}
    # A: 10 days, 7 inside the period, BD only: share 0.7
    core_seed.ad(con, ads_sid, "meta", "A", countries={"BD": None}, payers=[("Suzy Fund", None)],
                 delivery_start=ts("2024-01-01"), delivery_stop=ts("2024-01-10"), spend_currency="BDT",
                 spend_low=1000, spend_high=1999, spend_estimate=1499.5, content_bodies=["Vote"],
                 platform_fields={"registration_number": "EIN:46-3931666"}, **meta)
    # B: 2 days inside; reach BD 100 of 400: share 0.25
    core_seed.ad(con, ads_sid, "meta", "B", countries={"BD": 100, "DE": 300}, delivery_start=ts("2024-01-05"),
                 delivery_stop=ts("2024-01-06"), spend_currency="BDT", spend_low=100, spend_high=199,
                 spend_estimate=149.5, targeting_ages=["18-24"], **meta)
    # C: another currency, counted apart
    core_seed.ad(con, ads_sid, "meta", "C", countries={"BD": None}, delivery_start=ts("2024-01-03"),
                 delivery_stop=ts("2024-01-04"), spend_currency="USD", spend_low=0, spend_high=99,
                 spend_estimate=49.5, **meta)
    # D: ended before the period
    core_seed.ad(con, ads_sid, "meta", "D", countries={"BD": None}, delivery_start=ts("2023-12-01"),
                 delivery_stop=ts("2023-12-20"), spend_currency="BDT", spend_low=500, spend_high=599,
                 spend_estimate=549.5, content_url="https://www.facebook.com/ads/archive/render_ad/?id=D", **meta)
    core_seed.ad(con, ads_sid, "google", "g1", countries={"US": None}, advertiser_id="AR111",
                 delivery_start=ts("2023-06-01"), spend_currency="USD", spend_low=100, spend_high=200,
                 spend_estimate=150, content_url="https://adstransparency.google.com/ad/g1")
    core_seed.google_advertiser(con, ads_sid, "AR111", "FRIENDS OF SUZY", "EIN ID 46-3931666")
    core_seed.complete(con, ads_sid)
    resolve(con, ads_sid)

    report_sid = snapshots.begin_or_resume(con, "2024-01-08", "tests")
    report_row(con, report_sid, "1001", "2000", 2000, 2000, 1)
    report_row(con, report_sid, "3003", "≤100", 0, 100, 2)
    con.execute("INSERT INTO snapshot_source (snapshot_id, source, crawl_id, manifest_sha256, status, items_loaded) "
                "VALUES (?, 'meta_ad_report', 'seed', 'seed', 'complete', 2)", [report_sid])
    snapshots.complete(con, report_sid)
    yield con, ads_sid, report_sid
    con.close()


def coverage(con, **params):
    rows = run_query(con, "disclosure_coverage", snapshot_id=params.get("snapshot_id"))
    return {(row["country"], row["platform"]): row for row in rows.iter_rows(named=True)}


def test_disclosure_coverage_per_country_and_platform(warehouse):
    con, ads_sid, _ = warehouse
    table = coverage(con)
    assert set(table) == {("BD", "meta"), ("DE", "meta"), ("US", "google")}
    bd = table["BD", "meta"]
    assert (bd["ads"], bd["ads_with_spend"], bd["ads_with_reach"], bd["ads_with_payer"]) == (4, 4, 1, 1)
    assert (bd["spend_since"], bd["reach_since"], bd["targeting_since"], bd["payer_since"], bd["content_since"]) == (
        D("2023-12-01"), D("2024-01-05"), D("2024-01-05"), D("2024-01-01"), D("2023-12-01"))
    de = table["DE", "meta"]
    assert (de["ads"], de["reach_since"], de["payer_since"], de["content_since"]) == (1, D("2024-01-05"), None, None)
    us = table["US", "google"]
    assert (us["spend_since"], us["reach_since"], us["targeting_since"], us["content_since"]) == (
        D("2023-06-01"), None, None, D("2023-06-01"))
    assert coverage(con, snapshot_id=ads_sid + 1) == {}  # the report snapshot holds no ads


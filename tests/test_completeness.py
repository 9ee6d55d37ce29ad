"""Meta's completeness against its Ad Library Report, rule [completeness] version 2 of
analysis/assumptions.toml, on a seeded warehouse with every figure computed by hand: a Taka ad converted to
US dollars, an ad whose delivery crosses the report's Pacific-time day boundary, an ad shared between two
countries by its delivery_by_region, a currency without a rate shown as a gap, and Google's weekly spend for
the report's country beside."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from analysis.entities import resolve
from analysis.fx import install_fx_rule
from tests import core_seed
from warehouse import fx as warehouse_fx
from warehouse import snapshots
from warehouse.queries import run_query

D = dt.date.fromisoformat
ASSUMPTIONS = Path(__file__).resolve().parents[1] / "analysis" / "assumptions.toml"
# The report: Bangladesh, last 7 days up to 2024-01-07 Pacific time, i.e. 2024-01-01 08:00 UTC to
# 2024-01-08 08:00 UTC (Pacific standard time is UTC-8 in January).
BD_REPORT = {"country": "BD", "period": "last_7_days", "report_date": D("2024-01-07"),
             "period_start": D("2024-01-01"), "currency": "BDT"}
BDT_PER_USD = 110.0  # the user's rate of 2024-01-07, the report's last day
RATES_CSV = "currency,date,rate,base\nBDT,2024-01-03,100,USD\nBDT,2024-01-07,110,USD\n"


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def report_row(con, sid, row_number, *, kind="advertisers", page_id=None, amount=None, location=None, **report):
    report = BD_REPORT | report
    low, high = (0, 100) if amount == "≤100" else (amount, amount)
    con.execute("""
        INSERT INTO raw_meta_ad_report (snapshot_id, source, file_name, file_sha256, member, row_number, report_kind,
            country, period, report_date, period_start, time_zone, page_id, page_name, location_name, currency,
            amount_spent_text, amount_spent_low, amount_spent_high, amount_below_threshold)
        VALUES (?, 'meta_ad_report', 'r.zip', 'seed', ?, ?, ?, ?, ?, ?, ?, 'America/Los_Angeles', ?, ?, ?, ?, ?, ?, ?,
            ?)""", [sid, f"{report['country']}_{kind}.csv", row_number, kind, report["country"], report["period"],
                    report["report_date"], report["period_start"], page_id, page_id and f"page {page_id}", location,
                    report["currency"], amount and str(amount), low, high, amount == "≤100"])


def google_observation(con, sid, row_number, grain, *, low, high, estimate, week_start=None, country=None,
                       subdivision=None):
    start = D(week_start) if week_start else None
    con.execute("""
        INSERT INTO google_spend_observation (snapshot_id, source, file_sha256, member, file_kind, row_number, grain,
            advertiser_id, country, subdivision_primary, period_start, period_end, spend_basis, spend_kind, usd_low,
            usd_high, usd_estimate, usd_conversion, currencies)
        VALUES (?, 'google_political_bundle', 'seed', ?, ?, ?, ?, 'AR111', ?, ?, ?, ? + 6, 'disclosed', 'rounded', ?, ?,
            ?, 'platform', 1)""", [sid, f"{grain}.csv", grain, row_number, grain, country, subdivision, start, start,
                                   low, high, estimate])


def meta_ad(con, sid, ad_key, page_id, **fields):
    regions = fields.pop("regions", None)
    platform_fields = {"registration_number": "EIN:46-3931666"} if page_id == "1001" else {}
    if regions:
        platform_fields["delivery_by_region"] = [{"region": r, "percentage": p} for r, p in regions]
    core_seed.ad(con, sid, "meta", ad_key, advertiser_id=page_id, advertiser_name=f"page {page_id}",
                 fetched_at=ts("2024-01-08T12:00:00+00:00"), platform_fields=platform_fields, **fields)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    folder = tmp_path_factory.mktemp("completeness")
    con, ads_sid = core_seed.warehouse(folder / "adtrail.duckdb", "2024-01-08")
    install_fx_rule(con)
    (folder / "rates.csv").write_text(RATES_CSV)
    warehouse_fx.import_rates_file(con, folder / "rates.csv")

    # A: Taka, the days 2024-01-01..2024-01-10 as Meta writes them (UTC days): 240 h, 168 h inside: 0.7
    meta_ad(con, ads_sid, "A", "1001", countries={"BD": None}, regions=[("Dhaka Division", "1")],
            delivery_start=ts("2024-01-01T00:00:00+00:00"), delivery_stop=ts("2024-01-10T00:00:00+00:00"),
            spend_currency="BDT", spend_low=1000, spend_high=1999, spend_estimate=1499.5)
    # B: 22:00 Pacific on 7 January to 02:00 on the 8th (06:00-10:00 UTC, all of it UTC day 8 January):
    # half of it is in the report's last Pacific day
    meta_ad(con, ads_sid, "B", "1001", countries={"BD": None}, delivery_start=ts("2024-01-08T06:00:00+00:00"),
            delivery_stop=ts("2024-01-08T10:00:00+00:00"), spend_currency="BDT", spend_low=200, spend_high=299,
            spend_estimate=249.5)
    # C: Bangladesh and India; delivery_by_region puts 0.6 + 0.1 in regions the BD report names and 0.3 in
    # one the IN report names: BD share 0.7. Two whole UTC days, all inside.
    meta_ad(con, ads_sid, "C", "1001", countries={"BD": None, "IN": None},
            regions=[("Dhaka Division", "0.6"), ("West Bengal", "0.3"), ("Chittagong Division", "0.1")],
            delivery_start=ts("2024-01-02T00:00:00+00:00"), delivery_stop=ts("2024-01-03T00:00:00+00:00"),
            spend_currency="BDT", spend_low=1000, spend_high=1499, spend_estimate=1249.5)
    # D: paid in US dollars, one whole day inside
    meta_ad(con, ads_sid, "D", "1001", countries={"BD": None}, delivery_start=ts("2024-01-05T00:00:00+00:00"),
            delivery_stop=ts("2024-01-05T00:00:00+00:00"), spend_currency="USD", spend_low=0, spend_high=99,
            spend_estimate=49.5)
    # E: ended before the period
    meta_ad(con, ads_sid, "E", "1001", countries={"BD": None}, delivery_start=ts("2023-12-01T00:00:00+00:00"),
            delivery_stop=ts("2023-12-20T00:00:00+00:00"), spend_currency="BDT", spend_low=500, spend_high=599,
            spend_estimate=549.5)
    # page 2002 pays in naira, for which no rate is loaded
    meta_ad(con, ads_sid, "N", "2002", countries={"BD": None}, delivery_start=ts("2024-01-03T00:00:00+00:00"),
            delivery_stop=ts("2024-01-03T00:00:00+00:00"), spend_currency="NGN", spend_low=5000, spend_high=9999,
            spend_estimate=7499.5)
    # page 3003 in Kenya, shillings: no rate either, but ads and report share the currency
    meta_ad(con, ads_sid, "K", "3003", countries={"KE": None}, delivery_start=ts("2024-01-03T00:00:00+00:00"),
            delivery_stop=ts("2024-01-03T00:00:00+00:00"), spend_currency="KES", spend_low=1000, spend_high=1999,
            spend_estimate=1499.5)
    # summer time: 23:00 on 1 July to 01:00 on 2 July Pacific daylight time (UTC-7), 06:00-08:00 UTC
    meta_ad(con, ads_sid, "S", "6006", countries={"BD": None}, delivery_start=ts("2024-07-02T06:00:00+00:00"),
            delivery_stop=ts("2024-07-02T08:00:00+00:00"), spend_currency="BDT", spend_low=400, spend_high=499,
            spend_estimate=449.5)
    # shares only: a region no report names (even split), and per-country reach (EU)
    meta_ad(con, ads_sid, "F", "4004", countries={"BD": None, "IN": None},
            regions=[("Dhaka Division", "0.5"), ("Unknown", "0.5")], delivery_start=ts("2024-01-02T00:00:00+00:00"))
    meta_ad(con, ads_sid, "G", "4004", countries={"DE": 100, "FR": 300}, delivery_start=ts("2024-01-02T00:00:00+00:00"))

    core_seed.google_advertiser(con, ads_sid, "AR111", "FRIENDS OF SUZY", "EIN ID 46-3931666")
    google_observation(con, ads_sid, 1, "advertiser_week", week_start="2023-12-31", low=650, high=750, estimate=700)
    google_observation(con, ads_sid, 2, "advertiser_week", week_start="2024-01-07", low=140, high=140, estimate=140)
    google_observation(con, ads_sid, 3, "advertiser_week", week_start="2024-01-14", low=999, high=999, estimate=999)
    # lifetime per country: BD 300; the US only by state (400 + 300): BD's share 300 / 1000
    google_observation(con, ads_sid, 1, "advertiser_region_lifetime", country="BD", low=250, high=350, estimate=300)
    google_observation(con, ads_sid, 2, "advertiser_region_lifetime", country="US", subdivision="US-CA",
                       low=350, high=450, estimate=400)
    google_observation(con, ads_sid, 3, "advertiser_region_lifetime", country="US", subdivision="US-NY",
                       low=250, high=350, estimate=300)
    core_seed.complete(con, ads_sid)
    resolve(con, ads_sid)

    report_sid = snapshots.begin_or_resume(con, "2024-01-08", "tests")
    report_row(con, report_sid, 1, page_id="1001", amount=2000)
    report_row(con, report_sid, 2, page_id="2002", amount=800)
    report_row(con, report_sid, 3, page_id="5005", amount="≤100")
    report_row(con, report_sid, 4, page_id="6006", amount=300, period="yesterday", report_date=D("2024-07-01"),
               period_start=D("2024-07-01"))
    report_row(con, report_sid, 1, kind="locations", location="Dhaka Division", amount=2300)
    report_row(con, report_sid, 2, kind="locations", location="Chittagong Division", amount="≤100")
    report_row(con, report_sid, 1, kind="locations", location="West Bengal", amount=900, country="IN",
               currency="INR")
    report_row(con, report_sid, 1, page_id="3003", amount=1000, country="KE", currency="KES")
    con.execute("INSERT INTO snapshot_source (snapshot_id, source, crawl_id, manifest_sha256, status, items_loaded) "
                "VALUES (?, 'meta_ad_report', 'seed', 'seed', 'complete', 8)", [report_sid])
    snapshots.complete(con, report_sid)
    yield con, ads_sid, report_sid
    con.close()


def completeness(con, page_id, country="BD"):
    rows = run_query(con, "meta_completeness", report_snapshot_id=None, country=country)
    return next(row for row in rows.iter_rows(named=True) if row["page_id"] == page_id)


def test_country_shares_by_region_reach_or_even(warehouse):
    con, ads_sid, _ = warehouse
    shares = {(ad, country): (share, rule) for ad, country, share, rule in con.execute(
        "SELECT ad_key, country, country_share, country_share_rule FROM meta_ad_country_share WHERE snapshot_id = ?",
        [ads_sid]).fetchall()}
    assert shares["C", "BD"] == (pytest.approx(0.7), "delivery_by_region")
    assert shares["C", "IN"] == (pytest.approx(0.3), "delivery_by_region")
    assert shares["A", "BD"] == (1.0, "delivery_by_region")  # its one country holds every region
    assert shares["F", "BD"] == shares["F", "IN"] == (0.5, "even")  # "Unknown" cannot be placed
    assert shares["G", "DE"] == (0.25, "country_reach") and shares["G", "FR"] == (0.75, "country_reach")
    assert shares["B", "BD"] == (1.0, "even")  # no regions, one country


def test_taka_ads_pacific_days_and_region_split_by_hand(warehouse):
    con, ads_sid, report_sid = warehouse
    row = completeness(con, "1001")
    assert (row["report_snapshot_id"], row["ads_snapshot_id"], row["report_time_zone"]) == (
        report_sid, ads_sid, "America/Los_Angeles")
    assert (row["api_ads"], row["ads_other_currency"], row["api_currencies"]) == (4, 1, ["BDT", "USD"])
    assert (row["ads_split_by_region"], row["ads_split_evenly"], row["ads_split_by_reach"]) == (2, 2, 0)
    # Taka ads, in Taka: A 0.7, B 0.5 (the Pacific day), C 0.7 (its BD regions)
    assert row["api_low"] == pytest.approx(0.7 * 1000 + 0.5 * 200 + 0.7 * 1000)  # 1500
    assert row["api_high"] == pytest.approx(0.7 * 1999 + 0.5 * 299 + 0.7 * 1499)  # 2598.1
    assert row["api_estimate"] == pytest.approx(0.7 * 1499.5 + 0.5 * 249.5 + 0.7 * 1249.5)  # 2049.05
    # US dollars at 110 BDT per USD (the rate of the report's last day, not the older 100), D as it is
    assert (row["usd_amount_date"], row["usd_rate_date"], row["usd_rate_source"]) == (
        D("2024-01-07"), D("2024-01-07"), "user")
    assert row["report_usd_per_unit"] == pytest.approx(1 / 110)
    assert row["report_usd_estimate"] == pytest.approx(18.18)  # 2000 / 110
    assert row["api_usd_low"] == pytest.approx(13.64)  # 1500 / 110 + 0
    assert row["api_usd_high"] == pytest.approx(122.62)  # 2598.1 / 110 + 99
    assert row["api_usd_estimate"] == pytest.approx(68.13)  # 2049.05 / 110 + 49.5
    assert (row["api_ads_without_usd_rate"], row["currencies_without_usd_rate"]) == (0, None)
    # in USD, because one ad is in another currency
    assert row["completeness_ratio_currency"] == "USD"
    assert row["completeness_ratio"] == pytest.approx(3.747, abs=1e-4)  # 68.1277 / 18.1818
    assert row["completeness_ratio_low"] == pytest.approx(0.75)  # 13.6364 / 18.1818
    assert row["completeness_ratio_high"] == pytest.approx(6.7441, abs=1e-4)  # 122.6191 / 18.1818
    assert row["completeness_rule_version"] == 2


def test_summer_time_days_end_at_midnight_pacific_daylight_time(warehouse):
    con, _, _ = warehouse
    row = completeness(con, "6006")
    assert (row["period"], row["period_start"], row["report_date"]) == ("yesterday", D("2024-07-01"), D("2024-07-01"))
    # 1 July ends at 07:00 UTC: one of the ad's two hours is inside (at UTC-8 both would be)
    assert (row["api_low"], row["api_high"], row["api_estimate"]) == (200, 249.5, 224.75)
    assert row["completeness_ratio"] == pytest.approx(0.7492)  # 224.75 / 300, in Taka
    # no Taka rate within 7 days of 1 July: no dollars, and the ratio does not need them
    assert (row["report_usd_estimate"], row["api_usd_estimate"], row["completeness_ratio_currency"]) == (
        None, None, "BDT")


def test_google_weekly_spend_for_the_country_beside(warehouse):
    con, _, _ = warehouse
    row = completeness(con, "1001")
    assert row["google_advertiser_ids"] == ["AR111"]
    # weeks of 31 Dec (6 of its 7 days in the period) and 7 Jan (1 of 7); 14 Jan is after it
    assert row["google_all_countries_usd_estimate"] == pytest.approx(700 * 6 / 7 + 140 / 7)  # 620
    assert row["google_all_countries_usd_low"] == pytest.approx(577.14)  # 650 x 6/7 + 20
    assert row["google_all_countries_usd_high"] == pytest.approx(662.86)  # 750 x 6/7 + 20
    # Bangladesh: 300 of the advertiser's 1000 lifetime dollars (the US summed from its states)
    assert row["google_country_usd_estimate"] == pytest.approx(186.0)
    assert row["google_country_usd_low"] == pytest.approx(173.14)
    assert row["google_country_usd_high"] == pytest.approx(198.86)
    assert (row["google_spend_basis"], row["api_spend_basis"], row["report_spend_basis"]) == (
        "derived", "derived", "disclosed")


def test_a_missing_rate_is_a_gap_not_a_zero(warehouse):
    con, _, _ = warehouse
    naira = completeness(con, "2002")
    assert (naira["api_ads"], naira["ads_other_currency"], naira["api_low"]) == (1, 1, None)
    assert (naira["api_ads_without_usd_rate"], naira["currencies_without_usd_rate"]) == (1, ["NGN"])
    assert (naira["api_usd_low"], naira["api_usd_estimate"], naira["completeness_ratio"]) == (None, None, None)
    assert naira["report_usd_estimate"] == pytest.approx(7.27)  # 800 / 110: the report's own rate is there
    # Kenya: no shilling rate, so no USD anywhere; the ratio is taken in shillings, where no rate is needed
    kenya = completeness(con, "3003", country="KE")
    assert (kenya["report_usd_per_unit"], kenya["usd_rate_source"], kenya["report_usd_estimate"]) == (None, None, None)
    assert (kenya["api_usd_estimate"], kenya["api_ads_without_usd_rate"]) == (None, 1)
    assert kenya["api_estimate"] == pytest.approx(1499.5)  # one whole day, all inside
    assert (kenya["completeness_ratio"], kenya["completeness_ratio_currency"]) == (pytest.approx(1.4995), "KES")
    assert (kenya["google_country_usd_estimate"], kenya["google_advertiser_ids"]) == (None, None)


def test_report_row_without_api_ads_and_below_threshold(warehouse):
    con, _, _ = warehouse
    row = completeness(con, "5005")
    assert (row["api_ads"], row["api_estimate"], row["completeness_ratio"], row["completeness_ratio_currency"]) == (
        0, None, None, None)
    assert (row["report_low"], row["report_high"], row["report_below_threshold"]) == (0, 100, True)
    assert row["report_estimate"] == 50
    assert row["report_usd_high"] == pytest.approx(0.91)  # 100 / 110


def test_rule_version_in_sql_matches_assumptions(warehouse):
    con, _, _ = warehouse
    rule = tomllib.loads(ASSUMPTIONS.read_text(encoding="utf-8"))["completeness"]
    assert completeness(con, "1001")["completeness_rule_version"] == rule["version"] == 2
    assert isinstance(rule["date"], dt.date) and "Pacific" in rule["rule"] and "delivery_by_region" in rule["rule"]
    assert "145_completeness_v2.sql" in rule["implemented_in"]
    # version 1's words stay readable beside the rule in force
    previous = rule["previous"]["1"]
    assert previous["version"] == 1 and "overlap days" in previous["rule"]



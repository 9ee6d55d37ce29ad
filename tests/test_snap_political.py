"""Snap's 2018 political ads CSV (../shared/realdata/snap) loaded into a real warehouse: every row, and per
currency the spend and impression sums equal the CSV's, computed here independently with the csv module."""

import csv
import zipfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from spiders.parsers import snap_political
from warehouse import db, snapshots
from warehouse.load_snap import load_snap_file

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
SNAP_CSV = REALDATA / "snap" / "PoliticalAds_2018_achow6.csv"
pytestmark = pytest.mark.skipif(not SNAP_CSV.exists(), reason="needs ../shared/realdata")


def csv_rows() -> list[dict]:
    with open(SNAP_CSV, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    folder = tmp_path_factory.mktemp("snap")
    con = db.connect(folder / "w.duckdb")
    snapshot_id = snapshots.begin_or_resume(con, "2026-01-01", "test")
    result = load_snap_file(con, snapshot_id, SNAP_CSV)
    yield con, snapshot_id, result
    con.close()


def test_every_row(warehouse):
    con, snapshot_id, result = warehouse
    rows = csv_rows()
    assert result.rows == len(rows) == con.execute("SELECT count(*) FROM raw_snap_political").fetchone()[0]
    assert con.execute("SELECT count(*) FROM core_ad WHERE platform = 'snap'").fetchone()[0] == len(
        {row["ADID"] for row in rows})
    assert result.unparsed_amounts == 0 and result.unknown_countries == ()


def test_spend_and_impressions_equal_the_csv(warehouse):
    con, _, _ = warehouse
    spend, impressions = defaultdict(Decimal), defaultdict(int)
    for row in csv_rows():
        spend[row["Currency Code"]] += Decimal(row["Spend"])
        impressions[row["Currency Code"]] += int(row["Impressions"])
    loaded = {currency: (low, high, estimate, shown) for currency, low, high, estimate, shown in con.execute(
        "SELECT spend_currency, sum(spend_low), sum(spend_high), sum(spend_estimate), sum(impressions_low) "
        "FROM core_ad WHERE platform = 'snap' GROUP BY 1").fetchall()}
    assert loaded == {c: (spend[c], spend[c], spend[c], impressions[c]) for c in spend}
    raw = dict(((c, (s, i)) for c, s, i in con.execute(
        "SELECT currency_code, sum(spend), sum(impressions) FROM raw_snap_political GROUP BY 1").fetchall()))
    assert raw == {c: (spend[c], impressions[c]) for c in spend}
    assert con.execute("SELECT DISTINCT spend_basis, spend_open_ended FROM core_ad").fetchall() == [("disclosed", False)]


def test_targeting_included_and_excluded(warehouse):
    con, _, _ = warehouse
    rows = {row["ADID"]: row for row in csv_rows()}
    ad_id = next(a for a, r in rows.items() if r["Radius Targeting (Excluded)"])
    included, excluded = con.execute(
        "SELECT targeting_locations_included, targeting_locations_excluded FROM core_ad WHERE ad_id = ?",
        [ad_id]).fetchone()
    import json

    assert {"type": "radius", "value": rows[ad_id]["Radius Targeting (Excluded)"]} in json.loads(excluded)
    assert json.loads(included)[0]["type"] == "country"
    for column, raw_column in [("Interests", "interests"), ("Segments", "segments"), ("Language", "language"),
                               ("OsType", "os_type"), ("Postal Codes (Included)", "postal_codes_included"),
                               ("Electoral Districts (Included)", "electoral_districts_included"),
                               ("Metros (Included)", "metros_included"), ("Regions (Excluded)", "regions_excluded"),
                               ("Location Categories (Excluded)", "location_categories_excluded")]:
        expected = sum(1 for r in rows.values() if r[column])
        assert con.execute(f"SELECT count({raw_column}) FROM raw_snap_political").fetchone()[0] == expected, column


def test_countries_through_the_iso_table(warehouse):
    con, _, _ = warehouse
    written = {row["CountryCode"] for row in csv_rows()}
    assert "united states" in written
    assert con.execute("SELECT DISTINCT country FROM raw_snap_political WHERE country_code = 'united states'"
                       ).fetchall() == [("US",)]
    assert con.execute("SELECT count(*) FROM raw_snap_political WHERE country IS NULL").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM core_ad_country_reach WHERE platform = 'snap'").fetchone()[0] == len(
        {row["ADID"] for row in csv_rows()})


def test_payer(warehouse):
    con, _, _ = warehouse
    row = csv_rows()[0]
    assert con.execute("SELECT payer_name, payer_origin FROM core_ad_payer WHERE ad_key = ?", [row["ADID"]]
                       ).fetchone() == (row["PayingAdvertiserName"], "paying_advertiser_name")


def test_zip_like_snap_serves_it_and_loading_twice_changes_nothing(tmp_path):
    archive = tmp_path / "PoliticalAds.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.write(SNAP_CSV, "PoliticalAds.csv")
        bundle.writestr("readme.txt", "SNAPCHAT POLITICAL AD LIBRARY REPORT")
    con = db.connect(tmp_path / "w.duckdb")
    try:
        snapshot_id = snapshots.begin_or_resume(con, "2026-01-01", "test")
        first = load_snap_file(con, snapshot_id, archive)
        second = load_snap_file(con, snapshot_id, archive)
        assert first.rows == second.rows == len(csv_rows())
        assert con.execute("SELECT count(*) FROM core_ad").fetchone()[0] == first.ads
    finally:
        con.close()
    assert sum(1 for _ in snap_political.parse_file(archive)) == len(csv_rows())


def test_html_page_and_changed_header_refused(tmp_path):
    page = tmp_path / "PoliticalAds.zip"
    page.write_text("<?xml version='1.0'?><Error><Code>NoSuchKey</Code></Error>")
    with pytest.raises(snap_political.SnapFileError, match="not Snap's zip or CSV"):
        list(snap_political.parse_file(page))
    changed = tmp_path / "changed.csv"
    changed.write_text(SNAP_CSV.read_text(encoding="utf-8").replace("Spend,", "Amount,", 1), encoding="utf-8")
    with pytest.raises(snap_political.SnapFileError, match="lacks spend"):
        list(snap_political.parse_file(changed))

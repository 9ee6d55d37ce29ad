"""Google's June 2019 bundle files (../shared/realdata/google) loaded into a real warehouse.

Every row loaded, one spend observation per row (never one per currency), and for each currency column the
sum in the warehouse equals the CSV's, computed here independently with the csv module.
"""

import csv
import math
import zipfile
from functools import reduce
from pathlib import Path

import pytest

from warehouse import db, load_google

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
GOOGLE = REALDATA / "google"
FILES = ("google-political-ads-advertiser-stats.csv", "google-political-ads-advertiser-weekly-spend.csv",
         "google-political-ads-geo-spend.csv")
pytestmark = [pytest.mark.realdata,
              pytest.mark.skipif(not GOOGLE.exists(), reason="needs ../shared/realdata (Google's 2019 bundle files)")]


def open_warehouse(path: Path):
    """A warehouse built by the project's own migrations, 050_google.sql included."""
    return db.connect(path)


def read_csv_rows(name: str) -> list[dict]:
    with open(GOOGLE / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def currency_columns(rows: list[dict]) -> list[str]:
    return [column for column in rows[0] if column.startswith("Spend_")]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("google")
    bundle = folder / "google-political-ads-transparency-bundle.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in FILES:
            archive.write(GOOGLE / name, f"google-political-ads-transparency-bundle/{name}")
    con = open_warehouse(folder / "adtrail.duckdb")
    result = load_google.load_google_file(con, 1, bundle, crawl_id="test-crawl")
    yield con, result
    con.close()


def member(name: str) -> str:
    return f"google-political-ads-transparency-bundle/{name}"


@pytest.mark.parametrize("name", FILES)
def test_every_row_loaded_with_its_row_number(loaded, name):
    con, _ = loaded
    rows = read_csv_rows(name)
    key_column = {"advertiser-stats": "Advertiser_ID", "geo-spend": "Country_Subdivision_Primary",
                  "advertiser-weekly-spend": "Week_Start_Date"}
    table = "raw_google_" + name.removeprefix("google-political-ads-").removesuffix(".csv").replace("-", "_")
    column = next(v for k, v in key_column.items() if k in name)
    loaded_rows = con.execute(
        f"SELECT row_number, advertiser_name, {column.lower()} FROM {table} WHERE member = ? ORDER BY row_number"
        if "advertiser" in name else
        f"SELECT row_number, country, {column.lower()} FROM {table} WHERE member = ? ORDER BY row_number",
        [member(name)]).fetchall()
    assert len(loaded_rows) == len(rows)
    first = "Advertiser_Name" if "advertiser" in name else "Country"
    expected = [(i, row[first] or None, row[column] or None) for i, row in enumerate(rows, start=1)]
    assert loaded_rows == expected


@pytest.mark.parametrize("name", FILES)
def test_one_observation_per_row(loaded, name):
    con, _ = loaded
    rows = read_csv_rows(name)
    count, distinct, currencies = con.execute(
        "SELECT count(*), count(DISTINCT row_number), min(currencies) FROM google_spend_observation "
        "WHERE member = ?", [member(name)]).fetchone()
    assert count == distinct == len(rows)
    assert currencies == len(currency_columns(rows)) == 12


@pytest.mark.parametrize("name", FILES)
def test_sum_of_each_currency_equals_the_csv(loaded, name):
    con, _ = loaded
    rows = read_csv_rows(name)
    for column in currency_columns(rows):
        currency = column.removeprefix("Spend_")
        expected = sum(int(row[column]) for row in rows)
        in_raw = con.execute(
            "SELECT sum(spend[?]) FROM raw_google_advertiser_stats WHERE member = ? UNION ALL "
            "SELECT sum(spend[?]) FROM raw_google_advertiser_weekly_spend WHERE member = ? UNION ALL "
            "SELECT sum(spend[?]) FROM raw_google_geo_spend WHERE member = ?",
            [currency, member(name)] * 3).fetchall()
        given, estimate = con.execute(
            "SELECT sum(amount_as_given), sum(amount_estimate) FROM google_spend_amount "
            "WHERE member = ? AND currency = ?", [member(name), currency]).fetchone()
        assert sum(v for (v,) in in_raw if v is not None) == expected, column
        assert given == estimate == expected, column
    usd = con.execute("SELECT sum(usd_estimate) FROM google_spend_observation WHERE member = ?",
                      [member(name)]).fetchone()[0]
    assert usd == sum(int(row["Spend_USD"]) for row in rows)


# Steps seen in the June 2019 release and written down in migrations/050_google.sql.
DOCUMENTED_STEPS = {"USD": 100, "EUR": 50, "INR": 250, "BGN": 25, "HRK": 100, "CZK": 1000, "DKK": 500,
                    "HUF": 7500, "PLN": 100, "RON": 75, "SEK": 750, "GBP": 50}


@pytest.mark.parametrize("name", FILES)
def test_rounding_kept_as_a_range(loaded, name):
    con, _ = loaded
    rows = read_csv_rows(name)
    for column in currency_columns(rows):
        currency = column.removeprefix("Spend_")
        step = reduce(math.gcd, (int(row[column]) for row in rows if int(row[column]) > 0))
        assert step == DOCUMENTED_STEPS[currency]
        ranges = con.execute(
            "SELECT row_number, amount_low, amount_high, rounding_step FROM google_spend_amount "
            "WHERE member = ? AND currency = ? ORDER BY row_number", [member(name), currency]).fetchall()
        expected = [(i, max(0, int(row[column]) - step / 2), int(row[column]) + step / 2, step)
                    for i, row in enumerate(rows, start=1)]
        assert [(n, float(low), float(high), s) for n, low, high, s in ranges] == expected


def test_a_zero_in_usd_is_less_than_half_a_step(loaded):
    con, _ = loaded
    rows = read_csv_rows(FILES[1])
    first_zero_usd_with_inr = next(i for i, row in enumerate(rows, start=1)
                                   if row["Spend_USD"] == "0" and int(row["Spend_INR"]) > 0)
    low, high, estimate, step = con.execute(
        "SELECT usd_low, usd_high, usd_estimate, usd_rounding_step FROM google_spend_observation "
        "WHERE member = ? AND row_number = ?", [member(FILES[1]), first_zero_usd_with_inr]).fetchone()
    assert (low, high, estimate, step) == (0, 50, 0, 100)


def test_weekly_periods_and_grains(loaded):
    con, result = loaded
    assert result.rows == {"advertiser-stats": 1193, "advertiser-weekly-spend": 10830, "geo-spend": 500}
    assert result.observations == 1193 + 10830 + 500
    weeks = con.execute(
        "SELECT count(*) FILTER (WHERE period_end - period_start = 6 AND dayofweek(period_start) = 0), count(*) "
        "FROM google_spend_observation WHERE grain = 'advertiser_week'").fetchone()
    assert weeks == (10830, 10830)
    grains = dict(con.execute("SELECT file_kind, grain FROM google_spend_observation GROUP BY ALL").fetchall())
    assert grains == {"advertiser-stats": "advertiser_lifetime", "advertiser-weekly-spend": "advertiser_week",
                      "geo-spend": "region_lifetime"}
    assert con.execute("SELECT DISTINCT spend_basis, usd_conversion FROM google_spend_observation").fetchall() == [
        ("disclosed", "platform")]


def test_loading_again_changes_nothing(loaded, tmp_path):
    con, _ = loaded
    before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in load_google.GOOGLE_TABLES}
    zipped = tmp_path / "again.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for name in FILES:
            archive.write(GOOGLE / name, f"google-political-ads-transparency-bundle/{name}")
    load_google.load_google_file(con, 1, zipped, crawl_id="test-crawl")
    after = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in load_google.GOOGLE_TABLES}
    assert after == before

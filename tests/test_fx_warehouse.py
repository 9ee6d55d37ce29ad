"""Rates in the warehouse: idempotent loads, USD by ASOF join at query time, gaps as NULL, later rates
filling gaps without rewriting anything, and the precision carried with every figure.

Expected figures are computed by hand from the real files (quoted beside each), not by the code under test.
"""

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from analysis import fx as analysis_fx
from warehouse import db
from warehouse import fx as warehouse_fx

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
FX = REALDATA / "fx"
WDI = FX / "API_PA.NUS.FCRF_DS2_en_csv_v2_5839703.csv"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fx"
MIGRATION = Path(__file__).resolve().parents[1] / "warehouse" / "migrations" / "040_fx.sql"
needs_realdata = pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")


def fresh_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = db.connect(path)
    analysis_fx.install_fx_rule(con)
    return con


def conversion(con, currency, day):
    (row,) = warehouse_fx.usd_rates_at(con, [(currency, day)])
    return row


def all_rates(con):
    # loaded_at as text: it is compared too (nothing may be rewritten), and TIMESTAMPTZ needs pytz in Python
    return con.execute("SELECT * REPLACE (CAST(loaded_at AS VARCHAR) AS loaded_at) FROM fx_rate ORDER BY ALL").fetchall()


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory):
    """A warehouse holding the ECB's whole history and the World Bank's series; not changed by tests."""
    if not REALDATA.exists():
        pytest.skip("needs ../shared/realdata")
    con = fresh_warehouse(tmp_path_factory.mktemp("fx") / "adtrail.duckdb")
    warehouse_fx.import_rates_file(con, FX / "eurofxref-hist.zip")
    warehouse_fx.import_rates_file(con, WDI)
    yield con
    con.close()


# ------------------------------------------------------------------ the migration


def test_migration_stands_alone_on_a_fresh_connection():
    con = duckdb.connect()
    con.execute(MIGRATION.read_text())
    con.execute("CREATE TABLE amounts AS SELECT 'INR' AS currency, DATE '2024-01-02' AS amount_date, 10.0 AS amount")
    (row,) = con.execute("SELECT amount_usd, rate_source FROM fx_to_usd('amounts')").fetchall()
    assert row == (None, None)  # no rates, no rule: a gap, not 0


def test_migration_runs_with_the_others(tmp_path):
    con = db.connect(tmp_path / "adtrail.duckdb")
    assert 40 in db.applied_migrations(con)
    assert con.execute("SELECT count(*) FROM fx_rate").fetchone() == (0,)


# ------------------------------------------------------------------ loading


def test_same_file_twice_changes_nothing(tmp_path):
    con = fresh_warehouse(tmp_path / "adtrail.duckdb")
    first = warehouse_fx.import_rates_file(con, FIXTURES / "eurofxref-daily-double-quotes.xml")
    before = all_rates(con)
    second = warehouse_fx.import_rates_file(con, FIXTURES / "eurofxref-daily-double-quotes.xml")
    assert (first.rates, first.added, second.added) == (5, 5, 0)
    assert all_rates(con) == before
    assert con.execute("SELECT count(*), sum(rates_added) FROM fx_rate_file").fetchone() == (1, 5)
    # the same rates in another form (the history CSV) add only what is new
    third = warehouse_fx.import_rates_file(con, FIXTURES / "eurofxref-hist-sample.csv")
    assert third.added == 19 - 5  # the five rates of 2024-01-02 and 2024-01-03 in the XML were held already
    provenance = con.execute(
        "SELECT provenance->>'file', provenance->>'file_sha256', rate_text FROM fx_rate "
        "WHERE currency = 'INR' AND rate_date = '2024-01-03'").fetchone()
    assert provenance[0] == "eurofxref-daily-double-quotes.xml" and len(provenance[1]) == 64
    assert provenance[2] == "90.8810"


@pytest.mark.parametrize(
    ("first_line", "kind"),
    [
        ("Date,USD,JPY,", "ecb"),
        ("Date, USD, JPY, ", "ecb"),
        ('\ufeff"Data Source","World Development Indicators",', "worldbank"),
        ("currency,date,rate,base", "user"),
        ("Date,Currency,Base,Rate", "user"),  # a user's header in another order is not the ECB's
        ("<?xml version='1.0'?>", "ecb"),
        ("something else", "user"),  # the user-table parser then says which header it expected
    ],
)
def test_the_kind_of_file_is_told_by_its_first_line(first_line, kind):
    assert warehouse_fx.detect_kind((first_line + "\n").encode()) == kind


def test_a_bad_file_loads_nothing_and_says_which_file(tmp_path):
    con = fresh_warehouse(tmp_path / "adtrail.duckdb")
    warehouse_fx.import_rates_file(con, FIXTURES / "user-rates.csv")
    before = all_rates(con)
    with pytest.raises(ValueError, match=r"^user-rates-errors\.csv: the rate table has problems"):
        warehouse_fx.import_rates_file(con, FIXTURES / "user-rates-errors.csv")
    with pytest.raises(ValueError, match=r"^ecb-error-page\.html: .*HTML"):
        warehouse_fx.import_rates_file(con, FIXTURES / "ecb-error-page.html", kind="ecb")
    assert all_rates(con) == before


@pytest.mark.realdata
@needs_realdata
def test_real_files_load_every_rate_once(real_warehouse, tmp_path):
    counts = dict(real_warehouse.execute("SELECT source, count(*) FROM fx_rate GROUP BY source").fetchall())
    assert counts == {"ecb": 217_555, "worldbank": 11_506}
    copy = tmp_path / "copy.duckdb"
    real_warehouse.execute("CHECKPOINT")
    shutil.copyfile(real_warehouse.execute("SELECT path FROM duckdb_databases() WHERE database_name = "
                                           "current_database()").fetchone()[0], copy)
    con = duckdb.connect(str(copy))
    before = all_rates(con)
    for name in ("eurofxref-hist.zip", "eurofxref.csv", "eurofxref-daily.xml", "eurofxref-hist-90d.xml"):
        assert warehouse_fx.import_rates_file(con, FX / name).added == 0, name  # all in the history already
    assert warehouse_fx.import_rates_file(con, WDI).added == 0
    assert all_rates(con) == before


# ------------------------------------------------------------------ conversions (real files)


@pytest.mark.realdata
@needs_realdata
def test_bdt_through_the_world_bank(real_warehouse):
    real_warehouse.execute("CREATE OR REPLACE TEMP TABLE spend AS SELECT 'BDT' AS currency, "
                           "DATE '2022-03-15' AS amount_date, 250000.0 AS amount")
    row = real_warehouse.execute("SELECT amount_usd, rate_date, rate_source, rate_precision, rate_period "
                                 "FROM fx_to_usd('spend')").fetchone()
    # World Bank file, Bangladesh 2022: 91.7454544396961 BDT per USD
    assert row[0] == pytest.approx(250_000 / 91.7454544396961, rel=1e-12)
    assert round(row[0], 2) == 2724.93
    assert row[1:] == (dt.date(2022, 1, 1), "worldbank", "yearly_average", "2022 average")


@pytest.mark.realdata
@needs_realdata
@pytest.mark.parametrize(
    ("currency", "day", "usd", "rate_date"),
    [
        # eurofxref-daily.xml and the history, 2022-07-08: USD 1.0163 per EUR
        ("EUR", "2022-07-08", 1000 * 1.0163, "2022-07-08"),
        # Sunday 2022-07-10 takes Friday's rates: INR 80.5280 per EUR -> 1000 * 1.0163 / 80.528 = 12.6205 USD
        ("INR", "2022-07-10", 1000 * 1.0163 / 80.528, "2022-07-08"),
        # eurofxref.csv, 13 April 2026: USD 1.1684, BRL 5.8740 per EUR -> 198.9105 USD
        ("BRL", "2026-04-13", 1000 * 1.1684 / 5.874, "2026-04-13"),
        # Easter Monday 2026-04-06 has no rates: Thursday 2026-04-02 (USD 1.1525, BRL 5.9720 in the history)
        ("BRL", "2026-04-06", 1000 * 1.1525 / 5.972, "2026-04-02"),
    ],
)
def test_eur_inr_brl_through_the_ecb(real_warehouse, currency, day, usd, rate_date):
    row = conversion(real_warehouse, currency, day)
    assert 1000 * row["usd_per_unit"] == pytest.approx(usd, rel=1e-12)
    assert (row["rate_source"], row["rate_precision"], str(row["rate_date"])) == ("ecb", "daily", rate_date)
    assert row["rate_base"] == "EUR" and row["fx_rule_version"] == 1


@pytest.mark.realdata
@needs_realdata
def test_the_easter_cross_rate_is_the_history_files(real_warehouse):
    rates = dict(real_warehouse.execute(
        "SELECT currency, rate FROM fx_rate WHERE source = 'ecb' AND rate_date = '2026-04-02'").fetchall())
    assert (rates["USD"], rates["BRL"]) == (1.1525, 5.972)


@pytest.mark.realdata
@needs_realdata
def test_every_day_of_the_euro_converts_through_the_ecb(real_warehouse):
    real_warehouse.execute("CREATE OR REPLACE TEMP TABLE days AS SELECT 'EUR' AS currency, day::DATE AS amount_date "
                           "FROM generate_series(DATE '1999-01-04', DATE '2026-04-13', INTERVAL 1 DAY) t(day)")
    sources = real_warehouse.execute("SELECT rate_source, count(*) FROM fx_usd_rate_at('days') GROUP BY ALL").fetchall()
    assert sources == [("ecb", 9962)]  # every calendar day, weekends and holidays included: no gap


@pytest.mark.realdata
@needs_realdata
def test_gaps_are_null_never_zero(real_warehouse):
    real_warehouse.execute(
        "CREATE OR REPLACE TEMP TABLE spend AS SELECT * FROM (VALUES "
        "('VES', DATE '2024-05-01', 100.0), ('BDT', DATE '2025-05-01', 100.0), (NULL, DATE '2024-05-01', 1.0), "
        "('BDT', NULL, 5.0), ('USD', DATE '2024-05-01', 7.0)) t(currency, amount_date, amount)")
    rows = real_warehouse.execute(
        "SELECT currency, amount_usd, rate_source FROM fx_to_usd('spend') ORDER BY amount").fetchall()
    assert rows == [(None, None, None), ("BDT", None, None), ("USD", 7.0, "identity"), ("VES", None, None),
                    ("BDT", None, None)]
    # VES: no source has it (the World Bank's Venezuela series is in VEF); BDT 2025: the 2022 average is
    # valid through 2023 only; a missing currency or date: nothing to convert
    assert analysis_fx.describe_rate(conversion(real_warehouse, "VES", "2024-05-01")) == (
        "no exchange rate for VES on 2024-05-01: no USD figure")


@pytest.mark.realdata
@needs_realdata
def test_a_stale_daily_rate_falls_back_to_the_next_source(real_warehouse):
    # the ECB's last kuna rate is 2022-12-30; on 2023-03-01 it is stale (more than 7 days), so the rule
    # takes the World Bank's 2022 average (7.1597415 HRK per USD), valid through 2023
    row = conversion(real_warehouse, "HRK", "2023-03-01")
    assert (row["rate_source"], row["rate_period"]) == ("worldbank", "2022 average")
    assert row["usd_per_unit"] == pytest.approx(1 / 7.1597415, rel=1e-6)
    assert conversion(real_warehouse, "HRK", "2023-01-05")["rate_source"] == "ecb"  # within 7 days
    assert conversion(real_warehouse, "ISK", "2012-06-01")["rate_period"] == "2012 average"  # ECB paused ISK


@pytest.mark.realdata
@needs_realdata
def test_precision_is_shown_with_the_figure(real_warehouse):
    assert analysis_fx.describe_rate(conversion(real_warehouse, "BDT", "2022-03-15")) == (
        "World Bank yearly average rate, 2022 average (fx rule v1)")
    assert analysis_fx.describe_rate(conversion(real_warehouse, "INR", "2022-07-10")) == (
        "ECB daily rate of 2022-07-08 via EUR (fx rule v1)")
    assert analysis_fx.describe_rate(conversion(real_warehouse, "USD", "2022-07-10")) == "in US dollars as published"


# ------------------------------------------------------------------ rates arriving later


@pytest.mark.realdata
@needs_realdata
def test_a_later_rate_fills_the_gap_without_rewriting_anything(tmp_path):
    con = fresh_warehouse(tmp_path / "adtrail.duckdb")
    warehouse_fx.import_rates_file(con, WDI)
    con.execute("CREATE TABLE spend AS SELECT * FROM (VALUES ('BDT', DATE '2024-03-04', 1000.0), "
                "('BDT', DATE '2023-06-01', 1000.0), ('BDT', DATE '2022-03-15', 1000.0), "
                "('NGN', DATE '2024-03-04', 1000.0)) t(currency, amount_date, amount)")
    query = "SELECT amount_date, currency, amount_usd, rate_source, rate_period FROM fx_to_usd('spend') ORDER BY ALL"
    before, rates_before = con.execute(query).fetchall(), all_rates(con)
    assert [row[2] is None for row in before] == [False, False, True, True]  # 2024: no rate yet

    # the user's table: BDT 109.95 per USD on 2024-03-01; NGN 1655.2 per EUR with USD 1.0844 per EUR
    assert warehouse_fx.import_rates_file(con, FIXTURES / "user-rates.csv").added == 3
    after = con.execute(query).fetchall()
    assert after[:2] == before[:2]  # what had a rate is unchanged
    assert after[2][2:] == (pytest.approx(1000 / 109.95, rel=1e-12), "user", "2024-03-01")
    assert after[3][2] == pytest.approx(1000 * 1.0844 / 1655.2, rel=1e-12)
    assert set(rates_before) <= set(all_rates(con))  # nothing rewritten, only added

    # a later World Bank release revises 2022 (91.75) and adds 2023 (106.31): both old and new are kept,
    # the newest loaded is current
    assert warehouse_fx.import_rates_file(con, FIXTURES / "wdi-fcrf-sample.csv").added > 0
    bdt_2022 = con.execute("SELECT rate FROM fx_rate WHERE series = 'PA.NUS.FCRF.BGD' AND rate_date = '2022-01-01' "
                           "ORDER BY loaded_at").fetchall()
    assert bdt_2022 == [(91.7454544396961,), (91.75,)]
    latest = dict(((row[0], row[1]), row[2:]) for row in con.execute(query).fetchall())
    assert latest[(dt.date(2023, 6, 1), "BDT")] == (pytest.approx(1000 / 106.31), "worldbank", "2023 average")
    assert latest[(dt.date(2022, 3, 15), "BDT")][0] == pytest.approx(1000 / 91.75)
    assert set(rates_before) <= set(all_rates(con))


def test_eur_based_user_rates_need_the_same_days_usd(tmp_path):
    con = fresh_warehouse(tmp_path / "adtrail.duckdb")
    body = "currency,date,rate,base\nKES,2024-03-01,155.2,EUR\nKES,2024-03-04,154.0,EUR\nUSD,2024-03-04,1.085,EUR\n"
    (tmp_path / "rates.csv").write_text(body)
    warehouse_fx.import_rates_file(con, tmp_path / "rates.csv")
    assert warehouse_fx.user_rates_without_usd(con) == 1
    assert conversion(con, "KES", "2024-03-01")["usd_per_unit"] is None
    assert conversion(con, "KES", "2024-03-05")["usd_per_unit"] == pytest.approx(1.085 / 154.0)

"""The demo's exchange-rate files: in the real files' formats (checked against ../shared/realdata/fx), the same
bytes every time, and loaded they convert every demo currency to US dollars on every day of the demo."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from analysis.fx import install_fx_rule
from demo import fx_world
from demo.world_texts import COUNTRIES
from spiders.parsers import fx_ecb, fx_worldbank
from warehouse import db, fx

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
DEMO_CURRENCIES = sorted({facts["currency"] for facts in COUNTRIES.values()} | {"USD"})


@pytest.fixture(scope="module")
def files():
    return fx_world.generate_fx_files()


def test_same_bytes_every_time(files):
    assert fx_world.generate_fx_files() == files


@pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")
def test_ecb_zip_in_the_real_history_format(files):
    with zipfile.ZipFile(io.BytesIO(files.ecb_zip)) as archive:
        assert archive.namelist() == ["eurofxref-hist.csv"]
        demo_lines = archive.read("eurofxref-hist.csv").decode().split("\n")
    with zipfile.ZipFile(REALDATA / "fx" / "eurofxref-hist.zip") as archive:
        real_lines = archive.read("eurofxref-hist.csv").decode().split("\n")
    assert demo_lines[0] == real_lines[0]  # the same currencies in the same order, the trailing comma
    assert demo_lines[1].count(",") == real_lines[1].count(",")
    dates = [line.split(",", 1)[0] for line in demo_lines[1:] if line]
    assert dates == sorted(dates, reverse=True)  # newest first, like the ECB's
    assert "2025-12-25" not in dates and "2025-04-18" not in dates and "2025-04-21" not in dates  # TARGET holidays
    assert all(dt.date.fromisoformat(day).weekday() < 5 for day in dates)


@pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")
def test_worldbank_zip_in_the_real_bulk_format(files):
    with zipfile.ZipFile(io.BytesIO(files.worldbank_zip)) as archive:
        names = archive.namelist()
        data = archive.read(fx_worldbank.data_member_name(names)).decode("utf-8")
    assert sorted(name.split("_API_")[0] for name in names) == sorted(
        ["API_PA.NUS.FCRF_DS2_en_csv_v2_9000001.csv", "Metadata_Country", "Metadata_Indicator"])
    real = next((REALDATA / "fx").glob("API_PA.NUS.FCRF_DS2_*.csv")).read_bytes().decode("utf-8")
    assert data.startswith("\ufeff") and real.startswith("\ufeff")
    demo_lines, real_lines = data.split("\r\n"), real.split("\r\n")
    assert demo_lines[0] == real_lines[0] and demo_lines[1] == real_lines[1] == ""
    assert demo_lines[2].split(",")[0] == real_lines[2].split(",")[0] == '"Last Updated Date"'
    assert demo_lines[4].startswith(real_lines[4].removesuffix(","))  # the same columns, more years


def test_rates_parse_and_sit_near_the_world_levels(files):
    ecb = fx_ecb.parse(files.ecb_zip)
    worldbank = fx_worldbank.parse(files.worldbank_zip)
    assert {r["currency"] for r in worldbank} == {"BDT", "KES", "NGN", "PKR"}
    assert {"USD", "INR", "BRL", "IDR", "PHP", "ZAR", "MXN"} <= {r["currency"] for r in ecb}
    usd = {r["rate_date"]: r["units_per_eur"] for r in ecb if r["currency"] == "USD"}
    for record in ecb:
        country = next((c for c in COUNTRIES.values() if c["currency"] == record["currency"]), None)
        if country:
            per_usd = record["units_per_eur"] / usd[record["rate_date"]]
            assert 0.8 < per_usd / country["per_usd"] < 1.25, record
    for record in worldbank:
        country = next(c for c in COUNTRIES.values() if c["currency"] == record["currency"])
        assert 0.7 < record["units_per_usd"] / country["per_usd"] < 1.3, record


def test_every_demo_currency_converts_on_every_demo_day(files, tmp_path):
    con = db.connect(tmp_path / "adtrail.duckdb")
    install_fx_rule(con)
    for name, body in (("eurofxref-hist.zip", files.ecb_zip), ("API_PA.NUS.FCRF_DS2_csv.zip", files.worldbank_zip)):
        (tmp_path / name).write_bytes(body)
        fx.import_rates_file(con, tmp_path / name)
    days = [fx_world.DEMO_START.replace(year=2024) + dt.timedelta(days=n) for n in range(0, 1150)]
    days = [day for day in days if day <= fx_world.LAST_DAY]
    wanted = [(currency, day) for currency in DEMO_CURRENCIES for day in days]
    missing = [(row["currency"], row["amount_date"]) for row in fx.usd_rates_at(con, wanted)
               if row["usd_per_unit"] is None]
    assert missing == []
    assert {row["rate_source"] for row in fx.usd_rates_at(con, [(c, days[-1]) for c in DEMO_CURRENCIES])} == {
        "ecb", "worldbank", "identity"}
    con.close()

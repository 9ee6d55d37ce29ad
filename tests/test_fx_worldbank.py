"""The World Bank PA.NUS.FCRF parser on the real bulk CSV, and on written fixtures for changed or wrong files."""

import csv
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from spiders.parsers import fx_worldbank

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
WDI = REALDATA / "fx" / "API_PA.NUS.FCRF_DS2_en_csv_v2_5839703.csv"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fx"
needs_realdata = pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")


def by_key(records):
    return {(r["economy"], r["rate_date"]): r for r in records}


@pytest.fixture(scope="module")
def real_records():
    return fx_worldbank.parse(WDI.read_bytes())


@pytest.mark.realdata
@needs_realdata
def test_every_non_empty_cell_is_a_rate(real_records):
    rows = list(csv.reader(WDI.read_text(encoding="utf-8-sig").splitlines()[4:]))
    years = [cell for cell in rows[0][4:] if cell]
    cells = sum(1 for row in rows[1:] if row for cell in row[4:4 + len(years)] if cell != "")
    assert len(real_records) == cells == 11_506
    assert len(by_key(real_records)) == len(real_records)
    economies_with_rates = {row[1] for row in rows[1:] if row and any(row[4:4 + len(years)])}
    assert {r["economy"] for r in real_records} == economies_with_rates


@pytest.mark.realdata
@needs_realdata
def test_values_yearly_average_on_1_january(real_records):
    rates = by_key(real_records)
    bdt = rates[("BGD", "2022-01-01")]
    assert round(bdt["units_per_usd"], 3) == 91.745
    assert bdt["rate_text"] == "91.7454544396961"
    assert (bdt["currency"], bdt["base"], bdt["source"], bdt["precision"], bdt["series"], bdt["published"]) == (
        "BDT", "USD", "worldbank", "yearly_average", "PA.NUS.FCRF.BGD", "2023-09-15")
    assert round(rates[("NGA", "2022-01-01")]["units_per_usd"], 3) == 425.979
    assert round(rates[("KEN", "2022-01-01")]["units_per_usd"], 3) == 117.866
    assert round(rates[("PAK", "2022-01-01")]["units_per_usd"], 3) == 204.867
    assert round(rates[("EGY", "2022-01-01")]["units_per_usd"], 3) == 19.160
    assert ("BGD", "1970-01-01") not in rates  # an empty cell is a gap
    assert rates[("BGD", "1971-01-01")]["rate_text"] == "7.86884258502912"
    assert all(r["rate_date"].endswith("-01-01") and r["precision"] == "yearly_average" for r in real_records)


@pytest.mark.realdata
@needs_realdata
def test_currency_follows_the_series_breaks(real_records):
    rates = by_key(real_records)
    assert (rates[("DEU", "1998-01-01")]["currency"], rates[("DEU", "1999-01-01")]["currency"]) == ("DEM", "EUR")
    assert (rates[("GRC", "2000-01-01")]["currency"], rates[("GRC", "2001-01-01")]["currency"]) == ("GRD", "EUR")
    assert (rates[("ECU", "1999-01-01")]["currency"], rates[("ECU", "2000-01-01")]["currency"]) == ("ECS", "USD")
    assert (rates[("AFG", "2001-01-01")]["currency"], rates[("AFG", "2003-01-01")]["currency"]) == ("AFA", "AFN")
    assert (rates[("ZMB", "1971-01-01")]["currency"], rates[("ZMB", "1972-01-01")]["currency"]) == ("ZMK", "ZMW")
    assert rates[("HRV", "2022-01-01")]["currency"] == "HRK"
    # in every year an economy is in euros, its figure is the euro area's (within rounding)
    emu = {r["rate_date"]: r["units_per_usd"] for r in real_records if r["economy"] == "EMU"}
    for record in real_records:
        if record["currency"] == "EUR":
            assert record["units_per_usd"] == pytest.approx(emu[record["rate_date"]], rel=0.02), record
    # and before its switch it is not (a national currency, not a synthetic euro)
    assert rates[("DEU", "1998-01-01")]["units_per_usd"] > 1.5


@pytest.mark.realdata
@needs_realdata
def test_one_reference_economy_per_currency_and_year(real_records):
    references = Counter((r["currency"], r["rate_date"]) for r in real_records if r["reference"])
    assert set(references) == {(r["currency"], r["rate_date"]) for r in real_records}
    assert set(references.values()) == {1}
    rates = by_key(real_records)
    assert rates[("EMU", "2022-01-01")]["reference"] and not rates[("DEU", "2022-01-01")]["reference"]
    assert rates[("SEN", "2022-01-01")]["reference"] and not rates[("BEN", "2022-01-01")]["reference"]
    assert rates[("BGD", "2022-01-01")]["reference"]
    shared = defaultdict(set)
    for record in real_records:
        shared[record["currency"]].add(record["economy"])
    assert {currency for currency, economies in shared.items() if len(economies) > 1} <= set(
        fx_worldbank.REFERENCE_ECONOMY)


def test_fixture_with_bom_crlf_aggregates_and_shared_currencies(tmp_path):
    records = list(fx_worldbank.parse_file(FIXTURES / "wdi-fcrf-sample.csv"))
    rates = by_key(records)
    assert len(records) == 6 * 3 - 1  # six economies with figures, NGA 2023 empty, SAS all empty
    assert rates[("BGD", "2023-01-01")]["units_per_usd"] == 106.31
    assert rates[("BGD", "2023-01-01")]["published"] == "2024-07-01"
    assert ("NGA", "2023-01-01") not in rates
    assert not any(r["economy"] == "SAS" for r in records)
    assert rates[("EMU", "2023-01-01")]["reference"] and not rates[("DEU", "2023-01-01")]["reference"]
    assert rates[("SEN", "2022-01-01")]["reference"] and not rates[("BEN", "2022-01-01")]["reference"]
    assert records[0]["source_url"].startswith("file://")


def _fixture_text() -> str:
    return (FIXTURES / "wdi-fcrf-sample.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ((FIXTURES / "ecb-error-page.html").read_bytes(), "got an HTML page, not the World Bank CSV"),
        (b"PK\x03\x04rest of a zip", "unzip it and give the API_PA.NUS.FCRF_DS2_*.csv"),
        (_fixture_text().replace('"Country Code"', '"Code"').encode(), "the header changed"),
        (_fixture_text().replace('"2022"', '"FY22"').encode(), "the header changed"),
        (_fixture_text().replace('"Country Name",', "").encode(), "header line"),
        (_fixture_text().replace("PA.NUS.FCRF", "NY.GDP.MKTP.CD").encode(), "not PA.NUS.FCRF"),
        (_fixture_text().replace('"91.75"', '"91,75"').encode(), "line 6, column 2022 (BGD): '91,75' is not"),
        (_fixture_text().replace('"91.75"', '91,75').encode(), "line 6: 8 cells where the header has 7"),
        (_fixture_text().replace('"91.75"', '".."').encode(), "line 6, column 2022 (BGD): '..' is not a rate"),
        (_fixture_text().replace('"BGD"', '"XYZ"').encode(), "XYZ (Bangladesh)"),
        (_fixture_text()[:-60].encode(), "cut short"),
        (_fixture_text().replace('"DEU"', '"BGD"').encode(), "line 8, column Country Code: BGD again (first on line 6)"),
        ("Data Source;World Development Indicators".encode(), "not a World Bank WDI bulk CSV"),
        ("\ufeff\"Data Source\",x\n".encode("utf-16"), "not UTF-8"),
    ],
)
def test_bad_input_says_what_happened_and_what_to_do(body, message):
    with pytest.raises(ValueError) as error:
        fx_worldbank.parse(body)
    assert message in str(error.value)
    assert any(hint in str(error.value) for hint in ("download it again", "needs updating", "give the",
                                                     "add them to", "unzip"))

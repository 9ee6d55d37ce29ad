"""The ECB reference-rate parser on every real form (history zip, daily CSV, daily and 90-day XML) and on
written fixtures for what a download can go wrong with."""

import io
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from spiders.parsers import fx_ecb

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
FX = REALDATA / "fx"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fx"
needs_realdata = pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")


def by_key(records):
    return {(r["currency"], r["rate_date"]): r for r in records}


# ------------------------------------------------------------------ the real files


@pytest.fixture(scope="module")
def history():
    body = (FX / "eurofxref-hist.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        text = archive.read("eurofxref-hist.csv").decode()
    return text, fx_ecb.parse(body)


@pytest.mark.realdata
@needs_realdata
def test_history_zip_every_rate_of_every_currency_and_date(history):
    text, records = history
    lines = text.splitlines()
    currencies = [cell for cell in lines[0].split(",")[1:] if cell]
    dates = len(lines) - 1
    # rows x currencies minus N/A, counted on the raw text
    assert len(currencies) == 41
    assert len(records) == dates * len(currencies) - text.count("N/A") == 217_555
    assert len(by_key(records)) == len(records)  # no rate twice
    per_currency = Counter(r["currency"] for r in records)
    assert per_currency["USD"] == dates == 6983  # the USD is quoted every day
    assert set(per_currency) == set(currencies)


@pytest.mark.realdata
@needs_realdata
def test_history_values_and_gaps(history):
    _, records = history
    rates = by_key(records)
    assert rates[("USD", "2026-04-13")]["units_per_eur"] == 1.1684
    assert rates[("INR", "2026-04-13")]["units_per_eur"] == 109.047
    assert rates[("USD", "1999-01-04")]["units_per_eur"] == 1.1789
    assert rates[("CYP", "1999-01-04")]["rate_text"] == "0.58231"
    # N/A is a gap, never a zero: the Cyprus pound after the euro, the rupee before 2000, ISK 2008-2018
    assert ("CYP", "2026-04-13") not in rates
    assert ("INR", "1999-01-04") not in rates
    assert ("ISK", "2012-06-01") not in rates
    assert sum(1 for (currency, _) in rates if currency == "ISK") == 6983 - 2341
    assert all(r["units_per_eur"] > 0 for r in records)
    record = rates[("BRL", "2026-04-13")]
    assert record == {"currency": "BRL", "rate_date": "2026-04-13", "units_per_eur": 5.874, "base": "EUR",
                      "source": "ecb", "precision": "daily", "series": "EXR.D.BRL.EUR.SP00.A",
                      "rate_text": "5.874", "source_url": None}


@pytest.mark.realdata
@needs_realdata
def test_daily_csv_with_spaced_separators_and_long_date(history):
    text = (FX / "eurofxref.csv").read_text()
    records = fx_ecb.parse((FX / "eurofxref.csv").read_bytes())
    header = [cell.strip() for cell in text.splitlines()[0].split(",")[1:] if cell.strip()]
    assert len(records) == len(header) == 29
    assert {r["rate_date"] for r in records} == {"2026-04-13"}
    # the same day as in the history file, the same rates (366.90 there is 366.9 here)
    history_rates = by_key(history[1])
    for record in records:
        assert record["units_per_eur"] == history_rates[(record["currency"], "2026-04-13")]["units_per_eur"]
    assert by_key(records)[("HUF", "2026-04-13")]["rate_text"] == "366.90"


@pytest.mark.realdata
@needs_realdata
def test_daily_xml_31_currencies_single_quotes():
    body = (FX / "eurofxref-daily.xml").read_bytes()
    assert b"currency='USD'" in body  # this copy uses single quotes
    records = fx_ecb.parse(body)
    assert len(records) == 31
    assert {r["rate_date"] for r in records} == {"2022-07-08"}
    rates = by_key(records)
    assert rates[("USD", "2022-07-08")]["units_per_eur"] == 1.0163
    assert rates[("INR", "2022-07-08")]["units_per_eur"] == 80.528
    assert rates[("HRK", "2022-07-08")]["units_per_eur"] == 7.519


@pytest.mark.realdata
@needs_realdata
def test_90_day_xml_double_quotes(history):
    body = (FX / "eurofxref-hist-90d.xml").read_bytes()
    assert b'currency="USD"' in body
    records = fx_ecb.parse(body)
    dates = Counter(r["rate_date"] for r in records)
    assert len(records) == body.count(b"rate=") == 1984
    assert len(dates) == body.count(b"time=") == 64
    history_rates = by_key(history[1])
    assert all(r["units_per_eur"] == history_rates[(r["currency"], r["rate_date"])]["units_per_eur"]
               for r in records)


# ------------------------------------------------------------------ written fixtures and bad input


def test_fixture_forms():
    hist = fx_ecb.parse((FIXTURES / "eurofxref-hist-sample.csv").read_bytes())
    assert len(hist) == 3 * 7 - 2  # two N/A
    assert ("CYP", "2024-01-03") not in by_key(hist)
    daily = by_key(fx_ecb.parse((FIXTURES / "eurofxref-daily-sample.csv").read_bytes()))
    assert daily[("INR", "2024-01-02")]["units_per_eur"] == 91.2155
    assert len(daily) == 5
    xml = by_key(fx_ecb.parse((FIXTURES / "eurofxref-daily-double-quotes.xml").read_bytes()))
    assert set(xml) == {("USD", "2024-01-02"), ("JPY", "2024-01-02"), ("INR", "2024-01-02"),
                        ("USD", "2024-01-03"), ("INR", "2024-01-03")}


def test_zip_of_written_csv_and_parse_file(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("eurofxref-hist.csv", (FIXTURES / "eurofxref-hist-sample.csv").read_text())
    path = tmp_path / "eurofxref-hist.zip"
    path.write_bytes(buffer.getvalue())
    records = list(fx_ecb.parse_file(path))
    assert len(records) == 19
    assert records[0]["source_url"] == path.resolve().as_uri()


def _truncated_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("eurofxref-hist.csv", (FIXTURES / "eurofxref-hist-sample.csv").read_text() * 50)
    return buffer.getvalue()[:200]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ((FIXTURES / "ecb-error-page.html").read_bytes(), "got an HTML page"),
        (_truncated_zip(), "the zip is damaged or cut short"),
        (b"Day,USD,JPY,\n2024-01-02,1.0956,155.68,\n", "line 1: the header changed"),
        (b"Date,US Dollar,\n2024-01-02,1.0956,\n", "line 1: the header changed"),
        (b"Date,USD,JPY,\n2024-01-02,1.0956,155.68,\n2024-01-01,1.09", "line 3: 2 cells where the header has 3"),
        (b"Date,USD,\n2024-01-02,1,0956,\n", "line 2: 3 cells"),
        (b"Date,USD,\n2024-01-02,n.a.,\n", "line 2, column USD: 'n.a.' is not a rate"),
        (b"Date,USD,\n02/01/2024,1.0956,\n", "line 2, column Date: '02/01/2024' is not a date"),
        (b"<?xml version='1.0'?><gesmes:Envelope xmlns:gesmes='http://www.gesmes.org/xml/2002-08-01'><Cube>",
         "the ECB XML is not well-formed"),
        (b"<?xml version='1.0'?><rates><rate/></rates>", "not the ECB's gesmes:Envelope"),
        (b"", "the file is empty"),
        (b"Date,USD,\n2024-01-02,1.0956,\n2024-01-02,1.0957,\n", "line 3, column Date: 2024-01-02 again (first on line 2)"),
        ((FIXTURES / "eurofxref-daily-double-quotes.xml").read_bytes().replace(b"2024-01-03", b"2024-01-02"),
         "<Cube time='2024-01-02'> appears twice"),
    ],
)
def test_bad_input_says_what_happened_and_what_to_do(body, message):
    with pytest.raises(ValueError, match="download it again|check the file|needs updating") as error:
        fx_ecb.parse(body)
    assert message in str(error.value)


def test_a_zip_that_would_unpack_far_beyond_the_history_is_refused(monkeypatch):
    monkeypatch.setattr(fx_ecb, "_MAX_CSV_BYTES", 1_000)  # the real limit (200 MB) works the same way
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("eurofxref-hist.csv", "Date,USD,\n" + "2024-01-02,1.0956,\n" * 100)
    with pytest.raises(ValueError, match="would unpack to 1,910 bytes, far more than the ECB's history"):
        fx_ecb.parse(buffer.getvalue())

"""A user's own rate table: the documented format parses; every mistake is named by line and column."""

import re
from pathlib import Path

import pytest

from spiders.parsers import fx_user_csv

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fx"


def test_documented_format():
    records = list(fx_user_csv.parse_file(FIXTURES / "user-rates.csv"))
    assert [(r["currency"], r["rate_date"], r["base"]) for r in records] == [
        ("BDT", "2024-03-01", "USD"), ("NGN", "2024-03-01", "EUR"), ("USD", "2024-03-01", "EUR")]
    assert records[0]["units_per_usd"] == 109.95 and "units_per_eur" not in records[0]
    assert records[1]["units_per_eur"] == 1655.2 and "units_per_usd" not in records[1]
    assert {(r["source"], r["precision"]) for r in records} == {("user", "daily")}
    assert records[0]["line"] == 2 and records[0]["source_url"].startswith("file://")


def test_header_in_any_order_bom_crlf_blank_lines_and_lowercase():
    body = "\ufeffDate,Currency,Base,Rate\r\n2024-03-01,bdt,usd,109.95\r\n\r\n".encode()
    (record,) = fx_user_csv.parse(body)
    assert (record["currency"], record["base"], record["units_per_usd"]) == ("BDT", "USD", 109.95)


def test_every_mistake_named_by_line_and_column():
    with pytest.raises(ValueError) as error:
        fx_user_csv.parse((FIXTURES / "user-rates-errors.csv").read_bytes())
    message = str(error.value)
    assert message.startswith("the rate table has problems, nothing was loaded:")
    expected = [
        "line 4, column currency: 'TAKA' is not an ISO 4217 code",
        "line 5, column date: '01/03/2024' is not a date written YYYY-MM-DD",
        "line 6, column rate: '143,5': write decimals with a dot (143.5)",
        "line 7, column base: 'GBP': the base must be EUR or USD",
        "line 8, column rate: BDT per USD on 2024-03-01 is 110.10 here but 109.95 on line 2; keep one",
        "line 9, column rate: '-30.9' is not a positive number",
        "line 10, column currency: USD per USD is always 1",
        "line 11: 2 cells, expected 4",
    ]
    for problem in expected:
        assert problem in message
    # one problem a line, in order; lines 2 and 3 are good (lower-case codes are accepted)
    reported = [int(re.match(r"line (\d+)", line.strip()).group(1)) for line in message.splitlines()[1:]]
    assert reported == [4, 5, 6, 7, 8, 9, 10, 11]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ((FIXTURES / "user-rates-semicolons.csv").read_bytes(), "line 1: the header is"),
        (b"currency,date,rate\nBDT,2024-03-01,109.95\n", "expected exactly the columns currency,date,rate,base"),
        (b"", "the file is empty"),
        (b"currency,date,rate,base\n", "a header but no rates"),
        ((FIXTURES / "ecb-error-page.html").read_bytes(), "HTML page"),
        ("currency,date,rate,base\nBDT,2024-03-01,109.95,USD\n".encode("utf-16"), "not UTF-8"),
    ],
)
def test_bad_files(body, message):
    with pytest.raises(ValueError, match="expected|save the table") as error:
        fx_user_csv.parse(body)
    assert message in str(error.value)


def test_many_problems_are_summarised():
    body = "currency,date,rate,base\n" + "".join(f"BDT,2024-03-{day:02d},x,USD\n" for day in range(1, 31))
    with pytest.raises(ValueError) as error:
        fx_user_csv.parse(body.encode())
    assert "line 21, column rate" in str(error.value)
    assert "line 22," not in str(error.value)
    assert "... and 10 more" in str(error.value)

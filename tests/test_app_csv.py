"""CSV downloads of the app: RFC 4180, UTF-8 (with a byte order mark for Excel), formula cells neutralised
(OWASP "CSV Injection"), tried on the tables the explorer downloads from a seeded warehouse."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io

import polars as pl
import pytest

from app_pages.common import UTF8_BOM, csv_bytes, neutralise_formula
from tests.test_app_seed import FORMULA_NAME, MARKUP_NAME, seed_warehouse
from warehouse.publish import open_published
from warehouse.queries import run_query


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", FORMULA_NAME])
def test_formula_leading_text_gets_an_apostrophe(text):
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("text", ["", "Nagorik Oikya", "1-2", "a=b", "'quoted", "নাগরিক ঐক্য", MARKUP_NAME])
def test_other_text_is_unchanged(text):
    assert neutralise_formula(text) == text


def test_cells_headers_numbers_dates_and_lists():
    frame = pl.DataFrame({
        "=header": ["=cmd|' /C calc'!A0", "নাগরিক, \"ঐক্য\"\nদ্বিতীয় লাইন", None],
        "spend_low": [decimal.Decimal("-5.00"), decimal.Decimal("1000.50"), None],
        "share": [-0.25, 1.0, None],
        "week_start": [dt.date(2026, 1, 5), None, dt.date(2025, 12, 8)],
        "open_top": [True, False, None],
        "bodies": [["-minus first", "second"], [], None],
    })
    rows = read_csv(csv_bytes(frame))
    assert rows == [
        ["'=header", "spend_low", "share", "week_start", "open_top", "bodies"],
        ["'=cmd|' /C calc'!A0", "-5.00", "-0.25", "2026-01-05", "true", "'-minus first; second"],
        ["নাগরিক, \"ঐক্য\"\nদ্বিতীয় লাইন", "1000.50", "1.0", "", "false", ""],
        ["", "", "", "2025-12-08", "", ""],
    ]
    assert csv_bytes(frame).count(b"\r\n") == 4  # RFC 4180 line ends; the quoted line break stays \n


def test_excel_variant_is_the_same_csv_with_a_byte_order_mark():
    frame = pl.DataFrame({"advertiser": ["নাগরিক ঐক্য", "São Paulo"]})
    plain, excel = csv_bytes(frame), csv_bytes(frame, excel=True)
    assert not plain.startswith(UTF8_BOM)
    assert excel == UTF8_BOM + plain
    assert excel.decode("utf-8-sig") == plain.decode("utf-8")


def test_the_explorer_tables_download_with_snapshot_basis_and_neutralised_names(tmp_path):
    db_path = seed_warehouse(tmp_path)
    params = dict(snapshot_id=1, platforms=None, countries=None, advertiser=None, delivery_from=None,
                  delivery_to=None, late_days=7)
    reader = open_published(db_path)
    try:
        advertisers = run_query(reader, "explorer_advertisers", **params, rank_currency="USD", row_limit=20)
        regions = run_query(reader, "explorer_regions", **params, rank_currency="USD", row_limit=20)
    finally:
        reader.close()
    rows = read_csv(csv_bytes(advertisers, excel=True)[len(UTF8_BOM):])
    header, body = rows[0], [dict(zip(rows[0], row)) for row in rows[1:]]
    assert {"snapshot_id", "spend_basis", "spend_low", "spend_high", "spend_usd_low", "spend_usd_high"} <= set(header)
    assert {row["snapshot_id"] for row in body} == {"1"} and {row["spend_basis"] for row in body} == {"disclosed"}
    names = {row["advertiser_name"] for row in body}
    assert "'" + FORMULA_NAME in names and FORMULA_NAME not in names
    assert MARKUP_NAME in names  # HTML is plain text in a CSV: kept as the source wrote it
    region_rows = read_csv(csv_bytes(regions))
    assert {row[region_rows[0].index("spend_basis")] for row in region_rows[1:]} == {"derived"}  # Meta's shares

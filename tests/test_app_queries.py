"""The explorer's named queries (warehouse/queries/explorer_*.sql): one filter (explorer_ads, migration
060_explorer.sql) that every query selects from, and filters that mean what they say, on a seeded warehouse."""

from __future__ import annotations

import pytest

from tests.test_app_seed import SEED_ADS, seed_warehouse
from warehouse.publish import open_published
from warehouse.queries import QUERIES_DIR, run_query

EXPLORER = sorted(QUERIES_DIR.glob("explorer_*.sql"))
FILTERED = [path for path in EXPLORER if path.stem != "explorer_filter_options"]
FILTER_CALL = ("explorer_ads($snapshot_id, $platforms, $countries, $advertiser, $delivery_from, $delivery_to, "
               "$late_days)")
NO_FILTER = dict(platforms=None, countries=None, advertiser=None, delivery_from=None, delivery_to=None, late_days=7)


def test_every_explorer_query_selects_from_the_one_filter():
    """The filter is defined once (explorer_ads, explorer_ad_country in migration 060_explorer.sql)."""
    assert len(FILTERED) == 4
    for path in FILTERED:
        sql = path.read_text(encoding="utf-8")
        assert FILTER_CALL in sql, path.name
        assert "mart_ad " not in sql and "mart_ad\n" not in sql, f"{path.name} reads ads besides explorer_ads"
    for path in EXPLORER:  # the country rule, too, lives only in the migration
        sql = path.read_text(encoding="utf-8")
        assert "core_ad_country_reach" not in sql, path.name
    assert "explorer_ad_country($snapshot_id)" in (QUERIES_DIR / "explorer_filter_options.sql").read_text(
        encoding="utf-8")


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    connection = open_published(seed_warehouse(tmp_path_factory.mktemp("queries"), snapshots_wanted=2))
    yield connection
    connection.close()


def total_ads(reader, snapshot_id=1, **filters) -> int:
    rows = run_query(reader, "explorer_totals", snapshot_id=snapshot_id, **{**NO_FILTER, **filters}).to_dicts()
    return next(row for row in rows if row["all_currencies"])["ads"]


@pytest.mark.parametrize(("filters", "expected_ids"), [
    ({}, {"2001", "2002", "2003", "2004", "2005"}),
    ({"platforms": ["meta"]}, {"2001", "2002", "2003", "2004", "2005"}),
    ({"platforms": ["google"]}, set()),
    ({"countries": ["BD"]}, {"2001", "2002", "2003", "2004", "2005"}),  # the crawl asked for BD only
    ({"countries": ["DE"]}, {"2005"}),  # EU reach breakdown
    ({"advertiser": "502"}, {"2003"}),  # an id, exactly
    ({"advertiser": "OIKYA"}, {"2001", "2002"}),  # a part of the name, any case
    ({"delivery_from": "2025-12-20", "delivery_to": "2025-12-22"}, {"2003", "2004"}),  # both days included
])
def test_filters(reader, filters, expected_ids):
    assert total_ads(reader, **filters) == len(expected_ids)


def test_all_currency_rows_add_up_the_currency_rows(reader):
    for name, extra in (("explorer_totals", {}), ("explorer_weeks", {}),
                        ("explorer_advertisers", {"rank_currency": "USD", "row_limit": 50})):
        frame = run_query(reader, name, snapshot_id=2, **NO_FILTER, **extra)
        keys = [column for column in ("week_start", "platform", "advertiser_key") if column in frame.columns]
        for group in frame.partition_by(keys) if keys else [frame]:
            whole = group.filter(group["all_currencies"])
            parts = group.filter(~group["all_currencies"])
            assert whole["ads"].item() == parts["ads"].sum(), (name, group)
            assert whole["ads_without_usd_rate"].item() == parts["ads_without_usd_rate"].sum()
            assert whole["spend_low"].item() is None  # never summed across currencies


def test_filter_options_of_a_snapshot(reader):
    options = run_query(reader, "explorer_filter_options", snapshot_id=2).to_dicts()
    by_kind = {}
    for row in options:
        by_kind.setdefault(row["option_kind"], {})[row["option_value"]] = row["ads"]
    assert by_kind["platform"] == {"meta": len(SEED_ADS[2])}
    assert by_kind["country"] == {"BD": len(SEED_ADS[2]), "DE": 1}
    assert by_kind["currency"] == {"BDT": 4, "USD": 1, "BRL": 1}
    assert {(row["first_delivery_start"].isoformat(), row["last_delivery_start"].isoformat()) for row in options} == {
        ("2025-12-10", "2026-01-14")}

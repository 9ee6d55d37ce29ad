"""Named queries: each runs with bound parameters on a published warehouse; wrong parameters are refused."""

from __future__ import annotations

import pytest

from tests.crawl_factory import FIXTURE_WEEKS, FIXTURES_DIR
from warehouse import db, load, publish, snapshots
from warehouse.queries import QueryError, query_names, query_parameters, run_query

# The queries this module covers (other modules' queries are tested beside their pages).
WAREHOUSE_QUERIES = ("snapshots", "snapshot_sources", "advertiser_spend", "ad_changes", "advertiser_ads")
SAMPLE_PARAMETERS = {
    "snapshot_id": 1,
    "to_snapshot_id": 2,
    "platform": "meta",
    "advertiser_id": "501",
    "change_kind": None,
    "row_limit": 50,
}


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("queries") / "adtrail.duckdb"
    con = db.connect(db_path)
    for folder, as_of in FIXTURE_WEEKS[:2]:
        sid = snapshots.begin_or_resume(con, as_of, "tests")
        load.load_crawl(con, sid, FIXTURES_DIR / folder)
        snapshots.complete(con, sid)
    publish.publish(con, sid)
    connection = publish.open_published(db_path)
    yield connection
    connection.close()


def test_queries_are_shipped():
    assert set(WAREHOUSE_QUERIES) <= set(query_names())


@pytest.mark.parametrize("name", WAREHOUSE_QUERIES)
def test_every_named_query_runs_on_the_published_copy(reader, name):
    needed = query_parameters(name)
    assert needed <= set(SAMPLE_PARAMETERS), f"add sample values for {needed - set(SAMPLE_PARAMETERS)}"
    rows = run_query(reader, name, **{key: SAMPLE_PARAMETERS[key] for key in needed})
    assert rows.height > 0


def test_parameters_are_read_from_code_not_comments():
    # advertiser_spend.sql mentions $snapshot_id, $platform and $row_limit in its comment too
    assert query_parameters("advertiser_spend") == {"snapshot_id", "platform", "row_limit"}
    assert query_parameters("snapshots") == set()


def test_wrong_parameters_and_unknown_queries_are_refused(reader):
    with pytest.raises(QueryError, match=r"missing \['platform', 'row_limit'\]"):
        run_query(reader, "advertiser_spend", snapshot_id=1)
    with pytest.raises(QueryError, match=r"unknown \['country'\]"):
        run_query(reader, "snapshots", country="BD")
    with pytest.raises(QueryError, match="no named query"):
        run_query(reader, "../030_marts")


def test_values_are_bound_not_spliced(reader):
    hostile = "meta' OR '1'='1"
    assert run_query(reader, "advertiser_spend", snapshot_id=1, platform=hostile, row_limit=50).height == 0
    assert run_query(reader, "advertiser_spend", snapshot_id=1, platform=None, row_limit=2).height == 2

"""Snapshot lifecycle and the marts: visibility, failed sources, spend sums and weekly changes."""

from __future__ import annotations

import json

import pytest

from tests.crawl_factory import FIXTURE_WEEKS, FIXTURES_DIR, meta_ad_item, write_crawl
from warehouse import db, load, snapshots
from warehouse.queries import run_query
from warehouse.snapshots import SnapshotError


@pytest.fixture
def con(tmp_path):
    connection = db.connect(tmp_path / "adtrail.duckdb")
    yield connection
    connection.close()


def _load_weeks(con, weeks=FIXTURE_WEEKS) -> list[int]:
    ids = []
    for folder, as_of in weeks:
        sid = snapshots.begin_or_resume(con, as_of, "tests")
        load.load_crawl(con, sid, FIXTURES_DIR / folder)
        snapshots.complete(con, sid)
        ids.append(sid)
    return ids


def test_begin_or_resume_continues_the_running_snapshot(con):
    first = snapshots.begin_or_resume(con, "2026-01-05", "v1")
    assert snapshots.begin_or_resume(con, "2026-01-06", "v2") == first  # an interrupted run is continued
    info = snapshots.snapshot_info(con, first)
    assert (info.status, info.as_of.isoformat(), info.code_version, info.sources) == ("running", "2026-01-05", "v1", 0)
    with pytest.raises(SnapshotError, match="has no source loaded"):
        snapshots.complete(con, first)
    load.load_crawl(con, first, FIXTURES_DIR / "meta_bd_w1")
    snapshots.complete(con, first)
    info = snapshots.snapshot_info(con, first)
    assert info.status == "complete" and info.finished_at is not None
    with pytest.raises(SnapshotError, match="already complete"):
        snapshots.complete(con, first)
    second = snapshots.begin_or_resume(con, "2026-01-12", "v2")
    assert second == first + 1
    snapshots.fail(con, second, "crawl child crashed; rerun adtrail snapshot")
    assert snapshots.snapshot_status(con, second) == "failed"
    assert snapshots.begin_or_resume(con, "2026-01-12", "v2") == second + 1
    assert snapshots.latest_complete(con) == first


def test_marts_hide_running_and_failed_snapshots(con):
    shown = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    load.load_crawl(con, shown, FIXTURES_DIR / "meta_bd_w1")
    assert con.execute("SELECT count(*) FROM core_ad").fetchall() == [(6,)]
    for mart in ("mart_snapshot", "mart_ad", "mart_advertiser_spend", "mart_snapshot_summary", "mart_ad_changes"):
        assert con.execute(f"SELECT count(*) FROM {mart}").fetchall() == [(0,)], mart
    snapshots.complete(con, shown)

    running = snapshots.begin_or_resume(con, "2026-01-12", "tests")
    load.load_crawl(con, running, FIXTURES_DIR / "meta_bd_w2")
    assert con.execute("SELECT DISTINCT snapshot_id FROM mart_ad").fetchall() == [(shown,)]
    assert con.execute("SELECT DISTINCT snapshot_id FROM mart_snapshot_summary").fetchall() == [(shown,)]
    assert con.execute("SELECT count(*) FROM mart_ad_changes").fetchall() == [(0,)]
    snapshots.fail(con, running, "given up")
    assert con.execute("SELECT DISTINCT snapshot_id FROM mart_ad").fetchall() == [(shown,)]


def test_a_failed_source_completes_the_snapshot_and_nothing_is_inferred_from_it(con):
    w1, w2, w3, w4 = _load_weeks(con)
    assert snapshots.snapshot_status(con, w3) == "complete"
    summary = run_query(con, "snapshot_sources", snapshot_id=w3).to_dicts()
    assert len(summary) == 1
    assert summary[0]["source_status"] == "failed"
    assert summary[0]["finish_reason"] == "token_expired"
    assert "META_ACCESS_TOKEN" in summary[0]["error"]
    assert summary[0]["cursor"].endswith("access_token=REDACTED")
    # what the failed crawl did fetch is kept and shown, marked
    assert con.execute(
        "SELECT count(*), bool_and(source_status = 'failed') FROM mart_ad WHERE snapshot_id = ?", [w3]
    ).fetchall() == [(2, True)]
    # ... but no change is inferred from it: week 4 is compared with week 2, the last complete observation
    pairs = con.execute("SELECT DISTINCT from_snapshot_id, to_snapshot_id FROM mart_ad_changes ORDER BY ALL").fetchall()
    assert pairs == [(w1, w2), (w2, w4)]
    assert con.execute(
        "SELECT count(*) FROM mart_ad_changes WHERE ? IN (from_snapshot_id, to_snapshot_id)", [w3]
    ).fetchall() == [(0,)]
    # ads week 3 did not return are not reported as gone
    assert run_query(con, "ad_changes", to_snapshot_id=w4, change_kind=None).select(
        "change_kind", "ad_key").rows() == [("new_ad", "1007")]


def test_changes_between_two_snapshots(con):
    w1, w2 = _load_weeks(con, FIXTURE_WEEKS[:2])
    changes = run_query(con, "ad_changes", to_snapshot_id=w2, change_kind=None)
    found = {(row["change_kind"], row["ad_key"]) for row in changes.to_dicts()}
    assert found == {
        ("new_ad", "1006"),
        ("no_longer_returned", "1003"),
        ("spend_grew", "1001"),
        ("text_changed", "1002"),
        ("reach_grew", "1005"),
        ("page_renamed", None),
    }
    by_kind = {row["change_kind"]: row for row in changes.to_dicts()}
    assert (json.loads(by_kind["page_renamed"]["old_value"]), json.loads(by_kind["page_renamed"]["new_value"])) == (
        "Nagorik Oikya Dhaka", "Nagorik Oikya Bangladesh")
    assert by_kind["page_renamed"]["advertiser_id"] == "501"
    grew = by_kind["spend_grew"]
    assert json.loads(grew["old_value"]) == {"currency": "BDT", "spend_low": 0, "spend_high": 99}
    assert json.loads(grew["new_value"]) == {"currency": "BDT", "spend_low": 100, "spend_high": 199}
    assert "ঢাকার যানজট ও জলাবদ্ধতা আমরাই কমাবো।" in json.loads(by_kind["text_changed"]["new_value"])["bodies"]
    assert {str(row["from_as_of"]) for row in changes.to_dicts()} == {"2026-01-05"}
    # the legacy ad's text changed too (so did its synthetic key): synthetic keys stay out of history
    assert con.execute("SELECT count(*) FROM mart_ad_changes WHERE ad_key LIKE 'synthetic:%'").fetchall() == [(0,)]
    only_new = run_query(con, "ad_changes", to_snapshot_id=w2, change_kind="new_ad")
    assert only_new["ad_key"].to_list() == ["1006"]


def test_a_different_scope_is_not_compared(con, tmp_path):
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    load.load_crawl(con, sid, FIXTURES_DIR / "meta_bd_w1")
    snapshots.complete(con, sid)
    brazil = {"countries": ["BR"], "ad_type": "POLITICAL_AND_ISSUE_ADS", "ad_active_status": "ALL",
              "delivery_date_min": None, "delivery_date_max": None, "search_terms_sha256": [],
              "search_page_ids": [], "api_version": "v19.0"}
    crawl = write_crawl(tmp_path / "br", [meta_ad_item("3001", page_id="801", page_name="Frente Cidadã",
                                                       currency="BRL", bodies=["Vote consciente"])], scope=brazil)
    other = snapshots.begin_or_resume(con, "2026-01-12", "tests")
    load.load_crawl(con, other, crawl)
    snapshots.complete(con, other)
    # every Bangladeshi ad is missing from the Brazilian crawl, yet none is reported as gone
    assert con.execute("SELECT count(*) FROM mart_ad_changes").fetchall() == [(0,)]


def test_advertiser_spend_sums_per_currency_and_says_at_least(con, tmp_path):
    items = [
        meta_ad_item("4001", page_id="901", page_name="Amar Desh", spend=(100, 199)),
        meta_ad_item("4002", page_id="901", page_name="Amar Desh", spend=(1000, 1499)),
        meta_ad_item("4003", page_id="901", page_name="Amar Desh", spend=(0, 99), currency="USD"),
        meta_ad_item("4004", page_id="902", page_name="Shanti Jot", spend=(100000, None)),
        meta_ad_item("4005", page_id="902", page_name="Shanti Jot", spend=(500, 599)),
        meta_ad_item("4006", page_id="903", page_name="Nirob", spend=(0, 99), currency=None),
        meta_ad_item("4007", page_id="903", page_name="Nirob", spend=None, currency=None),
    ]
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    load.load_crawl(con, sid, write_crawl(tmp_path / "spend", items))
    snapshots.complete(con, sid)
    rows = run_query(con, "advertiser_spend", snapshot_id=sid, platform="meta", row_limit=100)
    by_group = {(r["advertiser_id"], r["spend_currency"]): r for r in rows.to_dicts()}
    assert set(by_group) == {("901", "BDT"), ("901", "USD"), ("902", "BDT"), ("903", None)}
    amar = by_group[("901", "BDT")]
    assert (amar["ads"], amar["spend_low_sum"], amar["spend_high_sum"], amar["open_ended_ads"],
            amar["spend_estimate_sum"]) == (2, 1100, 1698, 0, 1399)
    shanti = by_group[("902", "BDT")]
    # one open top bucket: the high sum is unknown, the app says "at least 100,500"
    assert (shanti["spend_low_sum"], shanti["spend_high_sum"], shanti["open_ended_ads"],
            shanti["spend_estimate_sum"]) == (100500, None, 1, 100000 + 549.5)
    nirob = by_group[("903", None)]
    # no currency: its own group, never guessed; an ad with no spend counts as an ad without spend
    assert (nirob["ads"], nirob["ads_with_spend"], nirob["spend_low_sum"], nirob["spend_high_sum"]) == (2, 1, 0, None)
    assert rows["spend_estimate_sum"].to_list()[0] == 100549.5  # biggest first
    assert run_query(con, "advertiser_spend", snapshot_id=sid, platform="google", row_limit=100).height == 0

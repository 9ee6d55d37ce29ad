"""Loading crawl folders: raw and core contents, idempotence, duplicates, and every refused input."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from tests.crawl_factory import (
    CLOCK_START,
    FIXTURES_DIR,
    fixture_items,
    meta_ad_item,
    write_crawl,
    write_fixture_crawls,
)
from warehouse import db, load, snapshots
from warehouse.crawl_folder import CrawlFolderError
from warehouse.snapshots import SnapshotError

TABLES = ("snapshot", "snapshot_source", "raw_meta_ads_archive", "core_ad", "core_ad_country_reach", "core_ad_payer",
          "core_ad_country_query")
W1 = FIXTURES_DIR / "meta_bd_w1"


@pytest.fixture
def con(tmp_path):
    connection = db.connect(tmp_path / "adtrail.duckdb")
    yield connection
    connection.close()


def _copy_tables(con, prefix: str) -> None:
    for table in TABLES:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {prefix}_{table} AS SELECT * FROM {table}")


def _differences(con, prefix: str, *, ignore_load_time: bool = False) -> dict[str, tuple[int, int]]:
    """Rows only before / only after, per table, comparing every column (EXCEPT ALL both ways)."""
    found = {}
    for table in TABLES:
        columns = "*"
        if ignore_load_time and table in ("snapshot_source", "raw_meta_ads_archive"):
            columns = "* EXCLUDE (loaded_at)"
        gone = con.execute(
            f"SELECT count(*) FROM (SELECT {columns} FROM {prefix}_{table} EXCEPT ALL SELECT {columns} FROM {table})"
        ).fetchall()[0][0]
        new = con.execute(
            f"SELECT count(*) FROM (SELECT {columns} FROM {table} EXCEPT ALL SELECT {columns} FROM {prefix}_{table})"
        ).fetchall()[0][0]
        if gone or new:
            found[table] = (gone, new)
    return found


def test_committed_fixture_crawls_are_what_the_factory_writes(tmp_path):
    written = write_fixture_crawls(tmp_path)
    for folder in written:
        committed = FIXTURES_DIR / folder.name
        for name in ("manifest.json", "items.jsonl"):
            assert (committed / name).read_bytes() == (folder / name).read_bytes(), (
                f"{committed / name} is stale: run python -m tests.crawl_factory"
            )


def test_load_fills_raw_and_core_keeping_the_latest_fetch_of_each_ad(con):
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    result = load.load_crawl(con, sid, W1)
    assert (result.items_read, result.items_loaded, result.duplicates_dropped) == (7, 6, 1)
    assert result.source_status == "complete" and not result.already_loaded
    assert con.execute(
        "SELECT count(*), count(DISTINCT ad_key) FROM raw_meta_ads_archive WHERE snapshot_id = ?", [sid]
    ).fetchall() == [(6, 6)]
    # ad 1001 was written twice (a resumed crawl); the later fetch wins
    assert con.execute(
        "SELECT ad_creative_bodies, fetched_at::VARCHAR FROM raw_meta_ads_archive WHERE ad_key = '1001'"
    ).fetchall() == [(["ভোট দিন, পরিবর্তন আনুন। আমাদের প্রার্থী আপনার পাশে।"], "2026-01-05 06:00:00+00")]
    assert con.execute("SELECT count(*) FROM core_ad WHERE snapshot_id = ?", [sid]).fetchall() == [(6,)]
    row = con.execute(
        """SELECT status, items_loaded, crawl_id, finish_reason, scope->>'ad_type', counts->>'items'
           FROM snapshot_source WHERE snapshot_id = ?""", [sid]
    ).fetchall()
    assert row == [("complete", 6, "meta_bd_w1", "finished", "POLITICAL_AND_ISSUE_ADS", "7")]


def test_core_maps_meta_fields(con):
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    load.load_crawl(con, sid, W1)

    def ad(key: str, columns: str):
        return con.execute(f"SELECT {columns} FROM core_ad WHERE snapshot_id = ? AND ad_key = ?", [sid, key]).fetchall()[0]

    # a range: the estimate is the midpoint
    assert ad("1001", "spend_currency, spend_low, spend_high, spend_estimate, spend_open_ended, spend_basis") == (
        "BDT", 0, 99, 49.5, False, "disclosed")
    # an open top bucket: the estimate is the low bound, the high is unknown
    assert ad("1005", "spend_low, spend_high, spend_estimate, spend_open_ended, impressions_high, impressions_open_ended") == (
        100000, None, 100000, True, None, True)
    # no currency in the record: kept NULL, never guessed
    assert ad("1004", "spend_currency, delivery_stop::VARCHAR") == (None, "2026-01-02 00:00:00+00")
    # Meta dates and timestamps both parse, in UTC
    assert ad("1001", "created_at::VARCHAR, delivery_start::VARCHAR, delivery_stop") == (
        "2025-12-20 00:00:00+00", "2025-12-21 08:29:55+00", None)
    # payer and beneficiary: the current beneficiary_payers pair, else the "paid for by" line
    assert ad("1003", "advertiser_id, advertiser_name, payer_name, beneficiary_name") == (
        "502", "Janata Forum", "Janata Forum Trust", "Janata Forum")
    assert ad("1001", "payer_name, beneficiary_name") == ("Nagorik Oikya Dhaka", None)
    # targeting with exclusions kept apart
    included, excluded = ad("1005", "targeting_locations_included, targeting_locations_excluded")
    assert [loc["name"] for loc in json.loads(included)] == ["Bangladesh", "Germany"]
    assert [loc["name"] for loc in json.loads(excluded)] == ["Sylhet Division"]
    assert ad("1005", "reach_total, moderation_status, moderation_reason") == (5200, None, None)
    fields = json.loads(ad("1005", "platform_fields")[0])
    assert fields["api_version"] == "v19.0"
    assert fields["delivery_by_region"][0] == {"percentage": "0.72", "region": "Dhaka Division"}
    assert ad("1001", "content_bodies, content_titles, content_captions, languages, publisher_platforms") == (
        ["ভোট দিন, পরিবর্তন আনুন। আমাদের প্রার্থী আপনার পাশে।"], ["আমাদের ইশতেহার"], ["nagorikoikya.org"], ["bn"],
        ["facebook", "instagram"])
    assert ad("1001", "source, crawl_id, fetched_at::VARCHAR, body_sha256 IS NOT NULL") == (
        "meta_ads_archive", "meta_bd_w1", "2026-01-05 06:00:00+00", True)
    # the v5-era record: synthetic key, the legacy funding_entity as payer
    synthetic = con.execute(
        "SELECT ad_id, key_is_synthetic, payer_name, created_at::VARCHAR FROM core_ad WHERE ad_key LIKE 'synthetic:%'"
    ).fetchall()
    assert synthetic == [(None, True, "Gono Odhikar Mancha", "2019-11-03 08:29:55+00")]
    # per-country reach: male + female + unknown over the age ranges
    assert con.execute("SELECT ad_key, country, reach FROM core_ad_country_reach").fetchall() == [
        ("1005", "DE", 2100 + 1900 + 40 + 700 + 460)]
    payers = con.execute(
        "SELECT ad_key, payer_name, beneficiary_name, is_current, payer_origin FROM core_ad_payer ORDER BY ALL"
    ).fetchall()
    assert ("1003", "Janata Forum Trust", "Janata Forum", True, "beneficiary_payers") in payers
    assert ("1003", "Old Print House Ltd", "Janata Forum", False, "beneficiary_payers") in payers
    assert ("1001", "Nagorik Oikya Dhaka", None, True, "bylines") in payers
    assert any(origin == "funding_entity" for *_, origin in payers)
    assert len(payers) == 7  # two pairs for 1003, one line for each of the other five ads


def test_loading_the_same_crawl_twice_changes_nothing(con):
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    load.load_crawl(con, sid, W1)
    _copy_tables(con, "before")
    again = load.load_crawl(con, sid, W1)
    assert again.already_loaded and "nothing changed" in again.message
    assert _differences(con, "before") == {}

    snapshots.complete(con, sid)
    _copy_tables(con, "complete")
    # into the next snapshot: the crawl already belongs to a complete snapshot
    next_sid = snapshots.begin_or_resume(con, "2026-01-12", "tests")
    later = load.load_crawl(con, next_sid, W1)
    assert later.already_loaded and later.snapshot_id == sid
    assert f"already in complete snapshot {sid}" in later.message
    assert con.execute("SELECT count(*) FROM raw_meta_ads_archive WHERE snapshot_id = ?", [next_sid]).fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM snapshot_source WHERE snapshot_id = ?", [next_sid]).fetchall() == [(0,)]


def test_reloading_a_pair_replaces_it_entirely(con, tmp_path):
    """Another crawl of the same source replaces the pair; loading the first one again restores it exactly."""
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    load.load_crawl(con, sid, W1)
    _copy_tables(con, "first")
    other = load.load_crawl(con, sid, FIXTURES_DIR / "meta_bd_w2")
    assert other.items_loaded == 6 and not other.already_loaded
    assert con.execute("SELECT DISTINCT crawl_id FROM raw_meta_ads_archive").fetchall() == [("meta_bd_w2",)]
    assert con.execute("SELECT DISTINCT crawl_id FROM core_ad").fetchall() == [("meta_bd_w2",)]
    load.load_crawl(con, sid, W1)
    assert _differences(con, "first", ignore_load_time=True) == {}


def test_duplicate_ad_keys_keep_one_row_per_key(con, tmp_path):
    early, late = CLOCK_START, CLOCK_START + dt.timedelta(hours=3)
    items = [
        meta_ad_item("2001", fetched_at=early, spend=(0, 99), page_number=1),
        meta_ad_item("2002", fetched_at=early, spend=(0, 99), page_number=1),
        meta_ad_item("2001", fetched_at=late, spend=(100, 199), page_number=3),  # re-fetched after a resume
        meta_ad_item("2002", fetched_at=early, spend=(0, 99), page_number=1),  # written twice, identical
        meta_ad_item("2003", fetched_at=late, spend=(500, 599), page_number=3),
        meta_ad_item("2001", fetched_at=early, spend=(0, 99), page_number=2),
    ]
    crawl = write_crawl(tmp_path / "dups", items)
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    result = load.load_crawl(con, sid, crawl)
    assert (result.items_read, result.items_loaded, result.duplicates_dropped) == (6, 3, 3)
    assert con.execute(
        "SELECT ad_key, spend_lower, page_number FROM raw_meta_ads_archive ORDER BY ad_key"
    ).fetchall() == [("2001", 100, 3), ("2002", 0, 1), ("2003", 500, 3)]
    assert con.execute("SELECT count(*), count(DISTINCT ad_key) FROM core_ad").fetchall() == [(3, 3)]


def test_repeated_keys_without_ties_keep_the_same_rows_as_a_window_over_every_line(con, tmp_path, monkeypatch):
    """Keys repeated with different fetched_at, page number or body: the loader picks each key's latest line
    in its small line table and streams the rest; the rows equal those of the window over every line."""
    early, late = CLOCK_START, CLOCK_START + dt.timedelta(hours=3)
    items = [
        meta_ad_item("3001", fetched_at=early, spend=(0, 99), page_number=1),
        meta_ad_item("3001", fetched_at=late, spend=(100, 199), page_number=1),  # newer fetch wins
        meta_ad_item("3002", fetched_at=early, spend=(200, 299), page_number=2),  # same time, later page wins
        meta_ad_item("3002", fetched_at=early, spend=(300, 399), page_number=1),
        meta_ad_item("3003", fetched_at=early, spend=(400, 499), page_number=1, body_sha256="b" * 64),
        meta_ad_item("3003", fetched_at=early, spend=(500, 599), page_number=1, body_sha256="a" * 64),
        {**meta_ad_item("3004", spend=(600, 699), page_number=5), "fetched_at": None},  # no time: loses
        meta_ad_item("3004", fetched_at=early, spend=(700, 799), page_number=1),
        meta_ad_item("3005", fetched_at=early, spend=(800, 899), page_number=1),  # not repeated
    ]
    crawl = write_crawl(tmp_path / "repeated", items)
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    result = load.load_crawl(con, sid, crawl)
    assert (result.items_read, result.items_loaded, result.duplicates_dropped) == (9, 5, 4)
    query = "SELECT ad_key, spend_lower FROM raw_meta_ads_archive ORDER BY ad_key"
    streamed = con.execute(query).fetchall()
    assert streamed == [("3001", 100), ("3002", 200), ("3003", 400), ("3004", 700), ("3005", 800)]

    # the same crawl through the window over every line (the path taken when a key's latest lines tie)
    from warehouse import load_items
    monkeypatch.setattr(load_items, "_choose_latest_lines", lambda con, key: True)
    other = db.connect(tmp_path / "window.duckdb")
    load.load_crawl(other, snapshots.begin_or_resume(other, "2026-01-05", "tests"), crawl)
    assert other.execute(query).fetchall() == streamed
    other.close()


@pytest.mark.parametrize("where, value, refused", [
    ("ad_snapshot_url", "access_token=EAAB" + "x" * 40, True),
    ("record", "access_token=EAAB" + "x" * 40, True),  # only in the raw record
    ("target_locations", "client_secret=" + "s" * 32, True),  # in another JSON field
    ("record", "appsecret_proof=" + "p" * 64, True),
    ("record", "fb_exchange_token=" + "f" * 30, True),
    ("record", "access_token=R" + "x" * 30, True),  # starts like REDACTED, is not
    ("record", "access_token=REDACTED", False),
    ("record", "access_token=REDACTED-" + "x" * 30, False),  # marked redacted: the exact rule's choice
    ("record", "access_token=short", False),  # under 20 characters: no credential
])
def test_the_token_check_finds_a_token_in_any_url_or_json_field(con, tmp_path, where, value, refused):
    item = meta_ad_item("4001")
    url = f"https://graph.facebook.com/v19.0/ads_archive?after=QVFI&{value}"
    if where == "record":
        item["record"] = {**item["record"], "paging_url": url}
    elif where == "target_locations":
        item["target_locations"] = [{"name": "Dhaka", "type": "region", "excluded": False, "link": url}]
    else:
        item[where] = url
    crawl = write_crawl(tmp_path / "token", [meta_ad_item("4000"), item])
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    if refused:
        with pytest.raises(CrawlFolderError, match="1 items carry an access token"):
            load.load_crawl(con, sid, crawl)
        assert con.execute("SELECT count(*) FROM raw_meta_ads_archive").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM core_ad").fetchone()[0] == 0
    else:
        assert load.load_crawl(con, sid, crawl).items_loaded == 2


def test_an_ad_in_two_country_chains_is_one_raw_row_and_two_country_rows(con, tmp_path):
    """The spider asks one country per chain; an ad that reached BD and KE comes in both chains."""
    items = [
        meta_ad_item("2001", page_number=1, query_country="BD"),
        meta_ad_item("2002", page_number=1, query_country="BD"),
        meta_ad_item("2002", page_number=1, query_country="KE", fetched_at=CLOCK_START + dt.timedelta(seconds=2)),
        meta_ad_item("2002", page_number=1, query_country="KE", fetched_at=CLOCK_START + dt.timedelta(seconds=2)),
        meta_ad_item("2003", page_number=1, query_country="ALL"),  # an all-countries query tells no country
        meta_ad_item("2004", page_number=1, query_country=None),  # an item written before query_country
    ]
    scope = {"countries": ["BD", "KE"], "ad_type": "POLITICAL_AND_ISSUE_ADS", "ad_active_status": "ALL",
             "delivery_date_min": None, "delivery_date_max": None, "search_terms_sha256": [],
             "search_page_ids": [], "api_version": "v23.0"}
    crawl = write_crawl(tmp_path / "two_countries", items, scope=scope)
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    load.load_crawl(con, sid, W1)  # another crawl of the pair first: reloading replaces its country rows
    result = load.load_crawl(con, sid, crawl)
    assert (result.items_read, result.items_loaded) == (6, 4)
    assert con.execute("SELECT ad_key, query_country FROM raw_meta_ads_archive ORDER BY ad_key").fetchall() == [
        ("2001", "BD"), ("2002", "KE"), ("2003", "ALL"), ("2004", None)]  # raw: the latest line's
    assert con.execute(
        "SELECT snapshot_id, platform, ad_key, country, source FROM core_ad_country_query ORDER BY ad_key, country"
    ).fetchall() == [(sid, "meta", "2001", "BD", "meta_ads_archive"), (sid, "meta", "2002", "BD", "meta_ads_archive"),
                     (sid, "meta", "2002", "KE", "meta_ads_archive")]
    snapshots.complete(con, sid)
    # the explorer's country rule: the scope asked two countries, so only the queries' countries tell
    assert con.execute("SELECT ad_key, country FROM explorer_ad_country(?) ORDER BY ALL", [sid]).fetchall() == [
        ("2001", "BD"), ("2002", "BD"), ("2002", "KE")]


def test_an_empty_items_file_loads_zero_rows(con, tmp_path):
    crawl = write_crawl(tmp_path / "empty", [])
    assert (crawl / "items.jsonl").stat().st_size == 0
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    result = load.load_crawl(con, sid, crawl)
    assert (result.items_read, result.items_loaded, result.source_status) == (0, 0, "complete")
    assert con.execute("SELECT items_loaded, status FROM snapshot_source").fetchall() == [(0, "complete")]
    snapshots.complete(con, sid)
    assert con.execute("SELECT count(*) FROM mart_ad").fetchall() == [(0,)]


def _manifest(crawl: Path) -> dict:
    return json.loads((crawl / "manifest.json").read_text(encoding="utf-8"))


def _rewrite_manifest(crawl: Path, **changes) -> None:
    manifest = _manifest(crawl)
    manifest.update(changes)
    (crawl / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("no_manifest", "manifest.json is missing"),
        ("invalid_json", "is not valid JSON"),
        ("unknown_format", "has format 'adtrail-crawl/9'"),
        ("changed_items", "crawl folder changed since it was written"),
        ("missing_items", "crawl folder changed since it was written"),
        ("unknown_kind", "holds item kind 'vk_ad'"),
        ("wrong_source", "items name another source than the manifest's 'meta_ads_archive'"),
        ("token_in_item", "carry an access token"),
        ("token_in_cursor", "'cursor' carries an access token"),
        ("malformed_line", "are not valid JSON lines"),
        ("no_key", "items have no ad_key"),
        ("still_running", "has not finished"),
    ],
)
def test_bad_crawl_folders_are_refused_and_nothing_is_lost(con, tmp_path, breakage, message):
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    load.load_crawl(con, sid, W1)  # already loaded data must survive the refused load
    _copy_tables(con, "kept")

    crawl = tmp_path / "crawl"
    items = fixture_items(2)
    if breakage == "wrong_source":
        items[1]["source"] = "meta_ad_report"
    if breakage == "token_in_item":
        items[2]["ad_snapshot_url"] = "https://www.facebook.com/ads/archive/render_ad/?id=1004&access_token=EAAB" + "x" * 40
    if breakage == "no_key":
        items[0]["ad_key"] = None
    write_crawl(crawl, items, crawl_id="meta_bd_w2", status="running" if breakage == "still_running" else "complete")
    items_file = crawl / "items.jsonl"
    if breakage == "no_manifest":
        (crawl / "manifest.json").unlink()
    elif breakage == "invalid_json":
        (crawl / "manifest.json").write_text('{"format": "adtrail-crawl/1", "crawl_id": ', encoding="utf-8")
    elif breakage == "unknown_format":
        _rewrite_manifest(crawl, format="adtrail-crawl/9")
    elif breakage == "changed_items":
        items_file.write_bytes(items_file.read_bytes().replace(b'"spend_lower": 100', b'"spend_lower": 900'))
    elif breakage == "missing_items":
        items_file.unlink()
    elif breakage == "unknown_kind":
        manifest = _manifest(crawl)
        manifest["files"][0]["item_kind"] = "vk_ad"
        _rewrite_manifest(crawl, files=manifest["files"])
    elif breakage == "token_in_cursor":
        _rewrite_manifest(crawl, cursor="https://graph.facebook.com/v19.0/ads_archive?after=QVFI&access_token=EAAB"
                          + "y" * 60)
    elif breakage == "malformed_line":
        truncated = items_file.read_bytes()[:-40] + b"\n"
        items_file.write_bytes(truncated)
        manifest = _manifest(crawl)
        manifest["files"][0].update(sha256=hashlib.sha256(truncated).hexdigest(), size=len(truncated))
        _rewrite_manifest(crawl, files=manifest["files"])

    with pytest.raises(CrawlFolderError, match=message):
        load.load_crawl(con, sid, crawl)
    assert _differences(con, "kept") == {}


def test_an_unfinished_crawl_can_be_kept_as_a_failed_source(con, tmp_path):
    crawl = write_crawl(tmp_path / "unfinished", fixture_items(2)[:3], status="running")
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    result = load.load_crawl(con, sid, crawl, accept_unfinished=True)
    assert (result.source_status, result.items_loaded) == ("failed", 3)
    assert con.execute("SELECT status, finish_reason FROM snapshot_source").fetchall() == [("failed", "unfinished")]


def test_only_a_running_snapshot_takes_loads(con):
    with pytest.raises(SnapshotError, match="does not exist"):
        load.load_crawl(con, 42, W1)
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    load.load_crawl(con, sid, W1)
    snapshots.complete(con, sid)
    with pytest.raises(SnapshotError, match="is complete; a finished snapshot never changes"):
        load.load_crawl(con, sid, FIXTURES_DIR / "meta_bd_w2")


def test_fixture_folder_is_read_not_written(con, tmp_path):
    """Loading never writes into the crawl folder (it may be an archive or read-only)."""
    copy = tmp_path / "w1"
    shutil.copytree(W1, copy)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    load.load_crawl(con, sid, copy)
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before

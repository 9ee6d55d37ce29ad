"""The contract end to end: crawl folders written by the real meta_ads_archive spider (against the replay
server, tests/replay_server.py) load into the warehouse; the token never reaches it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.replay_server import ReplayServer, run_spider
from warehouse import db, load, snapshots

TOKEN = "EAAwarehouse0contract0token0never0stored"
pytestmark = pytest.mark.slow


def _crawl(tmp_path: Path, scenario: str) -> Path:
    out = tmp_path / scenario
    with ReplayServer(scenario) as server:
        completed = run_spider(server, out, token=TOKEN)
    assert (out / "manifest.json").is_file(), completed.stderr
    return out


def _token_cells(con) -> int:
    """Cells of any text or JSON column, in any table, that contain the token."""
    found = 0
    columns = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE data_type IN ('VARCHAR', 'JSON', 'VARCHAR[]') AND table_schema = 'main'"
    ).fetchall()
    for table, column in columns:
        found += con.execute(
            f'SELECT count(*) FROM "{table}" WHERE contains(CAST("{column}" AS VARCHAR), ?)', [TOKEN]
        ).fetchall()[0][0]
    return found


def test_a_spider_crawl_loads_and_a_stopped_one_is_a_failed_source(tmp_path):
    complete_crawl = _crawl(tmp_path, "faults")
    stopped_crawl = _crawl(tmp_path, "stop_token_expired")
    stopped = json.loads((stopped_crawl / "manifest.json").read_text(encoding="utf-8"))
    assert stopped["status"] == "failed"
    written = [json.loads(line) for line in (complete_crawl / "items.jsonl").read_text(encoding="utf-8").splitlines()]

    con = db.connect(tmp_path / "adtrail.duckdb")
    first = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    result = load.load_crawl(con, first, complete_crawl)
    assert result.source_status == "complete"
    assert result.items_loaded == len({item["ad_key"] for item in written}) == 14
    snapshots.complete(con, first)

    second = snapshots.begin_or_resume(con, "2026-01-12", "tests")
    result = load.load_crawl(con, second, stopped_crawl)
    assert result.source_status == "failed"
    snapshots.complete(con, second)
    assert con.execute(
        "SELECT source_status, finish_reason, error IS NOT NULL FROM mart_snapshot_summary WHERE snapshot_id = ?",
        [second],
    ).fetchall() == [("failed", stopped["finish_reason"], True)]
    assert con.execute("SELECT count(*) FROM mart_ad_changes").fetchall() == [(0,)]
    assert _token_cells(con) == 0
    con.close()

"""THE KILL TEST: a load SIGKILLed midway leaves an invisible snapshot that a rerun completes, no duplicates.

A child process loads a generated crawl of 200,000 ads (plus 5,000 lines re-fetching ads already written,
as a resumed crawl appends them) and is killed with SIGKILL once its snapshot exists: right away (while
it checks the items file), or once the warehouse file starts growing (while it inserts). Afterwards the
warehouse opens, the lock is free, the interrupted snapshot shows in no mart, raw holds all of the crawl
or none of it, and running the same load again completes the same snapshot with one row per ad.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.crawl_factory import generated_meta_ads, write_crawl
from warehouse import db, snapshots
from warehouse.lock import WarehouseLock

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ADS = 200_000
REFETCHED = 5_000

RUN = """
import os
import sys
from pathlib import Path
from warehouse import db, load, snapshots
from warehouse.lock import WarehouseLock
db_path, crawl, marker = sys.argv[1:4]
with WarehouseLock(db_path):
    con = db.connect(db_path)
    snapshot_id = snapshots.begin_or_resume(con, "2026-01-05", "kill-test")
    Path(marker + ".tmp").write_text(str(snapshot_id))
    os.replace(marker + ".tmp", marker)  # whole or absent: the test kills as soon as it appears
    result = load.load_crawl(con, snapshot_id, crawl)
    snapshots.complete(con, snapshot_id)
    con.close()
print(result.message)
"""


@pytest.fixture(scope="module")
def big_crawl(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("kill") / "meta_big"
    return write_crawl(folder, generated_meta_ads(ADS, repeats=REFETCHED, crawl_id="meta_big"), crawl_id="meta_big")


def _start(db_path: Path, crawl: Path, marker: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RUN, str(db_path), str(crawl), str(marker)], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(condition, child: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 300
    while not condition():
        if child.poll() is not None:
            pytest.fail(f"the loader ended (rc {child.returncode}) before {what}: {child.stderr.read()}")
        if time.monotonic() > deadline:
            child.kill()
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.005)


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["snapshot_begun", "inserting"])
def test_a_load_killed_midway_is_invisible_and_a_rerun_completes_it(tmp_path, big_crawl, moment):
    db_path = tmp_path / "adtrail.duckdb"
    db.connect(db_path).close()  # an existing, migrated warehouse, as after earlier weeks
    marker = tmp_path / "snapshot_begun"

    child = _start(db_path, big_crawl, marker)
    _wait_for(marker.exists, child, "the snapshot was begun")
    if moment == "inserting":
        size_before_load = db_path.stat().st_size
        _wait_for(lambda: db_path.stat().st_size > size_before_load, child, "the warehouse file grew")
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=60) == -signal.SIGKILL
    killed_snapshot = int(marker.read_text())

    with WarehouseLock(db_path):  # the killed run left no stale lock
        con = db.connect(db_path)
        assert snapshots.snapshot_status(con, killed_snapshot) == "running"
        for mart in ("mart_snapshot", "mart_ad", "mart_advertiser_spend", "mart_snapshot_summary", "mart_ad_changes"):
            assert con.execute(f"SELECT count(*) FROM {mart}").fetchall() == [(0,)], mart
        # the load is one transaction: all of the crawl or none of it, never part
        raw_rows = con.execute("SELECT count(*) FROM raw_meta_ads_archive").fetchall()[0][0]
        core_rows = con.execute("SELECT count(*) FROM core_ad").fetchall()[0][0]
        assert (raw_rows, core_rows) in {(0, 0), (ADS, ADS)}
        con.close()

    marker.unlink()
    rerun = _start(db_path, big_crawl, marker)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert int(marker.read_text()) == killed_snapshot  # the rerun continued the interrupted snapshot

    con = db.connect(db_path)
    assert snapshots.snapshot_status(con, killed_snapshot) == "complete"
    assert con.execute("SELECT count(*) FROM snapshot").fetchall() == [(1,)]
    assert con.execute(
        "SELECT count(*), count(DISTINCT ad_key) FROM raw_meta_ads_archive WHERE snapshot_id = ?", [killed_snapshot]
    ).fetchall() == [(ADS, ADS)]
    assert con.execute("SELECT count(*), count(DISTINCT ad_key) FROM mart_ad").fetchall() == [(ADS, ADS)]
    # the re-fetched lines won: the first REFETCHED ads carry the later fetch's spend
    assert con.execute(
        "SELECT count(*) FROM mart_ad WHERE spend_low = 5000 AND CAST(ad_id AS BIGINT) < ?", [9_000_000_001 + REFETCHED]
    ).fetchall() == [(REFETCHED,)]
    assert con.execute("SELECT source_status, items_loaded FROM mart_snapshot_summary").fetchall() == [("complete", ADS)]
    con.close()

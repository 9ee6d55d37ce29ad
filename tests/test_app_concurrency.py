"""The app's reads while the warehouse loads and publishes, in separate processes (DESIGN.md "Readers").

One process loads and publishes snapshot after snapshot (each through the warehouse's own functions);
another runs the explorer's queries in a loop through the app's own reader (``common.published_reader``:
the cached connection keyed by the copy ``current`` names). Snapshot k holds 100 × k ads, so every round
of reads can check that it saw one whole snapshot. The writer publishes the next snapshot only once the
reader has read the current one, so loads and publishes happen between and during reads, and old copies
are pruned while the reader may still hold them open. Nothing may fail.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.crawl_factory import generated_meta_ads, write_crawl

pytestmark = pytest.mark.slow  # child processes

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = 6
ADS_PER_SNAPSHOT = 100
FIRST_AS_OF = dt.date(2026, 1, 12)
NO_FILTER = dict(platforms=None, countries=None, advertiser=None, delivery_from=None, delivery_to=None, late_days=7)
# Guards against a hang only (a dead reader); no assertion depends on how long anything takes.
STALL_SECONDS = 120


def publish_snapshot(db_path: Path, number: int, crawl_root: Path) -> str:
    from warehouse import db, load, publish, snapshots
    from warehouse.lock import WarehouseLock

    as_of = FIRST_AS_OF + dt.timedelta(weeks=number - 1)
    started = dt.datetime.combine(as_of, dt.time(6), tzinfo=dt.UTC)
    crawl = write_crawl(crawl_root / f"loop_{number}",
                        generated_meta_ads(ADS_PER_SNAPSHOT * number, crawl_id=f"loop_{number}", start=started),
                        crawl_id=f"loop_{number}", started_at=started)
    with WarehouseLock(db_path):
        con = db.connect(db_path)
        snapshot_id = snapshots.begin_or_resume(con, as_of, "tests")
        assert snapshot_id == number
        load.load_crawl(con, snapshot_id, crawl)
        snapshots.complete(con, snapshot_id)
        return publish.publish(con, snapshot_id).name


def wait_for_read(progress: Path, copy_name: str, reader: subprocess.Popen) -> None:
    deadline = time.monotonic() + STALL_SECONDS
    while copy_name not in (progress.read_text(encoding="utf-8") if progress.exists() else ""):
        if reader.poll() is not None:
            raise RuntimeError(f"the reader stopped (exit code {reader.returncode}) before reading {copy_name}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the reader never read {copy_name}")
        time.sleep(0.05)


def write_snapshots(db_path: str, crawl_root: str, progress: str, first_copy: str) -> None:
    """The writer process: snapshots 2..SNAPSHOTS, each published after the reader read the one before."""
    progress_path = Path(progress)
    copy_name = first_copy
    for number in range(2, SNAPSHOTS + 1):
        deadline = time.monotonic() + STALL_SECONDS
        while copy_name not in (progress_path.read_text(encoding="utf-8") if progress_path.exists() else ""):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the reader never read {copy_name}")
            time.sleep(0.05)
        copy_name = publish_snapshot(Path(db_path), number, Path(crawl_root))


def read_in_a_loop(db_path: str, progress: str, stop: str) -> None:
    """The reader process: the explorer's queries, round after round, until ``stop`` exists."""
    os.environ["ADTRAIL_DB"] = db_path
    from app_pages import common

    rounds = 0
    while not Path(stop).exists() or rounds == 0:
        reader = common.published_reader()
        snapshot_id = reader.query("snapshots").to_dicts()[0]["snapshot_id"]
        params = dict(snapshot_id=snapshot_id, **NO_FILTER)
        totals = reader.query("explorer_totals", **params).to_dicts()
        ads = next(row for row in totals if row["all_currencies"])["ads"]
        if ads != ADS_PER_SNAPSHOT * snapshot_id:
            raise AssertionError(f"{reader.copy_path.name}: snapshot {snapshot_id} shows {ads} ads")
        reader.query("explorer_advertisers", **params, rank_currency="USD", row_limit=20)
        reader.query("explorer_weeks", **params)
        reader.query("explorer_regions", **params, rank_currency="BDT", row_limit=20)
        reader.query("explorer_filter_options", snapshot_id=snapshot_id)
        with open(progress, "a", encoding="utf-8") as out:
            out.write(f"{reader.copy_path.name} {snapshot_id} {ads}\n")
        rounds += 1


def child(function: str, *args: str, log: Path) -> subprocess.Popen:
    """``function`` of this module in a Python process of its own, from the project root; output to ``log``."""
    code = f"import sys; from tests.test_app_concurrency import {function}; {function}(*sys.argv[1:])"
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def tail(log: Path) -> str:
    lines = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
             if "missing ScriptRunContext" not in line]  # Streamlit's note about running outside an app
    return "\n".join(lines[-40:])


def test_reads_never_fail_while_snapshots_load_and_publish(tmp_path):
    db_path = tmp_path / "data" / "adtrail.duckdb"
    first_copy = publish_snapshot(db_path, 1, tmp_path / "crawls")
    progress, stop = tmp_path / "progress.txt", tmp_path / "stop"
    reader_log, writer_log = tmp_path / "reader.log", tmp_path / "writer.log"
    reader = child("read_in_a_loop", str(db_path), str(progress), str(stop), log=reader_log)
    writer = child("write_snapshots", str(db_path), str(tmp_path / "crawls"), str(progress), first_copy,
                   log=writer_log)
    try:
        assert writer.wait(STALL_SECONDS * SNAPSHOTS) == 0, f"the writer failed:\n{tail(writer_log)}"
        last_copy = (db_path.parent / "published" / "current").read_text(encoding="utf-8").strip()
        wait_for_read(progress, last_copy, reader)
    finally:
        stop.touch()
        for process in (reader, writer):
            try:
                process.wait(STALL_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    assert reader.returncode == 0, f"the reader failed:\n{tail(reader_log)}"
    rounds = [line.split() for line in progress.read_text(encoding="utf-8").splitlines()]
    assert {int(snapshot) for _, snapshot, _ in rounds} == set(range(1, SNAPSHOTS + 1))
    assert len({copy for copy, _, _ in rounds}) == SNAPSHOTS
    # older copies were pruned while the reader was at work; the published folder keeps three
    assert len(list((db_path.parent / "published").glob("adtrail-s*.duckdb"))) == 3

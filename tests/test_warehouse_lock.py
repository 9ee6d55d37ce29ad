"""One writer at a time, across processes; a SIGKILLed holder leaves no stale lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse import db
from warehouse.lock import WarehouseBusyError, WarehouseLock, lock_path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

HOLDER = """
import sys
from warehouse import db
from warehouse.lock import WarehouseLock
lock = WarehouseLock(sys.argv[1])
lock.acquire()
con = db.connect(sys.argv[1])
con.execute("INSERT INTO snapshot (as_of, code_version) VALUES ('2026-01-05', 'holder')")
print("holding", flush=True)
sys.stdin.readline()  # hold until killed
"""


@pytest.fixture
def holder(tmp_path):
    db_path = tmp_path / "adtrail.duckdb"
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_path)], cwd=PROJECT_ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.strip() == "holding", child.stderr.read()
        yield child, db_path
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=60)


def test_lock_file_sits_beside_the_warehouse(tmp_path):
    assert lock_path(tmp_path / "data" / "adtrail.duckdb") == tmp_path / "data" / "adtrail.duckdb.lock"


@pytest.mark.slow
def test_a_second_writer_is_refused_naming_the_holder_until_the_holder_is_killed(holder):
    child, db_path = holder
    with pytest.raises(WarehouseBusyError, match=rf"another adtrail load/snapshot is running \(pid {child.pid}\)"):
        WarehouseLock(db_path).acquire()
    # even without taking the lock first, opening the file for writing is refused with the same words
    with pytest.raises(WarehouseBusyError, match=rf"another adtrail load/snapshot is running \(pid {child.pid}\)"):
        db.connect(db_path)

    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=60) == -signal.SIGKILL
    # the kernel dropped the lock with the process: nothing to clean up by hand
    with WarehouseLock(db_path) as lock:
        assert lock.held
        assert lock.path.read_text(encoding="ascii").strip() == str(os.getpid())
        con = db.connect(db_path)
        # the killed writer's committed row is there (DuckDB replays its write-ahead log)
        assert con.execute("SELECT code_version FROM snapshot").fetchall() == [("holder",)]
        con.close()
    assert not lock.held


def test_the_lock_is_exclusive_within_one_process_too(tmp_path):
    db_path = tmp_path / "adtrail.duckdb"
    with WarehouseLock(db_path):
        with pytest.raises(WarehouseBusyError, match=rf"\(pid {os.getpid()}\)"):
            WarehouseLock(db_path).acquire()
    with WarehouseLock(db_path) as again:  # released on exit
        assert again.held

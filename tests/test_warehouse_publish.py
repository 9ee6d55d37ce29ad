"""Publishing read-only copies: readers follow `current` while the writer goes on; old copies pruned."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.crawl_factory import FIXTURE_WEEKS, FIXTURES_DIR
from warehouse import db, load, publish, snapshots
from warehouse.lock import WarehouseLock
from warehouse.publish import NothingPublishedError
from warehouse.snapshots import SnapshotError

PROJECT_ROOT = Path(__file__).resolve().parents[1]

READER = """
import json, sys
from warehouse.publish import open_published
con = open_published(sys.argv[1])
rows = con.execute("SELECT snapshot_id, count(*) FROM mart_ad GROUP BY ALL ORDER BY ALL").fetchall()
try:
    con.execute("CREATE TABLE scribble (x INTEGER)")
    writable = True
except Exception:
    writable = False
print(json.dumps({"ads": rows, "writable": writable}))
"""


def _snapshot(con, week: int) -> int:
    folder, as_of = FIXTURE_WEEKS[week - 1]
    sid = snapshots.begin_or_resume(con, as_of, "tests")
    load.load_crawl(con, sid, FIXTURES_DIR / folder)
    snapshots.complete(con, sid)
    return sid


def _read_in_another_process(db_path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", READER, str(db_path)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_nothing_published_says_what_to_run(tmp_path):
    with pytest.raises(NothingPublishedError, match="run adtrail snapshot or adtrail demo first"):
        publish.open_published(tmp_path / "adtrail.duckdb")


def test_readers_use_the_published_copy_while_the_writer_continues(tmp_path):
    db_path = tmp_path / "data" / "adtrail.duckdb"
    with WarehouseLock(db_path):
        con = db.connect(db_path)
        first = _snapshot(con, 1)
        copy = publish.publish(con, first)  # closes con
        assert copy.parent == db_path.parent / "published"
        assert copy.name.startswith(f"adtrail-s{first}-") and copy.suffix == ".duckdb"
        assert (copy.parent / "current").read_text(encoding="utf-8").strip() == copy.name
        assert publish.current_published(db_path) == copy

        # the writer goes on with the next snapshot and keeps the main file open...
        con = db.connect(db_path)
        second = snapshots.begin_or_resume(con, "2026-01-12", "tests")
        load.load_crawl(con, second, FIXTURES_DIR / "meta_bd_w2")
        # ...while readers, in this process and another, read the published copy, read-only
        reader = publish.open_published(db_path)
        assert reader.execute("SELECT DISTINCT snapshot_id FROM mart_ad").fetchall() == [(first,)]
        with pytest.raises(duckdb.Error):
            reader.execute("DELETE FROM core_ad")
        assert _read_in_another_process(db_path) == {"ads": [[first, 6]], "writable": False}

        snapshots.complete(con, second)
        second_copy = publish.publish(con, second)
        # a reader that opened the earlier copy keeps reading it; new readers get the new one
        assert reader.execute("SELECT DISTINCT snapshot_id FROM mart_ad").fetchall() == [(first,)]
        reader.close()
        assert publish.current_published(db_path) == second_copy
        assert _read_in_another_process(db_path)["ads"] == [[first, 6], [second, 6]]


def test_only_a_complete_snapshot_is_published(tmp_path):
    con = db.connect(tmp_path / "adtrail.duckdb")
    sid = snapshots.begin_or_resume(con, "2026-01-05", "tests")
    load.load_crawl(con, sid, FIXTURES_DIR / "meta_bd_w1")
    with pytest.raises(SnapshotError, match="only a complete snapshot is published"):
        publish.publish(con, sid)
    assert not (tmp_path / "published").exists()
    con.close()


def test_the_last_three_copies_are_kept_never_the_current_one(tmp_path):
    db_path = tmp_path / "adtrail.duckdb"
    published = []
    for week in (1, 2, 3, 4):
        con = db.connect(db_path)
        published.append(publish.publish(con, _snapshot(con, week)))
    directory = tmp_path / "published"
    assert publish.published_copies(directory) == published[1:]
    assert not published[0].exists()
    assert sorted(p.name for p in directory.iterdir()) == sorted([*(p.name for p in published[1:]), "current"])

    # the copy current names is never deleted, even when it is not among the newest (a clock set back)
    (directory / "current").write_text(published[1].name + "\n", encoding="utf-8")
    assert publish.prune(directory, keep=1) == [published[2]]
    assert publish.published_copies(directory) == [published[1], published[3]]
    assert publish.open_published(db_path).execute("SELECT max(snapshot_id) FROM mart_snapshot").fetchall() == [(2,)]


def test_a_pointer_to_a_missing_copy_is_reported(tmp_path):
    directory = tmp_path / "published"
    directory.mkdir()
    (directory / "current").write_text("adtrail-s9-20260105T060000000000Z.duckdb\n", encoding="utf-8")
    with pytest.raises(NothingPublishedError, match="is missing: publish again"):
        publish.open_published(tmp_path / "adtrail.duckdb")

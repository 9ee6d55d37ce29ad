"""Where ``adtrail load`` spends its time: the loader's own steps, timed as they run.

Runs what ``adtrail load`` runs (connect and migrate, the FX rule, begin the snapshot, ``load_crawl``,
complete, publish) in this process, passing ``load_crawl`` a clock (wall and CPU) that it puts around each of
its steps (the line scan and checks, the sha256 wait, the facts of every line, the raw insert, each core
statement, snapshot_source, commit): the steps are the loader's, so they cannot drift from it. Prints one JSON
object on stdout.

``python -m bench.profile_load CRAWL_DIR NEW_DB``
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from analysis.fx import install_fx_rule
from warehouse import db, load, publish, snapshots
from warehouse.lock import WarehouseLock


class StepClock:
    """Wall and CPU seconds of named steps. CPU time is the whole process's (DuckDB's threads too): on a
    machine shared with other work it moves less than the wall clock."""

    def __init__(self):
        self.steps: list[tuple[str, float, float]] = []  # (name, wall s, CPU s)
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    @contextmanager
    def __call__(self, name: str):
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.steps.append((name, time.perf_counter() - wall, time.process_time() - cpu))

    def report(self) -> str:
        return json.dumps({"steps": self.steps, "total": time.perf_counter() - self._wall,
                           "total_cpu": time.process_time() - self._cpu})


def profile(crawl_dir: Path, db_path: Path, step: StepClock) -> None:
    with WarehouseLock(db_path):
        with step("connect + migrate"):
            con = db.connect(db_path)
        with step("install FX rule"):
            install_fx_rule(con)
        with step("begin snapshot"):
            snapshot_id = snapshots.begin_or_resume(con, "2026-01-05", "bench")
        load.load_crawl(con, snapshot_id, crawl_dir, step=step)
        with step("complete snapshot"):
            snapshots.complete(con, snapshot_id)
        with step("publish (checkpoint, copy, fsync)"):
            publish.publish(con, snapshot_id)


def main(argv: list[str]) -> int:
    clock = StepClock()
    profile(Path(argv[0]), Path(argv[1]), clock)
    print(clock.report())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Where ``adtrail load`` spends its time: the steps of ``cli.load_and_publish`` and
``warehouse.load.load_crawl``, run one by one in this process with a clock (wall and CPU) around each.

The steps are the loader's own functions in the loader's order (connect and migrate, the FX rule, begin
the snapshot, the manifest, the items files' sha256, the check scan, the raw insert, the pass over every
line, each core statement, snapshot_source, commit, complete, publish). If ``load_crawl`` changes its
steps, change them here too: the sum is printed beside the parts so a drift shows. Prints one JSON object
on stdout.

``python -m bench.profile_load CRAWL_DIR NEW_DB``
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from analysis.fx import install_fx_rule
from spiders.items import RAW_TABLE
from warehouse import db, load, publish, snapshots
from warehouse.core import CORE_BUILDERS, delete_core
from warehouse.crawl_folder import read_manifest, verify_item_files
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
        with step("read manifest"):
            manifest = read_manifest(crawl_dir)
        with step("sha256 of items files"):
            verify_item_files(manifest)
        for kind in manifest.item_kinds:
            with step(f"check scan ({kind}: read_json, secrets, keys)"):
                load._check_items(con, manifest, kind)
        con.begin()
        with step("delete previous rows"):
            for table in sorted(set(RAW_TABLE.values())):
                con.execute(f"DELETE FROM {table} WHERE snapshot_id = ? AND source = ?",
                            [snapshot_id, manifest.source])
            delete_core(con, snapshot_id, manifest.source)
        for kind in manifest.item_kinds:
            # _insert_raw also runs the statements over every line (ITEM_LINE_BUILDERS): timed apart
            item_line_builders, load.ITEM_LINE_BUILDERS = load.ITEM_LINE_BUILDERS, {}
            with step(f"raw insert ({kind}: read_json, one row per key)"):
                load._insert_raw(con, manifest, kind, snapshot_id)
            load.ITEM_LINE_BUILDERS = item_line_builders
            for number, statement in enumerate(item_line_builders.get(kind, ()), 1):
                table = statement.split("INSERT INTO", 1)[1].split()[0]
                with step(f"every line again ({table})"):
                    con.execute(statement.format(items=load._READ_ITEMS),
                                {**load._read_json_params(manifest, kind), "snapshot_id": snapshot_id})
            for number, statement in enumerate(CORE_BUILDERS[kind], 1):
                table = statement.split("INSERT INTO", 1)[1].split()[0]
                with step(f"core statement {number} ({table})"):
                    con.execute(statement, {"snapshot_id": snapshot_id, "source": manifest.source})
        with step("snapshot_source"):
            load._record_source(con, manifest, snapshot_id, "complete", 0)
        with step("commit"):
            con.commit()
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

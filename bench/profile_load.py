"""Where ``adtrail load`` spends its time: the steps of ``cli.load_and_publish`` and
``warehouse.load.load_crawl``, run one by one in this process with a clock around each.

The steps are the loader's own functions in the loader's order (connect and migrate, the FX rule, begin
the snapshot, the manifest, the items files' sha256, the check scan, the raw insert, each core statement,
snapshot_source, commit, complete, publish). If ``load_crawl`` changes its steps, change them here too: the
sum is printed beside the parts so a drift shows. Prints one JSON object on stdout.

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
from warehouse.core import CORE_BUILDERS, delete_core
from warehouse.crawl_folder import read_manifest, verify_item_files
from warehouse.lock import WarehouseLock


def profile(crawl_dir: Path, db_path: Path) -> list[tuple[str, float]]:
    steps: list[tuple[str, float]] = []

    @contextmanager
    def step(name: str):
        started = time.perf_counter()
        yield
        steps.append((name, time.perf_counter() - started))

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
            con.execute("DELETE FROM raw_meta_ads_archive WHERE snapshot_id = ? AND source = ?",
                        [snapshot_id, manifest.source])
            delete_core(con, snapshot_id, manifest.source)
        for kind in manifest.item_kinds:
            with step(f"raw insert ({kind}: read_json, one row per key)"):
                load._insert_raw(con, manifest, kind, snapshot_id)
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
    return steps


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    steps = profile(Path(argv[0]), Path(argv[1]))
    print(json.dumps({"steps": steps, "total": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

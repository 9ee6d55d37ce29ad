"""Crawl, load and snapshot: each crawl in a child process, then the warehouse loads, completes and publishes."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from commands.common import CODE_VERSION, EXIT_FAILED, EXIT_OK, UserError, as_of_date, progress
from config import crawl_order, load_config


def crawl_source(config, source: str, crawl_dir: Path, *, env=None):
    from spiders.launch import run_crawl

    progress(f"crawling {source} into {crawl_dir}")
    outcome = run_crawl(source, crawl_dir, scope=config.scope(source),
                        settings=config.spider_settings(source), env=env)
    if outcome.complete:
        counts = (outcome.manifest or {}).get("counts", {})
        progress(f"{source}: complete, {counts.get('pages', 0)} pages, {counts.get('items', 0)} items")
    else:
        progress(f"{source}: stopped: {outcome.error}")
    return outcome


def command_crawl(args) -> int:
    config = load_config(args.config)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    root = Path(args.out) if args.out else config.crawl_root / f"manual-{stamp}"
    failed = 0
    for source in crawl_order(args.sources):
        config.source(source)  # unknown names fail before anything runs
        failed += not crawl_source(config, source, root / source).complete
    print(root)
    return EXIT_FAILED if failed else EXIT_OK


def load_and_publish(db_path: Path, crawl_dirs: list[Path], as_of: dt.date) -> int:
    """Load crawl folders into one new (or interrupted) snapshot, complete it and publish it."""
    from warehouse import db
    from warehouse.lock import WarehouseLock

    with WarehouseLock(db_path):
        con = db.connect(db_path)
        snapshot_id = _begin(con, as_of)
        _load_complete_publish(con, snapshot_id, crawl_dirs)
    return snapshot_id


def _begin(con, as_of: dt.date) -> int:
    from warehouse import snapshots

    try:
        return snapshots.begin_or_resume(con, as_of, CODE_VERSION)
    except BaseException:
        con.close()
        raise


def _load_complete_publish(con, snapshot_id: int, crawl_dirs: list[Path], imports=()) -> None:
    """Load each crawl folder, run each import (``import(con, snapshot_id)`` returning a load result, e.g.
    Meta report files), then ``complete_and_publish``. Closes ``con``."""
    from analysis.fx import install_fx_rule
    from warehouse import load, snapshots

    try:
        install_fx_rule(con)
        results = [load.load_crawl(con, snapshot_id, crawl_dir, accept_unfinished=True) for crawl_dir in crawl_dirs]
        results += [run_import(con, snapshot_id) for run_import in imports]
        for result in results:
            progress(result.message)
        if all(result.already_loaded for result in results) and snapshots.discard_if_empty(con, snapshot_id):
            progress("nothing new to load: the warehouse is unchanged")
            con.close()
            return
    except BaseException:
        con.close()
        raise
    complete_and_publish(con, snapshot_id)


def complete_and_publish(con, snapshot_id: int) -> None:
    """Resolve the snapshot's advertisers across platforms (entities: a rerun after a failure here resolves
    again), complete the snapshot and publish it. Every path that completes a snapshot (snapshot, load, the
    imports) comes here. Closes ``con``."""
    from analysis.entities import resolve
    from warehouse import publish, snapshots

    try:
        progress(resolve(con, snapshot_id).message)
        snapshots.complete(con, snapshot_id)
    except BaseException:
        con.close()
        raise
    published = publish.publish(con, snapshot_id)  # closes con
    progress(f"snapshot {snapshot_id} complete; published {published.name}")


def command_load(args) -> int:
    config = load_config(args.config)
    db_path = Path(args.db) if args.db else config.db_path
    load_and_publish(db_path, [Path(p) for p in args.crawl_dirs], as_of_date(args.as_of))
    return EXIT_OK


def run_snapshot(config, db_path: Path, as_of: dt.date, *, sources=None, env=None, imports=()) -> int:
    """Crawl every enabled source into the running snapshot's folders, load, complete, publish.

    A rerun after an interruption resumes the running snapshot: complete crawls are not fetched
    again (unless their manifest names a ``retry_due``: what failed is fetched again, the rest kept),
    interrupted ones continue from their saved cursor. A source that stopped with an error
    (an expired token, retries exhausted) is loaded as failed and the snapshot completes without it;
    a crawl that crashed leaves the snapshot running for the rerun to continue. ``imports`` load files
    into the same snapshot after the crawls (``import(con, snapshot_id)``, see _load_complete_publish).
    """
    from warehouse import db
    from warehouse.lock import WarehouseLock

    with WarehouseLock(db_path):
        con = db.connect(db_path)
        snapshot_id = _begin(con, as_of)
        con.close()
        progress(f"snapshot {snapshot_id} (as of {as_of})")
        # a crawl that reads the warehouse (the Transparency Center's advertisers from the Google bundle)
        # reads this one, whichever --db chose it
        env = {**(env if env is not None else os.environ), "ADTRAIL_DB": str(Path(db_path).resolve())}
        crawl_dirs = []
        for source in crawl_order(sources or config.enabled_sources()):  # ads_txt before sellers_json
            crawl_dir = config.crawl_root / f"snapshot-{snapshot_id}" / source
            manifest = _read_manifest(crawl_dir)
            # retry_due: a complete crawl whose rerun would fetch again what failed (page_placements' pages)
            if manifest and manifest.get("status") == "complete" and not manifest.get("retry_due"):
                progress(f"{source}: already crawled for this snapshot")
            else:
                outcome = crawl_source(config, source, crawl_dir, env=env)
                if not outcome.manifest or outcome.manifest.get("status") == "running":
                    raise UserError(f"{outcome.error} (snapshot {snapshot_id} stays open: "
                                    "run adtrail snapshot again to continue it)")
            crawl_dirs.append(crawl_dir)
        _load_complete_publish(db.connect(db_path), snapshot_id, crawl_dirs, imports)
    return snapshot_id


def _read_manifest(crawl_dir: Path) -> dict | None:
    from spiders.launch import read_manifest

    return read_manifest(crawl_dir)


def command_snapshot(args) -> int:
    config = load_config(args.config)
    db_path = Path(args.db) if args.db else config.db_path
    run_snapshot(config, db_path, as_of_date(args.as_of), sources=args.source or None)
    return EXIT_OK

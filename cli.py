"""The ``adtrail`` command: parse, crawl, load, snapshot, demo.

An entry point that only orchestrates: spiders fetch (each crawl in a child process, so this module never
imports Scrapy), the warehouse loads and publishes, the demo serves its generated world. Errors name the
input and what to do, and exit non-zero.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

from config import ConfigError, load_config

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
CODE_VERSION = "0.1.0"


class UserError(Exception):
    """Something the user can fix; printed without a traceback."""


def progress(message: str) -> None:
    print(f"adtrail: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- parse


def command_parse(args) -> int:
    from spiders.parsers.registry import PARSERS

    parser = PARSERS.get(args.kind)
    if parser is None:
        raise UserError(f"unknown kind {args.kind!r}; kinds: {', '.join(sorted(PARSERS))}")
    out = sys.stdout
    for file_name in args.files:
        path = Path(file_name)
        if not path.is_file():
            raise UserError(f"{path}: no such file")
        try:
            for item in parser(path):
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
        except ValueError as error:
            raise UserError(f"{path}: {error}") from None
    return EXIT_OK


# ---------------------------------------------------------------- crawl


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
    for source in args.sources:
        config.source(source)  # unknown names fail before anything runs
        failed += not crawl_source(config, source, root / source).complete
    print(root)
    return EXIT_FAILED if failed else EXIT_OK


# ---------------------------------------------------------------- load and snapshot


def _as_of(value: str | None) -> dt.date:
    if not value:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--as-of {value!r} is not a date like 2026-12-01") from None


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
    Meta report files), complete the snapshot and publish it. Closes ``con``."""
    from analysis.fx import install_fx_rule
    from warehouse import load, publish, snapshots

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
        snapshots.complete(con, snapshot_id)
    except BaseException:
        con.close()
        raise
    published = publish.publish(con, snapshot_id)  # closes con
    progress(f"snapshot {snapshot_id} complete; published {published.name}")


def command_load(args) -> int:
    config = load_config(args.config)
    db_path = Path(args.db) if args.db else config.db_path
    load_and_publish(db_path, [Path(p) for p in args.crawl_dirs], _as_of(args.as_of))
    return EXIT_OK


def run_snapshot(config, db_path: Path, as_of: dt.date, *, sources=None, env=None, imports=()) -> int:
    """Crawl every enabled source into the running snapshot's folders, load, complete, publish.

    A rerun after an interruption resumes the running snapshot: complete crawls are not fetched
    again, interrupted ones continue from their saved cursor. A source that stopped with an error
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
        crawl_dirs = []
        for source in sources or config.enabled_sources():
            crawl_dir = config.crawl_root / f"snapshot-{snapshot_id}" / source
            manifest = _read_manifest(crawl_dir)
            if manifest and manifest.get("status") == "complete":
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
    run_snapshot(config, db_path, _as_of(args.as_of), sources=args.source or None)
    return EXIT_OK


# ---------------------------------------------------------------- fx


def command_fx_import(args) -> int:
    """Load exchange-rate files (ECB, World Bank, or the user's own table) and republish."""
    from analysis.fx import install_fx_rule
    from warehouse import db, fx, publish, snapshots
    from warehouse.lock import WarehouseLock

    config = load_config(args.config)
    db_path = Path(args.db) if args.db else config.db_path
    with WarehouseLock(db_path):
        con = db.connect(db_path)
        try:
            install_fx_rule(con)
            for file_name in args.files:
                try:
                    result = fx.import_rates_file(con, file_name)
                except (OSError, ValueError) as error:
                    raise UserError(f"{file_name}: {error}; nothing of it was loaded") from None
                progress(f"{file_name}: {result.kind}, {result.rates} rates, {result.added} new")
            missing_usd = fx.user_rates_without_usd(con)
            if missing_usd:
                progress(f"warning: {missing_usd} of your EUR-based rates have no USD per EUR rate for their "
                         "date, so amounts in those currencies stay unconverted: import ECB rates too")
            latest = snapshots.latest_complete(con)
        except BaseException:
            con.close()
            raise
        if latest is None:
            con.close()
            progress("rates loaded; readers see them once a snapshot is published")
        else:
            published = publish.publish(con, latest)  # closes con
            progress(f"republished snapshot {latest} with the new rates: {published.name}")
    return EXIT_OK


# ---------------------------------------------------------------- import


def command_import_meta_report(args) -> int:
    """Load Ad Library Report files the user downloaded (zips or CSVs) as source meta_ad_report, publish."""
    from warehouse import db, snapshots
    from warehouse.load_meta_report import MetaReportError, import_meta_report
    from warehouse.lock import WarehouseLock

    config = load_config(args.config)
    db_path = Path(args.db) if args.db else config.db_path
    as_of = _as_of(args.as_of)
    with WarehouseLock(db_path):
        con = db.connect(db_path)
        snapshot_id = _begin(con, as_of)
        try:
            result = import_meta_report(con, snapshot_id, [Path(name) for name in args.files])
        except MetaReportError as error:
            con.close()
            raise UserError(str(error)) from None
        progress(result.message)
        if result.already_loaded and snapshots.discard_if_empty(con, snapshot_id):
            con.close()
            progress("nothing new to load: the warehouse is unchanged")
            return EXIT_OK
        _complete_and_publish(con, snapshot_id)
    return EXIT_FAILED if result.failed_files else EXIT_OK


def command_import_linkedin(args) -> int:
    """Load LinkedIn Ad Library pages the user saved (results or detail pages) as source linkedin_ad_library."""
    from spiders.linkedin_saved_pages import write_import_crawl

    config = load_config(args.config)
    db_path = Path(args.db) if args.db else config.db_path
    try:
        folder = write_import_crawl([Path(name) for name in args.files], config.crawl_root)
    except FileNotFoundError as error:
        raise UserError(str(error)) from None
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if manifest["error"]:
        progress(f"linkedin_ad_library: REFUSED {manifest['error']}")
    load_and_publish(db_path, [folder], _as_of(args.as_of))
    return EXIT_FAILED if manifest["counts"]["files_refused"] else EXIT_OK


def _complete_and_publish(con, snapshot_id: int) -> None:
    from warehouse import publish, snapshots

    try:
        snapshots.complete(con, snapshot_id)
    except BaseException:
        con.close()
        raise
    published = publish.publish(con, snapshot_id)  # closes con
    progress(f"snapshot {snapshot_id} complete; published {published.name}")


# ---------------------------------------------------------------- entities


def _resolve_and_publish(con, snapshot_id: int | None) -> list[dict]:
    """Resolve entities of the snapshot (default: the latest complete one), republish (closes con); returns
    the name matches awaiting a decision."""
    from analysis.entities import resolve
    from warehouse import entities as store, publish, snapshots

    try:
        latest = snapshots.latest_complete(con)
        if (snapshot_id or latest) is None:
            raise UserError("no complete snapshot yet: load one first (adtrail load, adtrail snapshot)")
        progress(resolve(con, snapshot_id or latest).message)
        open_candidates = store.candidates(con, "candidate")
    except BaseException:
        con.close()
        raise
    publish.publish(con, latest)  # closes con
    return open_candidates


def command_entities_review(args) -> int:
    """Record decisions on name-match candidates, resolve entities again and list the open candidates."""
    from warehouse import db, entities as store
    from warehouse.lock import WarehouseLock

    db_path = Path(args.db) if args.db else load_config(args.config).db_path
    with WarehouseLock(db_path):
        con = db.connect(db_path)
        decisions = [(i, "confirmed") for i in args.confirm or []] + [(i, "rejected") for i in args.reject or []]
        for candidate_id, status in decisions:
            if not store.decide_candidate(con, candidate_id, status, "review"):
                con.close()
                raise UserError(f"no entity candidate {candidate_id}: run adtrail entities review to list them")
            progress(f"candidate {candidate_id} {status}")
        open_candidates = _resolve_and_publish(con, args.snapshot)
    print("candidate_id\tconfidence\tidentifier_a\tidentifier_b\treason")
    for row in open_candidates:
        print(f"{row['candidate_id']}\t{row['confidence']:.2f}\t{row['identifier_a']}\t{row['identifier_b']}\t"
              f"{row['reason']}")
    return EXIT_OK


def command_entities_import_overrides(args) -> int:
    """Store the user's entity_overrides.csv, resolve entities again, republish."""
    from analysis.entities import OverrideError, import_overrides
    from warehouse import db
    from warehouse.lock import WarehouseLock

    db_path = Path(args.db) if args.db else load_config(args.config).db_path
    with WarehouseLock(db_path):
        con = db.connect(db_path)
        try:
            added = import_overrides(con, args.file)
        except OverrideError as error:
            con.close()
            raise UserError(f"{error}; nothing of the file was stored") from None
        progress(f"{args.file}: {added} overrides stored" if added else f"{args.file}: imported before, unchanged")
        _resolve_and_publish(con, None)
    return EXIT_OK


# ---------------------------------------------------------------- lake


def command_export(args) -> int:
    from warehouse import lake

    db_path = Path(args.db) if args.db else load_config(args.config).db_path
    progress(lake.export_warehouse(db_path, args.lake, args.snapshot).message)
    return EXIT_OK


def command_rebuild(args) -> int:
    from warehouse.lake_rebuild import rebuild_warehouse

    progress(rebuild_warehouse(Path(args.lake), Path(args.db)).message)
    return EXIT_OK


# ---------------------------------------------------------------- app


def serve_app(db_path: Path, port: int) -> int:
    """Become the Streamlit app on 127.0.0.1 (it reads the published copy only) until it is stopped."""
    root = Path(__file__).resolve().parent
    # Streamlit reads .streamlit/config.toml from its working directory; the flags repeat what matters
    # (this machine only, no usage statistics) so that it holds wherever the app is started from.
    command = [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false"]
    env = dict(os.environ, ADTRAIL_DB=str(Path(db_path).resolve()))
    progress(f"the app: http://127.0.0.1:{port}/ (Ctrl-C stops it)")
    sys.stdout.flush()
    os.chdir(root)
    # exec, not a child: Ctrl-C and a service manager's SIGTERM reach Streamlit itself.
    os.execve(sys.executable, command, env)


def command_app(args) -> int:
    config = load_config(args.config)
    return serve_app(Path(args.db) if args.db else config.db_path, args.port)


# ---------------------------------------------------------------- demo


def command_demo(args) -> int:
    from demo.run import run_demo

    return run_demo(db_path=Path(args.db) if args.db else None, open_app=not args.no_app,
                    week=args.week, port=args.port)


# ---------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="adtrail", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="configuration file (default: $ADTRAIL_CONFIG or ./adtrail.toml)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    parse = commands.add_parser("parse", help="print the items a parser makes of local files, as JSON lines")
    parse.add_argument("kind", help="what the files are, e.g. meta-ads-archive")
    parse.add_argument("files", nargs="+", metavar="FILE")
    parse.set_defaults(run=command_parse)

    crawl = commands.add_parser("crawl", help="crawl sources into a crawl folder (each in a child process)")
    crawl.add_argument("sources", nargs="+", metavar="SOURCE")
    crawl.add_argument("--out", help="crawl folder root (default: <crawl_dir>/manual-<time>)")
    crawl.set_defaults(run=command_crawl)

    load = commands.add_parser("load", help="load crawl folders as one snapshot, complete and publish it")
    load.add_argument("crawl_dirs", nargs="+", metavar="CRAWL_DIR")
    load.add_argument("--db", help="warehouse file (default: $ADTRAIL_DB or the configuration's)")
    load.add_argument("--as-of", help="the date the snapshot stands for (default: today)")
    load.set_defaults(run=command_load)

    snapshot = commands.add_parser("snapshot", help="crawl the configured sources, load, complete, publish")
    snapshot.add_argument("--db", help="warehouse file (default: $ADTRAIL_DB or the configuration's)")
    snapshot.add_argument("--as-of", help="the date the snapshot stands for (default: today)")
    snapshot.add_argument("--source", action="append", help="only this source (repeatable)")
    snapshot.set_defaults(run=command_snapshot)

    fx_command = commands.add_parser("fx", help="exchange rates")
    fx_commands = fx_command.add_subparsers(dest="fx_command", required=True, metavar="ACTION")
    fx_import = fx_commands.add_parser("import", help="load rate files: ECB, World Bank, or your own CSV")
    fx_import.add_argument("files", nargs="+", metavar="FILE")
    fx_import.add_argument("--db", help="warehouse file (default: $ADTRAIL_DB or the configuration's)")
    fx_import.set_defaults(run=command_fx_import)

    import_command = commands.add_parser("import", help="load files downloaded by hand from a platform's website")
    import_actions = import_command.add_subparsers(dest="import_command", required=True, metavar="ACTION")
    meta_report = import_actions.add_parser(
        "meta-report", help="Meta Ad Library Report zips or CSVs (advertisers, locations, regions)")
    meta_report.add_argument("files", nargs="+", metavar="ZIP_OR_CSV")
    meta_report.add_argument("--db", help="warehouse file (default: $ADTRAIL_DB or the configuration's)")
    meta_report.add_argument("--as-of", help="the date the snapshot stands for (default: today)")
    meta_report.set_defaults(run=command_import_meta_report)
    linkedin = import_actions.add_parser(
        "linkedin", help="LinkedIn Ad Library pages saved from a browser (search results or ad detail pages)")
    linkedin.add_argument("files", nargs="+", metavar="FILE")
    linkedin.add_argument("--db", help="warehouse file (default: $ADTRAIL_DB or the configuration's)")
    linkedin.add_argument("--as-of", help="the date the snapshot stands for (default: today)")
    linkedin.set_defaults(run=command_import_linkedin)

    entities_command = commands.add_parser("entities", help="advertisers across platforms: review name matches")
    entities_actions = entities_command.add_subparsers(dest="entities_command", required=True, metavar="ACTION")
    review = entities_actions.add_parser("review", help="list name-match candidates; confirm or reject them")
    review.add_argument("--confirm", type=int, action="append", metavar="ID", help="merge this candidate's pair")
    review.add_argument("--reject", type=int, action="append", metavar="ID", help="never merge this pair")
    review.add_argument("--snapshot", type=int, help="resolve this snapshot (default: the latest complete one)")
    review.add_argument("--db", help="warehouse file (default: $ADTRAIL_DB or the configuration's)")
    review.set_defaults(run=command_entities_review)
    overrides = entities_actions.add_parser("import-overrides", help="your entity_overrides.csv: merge, split, "
                                            "confirm, reject")
    overrides.add_argument("file", metavar="FILE")
    overrides.add_argument("--db", help="warehouse file (default: $ADTRAIL_DB or the configuration's)")
    overrides.set_defaults(run=command_entities_import_overrides)

    export = commands.add_parser("export", help="write complete snapshots to the Parquet lake")
    export.add_argument("--db", help="warehouse file (default: $ADTRAIL_DB or the configuration's)")
    export.add_argument("--lake", help="lake folder (default: lake/ beside the warehouse file)")
    export.add_argument("--snapshot", type=int, help="only this snapshot id (default: every complete one)")
    export.set_defaults(run=command_export)

    rebuild = commands.add_parser("rebuild", help="make a new warehouse from the Parquet lake alone")
    rebuild.add_argument("--lake", required=True, help="lake folder written by adtrail export")
    rebuild.add_argument("--db", required=True, help="the new warehouse file (refused if it holds data)")
    rebuild.set_defaults(run=command_rebuild)

    app = commands.add_parser("app", help="start the app (Streamlit) on 127.0.0.1; it reads published copies")
    app.add_argument("--db", help="warehouse file whose published copy to show (default: $ADTRAIL_DB)")
    app.add_argument("--port", type=int, default=8501, help="port on 127.0.0.1 (default: 8501)")
    app.set_defaults(run=command_app)

    demo = commands.add_parser("demo", help="generate a world, crawl it with the real spiders, load, publish")
    demo.add_argument("--db", help="demo warehouse file (default: data/demo/adtrail.duckdb)")
    demo.add_argument("--no-app", action="store_true", help="print the summary only; do not start the app")
    demo.add_argument("--week", type=int, help="simulated week to run (default: the next one)")
    demo.add_argument("--port", type=int, default=8501, help="the app's port (default: 8501)")
    demo.set_defaults(run=command_demo)
    return parser


def _is_user_facing(error: Exception) -> bool:
    """Warehouse errors carry a message for the user (what happened, what to do): no traceback."""
    from warehouse.crawl_folder import CrawlFolderError
    from warehouse.db import MigrationError
    from warehouse.lake import LakeError
    from warehouse.lock import WarehouseBusyError
    from warehouse.publish import NothingPublishedError
    from warehouse.snapshots import SnapshotError

    return isinstance(error, (CrawlFolderError, MigrationError, WarehouseBusyError, NothingPublishedError,
                              SnapshotError, LakeError))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (UserError, ConfigError) as error:
        print(f"adtrail: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # the reader (head, less) stopped early: not an error of ours; silence the final flush too
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:
        if not _is_user_facing(error):
            raise
        print(f"adtrail: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("adtrail: interrupted; rerun the same command to continue", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

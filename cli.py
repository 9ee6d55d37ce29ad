"""The ``adtrail`` command: parse, crawl, load, snapshot, demo.

An entry point that only orchestrates: spiders fetch (each crawl in a child process, so this module never
imports Scrapy), the warehouse loads and publishes, the demo serves its generated world. Errors name the
input and what to do, and exit non-zero.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from commands.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UserError
from commands.entities import command_entities_import_overrides, command_entities_review
from commands.imports import command_fx_import, command_import_linkedin, command_import_meta_report
from commands.lake import command_export, command_rebuild
from commands.serve import command_app, command_demo
from commands.snapshot import command_crawl, command_load, command_snapshot
from config import ConfigError


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

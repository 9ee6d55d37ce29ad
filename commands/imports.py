"""Imports into the warehouse: exchange rates, the Meta report files, saved LinkedIn pages."""

from __future__ import annotations

import json
from pathlib import Path

from commands.common import EXIT_FAILED, EXIT_OK, UserError, as_of_date, progress
from commands.snapshot import _begin, complete_and_publish, load_and_publish
from config import load_config


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


def command_import_meta_report(args) -> int:
    """Load Ad Library Report files the user downloaded (zips or CSVs) as source meta_ad_report, publish."""
    from warehouse import db, snapshots
    from warehouse.load_meta_report import MetaReportError, import_meta_report
    from warehouse.lock import WarehouseLock

    config = load_config(args.config)
    db_path = Path(args.db) if args.db else config.db_path
    as_of = as_of_date(args.as_of)
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
        complete_and_publish(con, snapshot_id)
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
    load_and_publish(db_path, [folder], as_of_date(args.as_of))
    return EXIT_FAILED if manifest["counts"]["files_refused"] else EXIT_OK

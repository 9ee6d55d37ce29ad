"""The Parquet lake: export complete snapshots, rebuild a warehouse from the lake alone."""

from __future__ import annotations

from pathlib import Path

from commands.common import EXIT_OK, progress
from config import load_config


def command_export(args) -> int:
    from warehouse import lake

    db_path = Path(args.db) if args.db else load_config(args.config).db_path
    progress(lake.export_warehouse(db_path, args.lake, args.snapshot).message)
    return EXIT_OK


def command_rebuild(args) -> int:
    from warehouse.lake_rebuild import rebuild_warehouse

    progress(rebuild_warehouse(Path(args.lake), Path(args.db)).message)
    return EXIT_OK

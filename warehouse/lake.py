"""The Parquet lake: each complete snapshot exported to Parquet files (DESIGN.md "The lake").

Layout under the lake folder (default ``lake/`` beside the warehouse file), Hive-partitioned so DuckDB,
Polars or Spark read it as tables::

    <table>/snapshot_date=YYYY-MM-DD/snapshot_id=N/data_0.parquet

for every ``raw_*`` table of the catalog (found there, so a source added by a new migration comes along),
the core tables the loader fills from every item line rather than from raw (``warehouse.core.ITEM_LINE_TABLES``:
a rebuild from raw cannot remake them), ``snapshot_source``, ``schema_version`` (the migrations applied when
the snapshot was exported, with their sha256), ``table_rows`` (the rows every snapshot-keyed table held for
it, so a rebuild can tell a lost file) and ``snapshot`` itself. The tables derived from raw (core, Google's
observations) go too, though a rebuild remakes them: the rebuild compares what it made with them, and
restores them for a source whose loader has no builder separate from its load. The partition columns live
in the path, not in the files. Tables that belong to no snapshot (exchange rates, the FX rule, the
warehouse's label) are copied whole to ``reference/<table>/data_0.parquet`` at every export.

An export writes everything to a staging folder inside the lake first, then swaps each snapshot's
partitions in, ``snapshot`` last: a snapshot is in the lake once its ``snapshot`` partition is, and a rebuild
ignores partitions of snapshots without one (an export killed half way). Exporting a snapshot again
replaces its partitions, never adds to them. ``warehouse.lake_rebuild`` makes a warehouse from the lake.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse.core import ITEM_LINE_TABLES
from warehouse.db import fetch_one, resolve_db_path
from warehouse.lock import WarehouseLock

LAKE_DIR_NAME = "lake"
SNAPSHOT_TABLE = "snapshot"
SNAPSHOT_SOURCE_TABLE = "snapshot_source"
SCHEMA_TABLE = "schema_version"
ROWS_TABLE = "table_rows"  # lake-only: rows per (snapshot, table) when exported
REFERENCE_DIR = "reference"
# Partition columns: in the folder names, typed on reading.
HIVE_TYPES = "{'snapshot_date': DATE, 'snapshot_id': BIGINT}"
STAGING_PREFIX = ".export-"


class LakeError(RuntimeError):
    """The lake cannot be written or read as asked; the message says what to do."""


@dataclass(frozen=True)
class Catalog:
    """The warehouse's base tables, by what the lake does with them."""

    raw: tuple[str, ...]  # raw_*: exported per snapshot, restored by a rebuild
    derived: tuple[str, ...]  # other snapshot-keyed tables (core, observations): rebuilt from raw
    reference: tuple[str, ...]  # tables of no snapshot (fx): exported whole
    carried: tuple[str, ...] = ()  # core tables made from item lines, not raw: exported and restored as raw is

    @property
    def per_snapshot(self) -> tuple[str, ...]:
        """Restored as they were exported."""
        return (SNAPSHOT_SOURCE_TABLE, *self.raw, *self.carried)

    @property
    def exported(self) -> tuple[str, ...]:
        """Every snapshot-keyed table but ``snapshot`` itself (written last)."""
        return (*self.per_snapshot, *self.derived)


@dataclass
class ExportResult:
    lake_dir: Path
    snapshot_ids: list[int]
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written for these snapshots

    @property
    def message(self) -> str:
        raw_rows = sum(n for table, n in self.rows.items() if table.startswith("raw_"))
        ids = ", ".join(str(i) for i in self.snapshot_ids)
        return f"exported snapshot(s) {ids} to {self.lake_dir} ({raw_rows} raw rows)"


def default_lake_dir(db_path: str | os.PathLike | None = None) -> Path:
    """``lake/`` beside the warehouse file."""
    return resolve_db_path(db_path).parent / LAKE_DIR_NAME


def read_catalog(con: duckdb.DuckDBPyConnection) -> Catalog:
    """Classify the main schema's base tables (views and macros are code, made by the migrations)."""
    rows = con.execute(
        """
        SELECT t.table_name, bool_or(c.column_name = 'snapshot_id')
        FROM duckdb_tables() AS t JOIN duckdb_columns() AS c USING (database_name, schema_name, table_name)
        WHERE t.database_name = current_database() AND t.schema_name = 'main' AND NOT t.temporary
        GROUP BY ALL ORDER BY t.table_name
        """
    ).fetchall()
    bookkeeping = {SNAPSHOT_TABLE, SNAPSHOT_SOURCE_TABLE, SCHEMA_TABLE}
    raw = tuple(name for name, _ in rows if name.startswith("raw_"))
    carried = tuple(name for name, keyed in rows if keyed and name in ITEM_LINE_TABLES)
    derived = tuple(name for name, keyed in rows
                    if keyed and name not in bookkeeping and name not in raw and name not in carried)
    reference = tuple(name for name, keyed in rows if not keyed and name not in bookkeeping)
    return Catalog(raw, derived, reference, carried)


def partition_dir(lake_dir: Path, table: str, snapshot_date, snapshot_id: int) -> Path:
    return Path(lake_dir) / table / f"snapshot_date={snapshot_date}" / f"snapshot_id={snapshot_id}"


def partition_files(lake_dir: Path, table: str, snapshot_ids) -> list[Path]:
    """The Parquet files of ``table`` for these snapshots (only theirs: snapshots exported by another
    schema version may have other columns, and orphans of an unfinished export are never read)."""
    files: list[Path] = []
    for snapshot_id in sorted(snapshot_ids):
        files += sorted((Path(lake_dir) / table).glob(f"snapshot_date=*/snapshot_id={snapshot_id}/*.parquet"))
    return files


def read_partitions(files: list[Path]) -> str:
    """The FROM clause reading lake files with their partition columns (``files`` must not be empty)."""
    listed = ", ".join(f"'{_sql_text(f)}'" for f in files)
    return f"read_parquet([{listed}], hive_partitioning = true, hive_types = {HIVE_TYPES}, union_by_name = true)"


def exported_snapshots(lake_dir: Path) -> dict[int, str]:
    """{snapshot_id: snapshot_date} of every snapshot whose export finished (its ``snapshot`` partition)."""
    found: dict[int, str] = {}
    for folder in sorted((Path(lake_dir) / SNAPSHOT_TABLE).glob("snapshot_date=*/snapshot_id=*")):
        if not any(folder.glob("*.parquet")):
            continue
        snapshot_id = int(folder.name.split("=", 1)[1])
        if snapshot_id in found:
            raise LakeError(f"{lake_dir}: snapshot {snapshot_id} is in the lake under two dates; remove the "
                            f"stale folder and export it again")
        found[snapshot_id] = folder.parent.name.split("=", 1)[1]
    return found


# ---------------------------------------------------------------- export


def export_warehouse(db_path: str | os.PathLike | None = None, lake_dir: str | os.PathLike | None = None,
                     snapshot_id: int | None = None) -> ExportResult:
    """Export the warehouse's complete snapshots (or ``snapshot_id`` alone) to the lake.

    Holds the warehouse lock and opens the file read-only: no load writes while the export reads, and
    the export never migrates or changes the warehouse.
    """
    db_path = resolve_db_path(db_path)
    if not db_path.is_file():
        raise LakeError(f"{db_path}: no warehouse there; give --db, or load a snapshot first (adtrail load)")
    lake_dir = Path(lake_dir) if lake_dir else default_lake_dir(db_path)
    with WarehouseLock(db_path):
        con = duckdb.connect(str(db_path), read_only=True)
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET enable_progress_bar = false")
            return export_snapshots(con, lake_dir, [snapshot_id] if snapshot_id is not None else None)
        finally:
            con.close()


def export_snapshots(con: duckdb.DuckDBPyConnection, lake_dir: str | os.PathLike,
                     snapshot_ids: list[int] | None = None) -> ExportResult:
    """Write the given complete snapshots (default: all complete ones) and the reference tables."""
    lake_dir = Path(lake_dir)
    dates = _complete_snapshots(con, snapshot_ids)
    catalog = read_catalog(con)
    lake_dir.mkdir(parents=True, exist_ok=True)
    staging = lake_dir / f"{STAGING_PREFIX}{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    result = ExportResult(lake_dir, sorted(dates))
    try:
        params = {"ids": sorted(dates)}
        for table in (*catalog.exported, SNAPSHOT_TABLE):
            result.rows[table] = _copy_partitioned(con, staging, table, f"""
                SELECT t.*, s.as_of AS snapshot_date
                FROM {table} AS t JOIN snapshot AS s ON s.snapshot_id = t.snapshot_id
                WHERE t.snapshot_id IN (SELECT unnest($ids))""", params)
        _copy_partitioned(con, staging, SCHEMA_TABLE, """
            SELECT v.*, s.snapshot_id, s.as_of AS snapshot_date
            FROM schema_version AS v, snapshot AS s WHERE s.snapshot_id IN (SELECT unnest($ids))""", params)
        _copy_partitioned(con, staging, ROWS_TABLE, _rows_query(catalog), params)
        for table in catalog.reference:
            target = staging / REFERENCE_DIR / table
            target.mkdir(parents=True)
            con.execute(f"COPY {table} TO '{_sql_text(target / 'data_0.parquet')}' (FORMAT parquet)")
            result.rows[table] = fetch_one(con, f"SELECT count(*) FROM {table}")[0]
        for snapshot_id, snapshot_date in sorted(dates.items()):
            _swap_in(staging, lake_dir, snapshot_id, snapshot_date)
        for table in catalog.reference:
            _replace_dir(staging / REFERENCE_DIR / table, lake_dir / REFERENCE_DIR / table)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result


def _complete_snapshots(con: duckdb.DuckDBPyConnection, snapshot_ids: list[int] | None) -> dict[int, str]:
    rows = con.execute("SELECT snapshot_id, CAST(as_of AS VARCHAR), status FROM snapshot").fetchall()
    status = {snapshot_id: state for snapshot_id, _, state in rows}
    dates = {snapshot_id: as_of for snapshot_id, as_of, state in rows if state == "complete"}
    if snapshot_ids is None:
        if not dates:
            raise LakeError("the warehouse has no complete snapshot to export: load one first (adtrail load)")
        return dates
    for snapshot_id in snapshot_ids:
        if snapshot_id not in status:
            raise LakeError(f"snapshot {snapshot_id} does not exist in this warehouse (snapshots: "
                            f"{', '.join(str(i) for i in sorted(status)) or 'none'})")
        if status[snapshot_id] != "complete":
            raise LakeError(f"snapshot {snapshot_id} is {status[snapshot_id]}: only complete snapshots go to "
                            "the lake; finish it with adtrail snapshot, or export another")
    return {snapshot_id: dates[snapshot_id] for snapshot_id in snapshot_ids}


def _rows_query(catalog: Catalog) -> str:
    counts = " UNION ALL ".join(
        f"SELECT snapshot_id, '{table}' AS table_name, '{layer}' AS layer, count(*) AS row_count FROM {table} "
        "GROUP BY snapshot_id"
        for layer, tables in (("raw", catalog.per_snapshot), ("derived", catalog.derived)) for table in tables
    )
    names = ", ".join(f"('{table}', '{layer}')" for layer, tables in
                      (("raw", catalog.per_snapshot), ("derived", catalog.derived)) for table in tables)
    # every (snapshot, table) pair, zero when the table holds nothing of the snapshot
    return f"""
        SELECT s.snapshot_id, s.as_of AS snapshot_date, n.table_name, n.layer, coalesce(c.row_count, 0) AS row_count
        FROM snapshot AS s CROSS JOIN (VALUES {names}) AS n(table_name, layer)
        LEFT JOIN ({counts}) AS c ON c.snapshot_id = s.snapshot_id AND c.table_name = n.table_name
        WHERE s.snapshot_id IN (SELECT unnest($ids))"""


def _copy_partitioned(con: duckdb.DuckDBPyConnection, staging: Path, table: str, query: str, params: dict) -> int:
    """COPY a query to ``staging/<table>/snapshot_date=…/snapshot_id=…/``; returns the rows written."""
    (staging / table).mkdir(parents=True, exist_ok=True)
    rows = con.execute(
        f"COPY ({query}) TO '{_sql_text(staging / table)}' "
        "(FORMAT parquet, PARTITION_BY (snapshot_date, snapshot_id), OVERWRITE_OR_IGNORE)",
        params,
    ).fetchall()
    return rows[0][0] if rows else 0


def _swap_in(staging: Path, lake_dir: Path, snapshot_id: int, snapshot_date: str) -> None:
    """Replace one snapshot's partitions in the lake by the staged ones, the ``snapshot`` partition last."""
    _remove_partitions(lake_dir, SNAPSHOT_TABLE, snapshot_id)  # from here on the snapshot is not in the lake
    for table_dir in sorted(p for p in lake_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if table_dir.name not in (SNAPSHOT_TABLE, REFERENCE_DIR):
            _remove_partitions(lake_dir, table_dir.name, snapshot_id)
    for table_dir in sorted(staging.iterdir()):
        if table_dir.name in (SNAPSHOT_TABLE, REFERENCE_DIR):
            continue
        staged = partition_dir(staging, table_dir.name, snapshot_date, snapshot_id)
        if staged.is_dir():
            _replace_dir(staged, partition_dir(lake_dir, table_dir.name, snapshot_date, snapshot_id))
    _replace_dir(partition_dir(staging, SNAPSHOT_TABLE, snapshot_date, snapshot_id),
                 partition_dir(lake_dir, SNAPSHOT_TABLE, snapshot_date, snapshot_id))


def _remove_partitions(lake_dir: Path, table: str, snapshot_id: int) -> None:
    for folder in (lake_dir / table).glob(f"snapshot_date=*/snapshot_id={snapshot_id}"):
        shutil.rmtree(folder)
        if not any(folder.parent.iterdir()):
            folder.parent.rmdir()


def _replace_dir(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        shutil.rmtree(target)
    os.replace(source, target)


def _sql_text(value) -> str:
    """A path inside a SQL string literal (COPY and read_parquet take no bound parameters for paths)."""
    return str(value).replace("'", "''")

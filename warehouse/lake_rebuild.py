"""A warehouse made from the Parquet lake alone (DESIGN.md "The lake"; the layout is in ``warehouse.lake``).

The new warehouse is built in ``<path>.rebuilding`` and renamed into place only when it is whole, so a
failed rebuild leaves nothing that looks like a warehouse. Steps:

1. Read the migration lists the snapshots were exported with; each must be this adtrail's own (same
   numbers, same sha256), else the lake was made by another version and is refused.
2. Migrate to the oldest of those versions, insert the snapshots exported at it (``snapshot``,
   ``snapshot_source``, every raw table, the core tables made from item lines), migrate on to the next version, and so on, as a warehouse
   loaded over the years would have been; then to this adtrail's latest, as every open does.
3. Restore the reference tables (exchange rates, FX rule, entity decisions), the ``applied_at`` of each
   migration, and every sequence behind a column default (the next snapshot gets the next id).
4. Rebuild what is derived from raw with the loaders' own builders: ``warehouse.core.build_core`` per
   (snapshot, source, item kind), and Google's observations and core rows per (snapshot, source). The
   marts are views over these, so they follow. A source whose loader derives core inside its load, with
   no builder of its own (Snap's, for now), gets its derived rows back as exported, and the result says so.
   Snapshot tables no loader writes (analysis results: entities) are restored as exported.
5. Check every table's rows per snapshot against the counts the export recorded, and the derived rows
   against the exported ones (count and an order-free sum of row hashes).
6. Rename it into place and publish the newest snapshot, so the app can read it at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse import db, lake, publish, snapshots
from warehouse.lake import LakeError, read_partitions
from warehouse.lake_derived import rebuild_derived, rebuilt_tables
from warehouse.lock import WarehouseLock

PARTIAL_SUFFIX = ".rebuilding"


@dataclass
class RebuildResult:
    db_path: Path
    snapshot_ids: list[int]
    schema_version: int
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows in the new warehouse
    published: Path | None = None  # the read-only copy of the newest complete snapshot
    restored_as_exported: list[str] = field(default_factory=list)  # sources whose core no builder here remakes

    @property
    def message(self) -> str:
        ids = ", ".join(str(i) for i in self.snapshot_ids)
        return (f"rebuilt {self.db_path} from the lake: snapshot(s) {ids}, schema version {self.schema_version}, "
                f"{sum(n for t, n in self.rows.items() if t.startswith('raw_'))} raw rows, "
                f"{self.rows.get('core_ad', 0)} core ads; published {self.published.name if self.published else 'nothing'}"
                + (f"; core of {', '.join(self.restored_as_exported)} restored as exported (no builder separate "
                   "from its loader)" if self.restored_as_exported else ""))


def rebuild_warehouse(lake_dir: str | os.PathLike, db_path: str | os.PathLike) -> RebuildResult:
    """Make a new warehouse at ``db_path`` from the lake; refuses an existing non-empty warehouse."""
    lake_dir, db_path = Path(lake_dir), Path(db_path)
    snapshot_dates = lake.exported_snapshots(lake_dir)
    if not snapshot_dates:
        raise LakeError(f"{lake_dir} holds no exported snapshot: give the lake folder (the one holding "
                        "snapshot/, raw_*/), or export one first (adtrail export)")
    with WarehouseLock(db_path):
        _refuse_non_empty(db_path)
        partial = db_path.with_name(db_path.name + PARTIAL_SUFFIX)
        for leftover in (partial, partial.with_name(partial.name + ".wal")):
            leftover.unlink(missing_ok=True)  # a rebuild killed earlier
        try:
            result = _rebuild_into(lake_dir, partial, sorted(snapshot_dates))
        except BaseException:
            for leftover in (partial, partial.with_name(partial.name + ".wal")):
                leftover.unlink(missing_ok=True)
            raise
        os.replace(partial, db_path)
        db_path.with_name(db_path.name + ".wal").unlink(missing_ok=True)
        result.db_path = db_path
        # readers (the app, reports) open only published copies: publish the newest snapshot at once
        con = db.connect(db_path)
        latest = snapshots.latest_complete(con)
        if latest is None:
            con.close()
        else:
            result.published = publish.publish(con, latest)  # closes con
    return result


def _refuse_non_empty(db_path: Path) -> None:
    if not db_path.exists() or db_path.stat().st_size == 0:
        return
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as exc:
        raise LakeError(f"{db_path} exists and is not a warehouse that can be opened ({exc}): rebuild into a "
                        "new path") from exc
    try:
        tables = [name for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND table_name <> 'schema_version'").fetchall()]
        filled = [t for t in tables if db.fetch_one(con, f'SELECT count(*) FROM (SELECT 1 FROM "{t}" LIMIT 1)')[0]]
    finally:
        con.close()
    if filled:
        raise LakeError(f"{db_path} is a warehouse holding data ({', '.join(filled[:5])}…): rebuild never writes "
                        "into one; give a new path with --db, or move that file away first")


def _rebuild_into(lake_dir: Path, partial: Path, snapshot_ids: list[int]) -> RebuildResult:
    con = duckdb.connect(str(partial))
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        migrations = _exported_migrations(con, lake_dir, snapshot_ids)
        by_version: dict[int, list[int]] = {}
        for snapshot_id in snapshot_ids:
            by_version.setdefault(max(migrations[snapshot_id]), []).append(snapshot_id)
        for version in sorted(by_version):
            db.migrate(con, upto=version)
            _restore_snapshots(con, lake_dir, by_version[version])
        db.migrate(con)
        lake_version = max(by_version)
        _restore_applied_at(con, lake_dir, snapshot_ids)
        _restore_reference(con, lake_dir)
        restored = rebuild_derived(con, lake_dir, snapshot_ids)
        _advance_sequences(con)
        _check(con, lake_dir, snapshot_ids, current=by_version.get(db.schema_version(con), []))
        catalog = lake.read_catalog(con)
        rows = {table: db.fetch_one(con, f"SELECT count(*) FROM {table}")[0]
                for table in (*catalog.exported, *catalog.reference)}
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return RebuildResult(partial, snapshot_ids, lake_version, rows, restored_as_exported=restored)


def _exported_migrations(con, lake_dir: Path, snapshot_ids: list[int]) -> dict[int, dict[int, tuple[str, str]]]:
    """{snapshot_id: {version: (name, sha256)}}, each checked against this adtrail's migrations."""
    shipped = {m.version: (m.name, m.sha256) for m in db.available_migrations()}
    files = lake.partition_files(lake_dir, lake.SCHEMA_TABLE, snapshot_ids)
    rows = con.execute(f"SELECT snapshot_id, version, name, sha256 FROM {read_partitions(files)}").fetchall() \
        if files else []
    found: dict[int, dict[int, tuple[str, str]]] = {}
    for snapshot_id, version, name, digest in rows:
        found.setdefault(snapshot_id, {})[version] = (name, digest)
    for snapshot_id in snapshot_ids:
        applied = found.get(snapshot_id)
        if not applied:
            raise LakeError(f"{lake_dir}: snapshot {snapshot_id} has no schema_version partition: the export "
                            "was incomplete; export it again")
        for version, (name, digest) in sorted(applied.items()):
            if version not in shipped:
                raise LakeError(f"{lake_dir}: snapshot {snapshot_id} was exported by a newer adtrail (migration "
                                f"{name} is unknown here): rebuild with that version or newer")
            if shipped[version] != (name, digest):
                raise LakeError(f"{lake_dir}: snapshot {snapshot_id} was exported with migration {name} "
                                f"(sha256 {digest[:12]}…), which differs from this adtrail's "
                                f"{shipped[version][0]}: rebuild with the adtrail that exported it")
        expected = {v for v in shipped if v <= max(applied)}
        if set(applied) != expected:
            raise LakeError(f"{lake_dir}: snapshot {snapshot_id} was exported with migrations "
                            f"{sorted(applied)}, not a prefix of this adtrail's {sorted(shipped)}")
    return found


def _restore_snapshots(con, lake_dir: Path, snapshot_ids: list[int]) -> None:
    """Insert the snapshots' bookkeeping and raw rows, table by table, by column name."""
    catalog = lake.read_catalog(con)
    for table in (lake.SNAPSHOT_TABLE, *catalog.per_snapshot):
        files = lake.partition_files(lake_dir, table, snapshot_ids)
        if files:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * EXCLUDE (snapshot_date) FROM {read_partitions(files)}")
    lake_tables = {p.name for p in Path(lake_dir).iterdir() if p.is_dir() and p.name.startswith("raw_")}
    unknown = sorted(t for t in lake_tables - set(catalog.raw) if lake.partition_files(lake_dir, t, snapshot_ids))
    if unknown:
        raise LakeError(f"{lake_dir}: raw tables {unknown} have no table in this schema version: the lake "
                        "was written by another adtrail; rebuild with that version")


def _restore_applied_at(con, lake_dir: Path, snapshot_ids: list[int]) -> None:
    """Each migration's applied_at as the exported warehouse recorded it (the latest export says)."""
    source = read_partitions(lake.partition_files(lake_dir, lake.SCHEMA_TABLE, snapshot_ids))
    con.execute(f"""
        UPDATE schema_version AS v SET applied_at = e.applied_at
        FROM (SELECT version, arg_max(applied_at, snapshot_id) AS applied_at FROM {source} GROUP BY version) AS e
        WHERE v.version = e.version""")


def _restore_reference(con, lake_dir: Path) -> None:
    for table in lake.read_catalog(con).reference:
        files = Path(lake_dir) / lake.REFERENCE_DIR / table
        if any(files.glob("*.parquet")):
            # the exported table is the whole table: rows a migration seeds (ad-system aliases) are in it too
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM "
                        f"read_parquet('{lake._sql_text(files / '*.parquet')}', union_by_name = true)")


_SEQUENCE_OF_DEFAULT = r"nextval\('([^']+)'"


def _advance_sequences(con) -> None:
    """Each sequence a column draws its default from (snapshot ids, entity candidates, ...) continues after
    the highest value restored, so the next row gets the next id."""
    defaults = con.execute(
        "SELECT table_name, column_name, regexp_extract(column_default, $pattern, 1) FROM duckdb_columns() "
        "WHERE database_name = current_database() AND column_default LIKE 'nextval(%'",
        {"pattern": _SEQUENCE_OF_DEFAULT}).fetchall()
    for table, column, sequence in defaults:
        highest = db.fetch_one(con, f'SELECT max("{column}") FROM {table}')[0]
        if sequence and highest:
            con.execute(f"SELECT count(nextval('{sequence}')) FROM range({int(highest)})")


def _check(con, lake_dir: Path, snapshot_ids: list[int], current: list[int]) -> None:
    """The rows of every table per snapshot as exported (a lost file shows); for the snapshots exported by
    this schema version, the derived tables' rows themselves, by count and an order-free sum of row hashes
    (an older adtrail's core builder may rightly have made other rows)."""
    files = lake.partition_files(lake_dir, lake.ROWS_TABLE, snapshot_ids)
    if len({f.parent for f in files}) != len(snapshot_ids):
        raise LakeError(f"{lake_dir}: a snapshot has no table_rows partition: the export was incomplete; export "
                        "it again")
    expected = con.execute(f"SELECT snapshot_id, table_name, layer, row_count FROM {read_partitions(files)}").fetchall()
    catalog = lake.read_catalog(con)
    wrong = []
    for snapshot_id, table, layer, count in sorted(expected):
        if table not in catalog.exported or (layer == "derived" and snapshot_id not in current):
            continue
        got = db.fetch_one(con, f"SELECT count(*) FROM {table} WHERE snapshot_id = ?", [snapshot_id])[0]
        if got != count:
            wrong.append(f"{table} of snapshot {snapshot_id}: {got} rows, exported {count}")
        elif layer == "derived" and count and table in rebuilt_tables():
            exported = read_partitions(lake.partition_files(lake_dir, table, [snapshot_id]))
            made = db.fetch_one(con, f"SELECT sum(hash(r)::HUGEINT) FROM (SELECT * EXCLUDE (snapshot_id) FROM {table} "
                                     "WHERE snapshot_id = ?) AS r", [snapshot_id])[0]
            kept = db.fetch_one(con, f"SELECT sum(hash(r)::HUGEINT) FROM (SELECT * EXCLUDE (snapshot_id, "
                                     f"snapshot_date) FROM {exported}) AS r")[0]
            if made != kept:
                wrong.append(f"{table} of snapshot {snapshot_id}: the rows rebuilt from raw differ from those exported")
    if wrong:
        raise LakeError(f"{lake_dir}: the rebuilt warehouse differs from the one exported: {'; '.join(wrong[:5])}. "
                        "Nothing was written; export the snapshots again, or report it")

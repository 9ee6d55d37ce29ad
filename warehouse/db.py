"""Opening the warehouse and migrating it (DESIGN.md "The warehouse").

One DuckDB file, default ``data/adtrail.duckdb``, changed by the ``ADTRAIL_DB`` environment variable or
an explicit path (the CLI's ``--db``). The schema is built by the numbered SQL files in
``warehouse/migrations/`` (``NNN_name.sql``), applied in order, each in its own transaction together
with its row in ``schema_version``; a warehouse made by an older version gets the missing migrations
and keeps its data. An applied migration whose file has since changed is refused: releases add a new
numbered file instead.

Only the loader opens this file for writing (see ``warehouse.lock`` for the one-writer rule); readers
open published copies (``warehouse.publish.open_published``).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.lock import WarehouseBusyError

DEFAULT_DB_PATH = Path("data") / "adtrail.duckdb"
DB_ENV_VAR = "ADTRAIL_DB"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    """The warehouse's schema cannot be brought to this version of adtrail."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path
    sha256: str

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None) -> tuple | None:
    """The first row of a query, reading the result to its end (DuckDB 2 refuses ``con.sql()`` on a
    connection whose last ``execute()`` result was left half-read, as ``fetchone()`` leaves it)."""
    rows = con.execute(sql, params).fetchall() if params is not None else con.execute(sql).fetchall()
    return rows[0] if rows else None


def resolve_db_path(db_path: str | os.PathLike | None = None) -> Path:
    """The warehouse file: ``db_path`` if given, else ``$ADTRAIL_DB``, else ``data/adtrail.duckdb``."""
    if db_path is not None and str(db_path) != "":
        return Path(db_path)
    from_env = os.environ.get(DB_ENV_VAR)
    if from_env:
        return Path(from_env)
    return DEFAULT_DB_PATH


def available_migrations() -> list[Migration]:
    """The migration files shipped with this version, in order."""
    migrations = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNN_name.sql (e.g. 040_fx.sql)")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        migrations.append(Migration(int(match.group(1)), path.name, path, digest))
    versions = [m.version for m in migrations]
    if len(versions) != len(set(versions)):
        raise MigrationError(f"two migration files share a number in {MIGRATIONS_DIR}: {versions}")
    return migrations


def applied_migrations(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[str, str]]:
    """{version: (file name, sha256)} of the migrations applied to this warehouse."""
    exists = fetch_one(
        con,
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_name = 'schema_version' AND table_schema = current_schema()",
    )[0]
    if not exists:
        return {}
    rows = con.execute("SELECT version, name, sha256 FROM schema_version ORDER BY version").fetchall()
    return {version: (name, digest) for version, name, digest in rows}


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration applied (0 for an empty database)."""
    return max(applied_migrations(con), default=0)


def migrate(con: duckdb.DuckDBPyConnection, upto: int | None = None) -> list[int]:
    """Apply the missing migrations (up to and including ``upto``); returns the versions applied."""
    known = available_migrations()
    applied = applied_migrations(con)
    by_version = {m.version: m for m in known}
    for version, (name, digest) in applied.items():
        shipped = by_version.get(version)
        if shipped is None:
            raise MigrationError(
                f"this warehouse has migration {name}, which this adtrail does not know: it was made by a "
                "newer adtrail; upgrade adtrail, or open it with the version that made it"
            )
        if shipped.sha256 != digest:
            raise MigrationError(
                f"migration {name} was changed after it was applied to this warehouse; an applied "
                "migration is never edited: restore the file and add a new numbered migration instead"
            )
    done = []
    for migration in known:
        if migration.version in applied or (upto is not None and migration.version > upto):
            continue
        con.begin()
        try:
            con.execute(migration.sql())
            con.execute(
                "INSERT INTO schema_version (version, name, sha256) VALUES (?, ?, ?)",
                [migration.version, migration.name, migration.sha256],
            )
            con.commit()
        except Exception as exc:
            con.rollback()
            raise MigrationError(f"migration {migration.name} failed, nothing of it was applied: {exc}") from exc
        done.append(migration.version)
    return done


def connect(db_path: str | os.PathLike | None = None, *, upto: int | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing (creating its folder and file if needed) and migrate it.

    Hold ``warehouse.lock.WarehouseLock`` around a whole load or snapshot run: DuckDB's own file lock
    only covers the time the file is open, and publishing closes it for a moment.
    """
    path = resolve_db_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            holder = re.search(r"PID (\d+)", str(exc))
            pid = holder.group(1) if holder else "unknown"
            raise WarehouseBusyError(
                f"another adtrail load/snapshot is running (pid {pid}) on {path}: wait for it to finish; "
                "readers use the published copy (adtrail app), never this file"
            ) from exc
        raise
    # Every TIMESTAMPTZ is read and shown in UTC, whatever the machine's zone; dates without a time
    # (Meta's "2019-11-03") become midnight UTC.
    con.execute("SET TimeZone = 'UTC'")
    # DuckDB draws its own progress bar on stdout during long statements; stdout belongs to the CLI
    # (e.g. JSON lines), which reports progress itself.
    con.execute("SET enable_progress_bar = false")
    try:
        migrate(con, upto=upto)
    except Exception:
        con.close()
        raise
    return con


def database_path(con: duckdb.DuckDBPyConnection) -> Path:
    """The file behind a connection (used by publish, which is handed only the connection)."""
    row = fetch_one(con, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
    if row is None or not row[0]:
        raise ValueError("this connection is not to a database file (in-memory databases cannot be published)")
    return Path(row[0])

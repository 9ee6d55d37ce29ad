"""Published read-only copies of the warehouse, and the ``current`` pointer readers follow.

DuckDB lets one process write a file or several read it, never both (DESIGN.md "Readers"). So when a
snapshot completes, the loader checkpoints and closes the warehouse, copies the file to
``<db dir>/published/adtrail-s<id>-<UTC timestamp>.duckdb`` (fsynced), and then switches
``<db dir>/published/current`` (a text file holding that file name) in one ``os.replace``. A reader
opens whatever ``current`` names, read-only, and never the main file, so a weekly load never stops the
app. The last ``KEEP_COPIES`` copies are kept, and never the one ``current`` names is deleted.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import duckdb

from warehouse.db import database_path, resolve_db_path
from warehouse.snapshots import SnapshotError, snapshot_status

PUBLISHED_DIR = "published"
POINTER_NAME = "current"
KEEP_COPIES = 3
_COPY_NAME = re.compile(r"^adtrail-s(\d+)-(\d{8}T\d{12}Z)\.duckdb$")


class NothingPublishedError(FileNotFoundError):
    """No snapshot has been published next to this warehouse yet."""


def published_dir(db_path: str | os.PathLike | None = None) -> Path:
    return resolve_db_path(db_path).parent / PUBLISHED_DIR


def publish(con: duckdb.DuckDBPyConnection, snapshot_id: int, *, keep: int = KEEP_COPIES) -> Path:
    """Publish the warehouse as of complete snapshot ``snapshot_id``; returns the published copy's path.

    CLOSES ``con`` (the copy must be of a closed, checkpointed file); reconnect to go on writing. Run it
    while holding the warehouse lock, so that no other writer opens the file between close and copy.
    """
    status = snapshot_status(con, snapshot_id)
    if status != "complete":
        raise SnapshotError(f"snapshot {snapshot_id} is {status or 'missing'}: only a complete snapshot is published")
    db_file = database_path(con)
    con.execute("CHECKPOINT")
    con.close()
    wal = db_file.with_name(db_file.name + ".wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise RuntimeError(f"{wal} still holds changes after closing the warehouse; nothing was published")

    target_dir = db_file.parent / PUBLISHED_DIR
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    name = f"adtrail-s{snapshot_id}-{stamp}.duckdb"
    partial = target_dir / (name + ".partial")
    shutil.copyfile(db_file, partial)
    _fsync_file(partial)
    os.replace(partial, target_dir / name)
    _fsync_dir(target_dir)

    pointer_tmp = target_dir / (POINTER_NAME + ".tmp")
    pointer_tmp.write_text(name + "\n", encoding="utf-8")
    _fsync_file(pointer_tmp)
    os.replace(pointer_tmp, target_dir / POINTER_NAME)
    _fsync_dir(target_dir)

    prune(target_dir, keep=keep)
    return target_dir / name


def current_published(db_path: str | os.PathLike | None = None) -> Path | None:
    """The published copy ``current`` names, or None when nothing was published."""
    directory = published_dir(db_path)
    pointer = directory / POINTER_NAME
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    if not _COPY_NAME.match(name):
        raise NothingPublishedError(f"{pointer} names {name!r}, which is not a published copy: publish again")
    return directory / name


def open_published(db_path: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current published copy of the warehouse at ``db_path``."""
    copy = current_published(db_path)
    if copy is None:
        raise NothingPublishedError(
            f"nothing is published next to {resolve_db_path(db_path)} yet: run adtrail snapshot or adtrail "
            "demo first"
        )
    if not copy.is_file():
        raise NothingPublishedError(f"{copy} (named by the current pointer) is missing: publish again")
    con = duckdb.connect(str(copy), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con


def published_copies(directory: Path) -> list[Path]:
    """Published copies in ``directory``, oldest first."""
    copies = [p for p in directory.iterdir() if _COPY_NAME.match(p.name)]
    return sorted(copies, key=lambda p: _COPY_NAME.match(p.name).group(2))


def prune(directory: Path, *, keep: int = KEEP_COPIES) -> list[Path]:
    """Delete all but the newest ``keep`` copies, never the current one; returns what was deleted.

    A reader that still has an older copy open keeps reading it: the file lives on until it closes.
    """
    pointer = directory / POINTER_NAME
    current = pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else None
    copies = published_copies(directory)
    doomed = [p for p in copies[: max(len(copies) - keep, 0)] if p.name != current]
    for path in doomed:
        path.unlink(missing_ok=True)
    for leftover in directory.glob("*.partial"):  # a copy interrupted by a kill
        leftover.unlink(missing_ok=True)
    return doomed


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

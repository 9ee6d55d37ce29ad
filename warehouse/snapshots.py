"""The snapshot lifecycle: begin (or resume), complete, fail (DESIGN.md "The warehouse", Snapshots).

Every load belongs to a snapshot. A snapshot is ``running`` while sources are loaded into it, and only a
``complete`` one is visible in the marts and published. An interrupted run leaves its snapshot running;
the next run resumes that snapshot instead of starting another, so a rerun continues the interrupted one.
A source that failed does not fail the snapshot: the snapshot completes with that source marked failed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from warehouse.db import fetch_one

SNAPSHOT_STATUSES = ("running", "complete", "failed")


class SnapshotError(RuntimeError):
    """A snapshot cannot make the requested move."""


@dataclass(frozen=True)
class SnapshotInfo:
    snapshot_id: int
    as_of: dt.date
    status: str
    started_at: str  # ISO 8601, UTC
    finished_at: str | None
    code_version: str | None
    error: str | None
    sources: int  # sources recorded in snapshot_source


def begin_or_resume(con: duckdb.DuckDBPyConnection, as_of: dt.date | str, code_version: str) -> int:
    """The latest running snapshot's id, or a new snapshot's for ``as_of`` when none is running.

    A resumed snapshot keeps the date it was begun for: the rerun continues that run's work.
    """
    as_of_date = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    if isinstance(as_of_date, dt.datetime):
        as_of_date = as_of_date.date()
    running = fetch_one(con, "SELECT max(snapshot_id) FROM snapshot WHERE status = 'running'")[0]
    if running is not None:
        return running
    return fetch_one(
        con,
        "INSERT INTO snapshot (as_of, status, code_version) VALUES (?, 'running', ?) RETURNING snapshot_id",
        [as_of_date, code_version],
    )[0]


def snapshot_status(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> str | None:
    """running, complete, failed; None when there is no such snapshot."""
    row = fetch_one(con, "SELECT status FROM snapshot WHERE snapshot_id = ?", [snapshot_id])
    return row[0] if row else None


def snapshot_info(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> SnapshotInfo | None:
    row = fetch_one(
        con,
        """
        SELECT s.snapshot_id, s.as_of, s.status,
            strftime(s.started_at, '%Y-%m-%dT%H:%M:%S.%fZ'), strftime(s.finished_at, '%Y-%m-%dT%H:%M:%S.%fZ'),
            s.code_version, s.error,
            (SELECT count(*) FROM snapshot_source AS src WHERE src.snapshot_id = s.snapshot_id)
        FROM snapshot AS s WHERE s.snapshot_id = ?
        """,
        [snapshot_id],
    )
    return SnapshotInfo(*row) if row else None


def latest_complete(con: duckdb.DuckDBPyConnection) -> int | None:
    """The newest complete snapshot (by as_of, then id), or None."""
    row = fetch_one(
        con, "SELECT snapshot_id FROM snapshot WHERE status = 'complete' ORDER BY as_of DESC, snapshot_id DESC LIMIT 1"
    )
    return row[0] if row else None


def completed_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many snapshots have completed: the demo's simulated clock counts its weeks with it."""
    return fetch_one(con, "SELECT count(*) FROM snapshot WHERE status = 'complete'")[0]


def complete(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> None:
    """Mark a running snapshot complete: from now on the marts show it. It must hold at least one source."""
    _require_running(con, snapshot_id)
    sources = fetch_one(con, "SELECT count(*) FROM snapshot_source WHERE snapshot_id = ?", [snapshot_id])[0]
    if sources == 0:
        raise SnapshotError(
            f"snapshot {snapshot_id} has no source loaded, so completing it would publish nothing: load a "
            "crawl into it (a failed crawl counts), or mark it failed"
        )
    con.execute(
        "UPDATE snapshot SET status = 'complete', finished_at = now() WHERE snapshot_id = ? AND status = 'running'",
        [snapshot_id],
    )


def fail(con: duckdb.DuckDBPyConnection, snapshot_id: int, error: str) -> None:
    """Give up a running snapshot (never shown); ``error`` says what happened and what to do."""
    _require_running(con, snapshot_id)
    con.execute(
        "UPDATE snapshot SET status = 'failed', finished_at = now(), error = ? WHERE snapshot_id = ?",
        [error, snapshot_id],
    )


def discard_if_empty(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> bool:
    """Remove a running snapshot that holds no source (everything given was already loaded), so that
    loading the same input twice leaves no trace. True when it was removed."""
    _require_running(con, snapshot_id)
    sources = fetch_one(con, "SELECT count(*) FROM snapshot_source WHERE snapshot_id = ?", [snapshot_id])[0]
    if sources:
        return False
    con.execute("DELETE FROM snapshot WHERE snapshot_id = ? AND status = 'running'", [snapshot_id])
    return True


def _require_running(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> None:
    status = snapshot_status(con, snapshot_id)
    if status is None:
        raise SnapshotError(f"snapshot {snapshot_id} does not exist")
    if status != "running":
        raise SnapshotError(f"snapshot {snapshot_id} is already {status}; a finished snapshot never changes")

"""One writer at a time: the run lock beside the warehouse file (DESIGN.md "The warehouse", Snapshots).

A load or snapshot run holds an exclusive ``fcntl.flock`` on ``<db>.lock`` for its whole length. The
kernel drops the lock when the holding process ends, however it ends (SIGKILL, power cut of the
process), so a killed run never leaves a stale lock to clean up by hand. The holder writes its pid into
the file so the next one can say who is running. The file itself is left in place: deleting it would let
two processes lock two different files of the same name.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class WarehouseBusyError(RuntimeError):
    """Another process is writing the warehouse."""


def lock_path(db_path: str | os.PathLike) -> Path:
    """``<db>.lock`` next to the warehouse file."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".lock")


class WarehouseLock:
    """Exclusive lock of a warehouse for one run; use as ``with WarehouseLock(db_path): ...``.

    Not re-entrant: a second lock of the same warehouse, even in the same process, is refused.
    """

    def __init__(self, db_path: str | os.PathLike):
        self.db_path = Path(db_path)
        self.path = lock_path(self.db_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock now or raise ``WarehouseBusyError`` naming the holder's pid."""
        if self._fd is not None:
            raise WarehouseBusyError(f"this run already holds {self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_CLOEXEC (Python's default): crawl child processes started by the CLI do not inherit the lock.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            raise WarehouseBusyError(
                f"another adtrail load/snapshot is running (pid {holder}) on {self.db_path}: wait for it "
                f"to finish (or stop that process); the lock ({self.path}) goes away with it"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> "WarehouseLock":
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


def _read_pid(fd: int) -> str:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return text if text.isdigit() else "unknown"

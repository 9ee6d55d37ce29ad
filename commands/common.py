"""What every command shares: the user-facing error, progress lines, the code version, dates."""

from __future__ import annotations

import datetime as dt
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
CODE_VERSION = "0.1.0"


class UserError(Exception):
    """Something the user can fix; printed without a traceback."""


def progress(message: str) -> None:
    print(f"adtrail: {message}", file=sys.stderr, flush=True)


def as_of_date(value: str | None) -> dt.date:
    """The date a snapshot stands for: --as-of, or today (UTC)."""
    if not value:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--as-of {value!r} is not a date like 2026-12-01") from None

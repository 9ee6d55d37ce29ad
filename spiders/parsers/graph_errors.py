"""Meta Graph API error bodies and usage headers: what went wrong, and what a crawl does about it.

Implements the error handling Meta documents for the Graph API ("Handling Errors": an ``error`` object with
``message``, ``type``, ``code``, ``error_subcode``, ``is_transient``, ``fbtrace_id``) and its rate limiting
("Rate Limiting": error codes 4, 17, 32, 613 and 80000-80014, and the ``X-Business-Use-Case-Usage``
header with ``estimated_time_to_regain_access`` in minutes). The Ad Library adds code 10 with subcode
2332002 when the account has not confirmed its identity for ad library access.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

STOP_TOKEN_EXPIRED = "stop_token_expired"
STOP_IDENTITY_CONFIRMATION = "stop_identity_confirmation"
BACKOFF = "backoff"
HALVE_LIMIT = "halve_limit"
RETRY = "retry"
STOP = "stop"

# Rate limits: application (4), user (17), page (32), a custom-level throttle (613), and the business use
# case limits (80000-80014, one code per product: ads insights, pages, ads management, ...).
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
IDENTITY_CONFIRMATION_SUBCODE = 2332002


@dataclass(frozen=True)
class GraphError:
    code: int | None
    subcode: int | None
    message: str
    http_status: int
    action: str  # one of the six action constants above
    user_message: str  # what happened and what to do


def _json_error(body: bytes) -> dict | None:
    try:
        parsed = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        return parsed["error"]
    return None


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _action(code: int | None, subcode: int | None, message: str, http_status: int, transient: bool) -> str:
    if code == 190:
        return STOP_TOKEN_EXPIRED
    if code == 10 and subcode == IDENTITY_CONFIRMATION_SUBCODE:
        return STOP_IDENTITY_CONFIRMATION
    if code in RATE_LIMIT_CODES or http_status == 429:
        return BACKOFF
    if code == 1 and "reduce the amount of data" in message.lower():
        return HALVE_LIMIT
    # Code 1 is otherwise "An unknown error occurred" and code 2 "temporary issue due to downtime":
    # both are worth another try, like any error Meta marks transient and any server error.
    if code in (1, 2) or transient or http_status >= 500:
        return RETRY
    return STOP


def _user_message(action: str, code: int | None, subcode: int | None, message: str, http_status: int) -> str:
    said = f"Meta says: {message!r} (HTTP {http_status}, code {code}, subcode {subcode})"
    if action == STOP_TOKEN_EXPIRED:
        return (
            f"Meta says the access token expired or is invalid (code 190): {message!r}. Renew it and set "
            "META_ACCESS_TOKEN, then rerun; the crawl continues where it stopped"
        )
    if action == STOP_IDENTITY_CONFIRMATION:
        return (
            "Meta refuses ad library access until the account's identity is confirmed (code 10, subcode "
            "2332002): complete Meta's identity confirmation for ad library access at facebook.com/ID "
            "(see facebook.com/ads/library/api), then rerun; the crawl continues where it stopped"
        )
    if action == BACKOFF:
        return f"{said}: a rate limit was reached; the crawl waits and tries again"
    if action == HALVE_LIMIT:
        return f"{said}: the page asked for too much data; the crawl asks again with half the limit"
    if action == RETRY:
        return f"{said}: a temporary error; the crawl tries again"
    return (
        f"{said}: the request was refused and will not succeed by retrying; check the crawl's countries, "
        "fields and dates (and the token's permissions), then rerun"
    )


def classify(http_status: int, body: bytes, headers: Mapping[str, str]) -> GraphError | None:
    """What a response means for the crawl; None when it is a normal page (no error body, status < 400)."""
    error = _json_error(body or b"")
    if error is None:
        if http_status < 400:
            return None
        code = subcode = None
        message = f"HTTP {http_status} without a Graph API error body"
        transient = False
    else:
        code = _as_int(error.get("code"))
        subcode = _as_int(error.get("error_subcode"))
        message = str(error.get("message") or error.get("error_user_msg") or "no message")
        transient = error.get("is_transient") is True
    action = _action(code, subcode, message, http_status, transient)
    return GraphError(
        code=code,
        subcode=subcode,
        message=message,
        http_status=http_status,
        action=action,
        user_message=_user_message(action, code, subcode, message, http_status),
    )


def _header(headers: Mapping, name: str) -> str | None:
    """A header's value from a plain dict or Scrapy's Headers (bytes, lists), whatever the case."""
    for key, value in headers.items():
        if isinstance(key, bytes):
            key = key.decode("latin-1")
        if key.lower() != name.lower():
            continue
        if isinstance(value, (list, tuple)):
            value = value[-1] if value else None
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        return value
    return None


def regain_access_seconds(headers: Mapping[str, str]) -> float | None:
    """The longest ``estimated_time_to_regain_access`` (minutes) in X-Business-Use-Case-Usage, in seconds;
    None when the header is absent or cannot be read."""
    raw = _header(headers, "X-Business-Use-Case-Usage")
    if not raw:
        return None
    try:
        usage = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(usage, dict):
        return None
    minutes = [
        float(entry["estimated_time_to_regain_access"])
        for entries in usage.values()
        if isinstance(entries, list)
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("estimated_time_to_regain_access"), (int, float))
    ]
    return max(minutes) * 60.0 if minutes else None

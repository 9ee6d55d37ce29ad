"""A logging filter that removes secrets from every log record, and its installation.

DESIGN.md, "Secrets": nothing logged may hold a token. Scrapy logs URLs, headers, errors with their
tracebacks and, at DEBUG, whole items; a filter on each handler sees every record that reaches it,
whichever logger it came from (a filter on a logger sees only that logger's own records, so it is
installed on the root logger *and* on each of its handlers, crawl.log's included).
"""

from __future__ import annotations

import logging
import traceback

from spiders.secrets import Redactor


class RedactingFilter(logging.Filter):
    """Replaces a record's message, arguments, traceback and stack with their redacted text."""

    def __init__(self, redactor: Redactor):
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_adtrail_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: keep what can be shown
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = self.redactor.redact_text(message)
        record.args = None
        if record.exc_info:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = self.redactor.redact_text(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redactor.redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact_text(record.stack_info)
        record._adtrail_redacted = True
        return True


def install(redactor: Redactor, *handlers: logging.Handler) -> RedactingFilter:
    """Put one redacting filter on the root logger, on every handler it has now, and on ``handlers``."""
    redacting = RedactingFilter(redactor)
    root = logging.getLogger()
    targets = [root, *root.handlers, *handlers]
    for target in targets:
        if not any(isinstance(existing, RedactingFilter) for existing in target.filters):
            target.addFilter(redacting)
    return redacting

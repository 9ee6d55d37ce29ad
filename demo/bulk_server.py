"""A local object store for one file: the demo's Google bundle, served the way Google Cloud Storage serves
``political-csv/google-political-ads-transparency-bundle.zip``.

``GET`` and ``HEAD`` of the file's path (``url``); anything else is 404. Answers carry ``ETag`` (a quoted
hash of the bytes), ``Last-Modified``, ``Accept-Ranges: bytes`` and ``Content-Length``. Conditional
requests: ``If-None-Match`` (an ETag list or ``*``) and, without it, ``If-Modified-Since`` answer 304 when
the file is unchanged. ``Range: bytes=a-b`` / ``a-`` / ``-n`` answers 206 with ``Content-Range`` (one range;
several are answered whole, as a server may), 416 when it lies past the end; with ``If-Range`` naming
another version the whole file comes back with 200. Nothing is logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from email.utils import format_datetime, parsedate_to_datetime

from demo.local_server import LocalServer, QuietHandler

DEFAULT_PATH = "/political-csv/google-political-ads-transparency-bundle.zip"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class BundleServer(LocalServer):
    """Serves ``body`` on 127.0.0.1 (port 0 by default); a context manager. ``url`` is the file's URL."""

    def __init__(self, body: bytes, *, last_modified: dt.datetime | None = None, path: str = DEFAULT_PATH,
                 content_type: str = "application/zip", host: str = "127.0.0.1", port: int = 0):
        self.body = body
        self.path = path
        self.content_type = content_type
        moment = last_modified or dt.datetime.now(dt.UTC)
        self.last_modified = moment.astimezone(dt.UTC).replace(microsecond=0)
        self.etag = '"' + hashlib.md5(body, usedforsecurity=False).hexdigest() + '"'  # GCS: the MD5
        self.requests: list[tuple[str, int, str | None]] = []  # (method, status, Range asked) for tests
        super().__init__(self._handler_class(), host=host, port=port, thread_name="demo-bundle")

    @property
    def url(self) -> str:
        return self.base_url + self.path

    # ---- the answer to one request, as (status, headers, body)

    def _not_modified(self, headers) -> bool:
        if_none_match = headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or self.etag in tags
        since = _http_date(headers.get("If-Modified-Since"))
        return since is not None and self.last_modified <= since

    def _range(self, headers) -> tuple[int, int] | None | str:
        """(first, last) byte asked for, None for the whole file, "unsatisfiable" past the end."""
        asked = headers.get("Range")
        if not asked:
            return None
        if_range = headers.get("If-Range")
        if if_range is not None:
            same = if_range.strip() == self.etag if if_range.strip().startswith(('"', "W/")) else (
                _http_date(if_range) == self.last_modified)
            if not same:
                return None
        match = _RANGE.match(asked.strip().replace(" ", ""))
        if not match or match.groups() == ("", ""):
            return None  # several ranges or a unit other than bytes: the whole file
        size = len(self.body)
        first, last = match.groups()
        if first == "":
            return (max(0, size - int(last)), size - 1) if int(last) > 0 else "unsatisfiable"
        if int(first) >= size:
            return "unsatisfiable"
        return int(first), min(size - 1, int(last)) if last else size - 1

    def answer(self, method: str, path: str, headers) -> tuple[int, dict[str, str], bytes]:
        if path.split("?", 1)[0] != self.path:
            return 404, {"Content-Type": "text/plain"}, b"No such object.\n"
        common = {"ETag": self.etag, "Last-Modified": format_datetime(self.last_modified, usegmt=True),
                  "Accept-Ranges": "bytes", "Cache-Control": "no-cache"}
        if self._not_modified(headers):
            return 304, common, b""
        size = len(self.body)
        chosen = self._range(headers)
        if chosen == "unsatisfiable":
            return 416, {**common, "Content-Range": f"bytes */{size}"}, b""
        if chosen is None:
            return 200, {**common, "Content-Type": self.content_type}, self.body
        first, last = chosen
        return 206, {**common, "Content-Type": self.content_type,
                     "Content-Range": f"bytes {first}-{last}/{size}"}, self.body[first:last + 1]

    def _handler_class(self):
        server = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"
            server_version = "adtrail-demo-object-store"

            def _serve(self) -> None:
                status, headers, body = server.answer(self.command, self.path, self.headers)
                server.requests.append((self.command, status, self.headers.get("Range")))
                self.reply(status, body, headers)

            def do_GET(self):  # noqa: N802 (the name http.server calls)
                self._serve()

            def do_HEAD(self):  # noqa: N802
                self._serve()

        return Handler


def _http_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)

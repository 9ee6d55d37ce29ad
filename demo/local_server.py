"""A threaded HTTP server on 127.0.0.1 for the demo's made-up services and the tests' scripted ones.

``LocalServer(handler_class)`` binds at once (port 0 by default: the system picks a free one, so
``base_url`` is known before any request), serves from a daemon thread once started (``start()`` or
``with``), and stops with ``stop()`` or at the end of the ``with`` block. Subclasses build the request
handler (on ``QuietHandler``: no access log, ``reply`` writes a whole answer) and answer; ``lock`` guards
what their handler threads share.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

LOCAL_HOST = "127.0.0.1"


class LocalServer:
    def __init__(self, handler_class: type[BaseHTTPRequestHandler], *, host: str = LOCAL_HOST, port: int = 0,
                 thread_name: str | None = None):
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer((host, port), handler_class)
        self.httpd.daemon_threads = True  # a client left hanging does not keep the process alive
        self._thread_name = thread_name
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(target=self.httpd.serve_forever, name=self._thread_name, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join()
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that writes no access log (a request line can carry the caller's token; the servers
    keep their own request logs) and answers a whole body with ``reply``."""

    def reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        """The status, the headers, Content-Length and, unless the request is a HEAD, the body."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 (the name http.server calls)
        pass

"""A threaded HTTP server on 127.0.0.1 for the demo's made-up services and the tests' scripted ones.

``LocalServer(handler_class)`` binds at once (port 0 by default: the system picks a free one, so
``base_url`` is known before any request), serves from a daemon thread once started (``start()`` or
``with``), and stops with ``stop()`` or at the end of the ``with`` block. Subclasses build the request
handler and answer; ``lock`` guards what their handler threads share.
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

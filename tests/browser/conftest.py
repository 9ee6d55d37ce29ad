"""Browser tests of the app: Debian's Chromium (``chromium`` on PATH, or ``ADTRAIL_CHROMIUM``) driven by
Playwright, never a browser Playwright downloads; the app started with ``streamlit run app.py`` on a free
127.0.0.1 port, every request elsewhere blocked. Marked ``browser``; skipped, saying why, without Chromium.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# Guards against a hang only: how long the app may take to answer its health check before the test fails.
START_SECONDS = 60


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the system's Chromium through Playwright")


def chromium_path() -> str | None:
    return os.environ.get("ADTRAIL_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium():
    """A launched Chromium, and the list of requests it was refused (anything not on 127.0.0.1)."""
    path = chromium_path()
    if not path or not Path(path).exists():
        pytest.skip("Chromium not found: install Debian's chromium package or set ADTRAIL_CHROMIUM to its path")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def local_only(context, blocked: list[str]) -> None:
    """Let the context reach 127.0.0.1 only; every other request is aborted and recorded."""
    def route(request_route):
        if urlsplit(request_route.request.url).hostname == "127.0.0.1":
            request_route.continue_()
        else:
            blocked.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppServer:
    """``streamlit run app.py`` as a child process, from the project root (its .streamlit/config.toml)."""

    def __init__(self, db_path: Path, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            # address, headless and usage statistics come from the project's .streamlit/config.toml
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env={**os.environ, "ADTRAIL_DB": str(db_path)}, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer on {self.url}:\n{self.log()}")
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()

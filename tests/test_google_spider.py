"""The google_political_bundle spider against a local HTTP server (127.0.0.1, port 0) serving a zip built here.

Each crawl runs as adtrail runs it: ``python -m spiders.run`` in a child process (spiders.launch). The server
logs every request, so the tests see the conditional and Range headers that were really sent.
"""

import csv
import hashlib
import io
import json
import random
import socket
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from spiders.launch import run_crawl
from warehouse import load_google

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "google_bundle" / "current"
PATH = "/political-csv/google-political-ads-transparency-bundle.zip"
HTML_PAGE = (b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
             b"<body><h1>Service Unavailable</h1><p>Please try again later.</p></body></html>")


def build_bundle(seed: int) -> bytes:
    """A bundle zip: the written fixtures plus a generated weekly-spend file of about 4 MB."""
    rng = random.Random(seed)
    weekly = io.StringIO()
    writer = csv.writer(weekly, lineterminator="\n")
    writer.writerow(["Advertiser_ID", "Advertiser_Name", "Week_Start_Date", "Spend_USD", "Spend_EUR", "Spend_INR"])
    for row in range(60_000):
        usd = rng.randrange(0, 500) * 100
        writer.writerow([f"AR{rng.randrange(10**19):020d}", f"Advertiser {row % 997}", "2024-06-02", usd,
                         rng.randrange(0, 900) * 50, rng.randrange(0, 9000) * 250])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(FIXTURES.glob("*.csv")):
            archive.write(path, f"google-political-ads-transparency-bundle/{path.name}")
        archive.writestr("google-political-ads-transparency-bundle/google-political-ads-advertiser-weekly-spend.csv",
                         weekly.getvalue())
    return buffer.getvalue()


class BundleServer:
    """Serves one file with ETag / Last-Modified, conditional requests and byte ranges, and faults:
    ``cut_once_at`` (announce the whole length, send that many bytes, drop the connection, once) and
    ``html`` (an HTML error page with status 200 instead of the zip)."""

    def __init__(self, payload: bytes, *, etag: str | None = '"v1"', last_modified: str | None = None):
        self.payload, self.etag, self.last_modified = payload, etag, last_modified
        self.cut_once_at: int | None = None
        self.html = False
        self.log: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_HEAD(self):
                server.answer(self, body=False)

            def do_GET(self):
                server.answer(self, body=True)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{PATH}"

    def requests(self, method: str) -> list[dict]:
        return [entry for entry in self.log if entry["method"] == method and entry["path"] == PATH]

    def answer(self, handler: BaseHTTPRequestHandler, *, body: bool) -> None:
        headers = {name.lower(): value for name, value in handler.headers.items()}
        entry = {"method": handler.command, "path": handler.path, "headers": headers}
        self.log.append(entry)
        if handler.path != PATH:
            entry["status"] = 404
            handler.send_response(404)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        if self.html:
            entry["status"] = 200
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", str(len(HTML_PAGE)))
            handler.end_headers()
            if body:
                handler.wfile.write(HTML_PAGE)
            return
        validators = {"ETag": self.etag, "Last-Modified": self.last_modified}
        unchanged = (self.etag and headers.get("if-none-match") == self.etag) or (
            not headers.get("if-none-match") and self.last_modified
            and headers.get("if-modified-since") == self.last_modified)
        if unchanged:
            entry["status"] = 304
            handler.send_response(304)
            for name, value in validators.items():
                if value:
                    handler.send_header(name, value)
            handler.end_headers()
            return
        start = 0
        if body and headers.get("range", "").startswith("bytes=") and headers.get("if-range") in (
                self.etag, self.last_modified):
            start = int(headers["range"].removeprefix("bytes=").rstrip("-"))
        part = self.payload[start:]
        entry["status"] = 206 if start else 200
        handler.send_response(entry["status"])
        handler.send_header("Content-Type", "application/zip")
        handler.send_header("Accept-Ranges", "bytes")
        handler.send_header("Content-Length", str(len(part)))
        if start:
            handler.send_header("Content-Range", f"bytes {start}-{len(self.payload) - 1}/{len(self.payload)}")
        for name, value in validators.items():
            if value:
                handler.send_header(name, value)
        handler.end_headers()
        if not body:
            return
        if self.cut_once_at is not None and not start:
            handler.wfile.write(part[: self.cut_once_at])
            handler.wfile.flush()
            entry["cut_at"] = self.cut_once_at
            self.cut_once_at = None
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        handler.wfile.write(part)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    payload = build_bundle(seed=1)
    bundle_server = BundleServer(payload, last_modified="Sun, 03 Nov 2024 10:00:00 GMT")
    yield bundle_server
    bundle_server.close()


def crawl(server: BundleServer, crawl_dir: Path, store: Path, *, retries: int = 3):
    # SPIDER_MODULES: until spiders/settings.py lists this spider (the integrator's), name it here.
    return run_crawl("google_political_bundle", crawl_dir, scope={}, settings={
        "SPIDER_MODULES": "spiders.google_political_bundle",
        "GOOGLE_BUNDLE_URL": server.url, "ADTRAIL_BULK_STORE": str(store), "ADTRAIL_MAX_RETRIES": str(retries),
        "ADTRAIL_BACKOFF_BASE_SECONDS": "0", "ADTRAIL_BACKOFF_MAX_SECONDS": "0", "AUTOTHROTTLE_ENABLED": "False",
        "DOWNLOAD_TIMEOUT": "20",
    })


def bulk_entry(manifest: dict) -> dict:
    [entry] = [f for f in manifest["files"] if f["kind"] == "bulk"]
    return entry


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_first_download_recorded_then_loaded(server, tmp_path):
    outcome = crawl(server, tmp_path / "crawl-1", tmp_path / "store")
    assert outcome.complete, outcome.error
    entry = bulk_entry(outcome.manifest)
    assert entry == {"path": "bulk/google-political-ads-transparency-bundle.zip", "kind": "bulk",
                     "sha256": sha256(server.payload), "size": len(server.payload), "etag": '"v1"',
                     "last_modified": "Sun, 03 Nov 2024 10:00:00 GMT", "source_url": server.url,
                     "fetched_at": entry["fetched_at"], "not_modified": False}
    assert (tmp_path / "crawl-1" / entry["path"]).read_bytes() == server.payload
    assert [r["status"] for r in server.requests("HEAD")] == [200]
    assert [r["status"] for r in server.requests("GET")] == [200]
    assert outcome.manifest["source"] == "google_political_bundle" and outcome.manifest["platform"] == "google"

    from warehouse import db, snapshots
    con = db.connect(tmp_path / "adtrail.duckdb")
    snapshot_id = snapshots.begin_or_resume(con, "2024-11-04", "test")
    result = load_google.load_google_crawl(con, snapshot_id, tmp_path / "crawl-1")
    assert result.rows["advertiser-weekly-spend"] == 60_000 and result.rows["creative-stats"] == 6
    row = con.execute("SELECT status, items_loaded, crawl_id FROM snapshot_source WHERE source = ?",
                      ["google_political_bundle"]).fetchall()
    assert row == [("complete", result.items_loaded, outcome.manifest["crawl_id"])]
    assert load_google.load_google_crawl(con, snapshot_id, tmp_path / "crawl-1").skipped
    con.close()


def test_unchanged_file_skipped_by_etag(server, tmp_path):
    store = tmp_path / "store"
    assert crawl(server, tmp_path / "crawl-1", store).complete
    before = len(server.log)
    second = crawl(server, tmp_path / "crawl-2", store)
    assert second.complete, second.error
    this_run = [r for r in server.log[before:] if r["path"] == PATH]
    assert [(r["method"], r["status"]) for r in this_run] == [("HEAD", 304)]
    assert this_run[0]["headers"]["if-none-match"] == '"v1"'
    entry = bulk_entry(second.manifest)
    assert entry["not_modified"] is True and entry["sha256"] == sha256(server.payload)
    assert (tmp_path / "crawl-2" / entry["path"]).read_bytes() == server.payload
    assert second.manifest["counts"]["not_modified"] == 1


def test_unchanged_file_skipped_by_last_modified(tmp_path):
    server = BundleServer(build_bundle(seed=2), etag=None, last_modified="Mon, 04 Nov 2024 08:00:00 GMT")
    try:
        store = tmp_path / "store"
        assert crawl(server, tmp_path / "crawl-1", store).complete
        before = len(server.log)
        second = crawl(server, tmp_path / "crawl-2", store)
        this_run = [r for r in server.log[before:] if r["path"] == PATH]
        assert [(r["method"], r["status"]) for r in this_run] == [("HEAD", 304)]
        assert this_run[0]["headers"]["if-modified-since"] == "Mon, 04 Nov 2024 08:00:00 GMT"
        assert "if-none-match" not in this_run[0]["headers"]
        assert bulk_entry(second.manifest)["not_modified"] is True
    finally:
        server.close()


def test_cut_download_resumed_by_a_rerun_with_range(server, tmp_path):
    cut_at = len(server.payload) // 2 + 12345
    server.cut_once_at = cut_at
    folder = tmp_path / "crawl-1"
    first = crawl(server, folder, tmp_path / "store", retries=0)
    assert not first.complete
    assert first.manifest["finish_reason"] == "download_incomplete"
    assert f"broke off after {cut_at} of {len(server.payload)} bytes" in first.manifest["error"]
    assert "resume" in first.manifest["error"]
    part = folder / "bulk" / "google-political-ads-transparency-bundle.zip.part"
    assert part.stat().st_size == cut_at
    assert [f for f in first.manifest["files"] if f["kind"] == "bulk"] == []

    second = crawl(server, folder, tmp_path / "store", retries=0)
    assert second.complete, second.error
    gets = server.requests("GET")
    assert [g["status"] for g in gets] == [200, 206]
    assert gets[1]["headers"]["range"] == f"bytes={cut_at}-"
    assert gets[1]["headers"]["if-range"] == '"v1"'
    entry = bulk_entry(second.manifest)
    assert entry["sha256"] == sha256(server.payload) == sha256((folder / entry["path"]).read_bytes())
    assert second.manifest["counts"]["resumed"] == 1 and not part.exists()


def test_cut_download_resumed_within_the_run(server, tmp_path):
    server.cut_once_at = 1_000_000
    outcome = crawl(server, tmp_path / "crawl-1", tmp_path / "store", retries=2)
    assert outcome.complete, outcome.error
    gets = server.requests("GET")
    assert [(g["status"], g["headers"].get("range")) for g in gets] == [(200, None), (206, "bytes=1000000-")]
    assert bulk_entry(outcome.manifest)["sha256"] == sha256(server.payload)
    assert outcome.manifest["counts"]["retries"] == 1


def test_html_instead_of_zip_fails_clearly_and_keeps_the_previous_file(server, tmp_path):
    store = tmp_path / "store"
    assert crawl(server, tmp_path / "crawl-1", store).complete
    server.html = True
    failed = crawl(server, tmp_path / "crawl-2", store)
    assert not failed.complete
    manifest = failed.manifest
    assert manifest["status"] == "failed" and manifest["finish_reason"] == "not_a_file"
    error = manifest["error"]
    assert "sent an HTML page (Content-Type text/html; charset=utf-8" in error
    assert "<!DOCTYPE html><html><head><title>503 Service Unavailable" in error
    assert f"previous good file (sha256 {sha256(server.payload)}" in error
    assert [f for f in manifest["files"] if f["kind"] == "bulk"] == []
    assert not (tmp_path / "crawl-2" / "bulk").exists() or not any((tmp_path / "crawl-2" / "bulk").iterdir())
    stored = store / "google_political_bundle" / "google-political-ads-transparency-bundle.zip"
    assert stored.read_bytes() == server.payload
    assert json.loads((store / "google_political_bundle" / "current.json").read_text())["sha256"] == sha256(
        server.payload)
    assert (tmp_path / "crawl-2" / "state" / "unexpected-body").read_bytes() == HTML_PAGE

    from warehouse import db, snapshots
    con = db.connect(tmp_path / "adtrail.duckdb")
    snapshot_id = snapshots.begin_or_resume(con, "2024-11-04", "test")
    result = load_google.load_google_crawl(con, snapshot_id, tmp_path / "crawl-2")
    assert (result.status, result.items_loaded) == ("failed", 0)
    assert con.execute("SELECT status, error FROM snapshot_source").fetchall() == [("failed", error)]
    assert con.execute("SELECT count(*) FROM raw_google_creative_stats").fetchall() == [(0,)]
    con.close()


def test_damaged_zip_is_not_kept_and_replaces_nothing(server, tmp_path):
    store = tmp_path / "store"
    good = server.payload
    assert crawl(server, tmp_path / "crawl-1", store).complete
    damaged = bytearray(good)
    damaged[len(good) // 2] ^= 0xFF  # one byte inside the stored weekly-spend CSV: its CRC no longer matches
    server.payload, server.etag = bytes(damaged), '"v2"'
    failed = crawl(server, tmp_path / "crawl-2", store)
    assert failed.manifest["finish_reason"] == "damaged_file"
    assert "google-political-ads-advertiser-weekly-spend.csv inside the zip is damaged (CRC mismatch)" in \
        failed.manifest["error"]
    assert "nothing was replaced" in failed.manifest["error"]
    assert not list((tmp_path / "crawl-2" / "bulk").glob("*"))
    stored = store / "google_political_bundle" / "google-political-ads-transparency-bundle.zip"
    assert sha256(stored.read_bytes()) == sha256(good)

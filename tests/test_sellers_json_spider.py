"""The sellers_json spider against a local server (127.0.0.1, port 0) that serves several ad systems'
sellers.json under /<domain>/sellers.json, crawled as adtrail crawls (a child process), then loaded: the
real files fetched and loaded, a 404 and an HTML page recorded per ad system without stopping the others,
robots.txt obeyed, and an unchanged file not downloaded again."""

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from spiders.launch import run_crawl
from warehouse import db, load, snapshots

pytestmark = pytest.mark.slow
REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
SELLERS = REALDATA / "sellers_json"
HTML = b"<!DOCTYPE html><html><body><h1>Welcome to our site</h1></body></html>"


class AdSystems(ThreadingHTTPServer):
    """/<domain>/sellers.json from ``files``; robots.txt disallows the paths in ``disallowed``."""

    def __init__(self, files: dict[str, tuple[bytes, str]], disallowed: list[str]):
        self.files, self.disallowed, self.requests = files, disallowed, []
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def template(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{{domain}}/sellers.json"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.answer(body=False)

    def do_GET(self):
        self.answer(body=True)

    def answer(self, body: bool):
        server = self.server
        if self.path == "/robots.txt":
            payload, content_type = "".join(f"Disallow: {p}\n" for p in server.disallowed).encode(), "text/plain"
            payload = b"User-agent: *\n" + payload
        elif self.path.lstrip("/").split("/")[0] in server.files:
            payload, content_type = server.files[self.path.lstrip("/").split("/")[0]]
        else:
            server.requests.append((self.command, self.path, 404))
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        etag = '"' + hashlib.sha256(payload).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            server.requests.append((self.command, self.path, 304))
            self.send_response(304)
            self.end_headers()
            return
        server.requests.append((self.command, self.path, 200))
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("ETag", etag)
        self.end_headers()
        if body:
            self.wfile.write(payload)


@pytest.fixture()
def server():
    files = {"admaru.com": ((SELLERS / "admaru.com_sellers.json").read_bytes(), "application/json"),
             "alumax.ai": ((SELLERS / "alumax.ai_sellers.json").read_bytes(), "application/json"),
             "vandelay-media.com": ((SELLERS / "vandelay-media.com_sellers_2024-12_invalid.json").read_bytes(),
                                    "application/json"),
             "parked.example": (HTML, "text/html; charset=utf-8"),
             "private.example": (b'{"sellers": []}', "application/json")}
    with AdSystems(files, disallowed=["/private.example/"]) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield httpd
        httpd.shutdown()


def crawl(server: AdSystems, crawl_dir: Path, store: Path, ad_systems: list[str]):
    return run_crawl("sellers_json", crawl_dir, scope={"ad_systems": ad_systems}, settings={
        "SELLERS_JSON_URL_TEMPLATE": server.template, "ADTRAIL_BULK_STORE": str(store),
        "ADTRAIL_MAX_RETRIES": "0", "ADTRAIL_BACKOFF_BASE_SECONDS": "0", "ADTRAIL_BACKOFF_MAX_SECONDS": "0",
        "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "20"})


@pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")
def test_ad_systems_fetched_failures_recorded_robots_obeyed_and_loaded(server, tmp_path):
    store = tmp_path / "store"
    systems = ["admaru.com", "alumax.ai", "vandelay-media.com", "parked.example", "gone.example", "private.example"]
    first = crawl(server, tmp_path / "crawl-1", store, systems)
    assert first.complete, first.error
    entries = {e["ad_system"]: e for e in first.manifest["files"] if e.get("ad_system")}
    assert set(entries) == set(systems)
    for domain in ("admaru.com", "alumax.ai", "vandelay-media.com"):
        assert entries[domain]["kind"] == "bulk" and entries[domain]["path"] == f"bulk/{domain}/sellers.json"
        saved = (tmp_path / "crawl-1" / entries[domain]["path"]).read_bytes()
        assert saved == server.files[domain][0]
    assert entries["parked.example"]["kind"] == "fetch_error" and "HTML page" in entries["parked.example"]["error"]
    assert entries["gone.example"]["finish_reason"] == "http_404"
    assert entries["private.example"]["finish_reason"] == "ignored"  # robots.txt disallows it
    assert not any(path.startswith("/private.example/") for _, path, _ in server.requests)
    assert "3 of 6 ad systems gave no sellers.json" in first.manifest["error"]

    con = db.connect(tmp_path / "w.duckdb")
    snapshot = snapshots.begin_or_resume(con, "2026-01-05", "test")
    result = load.load_crawl(con, snapshot, tmp_path / "crawl-1")
    assert (result.files, result.sellers, result.files_with_errors) == (6, 54, 4)
    assert dict(con.execute("SELECT ad_system_domain, sellers_count FROM raw_sellers_json_file WHERE status = 'ok'"
                            ).fetchall()) == {"admaru.com": 45, "alumax.ai": 9}
    snapshots.complete(con, snapshot)

    before = len(server.requests)
    second = crawl(server, tmp_path / "crawl-2", store, ["alumax.ai"])
    assert second.complete, second.error
    [entry] = [e for e in second.manifest["files"] if e.get("ad_system")]
    assert entry["not_modified"] is True
    assert [(m, s) for m, p, s in server.requests[before:] if p != "/robots.txt"] == [("HEAD", 304)]
    con.close()

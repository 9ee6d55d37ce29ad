"""The snap_political spider against a local object store (127.0.0.1, port 0) serving
``/political/<year>/PoliticalAds.zip``: 2018 is a zip of Snap's real 2018 CSV (../shared/realdata/snap), 2019 a
small CSV written here in Snap's header, 2020 not published (404). Crawled as ``adtrail crawl`` does (a child
process), loaded through ``adtrail load``'s own path (cli.load_and_publish): spend and impression sums equal the
CSVs' (computed here with the csv module); a cut download resumes with Range; a rerun downloads nothing; an
HTML page instead of 2019's zip fails that year only, with the reason in snapshot_source, and 2018 loads."""

import csv
import datetime as dt
import hashlib
import io
import threading
import zipfile
from collections import defaultdict
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from commands.snapshot import load_and_publish
from spiders.launch import run_crawl

pytestmark = pytest.mark.slow
REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
SNAP_CSV = REALDATA / "snap" / "PoliticalAds_2018_achow6.csv"
HTML = b"<!DOCTYPE html><html><head><title>Error 403 (Forbidden)</title></head><body>Forbidden</body></html>"


def zipped(csv_bytes: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("PoliticalAds.csv", csv_bytes)
        archive.writestr("readme.txt", "Snap political ads library (test copy)\n")
    return buffer.getvalue()


def written_2019() -> bytes:
    """Three ads in the 2018 file's header, one row with empty targeting, another currency."""
    with open(SNAP_CSV, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    rows = []
    for number, (currency, spend, impressions, country) in enumerate(
            [("USD", "1250", "480211", "united states"), ("EUR", "77", "9120", "france"),
             ("USD", "3", "415", "canada")]):
        row = dict.fromkeys(header, "")
        row.update({"ADID": f"2019test{number:056d}", "Currency Code": currency, "Spend": spend,
                    "Impressions": impressions, "CountryCode": country, "StartDate": "2019/03/01 10:00:00Z",
                    "OrganizationName": "Test Organisation", "PayingAdvertiserName": "Test Payer"})
        rows.append(row)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


class ObjectStore(ThreadingHTTPServer):
    """``files``: path -> (body, content type). ETag / If-None-Match (304), Range with If-Range (206); a path
    in ``cut_once`` sends half its body the first time, then closes the connection."""

    def __init__(self, files: dict[str, tuple[bytes, str]]):
        self.files, self.cut_once, self.requests = files, set(), []
        super().__init__(("127.0.0.1", 0), Handler)
        self.daemon_threads = True

    @property
    def template(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/political/{{year}}/PoliticalAds.zip"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.answer(body=False)

    def do_GET(self):
        self.answer(body=True)

    def reply(self, status: int, headers: dict[str, str], payload: bytes, body: bool, length: int | None = None):
        self.server.requests.append((self.command, self.path, status, self.headers.get("Range")))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload) if length is None else length))
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def answer(self, body: bool):
        if self.path not in self.server.files:
            self.reply(404, {"Content-Type": "text/plain"}, b"No such object.\n", body)
            return
        payload, content_type = self.server.files[self.path]
        etag = '"' + hashlib.md5(payload, usedforsecurity=False).hexdigest() + '"'
        common = {"ETag": etag, "Accept-Ranges": "bytes", "Content-Type": content_type}
        if self.headers.get("If-None-Match") == etag:
            self.reply(304, {"ETag": etag}, b"", body)
            return
        asked = self.headers.get("Range")
        if asked and self.headers.get("If-Range") in (None, etag):
            first = int(asked.removeprefix("bytes=").rstrip("-"))
            self.reply(206, {**common, "Content-Range": f"bytes {first}-{len(payload) - 1}/{len(payload)}"},
                       payload[first:], body)
            return
        if body and self.path in self.server.cut_once:
            self.server.cut_once.discard(self.path)
            self.reply(200, common, payload[: len(payload) // 2], body, length=len(payload))
            self.close_connection = True
            return
        self.reply(200, common, payload, body)


@pytest.fixture()
def store():
    files = {"/political/2018/PoliticalAds.zip": (zipped(SNAP_CSV.read_bytes()), "application/zip"),
             "/political/2019/PoliticalAds.zip": (zipped(written_2019()), "application/zip")}
    server = ObjectStore(files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def crawl(server: ObjectStore, crawl_dir: Path, bulk_store: Path, retries: int = 0):
    return run_crawl("snap_political", crawl_dir, scope={}, settings={
        "SNAP_POLITICAL_URL_TEMPLATE": server.template, "SNAP_POLITICAL_FIRST_YEAR": "2018",
        "SNAP_POLITICAL_LAST_YEAR": "2020", "ADTRAIL_BULK_STORE": str(bulk_store),
        "ADTRAIL_MAX_RETRIES": str(retries), "ADTRAIL_BACKOFF_BASE_SECONDS": "0", "ADTRAIL_BACKOFF_MAX_SECONDS": "0",
        "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "30"})


def csv_sums(*csv_texts: bytes) -> dict[str, tuple[Decimal, int]]:
    spend, impressions = defaultdict(Decimal), defaultdict(int)
    for text in csv_texts:
        for row in csv.DictReader(io.StringIO(text.decode("utf-8-sig"))):
            spend[row["Currency Code"]] += Decimal(row["Spend"])
            impressions[row["Currency Code"]] += int(row["Impressions"])
    return {currency: (spend[currency], impressions[currency]) for currency in spend}


def by_year(manifest: dict) -> dict[int, dict]:
    return {entry["year"]: entry for entry in manifest["files"] if "year" in entry}


@pytest.mark.skipif(not SNAP_CSV.exists(), reason="needs ../shared/realdata")
def test_every_year_fetched_resumed_loaded_and_skipped_when_unchanged(store, tmp_path):
    bulk_store = tmp_path / "bulk-store"
    store.cut_once.add("/political/2018/PoliticalAds.zip")
    first = crawl(store, tmp_path / "crawl-1", bulk_store, retries=1)
    assert first.complete, first.error
    years = by_year(first.manifest)
    assert sorted(years) == [2018, 2019, 2020]
    for year in (2018, 2019):
        entry = years[year]
        assert entry["kind"] == "bulk" and entry["path"] == f"bulk/{year}/PoliticalAds.zip"
        saved = (tmp_path / "crawl-1" / entry["path"]).read_bytes()
        assert saved == store.files[f"/political/{year}/PoliticalAds.zip"][0]
        assert entry["sha256"] == hashlib.sha256(saved).hexdigest() and entry["size"] == len(saved)
        assert entry["source_url"] == store.template.format(year=year) and entry["fetched_at"]
    assert years[2020]["kind"] == "not_found"
    counts = first.manifest["counts"]
    assert counts["years_not_published"] == 1 and counts["resumed"] == 1
    half = len(store.files["/political/2018/PoliticalAds.zip"][0]) // 2
    assert ("GET", "/political/2018/PoliticalAds.zip", 206, f"bytes={half}-") in store.requests
    assert first.manifest["error"] is None and first.manifest["scope"]["years"] == [2018, 2019, 2020]

    db_path = tmp_path / "w.duckdb"
    load_and_publish(db_path, [tmp_path / "crawl-1"], dt.date(2026, 1, 5))
    con = duckdb.connect(str(db_path), read_only=True)
    expected = csv_sums(SNAP_CSV.read_bytes(), written_2019())
    loaded = {currency: (spend, impressions) for currency, spend, impressions in con.execute(
        "SELECT currency_code, sum(spend), sum(impressions) FROM raw_snap_political GROUP BY 1").fetchall()}
    assert loaded == expected
    core = {currency: (spend, impressions) for currency, spend, impressions in con.execute(
        "SELECT spend_currency, sum(spend_estimate), sum(impressions_low) FROM core_ad WHERE platform = 'snap' "
        "GROUP BY 1").fetchall()}
    assert core == expected
    assert dict(con.execute("SELECT file_year, count(*) FROM raw_snap_political GROUP BY 1").fetchall()) == {
        2018: sum(1 for _ in csv.DictReader(io.StringIO(SNAP_CSV.read_text(encoding="utf-8")))), 2019: 3}
    assert con.execute("SELECT status, error FROM snapshot_source WHERE source = 'snap_political'").fetchall() == [
        ("complete", None)]
    con.close()

    before = len(store.requests)
    second = crawl(store, tmp_path / "crawl-2", bulk_store)
    assert second.complete, second.error
    again = by_year(second.manifest)
    assert again[2018]["not_modified"] is True and again[2019]["not_modified"] is True
    assert again[2018]["sha256"] == years[2018]["sha256"]
    asked = [(method, path, status) for method, path, status, _ in store.requests[before:] if path != "/robots.txt"]
    assert [a for a in asked if a[0] == "GET"] == []  # nothing downloaded again
    assert ("HEAD", "/political/2018/PoliticalAds.zip", 304) in asked


@pytest.mark.skipif(not SNAP_CSV.exists(), reason="needs ../shared/realdata")
def test_an_html_page_instead_of_a_year_fails_that_year_only(store, tmp_path):
    store.files["/political/2019/PoliticalAds.zip"] = (HTML, "text/html; charset=UTF-8")
    outcome = crawl(store, tmp_path / "crawl", tmp_path / "bulk-store")
    assert outcome.manifest["status"] == "complete"
    years = by_year(outcome.manifest)
    assert years[2018]["kind"] == "bulk" and years[2020]["kind"] == "not_found"
    assert years[2019]["kind"] == "fetch_error" and "an HTML page" in years[2019]["error"]
    assert not (tmp_path / "crawl" / "bulk" / "2019" / "PoliticalAds.zip").exists()
    assert (tmp_path / "crawl" / "state" / "unexpected-body-2019").read_bytes() == HTML
    assert "1 of 3 years failed: 2019: GET" in outcome.manifest["error"]

    db_path = tmp_path / "w.duckdb"
    load_and_publish(db_path, [tmp_path / "crawl"], dt.date(2026, 1, 5))
    con = duckdb.connect(str(db_path), read_only=True)
    [(status, error)] = con.execute(
        "SELECT status, error FROM snapshot_source WHERE source = 'snap_political'").fetchall()
    assert status == "complete" and "2019" in error and "an HTML page" in error
    assert "SNAP_POLITICAL_URL_TEMPLATE" in error
    assert con.execute("SELECT DISTINCT file_year FROM raw_snap_political").fetchall() == [(2018,)]
    loaded = {c: (s, i) for c, s, i in con.execute(
        "SELECT currency_code, sum(spend), sum(impressions) FROM raw_snap_political GROUP BY 1").fetchall()}
    assert loaded == csv_sums(SNAP_CSV.read_bytes())
    con.close()

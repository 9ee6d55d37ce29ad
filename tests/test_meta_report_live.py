"""The opt-in live fetch of the Meta Ad Library Report (spiders/meta_ad_report.py).

The query parser on the real recorded answer of the website's ``AdReportV2DownloadButtonContainerQuery``
(../shared/realdata/meta), the form against the real recorded request; then the spider against a local
server (127.0.0.1, port 0) that answers the query like the recording, pointing at a zip of the real
``FacebookAdLibraryReport_2025-07-13_AD_last_30_days.zip`` bytes it serves too: crawled as ``adtrail crawl``
does (a child process) and loaded through ``adtrail load``'s path. An answer of another shape (no download
URI) fails that report with the reason in the manifest and in snapshot_source; off by default, and without a
permission statement, the crawl refuses and points to ``adtrail import meta-report``."""

import datetime as dt
import hashlib
import json
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl

import duckdb
import pytest

from commands.snapshot import load_and_publish
from config import ConfigError, load_config
from spiders.launch import run_crawl
from spiders.parsers import meta_report_query as query
from spiders.parsers.meta_report import parse_name

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
META = REALDATA / "meta"
RECORDED_REQUEST = META / "AdReportV2DownloadButtonContainerQuery_request_body.txt"
RECORDED_ANSWER = META / "AdReportV2DownloadButtonContainerQuery_response.json"
AD_ZIP = META / "FacebookAdLibraryReport_2025-07-13_AD_last_30_days.zip"
needs_realdata = pytest.mark.skipif(not META.exists(), reason="needs ../shared/realdata")
PERMISSION = "Test permission: a local replay server, no facebook.com access"


@needs_realdata
def test_download_uri_of_the_recorded_answer():
    uri = query.download_uri(RECORDED_ANSWER.read_bytes())
    assert uri.startswith("https://scontent-nrt1-1.xx.fbcdn.net/v/t39.22812-6/")
    assert "oh=00_AfQPWwym1M6KSgvMIP0GwAfkCGeIWdP7rnz1qbDDYC5Y1w" in uri
    name = query.report_file_name(uri)
    assert name == "FacebookAdLibraryReport_2025-07-09_UA_last_30_days.zip"
    parsed = parse_name(name)
    assert (parsed.country, parsed.period, parsed.report_date) == ("UA", "last_30_days", dt.date(2025, 7, 9))
    assert query.without_query(uri) == uri.split("?")[0]


@needs_realdata
def test_query_form_is_the_recorded_request_without_its_session_fields():
    recorded = parse_qsl(RECORDED_REQUEST.read_text(encoding="utf-8").strip(), keep_blank_values=True)
    last = {}
    for key, value in recorded:
        last[key] = value  # the recording repeats `variables`; the later one is the query answered
    form = query.query_form("UA", "2025-07-10", "last_30_days")
    for key, value in form.items():
        assert last[key] == value, key
    assert json.loads(last["variables"]) == {"country": "UA", "reportDS": "2025-07-10", "timePreset": "last_30_days"}
    assert not {"lsd", "jazoest", "__dyn", "__csr", "__hsi", "__spin_t"} & set(form)


@pytest.mark.parametrize("body, said", [
    (b'{"data":{"ad_library_report":null},"extensions":{"is_final":true}}', "no data.ad_library_report.download_uri"),
    (b'{"data":{"ad_library_report_v3":{"uri":"https://x/y.zip"}}}', "ad_library_report_v3"),
    (b'{"errors":[{"message":"PersistedQueryNotFound","severity":"CRITICAL"}]}', "PersistedQueryNotFound"),
    (b"<!DOCTYPE html><html><title>Log in</title></html>", "an HTML page"),
    (b'for (;;);{"error":1357004,"errorSummary":"Sorry, something went wrong"}', "refused"),
])
def test_an_answer_of_another_shape_is_refused_with_what_to_do(body, said):
    with pytest.raises(query.MetaReportQueryError) as refused:
        query.download_uri(body)
    assert said in str(refused.value) and "adtrail import meta-report" in str(refused.value)


# ---------------------------------------------------------------- the spider against a local server


class Facebook(ThreadingHTTPServer):
    """POST /api/graphql/: the report query, answered like the recording (``answers``: country -> JSON bytes,
    ``{zip}`` replaced by this server's zip address); GET/HEAD of the zip path serve ``zip_bytes``."""

    zip_path = "/v/t39.22812-6/1_n.zip/FacebookAdLibraryReport_2025-07-13_AD_last_30_days.zip"

    def __init__(self, answers: dict[str, bytes], zip_bytes: bytes):
        self.answers, self.zip_bytes, self.requests = answers, zip_bytes, []
        super().__init__(("127.0.0.1", 0), Handler)
        self.daemon_threads = True

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status: int, content_type: str, payload: bytes, body: bool = True, **headers):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def do_POST(self):
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.server.requests.append(("POST", self.path, form))
        if self.path != "/api/graphql/" or form.get("fb_api_req_friendly_name") != [query.FRIENDLY_NAME]:
            self.send(404, "text/html", b"<html>not found</html>")
            return
        variables = json.loads(form["variables"][0])
        answer = self.server.answers.get(variables["country"], b'{"data":{"ad_library_report":null}}')
        zip_uri = f"{self.server.base}{self.server.zip_path}?_nc_cat=103&oh=00_SIGNATURE&oe=6882F17D"
        self.send(200, "application/json", answer.replace(b"{zip}", zip_uri.encode()))

    def do_HEAD(self):
        self.do_GET(body=False)

    def do_GET(self, body: bool = True):
        self.server.requests.append((self.command, self.path, None))
        if self.path.split("?")[0] != self.server.zip_path:
            self.send(404, "text/plain", b"no such object", body)
            return
        self.send(200, "application/zip", self.server.zip_bytes, body, ETag='"ad-zip-1"')


def recorded_shape(zip_placeholder: str = "{zip}") -> bytes:
    """The recorded answer with its download URI swapped for this server's zip."""
    answer = json.loads(RECORDED_ANSWER.read_bytes())
    answer["data"]["ad_library_report"]["download_uri"] = zip_placeholder
    return json.dumps(answer).encode()


@pytest.fixture()
def facebook():
    answers = {"AD": recorded_shape(), "BE": b'{"data":{"ad_library_report":null},"extensions":{"is_final":true}}'}
    server = Facebook(answers, AD_ZIP.read_bytes() if AD_ZIP.exists() else b"")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def crawl(server: Facebook, crawl_dir: Path, countries: list[str], *, live_fetch: bool = True,
          permission: str = PERMISSION):
    settings = {"META_AD_REPORT_QUERY_URL": f"{server.base}/api/graphql/", "ADTRAIL_BULK_STORE":
                str(crawl_dir.parent / "bulk-store"), "ADTRAIL_MAX_RETRIES": "0", "ADTRAIL_BACKOFF_BASE_SECONDS": "0",
                "ADTRAIL_BACKOFF_MAX_SECONDS": "0", "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "30"}
    if live_fetch:
        settings["META_AD_REPORT_LIVE_FETCH"] = "True"
    scope = {"countries": countries, "periods": ["last_30_days"], "report_date": "2025-07-14",
             "permission_statement": permission}
    return run_crawl("meta_ad_report", crawl_dir, scope=scope, settings=settings)


def zip_rows(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(len(archive.read(name).decode("utf-8-sig").strip().splitlines()) - 1
                   for name in archive.namelist() if name.endswith(".csv"))


@needs_realdata
@pytest.mark.slow
def test_crawled_zip_loads_and_a_changed_answer_is_named(facebook, tmp_path):
    outcome = crawl(facebook, tmp_path / "crawl", ["AD", "BE"])
    assert outcome.complete, outcome.error
    manifest = outcome.manifest
    queries = [form for method, _, form in facebook.requests if method == "POST"]
    assert [json.loads(f["variables"][0]) for f in queries] == [
        {"country": c, "reportDS": "2025-07-14", "timePreset": "last_30_days"} for c in ("AD", "BE")]
    assert all(f["doc_id"] == [query.DOC_ID] for f in queries)
    fetched = [e for e in manifest["files"] if e["kind"] == "bulk"]
    assert len(fetched) == 1 and fetched[0]["country"] == "AD"
    saved = tmp_path / "crawl" / fetched[0]["path"]
    assert saved.name == AD_ZIP.name and saved.read_bytes() == AD_ZIP.read_bytes()
    assert fetched[0]["sha256"] == hashlib.sha256(AD_ZIP.read_bytes()).hexdigest()
    assert fetched[0]["source_url"] == facebook.base + facebook.zip_path  # the expiring signature not kept
    assert "SIGNATURE" not in (tmp_path / "crawl" / "manifest.json").read_text()
    failed = [e for e in manifest["files"] if e["kind"] == "fetch_error"]
    assert [(e["file_key"], e["finish_reason"]) for e in failed] == [("BE_last_30_days", "query_changed")]
    assert "no data.ad_library_report.download_uri" in manifest["error"] and "BE_last_30_days" in manifest["error"]
    assert manifest["scope"]["permission_statement"] == PERMISSION

    db_path = tmp_path / "w.duckdb"
    load_and_publish(db_path, [tmp_path / "crawl"], dt.date(2026, 1, 5))
    con = duckdb.connect(str(db_path), read_only=True)
    assert con.execute("SELECT count(*), min(country), min(period), min(crawl_id), min(source_url) "
                       "FROM raw_meta_ad_report").fetchone() == (
        zip_rows(AD_ZIP), "AD", "last_30_days", manifest["crawl_id"], facebook.base + facebook.zip_path)
    status, error, items = con.execute("SELECT status, error, items_loaded FROM snapshot_source "
                                       "WHERE source = 'meta_ad_report'").fetchone()
    assert status == "complete" and items == zip_rows(AD_ZIP)
    assert "BE_last_30_days" in error and "no data.ad_library_report.download_uri" in error
    con.close()


@needs_realdata
@pytest.mark.slow
def test_only_changed_answers_fail_the_crawl_and_the_source(facebook, tmp_path):
    outcome = crawl(facebook, tmp_path / "crawl", ["BE"])
    assert not outcome.complete and outcome.manifest["status"] == "failed"
    assert "no data.ad_library_report.download_uri" in outcome.manifest["error"]
    db_path = tmp_path / "w.duckdb"
    load_and_publish(db_path, [tmp_path / "crawl"], dt.date(2026, 1, 5))
    con = duckdb.connect(str(db_path), read_only=True)
    status, error = con.execute("SELECT status, error FROM snapshot_source WHERE source = 'meta_ad_report'").fetchone()
    assert status == "failed" and "no data.ad_library_report.download_uri" in error
    assert con.execute("SELECT count(*) FROM raw_meta_ad_report").fetchone() == (0,)
    con.close()


def test_off_by_default_points_to_the_import(tmp_path, monkeypatch):
    monkeypatch.delenv("ADTRAIL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.source("meta_ad_report")["live_fetch"] is False
    with pytest.raises(ConfigError, match="adtrail import meta-report"):
        config.scope("meta_ad_report")
    (tmp_path / "adtrail.toml").write_text('[sources.meta_ad_report]\nlive_fetch = true\ncountries = ["AD"]\n')
    opted_in = load_config()
    assert opted_in.scope("meta_ad_report")["countries"] == ["AD"]
    assert opted_in.spider_settings("meta_ad_report")["META_AD_REPORT_LIVE_FETCH"] == "True"


@pytest.mark.slow
def test_the_spider_refuses_when_off_or_without_permission(facebook, tmp_path):
    off = crawl(facebook, tmp_path / "off", ["AD"], live_fetch=False)
    assert not off.complete and off.manifest["finish_reason"] == "live_fetch_off"
    assert "adtrail import meta-report" in off.manifest["error"]
    unstated = crawl(facebook, tmp_path / "unstated", ["AD"], permission="")
    assert not unstated.complete and "permission_statement" in unstated.error
    assert "adtrail import meta-report" in unstated.error
    assert facebook.requests == []  # nothing reached the server


@needs_realdata
def test_adtrail_parse_reads_a_saved_query_answer(capsys):
    from cli import main

    assert main(["parse", "meta-report-query", str(RECORDED_ANSWER)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    parsed = json.loads(line)
    assert parsed["file_name"] == "FacebookAdLibraryReport_2025-07-09_UA_last_30_days.zip"
    assert (parsed["country"], parsed["period"], parsed["report_date"]) == ("UA", "last_30_days", "2025-07-09")
    assert parsed["download_uri"] == query.download_uri(RECORDED_ANSWER.read_bytes())

"""The meta_ads_archive spider, run as adtrail runs it (``python -m spiders.run`` in a child process)
against the replay server (tests/replay_server.py) with the scenarios in tests/fixtures/replay/."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from spiders.base import backoff_seconds, describe_malformed, with_halved_limit
from spiders.items import FIELDS
from spiders.manifest import file_sha256
from tests.replay_server import PROJECT_ROOT, REALDATA, ReplayServer, run_spider, spider_command

TOKEN = "EAAtest0token0for0replay0tests"
pytestmark = pytest.mark.slow


def read_items(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "items.jsonl").read_text(encoding="utf-8").splitlines()]


def read_manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def warc_records(folder: Path) -> list:
    """(type, headers, http headers, payload) of every record of every WARC file of the crawl."""
    records = []
    for path in sorted((folder / "warc").glob("*.warc.gz")):
        with open(path, "rb") as handle:
            for record in ArchiveIterator(handle):
                records.append((record.rec_type, record.rec_headers, record.http_headers,
                                record.content_stream().read()))
    return records


# ---- the faults scenario: every problem once; the crawl completes

@pytest.fixture(scope="module")
def faults(tmp_path_factory):
    out = tmp_path_factory.mktemp("faults") / "crawl"
    with ReplayServer("faults") as server:
        completed = run_spider(server, out, token=TOKEN)
    return out, completed, server


def test_faults_crawl_completes(faults):
    out, completed, _ = faults
    assert completed.returncode == 0, completed.stderr
    manifest = read_manifest(out)
    assert manifest["status"] == "complete"
    assert manifest["finish_reason"] == "finished"
    assert manifest["error"] is None
    assert manifest["cursor"] is None


@pytest.mark.parametrize("count, expected", [
    ("pages", 5), ("items", 14), ("http_429", 1), ("rate_limited", 2), ("limit_halved", 1),
    ("truncated_body", 2), ("repeated_next", 1), ("retries", 6), ("http_5xx", 2), ("http_4xx", 1),
    ("graph_error_4", 1), ("graph_error_613", 1), ("graph_error_1", 1),
])
def test_faults_every_problem_counted(faults, count, expected):
    assert read_manifest(faults[0])["counts"][count] == expected


def test_faults_every_ad_stored_once(faults):
    items = read_items(faults[0])
    assert Counter(item["ad_id"] for item in items) == Counter(str(n) for n in range(1001, 1015))
    assert all(list(item) == list(FIELDS["meta_ad"]) for item in items)
    assert {item["page_number"] for item in items} == {1, 2, 3, 4, 5}
    assert {item["query_country"] for item in items} == {"BD"}  # the one country of the scope


def test_faults_items_carry_provenance(faults):
    out = faults[0]
    manifest = read_manifest(out)
    for item in read_items(out):
        assert item["source"] == "meta_ads_archive"
        assert item["crawl_id"] == manifest["crawl_id"]
        assert item["fetched_at"].endswith("+00:00")
        assert item["source_url"].startswith("http://127.0.0.1:") and "access_token" not in item["source_url"]
        assert item["ad_snapshot_url"].endswith("&access_token=REDACTED") or "access_token" not in item["ad_snapshot_url"]


def test_faults_code1_halves_the_limit_of_the_next_request(faults):
    requests = faults[2].requests
    code1 = next(index for index, request in enumerate(requests) if request["key"] == "C3" and request["index"] == 1)
    assert requests[code1]["status"] == 500
    assert [request["query"]["limit"] for request in requests[:code1 + 1]] == ["250"] * (code1 + 1)
    assert requests[code1 + 1]["query"]["limit"] == "125"


def test_faults_server_saw_each_request_once_per_response_and_the_token_only_in_the_header(faults):
    requests = faults[2].requests
    assert [(request["key"], request["index"]) for request in requests] == [
        ("first", 0), ("C2", 0), ("C2", 1), ("C3", 0), ("C3", 1), ("C3", 2), ("C4", 0), ("C4", 1),
        ("C5", 0), ("C5", 1), ("C5", 2)]
    assert all(request["authorization"] == f"Bearer {TOKEN}" for request in requests)
    assert not any("access_token" in request["query"] for request in requests)
    assert all(request["user_agent"].startswith("adtrail/") for request in requests)


def test_faults_every_response_archived_with_its_request(faults):
    records = warc_records(faults[0])
    responses = [record for record in records if record[0] == "response"]
    requests = [record for record in records if record[0] == "request"]
    assert [int(record[2].get_statuscode()) for record in responses] == [
        200, 429, 200, 400, 500, 200, 200, 200, 502, 200, 200]
    response_ids = {record[1].get_header("WARC-Record-ID") for record in responses}
    assert {record[1].get_header("WARC-Concurrent-To") for record in requests} == response_ids
    assert not any(record[2].get_header("Authorization") for record in requests)
    rate_limited = responses[1]
    assert json.loads(rate_limited[2].get_header("X-Business-Use-Case-Usage"))
    assert [record[1].get_header("WARC-Truncated") for record in responses].count("disconnect") == 1


def test_faults_body_sha256_is_the_archived_payload(faults):
    out = faults[0]
    payloads = {hashlib.sha256(record[3]).hexdigest(): record[1].get_header("WARC-Target-URI")
                for record in warc_records(out) if record[0] == "response"}
    for item in read_items(out):
        assert payloads[item["body_sha256"]] == item["source_url"]


def test_faults_manifest_files_match_the_folder(faults):
    out = faults[0]
    files = read_manifest(out)["files"]
    assert [entry["path"] for entry in files] == ["items.jsonl", "warc/responses-1.warc.gz"]
    for entry in files:
        assert (entry["sha256"], entry["size"]) == file_sha256(out / entry["path"])
    assert files[0]["rows"] == 14


def test_faults_cursor_file_marks_the_chain_ended_by_its_repeated_next(faults):
    cursor = json.loads((faults[0] / "state" / "cursor.json").read_text())
    assert cursor["chains"] == {"country-BD": {"next": None, "finished": True, "pages": 5, "end": "repeated_next"}}


def test_faults_progress_lines_on_stderr(faults):
    stderr = faults[1].stderr
    assert "chain country-BD page 5 stored, 2 items" in stderr
    assert "complete: 5 pages, 14 items" in stderr


def test_rerun_with_another_scope_is_refused_and_changes_nothing(faults, tmp_path):
    out = faults[0]
    before = (out / "manifest.json").read_bytes()
    with ReplayServer("faults") as server:
        completed = run_spider(server, out, token=TOKEN, scope={"countries": ["KE"]})
    assert completed.returncode == 3
    assert "another scope" in completed.stderr
    assert server.requests == []
    assert (out / "manifest.json").read_bytes() == before


# ---- stops

@pytest.mark.parametrize("scenario, reason, words", [
    ("stop_token_expired", "token_expired", ["renew", "META_ACCESS_TOKEN"]),
    ("stop_identity", "identity_confirmation_required", ["identity confirmation", "facebook.com/ID"]),
])
def test_stop_errors_end_the_crawl_with_the_users_message(tmp_path, scenario, reason, words):
    with ReplayServer(scenario) as server:
        completed = run_spider(server, tmp_path / "crawl", token=TOKEN)
    assert completed.returncode == 3
    manifest = read_manifest(tmp_path / "crawl")
    assert (manifest["status"], manifest["finish_reason"]) == ("failed", reason)
    for word in words:
        assert word.lower() in manifest["error"].lower()
        assert word.lower() in completed.stderr.lower()
    assert len(server.requests) == 1  # a stop is not retried
    assert manifest["counts"]["retries"] == 0


@pytest.mark.realdata
@pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")
@pytest.mark.parametrize("term, reason", [("expired", "token_expired"), ("identity", "identity_confirmation_required")])
def test_real_error_bodies_stop_the_crawl(tmp_path, term, reason):
    with ReplayServer("real_errors") as server:
        completed = run_spider(server, tmp_path / "crawl", token=TOKEN,
                               scope={"countries": ["GB"], "search_terms": [term]})
    assert completed.returncode == 3
    assert read_manifest(tmp_path / "crawl")["finish_reason"] == reason


def test_a_rate_limit_longer_than_the_longest_wait_stops_with_the_time_to_rerun(tmp_path):
    with ReplayServer("long_rate_limit") as server:
        completed = run_spider(server, tmp_path / "crawl", token=TOKEN, settings={"ADTRAIL_MAX_WAIT_SECONDS": "600"})
    assert completed.returncode == 3
    manifest = read_manifest(tmp_path / "crawl")
    assert (manifest["status"], manifest["finish_reason"]) == ("failed", "rate_limited")
    assert "access returns in 90 minutes" in manifest["error"] and "rerun after" in manifest["error"]
    assert manifest["cursor"].startswith(server.endpoint + "?ad_reached_countries=")
    assert (manifest["counts"]["rate_limited"], manifest["counts"]["retries"], len(server.requests)) == (1, 0, 1)


def test_missing_token_stops_before_any_request(tmp_path):
    with ReplayServer("faults") as server:
        completed = run_spider(server, tmp_path / "crawl", token=None)
    assert completed.returncode == 3
    assert "META_ACCESS_TOKEN is not set" in completed.stderr
    assert server.requests == []
    assert read_manifest(tmp_path / "crawl")["finish_reason"] == "token_missing"


@pytest.mark.parametrize("scope, words", [
    ({}, "countries"),
    ({"countries": ["Bangladesh"]}, "ISO 3166-1"),
    ({"countries": ["BD"], "ad_type": "POLITICAL"}, "ad_type"),
    ({"countries": ["BD"], "delivery_date_min": "01/02/2024"}, "YYYY-MM-DD"),
    ({"countries": ["BD"], "search_term": ["x"]}, "unknown scope keys"),
])
def test_a_scope_that_cannot_be_crawled_is_refused(tmp_path, scope, words):
    with ReplayServer("faults") as server:
        completed = run_spider(server, tmp_path / "crawl", token=TOKEN, scope=scope)
    assert completed.returncode == 3
    assert words in completed.stderr
    assert server.requests == []


# ---- one chain per country

def test_each_country_is_its_own_chain_and_items_name_their_country(tmp_path):
    out = tmp_path / "crawl"
    with ReplayServer("two_countries") as server:
        completed = run_spider(server, out, token=TOKEN, scope={"countries": ["BD", "KE"]})
    assert completed.returncode == 0, completed.stderr
    assert sorted(server.keys_requested()) == ["BD2", "first:BD", "first:KE"]
    assert sorted(request["query"]["ad_reached_countries"] for request in server.requests) == [
        '["BD"]', '["BD"]', '["KE"]']
    # the ad that reached both countries comes once per chain, each time with its chain's country
    assert sorted((item["ad_id"], item["query_country"]) for item in read_items(out)) == [
        ("3001", "BD"), ("3002", "BD"), ("3002", "KE"), ("3003", "BD"), ("3004", "KE")]
    cursor = json.loads((out / "state" / "cursor.json").read_text())
    assert {chain: (state["finished"], state["pages"]) for chain, state in cursor["chains"].items()} == {
        "country-BD": (True, 2), "country-KE": (True, 1)}


# ---- retries exhausted, then a rerun that continues

def test_retries_exhausted_then_rerun_continues_from_the_cursor(tmp_path):
    out = tmp_path / "crawl"
    scope = {"countries": ["GB"], "search_terms": ["Woking", "Brexit"]}
    # Back-off long enough that the one-page Woking chain surely ends before Brexit's retries run out:
    # the crawl stops at once then, and what is still in flight is left for the rerun.
    slow_retries = {"ADTRAIL_MAX_RETRIES": "2", "ADTRAIL_BACKOFF_BASE_SECONDS": "0.2",
                    "ADTRAIL_BACKOFF_MAX_SECONDS": "0.4"}
    with ReplayServer("two_terms_resume") as server:
        first = run_spider(server, out, token=TOKEN, scope=scope, settings=slow_retries)
        first_requests = server.keys_requested()
        manifest = read_manifest(out)
        cursor = json.loads((out / "state" / "cursor.json").read_text())

        assert first.returncode == 3
        assert (manifest["status"], manifest["finish_reason"]) == ("failed", "retries_exhausted")
        assert "ADTRAIL_MAX_RETRIES=2" in manifest["error"] and "rerun" in manifest["error"]
        assert manifest["cursor"].endswith("&after=B2")
        assert sorted(first_requests) == ["B2", "B2", "B2", "first:Brexit", "first:Woking"]
        assert sorted(item["ad_id"] for item in read_items(out)) == ["2101", "2102", "2201", "2202"]
        # one chain ended on its last page, the other stopped with its cursor (both stored one page)
        ends = sorted((chain["finished"], chain["end"] or "") for chain in cursor["chains"].values())
        assert ends == [(False, ""), (True, "last_page")]
        assert "search_terms=Woking" not in json.dumps(manifest)  # terms are hashed in the manifest

        second = run_spider(server, out, token=TOKEN, scope=scope, settings={"ADTRAIL_MAX_RETRIES": "2"})
        second_requests = server.keys_requested()[len(first_requests):]

    assert second.returncode == 0, second.stderr
    assert second_requests == ["B2", "B3"]  # neither the finished chain nor earlier pages again
    manifest = read_manifest(out)
    assert (manifest["status"], manifest["crawl_id"]) == ("complete", read_items(out)[0]["crawl_id"])
    assert Counter(item["ad_id"] for item in read_items(out)) == Counter(
        ["2101", "2102", "2201", "2202", "2203", "2204", "2205"])
    assert (manifest["counts"]["pages"], manifest["counts"]["items"], manifest["counts"]["http_5xx"]) == (4, 7, 3)
    assert [entry["path"] for entry in manifest["files"] if entry["kind"] == "warc"] == [
        "warc/responses-1.warc.gz", "warc/responses-2.warc.gz"]


def test_ctrl_c_during_a_wait_stops_the_crawl_and_a_rerun_continues(tmp_path):
    import signal
    import subprocess
    import time

    out = tmp_path / "crawl"
    with ReplayServer("faults") as server:
        # The 429 on page 2 starts a 60 s wait; Ctrl-C (SIGINT) comes once the server has answered it.
        command, env = spider_command(server, out, token=TOKEN, settings={"ADTRAIL_BACKOFF_BASE_SECONDS": "60"})
        child = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while len(server.requests) < 2 and child.poll() is None:
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=120)
        manifest = read_manifest(out)
        assert child.returncode == 3, stderr
        assert (manifest["status"], manifest["finish_reason"]) == ("failed", "shutdown")
        assert manifest["cursor"].endswith("&after=C2")

        rerun = run_spider(server, out, token=TOKEN)
    assert rerun.returncode == 0, rerun.stderr
    assert server.keys_requested()[2:] == ["C2", "C3", "C3", "C3", "C4", "C4", "C5", "C5", "C5"]
    assert Counter(item["ad_id"] for item in read_items(out)) == Counter(str(n) for n in range(1001, 1015))


# ---- real pages

@pytest.mark.realdata
@pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")
def test_real_v19_pages_crawl_to_their_end(tmp_path):
    out = tmp_path / "crawl"
    with ReplayServer("real_pages") as server:
        completed = run_spider(server, out, token=TOKEN, scope={"countries": ["GB"]},
                               settings={"META_ADS_ARCHIVE_URL": server.base_url + "/v19.0/ads_archive"})
    assert completed.returncode == 0, completed.stderr
    real = [json.loads((REALDATA / "meta" / f"guardian_ukelection_test_run_FacebookAds_2024518T105227_{n}.json")
                       .read_text(encoding="utf-8"))["data"] for n in (1, 2)]
    assert [item["ad_id"] for item in read_items(out)] == [record["id"] for page in real for record in page]
    manifest = read_manifest(out)
    assert manifest["scope"]["api_version"] == "v19.0"
    assert (manifest["counts"]["pages"], manifest["counts"]["items"]) == (3, 4)


# ---- the pieces, in process

def test_halved_limit_keeps_the_other_parameters():
    url = "https://graph.facebook.com/v23.0/ads_archive?ad_reached_countries=%5B%22BD%22%5D&limit=250&after=QVFI"
    assert with_halved_limit(url) == url.replace("limit=250", "limit=125")
    assert with_halved_limit(url.replace("limit=250", "limit=3")).endswith("limit=1&after=QVFI")
    assert with_halved_limit(url.replace("limit=250", "limit=1")) is None
    assert with_halved_limit("https://graph.facebook.com/v23.0/ads_archive?after=x") is None


@pytest.mark.parametrize("attempt, stated, expected", [
    (0, None, 2.0), (1, None, 4.0), (3, None, 16.0), (9, None, 60.0), (0, 0.0, 2.0), (0, 420.0, 420.0),
])
def test_backoff_honours_the_stated_time_else_grows_to_its_cap(attempt, stated, expected):
    assert backoff_seconds(attempt, base=2.0, cap=60.0, stated=stated) == expected


@pytest.mark.parametrize("body, flags, length, expected", [
    (b'{"data": [{"id": "1", "page_name": "Dha', [], None, "truncated_body"),
    (b'{"data": [{"id": "1"},', [], None, "truncated_body"),
    (b'{"data": [{"id": "1"}]}', ["dataloss"], None, "truncated_body"),
    (b'{"data": []}', [], 900, "truncated_body"),
    (b"<!DOCTYPE html><html><body>Log in</body></html>", [], None, "html_body"),
    (b'{"data": [}, "x"]}', [], None, "malformed_body"),
    (b'{"paging": {}}', [], None, "malformed_body"),
])
def test_bodies_that_are_not_pages_are_told_apart(body, flags, length, expected):
    assert describe_malformed(body, flags, length) == expected


def test_chains_one_per_term_and_group_of_ten_page_ids(tmp_path):
    from scrapy.utils.test import get_crawler

    from spiders.meta_ads_archive import MetaAdsArchiveSpider

    from spiders import settings as project_settings

    settings = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    crawler = get_crawler(MetaAdsArchiveSpider, {**settings, "ADTRAIL_CRAWL_DIR": str(tmp_path), "META_PAGE_LIMIT": 100})
    page_ids = [str(100 + n) for n in range(12)]
    spider = MetaAdsArchiveSpider.from_crawler(crawler, scope={
        "countries": ["bd", "IN"], "search_terms": ["ভোট", "vote"], "search_page_ids": page_ids,
        "delivery_date_min": "2024-01-01", "delivery_date_max": ""})
    chains = spider.chains()
    # one chain per country (so each ad is known to reach its chain's country), term and group of ids
    assert len(chains) == 8 and len({chain.chain_id for chain in chains}) == 8
    assert not any("vote" in chain.chain_id for chain in chains)
    assert Counter(spider.chain_country.values()) == {"BD": 4, "IN": 4}
    for chain in chains:
        country = spider.chain_country[chain.chain_id]
        assert chain.chain_id.startswith(f"country-{country}+term-")
        assert f"ad_reached_countries=%5B%22{country}%22%5D&" in chain.first_url
    first = chains[0].first_url
    assert first.startswith("https://graph.facebook.com/v23.0/ads_archive?ad_reached_countries=%5B%22BD%22%5D")
    assert "ad_delivery_date_min=2024-01-01" in first and "ad_delivery_date_max" not in first
    assert "search_page_ids=%5B100%2C101%2C" in first and "limit=100" in first
    assert "age_country_gender_reach_breakdown" in first and "beneficiary_payers" in first
    assert spider.safe_scope["search_terms_sha256"] == [hashlib.sha256(term.encode()).hexdigest()
                                                        for term in ("ভোট", "vote")]


def test_requests_of_an_earlier_run_are_dropped_before_the_download():
    from types import SimpleNamespace

    from scrapy import Request
    from scrapy.statscollectors import MemoryStatsCollector

    from spiders.base import EarlierRunRequest
    from spiders.middlewares.earlier_runs import DropEarlierRunRequestsMiddleware

    from scrapy.settings import Settings

    crawler = SimpleNamespace(spider=SimpleNamespace(run_id="this-run"), settings=Settings(), stats=None)
    crawler.stats = MemoryStatsCollector(crawler)
    middleware = DropEarlierRunRequestsMiddleware(crawler)
    assert middleware.process_request(Request("http://127.0.0.1/a", meta={"adtrail_run": "this-run"})) is None
    assert middleware.process_request(Request("http://127.0.0.1/b")) is None
    with pytest.raises(EarlierRunRequest):
        middleware.process_request(Request("http://127.0.0.1/c", meta={"adtrail_run": "an-earlier-run"}))
    assert crawler.stats.get_value("adtrail/stale_requests_dropped") == 1


@pytest.mark.parametrize("status, body, flags, cached", [
    (200, b'{"data": [{"id": "1"}], "paging": {}}', [], True),
    (200, b'{"data": []}', [], True),
    (200, b'{"data": [{"id": "1"}', [], False),
    (200, b'{"data": []}', ["dataloss"], False),
    (200, b"<html>Log in</html>", [], False),
    (200, b'{"error": {"code": 2}}', [], False),
    (429, b'{"error": {"code": 4}}', [], False),
    (500, b'{"data": []}', [], False),
])
def test_the_cache_keeps_only_whole_pages(status, body, flags, cached):
    from scrapy import Request
    from scrapy.http import Response
    from scrapy.settings import Settings

    from spiders.middlewares.cache_policy import CompletePagesPolicy

    policy = CompletePagesPolicy(Settings())
    request = Request("http://127.0.0.1/v23.0/ads_archive")
    assert policy.should_cache_response(Response(request.url, status=status, body=body, flags=flags), request) is cached


def test_a_retry_never_takes_the_cached_answer():
    from scrapy import Request
    from scrapy.http import Response
    from scrapy.settings import Settings

    from spiders.middlewares.cache_policy import CompletePagesPolicy

    policy = CompletePagesPolicy(Settings())
    cached = Response("http://127.0.0.1/p", body=b'{"data": []}')
    assert policy.is_cached_response_fresh(cached, Request("http://127.0.0.1/p", meta={"adtrail_attempt": 0}))
    assert not policy.is_cached_response_fresh(cached, Request("http://127.0.0.1/p", meta={"adtrail_attempt": 1}))


def test_a_half_written_last_line_is_cut_when_the_next_run_opens_items(tmp_path):
    from types import SimpleNamespace

    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector

    from spiders.pipelines.items_jsonl import ItemsJsonlPipeline

    (tmp_path / "items.jsonl").write_bytes(b'{"ad_id": "1"}\n{"ad_id": "2"}\n{"ad_id": "3", "page_na')
    crawler = SimpleNamespace(settings=Settings({"ADTRAIL_CRAWL_DIR": str(tmp_path)}), stats=None)
    crawler.stats = MemoryStatsCollector(crawler)
    pipeline = ItemsJsonlPipeline(crawler)
    pipeline.open_spider()
    pipeline.close_spider()
    assert (tmp_path / "items.jsonl").read_bytes() == b'{"ad_id": "1"}\n{"ad_id": "2"}\n'
    assert crawler.stats.get_value("adtrail/partial_item_lines_cut") == 1

"""The tiktok_commercial_content spider, run as adtrail runs it (``python -m spiders.run`` in a child
process) against tests/tiktok_server.py, with answers written from TikTok's reference pages
(tests/fixtures/tiktok/README.md)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from spiders.items import FIELDS
from spiders.parsers import tiktok
from spiders.secrets import SECRET_ENV_VARS, Redactor
from tests.replay_server import FAST_SETTINGS, PROJECT_ROOT
from tests.tiktok_server import CLIENT_KEY, FIXTURES, TikTokServer

pytestmark = pytest.mark.slow
SECRET = "s3cr|et/Pipe+Key=42"  # a '|' would break a regex alternation built without escaping
SCOPE = {"countries": ["FR"], "date_min": "2024-05-01", "date_max": "2024-06-30", "search_terms": ["élection"]}
THREE_PAGES = {"first": [(200, "ads_page1.json")], "eyJsYXN0X3NvcnQiOlsyXX0": [(200, "ads_page2.json")],
               "eyJsYXN0X3NvcnQiOls0XX0": [(200, "ads_page3.json")]}


def crawl(server: TikTokServer, out: Path, *, settings: dict | None = None, scope: dict | None = None,
          secret: str = SECRET, client_key: str = CLIENT_KEY):
    env = {name: value for name, value in os.environ.items() if name not in SECRET_ENV_VARS}
    env.update(TIKTOK_CLIENT_KEY=client_key, TIKTOK_CLIENT_SECRET=secret,
               PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])))
    command = [sys.executable, "-m", "spiders.run", "tiktok_commercial_content", "--out", str(out),
               "--scope-json", json.dumps(scope or SCOPE)]
    for name, value in {**FAST_SETTINGS, "TIKTOK_TOKEN_URL": f"{server.base_url}/v2/oauth/token/",
                        "TIKTOK_AD_QUERY_URL": f"{server.base_url}/v2/research/adlib/ad/query/",
                        "TIKTOK_COMMERCIAL_CONTENT_QUERY_URL":
                            f"{server.base_url}/v2/research/adlib/commercial_content/query/",
                        **(settings or {})}.items():
        command += ["--set", f"{name}={value}"]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


def items(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "items.jsonl").read_text(encoding="utf-8").splitlines()]


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def search_ids(server: TikTokServer) -> list[str | None]:
    return [json.loads(request["body"]).get("search_id") for request in server.api_requests()]


# ---- paging through three pages

@pytest.fixture(scope="module")
def three_pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("pages") / "crawl"
    with TikTokServer(THREE_PAGES, client_secret=SECRET) as server:
        completed = crawl(server, out)
    return out, completed, server


def test_three_pages_complete(three_pages):
    out, completed, _ = three_pages
    assert completed.returncode == 0, completed.stderr
    assert manifest(out)["status"] == "complete"
    assert manifest(out)["cursor"] is None
    assert manifest(out)["counts"]["pages"] == 3


def test_pages_follow_search_id_in_the_post_body(three_pages):
    server = three_pages[2]
    assert search_ids(server) == [None, "eyJsYXN0X3NvcnQiOlsyXX0", "eyJsYXN0X3NvcnQiOls0XX0"]
    first = json.loads(server.api_requests()[0]["body"])
    assert first["filters"] == {"ad_published_date_range": {"min": "20240501", "max": "20240630"}, "country_code": "FR"}
    assert (first["search_term"], first["search_type"], first["max_count"]) == ("élection", "exact_phrase", 50)
    assert all(request["query"]["fields"].startswith("ad.id,") for request in server.api_requests())
    assert all(request["content_type"] == "application/json" for request in server.api_requests())


def test_token_obtained_once_and_sent_only_as_bearer(three_pages):
    server = three_pages[2]
    assert [request["path"] for request in server.requests].count("/v2/oauth/token/") == 1
    assert {request["authorization"] for request in server.api_requests()} == {"Bearer clt.replay-token-1"}


def test_items_are_tiktok_ads_with_reach_bounds_and_no_spend(three_pages):
    rows = items(three_pages[0])
    assert [row["ad_id"] for row in rows] == [str(7300000000000000 + n) for n in range(1, 6)]
    assert all(list(row) == list(FIELDS["tiktok_ad"]) for row in rows)
    assert (rows[0]["unique_users_seen_lower"], rows[0]["unique_users_seen_upper"]) == (1000, 10000)
    assert (rows[3]["unique_users_seen_lower"], rows[3]["unique_users_seen_upper"]) == (10_000_000, None)
    assert rows[0]["first_shown_date"] == "2024-05-02"
    assert {row["query_country"] for row in rows} == {"FR"}
    assert not any("spend" in name for name in FIELDS["tiktok_ad"])


def test_manifest_records_the_budget_and_hashes_terms(three_pages):
    saved = manifest(three_pages[0])
    assert saved["budget"]["requests"] == 3 and saved["budget"]["limit"] == 1000
    assert "élection" not in json.dumps(saved, ensure_ascii=False)
    assert saved["counts"]["api_requests"] == 3


# ---- the daily budget runs out mid-crawl; a rerun continues

def test_budget_exhausted_stops_with_cursor_and_rerun_continues(tmp_path):
    out = tmp_path / "crawl"
    with TikTokServer(THREE_PAGES, client_secret=SECRET) as server:
        stopped = crawl(server, out, settings={"TIKTOK_DAILY_REQUEST_BUDGET": "2"})
        assert stopped.returncode == 3
        saved = manifest(out)
        assert (saved["status"], saved["finish_reason"]) == ("failed", "budget_exhausted")
        assert "rerun the same command after" in saved["error"] and "tomorrow" in saved["error"]
        assert "budget" in stopped.stderr
        assert saved["cursor"].endswith("search_id=eyJsYXN0X3NvcnQiOls0XX0")
        assert len(items(out)) == 4 and len(server.api_requests()) == 2

        # The same day: nothing is asked.
        again = crawl(server, out, settings={"TIKTOK_DAILY_REQUEST_BUDGET": "2"})
        assert again.returncode == 3 and len(server.api_requests()) == 2

        # The next day (the saved budget is yesterday's): the crawl continues from its cursor.
        budget_file = out / "state" / "budget.json"
        budget = json.loads(budget_file.read_text())
        budget["date"] = "2000-01-01"
        budget_file.write_text(json.dumps(budget))
        resumed = crawl(server, out, settings={"TIKTOK_DAILY_REQUEST_BUDGET": "2"})
    assert resumed.returncode == 0, resumed.stderr
    assert search_ids(server)[2:] == ["eyJsYXN0X3NvcnQiOls0XX0"]
    assert manifest(out)["status"] == "complete"
    assert [row["ad_id"] for row in items(out)][-1] == "7300000000000005"
    assert manifest(out)["budget"]["requests"] == 1


# ---- an expired token is renewed once

def test_expired_token_renewed_once_then_continues(tmp_path):
    out = tmp_path / "crawl"
    script = {**THREE_PAGES, "eyJsYXN0X3NvcnQiOlsyXX0": [(401, "expire"), (200, "ads_page2.json")]}
    with TikTokServer(script, client_secret=SECRET) as server:
        completed = crawl(server, out)
    assert completed.returncode == 0, completed.stderr
    assert server.tokens[-1] == "clt.replay-token-2"
    assert [request["authorization"] for request in server.api_requests()] == [
        "Bearer clt.replay-token-1", "Bearer clt.replay-token-1", "Bearer clt.replay-token-2",
        "Bearer clt.replay-token-2"]
    counts = manifest(out)["counts"]
    assert (counts["token_renewed"], counts["tiktok_error_access_token_invalid"], counts["pages"]) == (1, 1, 3)
    assert len(items(out)) == 5


def test_token_refused_again_after_renewal_stops_with_a_message(tmp_path):
    out = tmp_path / "crawl"
    script = {**THREE_PAGES, "eyJsYXN0X3NvcnQiOlsyXX0": [(401, "expire"), (401, "expire")]}
    with TikTokServer(script, client_secret=SECRET) as server:
        stopped = crawl(server, out)
    assert stopped.returncode == 3
    saved = manifest(out)
    assert saved["finish_reason"] == "token_expired"
    assert "again right after it was renewed" in saved["error"]
    assert saved["cursor"].endswith("search_id=eyJsYXN0X3NvcnQiOlsyXX0")
    assert len(items(out)) == 2


def test_wrong_credentials_stop_before_any_query(tmp_path):
    out = tmp_path / "crawl"
    with TikTokServer(THREE_PAGES, client_secret=SECRET) as server:
        stopped = crawl(server, out, secret="not-the-secret")
    assert stopped.returncode == 3
    assert manifest(out)["finish_reason"] == "token_refused"
    assert "TIKTOK_CLIENT_SECRET" in manifest(out)["error"]
    assert server.api_requests() == []


# ---- rate limit: back off, then continue

def test_rate_limit_backs_off_and_continues(tmp_path):
    out = tmp_path / "crawl"
    script = {**THREE_PAGES, "eyJsYXN0X3NvcnQiOlsyXX0": [(429, "error_rate_limit_exceeded.json"), (200, "ads_page2.json")]}
    with TikTokServer(script, client_secret=SECRET) as server:
        completed = crawl(server, out)
    assert completed.returncode == 0, completed.stderr
    counts = manifest(out)["counts"]
    assert (counts["http_429"], counts["rate_limited"], counts["retries"], counts["pages"]) == (1, 1, 1, 3)
    assert manifest(out)["budget"]["requests"] == 4  # the refused request counts against TikTok's quota too


def test_scope_not_authorised_stops(tmp_path):
    out = tmp_path / "crawl"
    with TikTokServer({"first": [(401, "error_scope_not_authorized.json")]}, client_secret=SECRET) as server:
        stopped = crawl(server, out)
    assert stopped.returncode == 3
    assert manifest(out)["finish_reason"] == "access_refused"
    assert "approved research project" in manifest(out)["error"]


# ---- the client secret and the tokens are nowhere in the folder nor in the output

def _every_byte(folder: Path) -> bytes:
    chunks = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            chunks.append(data)
            if path.suffix == ".gz":
                chunks.append(gzip.decompress(data))
    return b"\n".join(chunks)


def test_secret_with_a_pipe_and_tokens_leave_no_trace(tmp_path):
    out = tmp_path / "crawl"
    script = {**THREE_PAGES, "eyJsYXN0X3NvcnQiOlsyXX0": [(401, "expire"), (200, "ads_page2.json")]}
    with TikTokServer(script, client_secret=SECRET) as server:
        completed = crawl(server, out)
    assert completed.returncode == 0, completed.stderr
    stored = _every_byte(out) + (completed.stdout + completed.stderr).encode()
    for secret in (SECRET, "clt.replay-token-1", "clt.replay-token-2"):
        for spelling in {secret, quote(secret, safe=""), quote_plus(secret)}:
            assert spelling.encode() not in stored, spelling
    assert b"|" not in b"".join(line for line in stored.splitlines() if b"REDACTED|" in line)


# ---- other commercial content, and the parser on the detail page

def test_commercial_content_crawl(tmp_path):
    out = tmp_path / "crawl"
    scope = {"content": "commercial_content", "countries": ["FR"], "date_min": "2023-08-01", "date_max": "2023-08-31"}
    with TikTokServer({"first": [(200, "commercial_content_page1.json")]}, client_secret=SECRET) as server:
        completed = crawl(server, out, scope=scope)
    assert completed.returncode == 0, completed.stderr
    assert server.api_requests()[0]["path"] == "/v2/research/adlib/commercial_content/query/"
    body = json.loads(server.api_requests()[0]["body"])
    assert body["filters"]["content_published_date_range"] == {"min": "20230801", "max": "20230831"}
    rows = items(out)
    assert [(row["item_kind"], row["creator_username"], row["label"]) for row in rows] == [
        ("tiktok_commercial_content", "joe123", "Paid partnership"),
        ("tiktok_commercial_content", "emma_lol", "Promotional content")]
    assert rows[0]["brand_names"] == ["Awesome Drink Co."] and rows[0]["create_date"] == "2023-08-20"
    assert manifest(out)["files"][0]["item_kind"] == "tiktok_commercial_content"


def test_ad_detail_parser_reads_targeting_and_reach_by_country():
    body = (FIXTURES / "ad_detail.json").read_bytes()
    item = tiktok.parse_ad_detail(body, provenance={}, redactor=Redactor([]))
    assert (item["endpoint"], item["title"], item["call_to_action"]) == ("ad_detail", "Awesome coffee", "Shop now")
    assert item["targeted_countries"] == ["IT", "GB"] and item["users_targeted_text"] == "50K"
    assert item["unique_users_seen_by_country"] == {"GB": "18K", "IT": "12K"}
    assert item["targeting"]["age"]["35-44"] is True
    assert item["advertiser_follower_count"] == 1200


@pytest.mark.parametrize("text, bounds", [("30K", (30000, 30000)), ("1K-10K", (1000, 10000)),
                                          ("10M+", (10_000_000, None)), ("1.5M", (1_500_000, 1_500_000)),
                                          ("unknown", (None, None)), (None, (None, None))])
def test_reach_bounds(text, bounds):
    assert tiktok.reach_bounds(text) == bounds


@pytest.mark.parametrize("status, name, action", [
    (401, "error_access_token_invalid.json", tiktok.RENEW_TOKEN), (429, "error_rate_limit_exceeded.json", tiktok.BACKOFF),
    (401, "error_scope_not_authorized.json", tiktok.STOP), (502, None, tiktok.RETRY), (200, "ads_page1.json", None)])
def test_error_classification(status, name, action):
    body = (FIXTURES / name).read_bytes() if name else b"<html>Bad gateway</html>"
    error = tiktok.classify_error(status, body)
    assert (error.action if error else None) == action


def test_malformed_answer_is_refused_with_a_reason():
    with pytest.raises(tiktok.MalformedPage, match="search_id"):
        tiktok.parse_ad_page(b'{"data": {"ads": [], "has_more": true}, "error": {"code": "ok"}}', provenance={},
                             redactor=Redactor([]), query_country=None)

"""Secrets never reach the crawl folder or the crawl's output (DESIGN.md, "Secrets").

A crawl against a server that echoes the token back in every spelling (tests/fixtures/replay/token_echo),
with DEBUG logging, then a search of every file of the crawl folder (gzip files decompressed) and of the
child's stdout and stderr for every spelling of the token. Then the pieces in process: the token
middleware and the logging filter.
"""

from __future__ import annotations

import gzip
import json
import logging
import zlib
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from tests.replay_server import ReplayServer, json_escaped, run_spider

TOKEN = "1234567890|aB/c+d=e%f"


def spellings(token: str) -> set[str]:
    """Written out here, not taken from spiders.secrets, so this test checks the redactor, not itself."""
    forms = {token, quote(token), quote(token, safe=""), quote_plus(token), quote_plus(token, safe="/"),
             json.dumps(token)[1:-1], json_escaped(token)}
    forms |= {form.lower() for form in forms if "%" in form}  # lower-case percent escapes
    forms |= {form.replace("%7C", "%7c").replace("%2F", "%2f") for form in forms}
    return forms


def leaks_in(data: bytes, forms: set[str]) -> list[str]:
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    text = data.decode("latin-1")
    return sorted(form for form in forms if form.encode("utf-8").decode("latin-1") in text)


def test_the_search_finds_a_planted_token(tmp_path):
    planted = tmp_path / "planted.warc.gz"
    planted.write_bytes(gzip.compress(b'{"next": "https://x/?access_token=' + quote_plus(TOKEN).encode() + b'"}'))
    assert leaks_in(planted.read_bytes(), spellings(TOKEN)) == [quote_plus(TOKEN)]


@pytest.fixture(scope="module")
def echo_crawl(tmp_path_factory):
    out = tmp_path_factory.mktemp("token") / "crawl"
    with ReplayServer("token_echo") as server:
        completed = run_spider(server, out, token=TOKEN, settings={"LOG_LEVEL": "DEBUG"})
    return out, completed, server


@pytest.mark.slow
def test_token_echo_crawl_completes_and_the_token_was_sent_and_echoed(echo_crawl):
    out, completed, server = echo_crawl
    assert completed.returncode == 0, completed.stderr
    assert [request["authorization"] for request in server.requests] == [f"Bearer {TOKEN}"] * 3
    assert not any("access_token" in request["query"] for request in server.requests)
    items = [json.loads(line) for line in (out / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    # The server did echo the token: here it is, replaced.
    assert items[0]["ad_creative_link_captions"] == ["REDACTED"]
    assert items[0]["ad_creative_link_descriptions"] == ["REDACTED REDACTED REDACTED"]
    assert items[2]["ad_creative_bodies"] == ["third ad REDACTED"]
    assert json.loads((out / "manifest.json").read_text())["counts"]["retries"] == 1


@pytest.mark.slow
@pytest.mark.parametrize("part", ["crawl.log", "items.jsonl", "manifest.json", "state", "warc", "httpcache",
                                  "jobdir"])
def test_no_spelling_of_the_token_in_the_crawl_folder(echo_crawl, part):
    out = echo_crawl[0]
    paths = [out / part] if (out / part).is_file() else [path for path in (out / part).rglob("*") if path.is_file()]
    assert paths, f"{part} holds no file: the crawl did not write it"
    forms = spellings(TOKEN)
    leaks = {str(path.relative_to(out)): found for path in paths if (found := leaks_in(path.read_bytes(), forms))}
    assert leaks == {}


@pytest.mark.slow
def test_no_spelling_of_the_token_anywhere_under_the_folder_or_in_the_output(echo_crawl):
    out, completed, _ = echo_crawl
    forms = spellings(TOKEN)
    for path in out.rglob("*"):
        if path.is_file():
            assert leaks_in(path.read_bytes(), forms) == [], path
    assert leaks_in(completed.stdout.encode(), forms) == []
    assert leaks_in(completed.stderr.encode(), forms) == []


def test_a_token_given_as_a_setting_is_refused_without_showing_it(tmp_path):
    with ReplayServer("faults") as server:
        completed = run_spider(server, tmp_path / "crawl", token=None,
                               settings={"META_ACCESS_TOKEN": "EAAB0from0the0command0line"})
    assert completed.returncode == 3
    assert "export META_ACCESS_TOKEN" in completed.stderr and "EAAB0from0the0command0line" not in completed.stderr
    assert server.requests == [] and not (tmp_path / "crawl").exists()


# ---- in process

def _middleware(tmp_path, monkeypatch):
    from scrapy.utils.test import get_crawler

    from spiders import settings as project_settings
    from spiders.meta_ads_archive import MetaAdsArchiveSpider
    from spiders.middlewares.api_token import ApiTokenMiddleware

    monkeypatch.setenv("META_ACCESS_TOKEN", TOKEN)
    settings = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    crawler = get_crawler(MetaAdsArchiveSpider, {**settings, "ADTRAIL_CRAWL_DIR": str(tmp_path)})
    spider = MetaAdsArchiveSpider.from_crawler(crawler, scope={"countries": ["BD"]})
    middleware = ApiTokenMiddleware.from_crawler(crawler)
    middleware.spider_opened(spider)
    return middleware


def test_token_header_added_last_only_for_the_api_host(tmp_path, monkeypatch):
    from scrapy import Request

    middleware = _middleware(tmp_path, monkeypatch)
    to_api = Request("https://graph.facebook.com/v23.0/ads_archive?limit=2")
    elsewhere = Request("https://example.org/redirected?limit=2")
    middleware.process_request(to_api)
    middleware.process_request(elsewhere)
    assert to_api.headers[b"Authorization"] == f"Bearer {TOKEN}".encode()
    assert b"Authorization" not in elsewhere.headers
    middleware.process_exception(to_api, TimeoutError("timed out"))
    assert b"Authorization" not in to_api.headers


def test_response_goes_up_decoded_and_redacted(tmp_path, monkeypatch):
    from scrapy import Request
    from scrapy.http import TextResponse

    middleware = _middleware(tmp_path, monkeypatch)
    request = Request("https://graph.facebook.com/v23.0/ads_archive?limit=2",
                      headers={"Referer": f"https://graph.facebook.com/v23.0/ads_archive?access_token={quote_plus(TOKEN)}"})
    middleware.process_request(request)
    body = json.dumps({"data": [], "paging": {"next": f"https://graph.facebook.com/?access_token={quote_plus(TOKEN)}&after=Q"},
                       "echo": TOKEN}).encode()
    response = TextResponse(f"https://graph.facebook.com/v23.0/ads_archive?access_token={quote(TOKEN, safe='')}&limit=2",
                            body=gzip.compress(body), headers={"Content-Encoding": "gzip", "X-Echo": TOKEN},
                            request=request)
    redacted = middleware.process_response(request, response)
    assert b"Authorization" not in request.headers
    assert request.headers[b"Referer"] == b"https://graph.facebook.com/v23.0/ads_archive?access_token=REDACTED"
    assert redacted.url == "https://graph.facebook.com/v23.0/ads_archive?limit=2"
    assert b"Content-Encoding" not in redacted.headers
    assert redacted.headers[b"X-Echo"] == b"REDACTED"
    page = json.loads(redacted.body)
    assert page["echo"] == "REDACTED" and page["paging"]["next"].endswith("access_token=REDACTED&after=Q")
    assert redacted.headers[b"Content-Length"] == str(len(redacted.body)).encode()


def test_a_body_that_cannot_be_decoded_goes_no_further(tmp_path, monkeypatch):
    from scrapy import Request
    from scrapy.http import Response

    middleware = _middleware(tmp_path, monkeypatch)
    request = Request("https://graph.facebook.com/v23.0/ads_archive")
    compressed = zlib.compress(TOKEN.encode())
    response = Response(request.url, body=compressed, headers={"Content-Encoding": "br"}, request=request)
    assert middleware.process_response(request, response).body == b""


def test_log_records_are_redacted_with_their_arguments_and_tracebacks(tmp_path):
    from spiders.logging_redaction import RedactingFilter
    from spiders.secrets import Redactor

    log_file = tmp_path / "crawl.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter(Redactor([TOKEN])))
    logger = logging.getLogger("adtrail.test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("fetching %s", f"https://graph.facebook.com/?access_token={quote_plus(TOKEN)}")
        try:
            raise ValueError(f"bad token {json_escaped(TOKEN)}")
        except ValueError:
            logger.exception("crashed with %r", {"token": TOKEN})
    finally:
        logger.removeHandler(handler)
        handler.close()
    written = log_file.read_bytes()
    assert leaks_in(written, spellings(TOKEN)) == []
    assert written.count(b"REDACTED") == 3 and b"ValueError: bad token REDACTED" in written

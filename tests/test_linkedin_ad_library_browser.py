"""linkedin_ad_library's detail pages in Debian's Chromium, against a 127.0.0.1 server whose detail page leaves
a placeholder where the EU block goes and inserts the block by script after a delay (the fixture
detail_512345678.html with its block moved into a script; tests/fixtures/linkedin/README.md). Also a detail
whose placeholder never fills, one that never finishes loading, and one without any EU block. The three
settings of LINKEDIN_AD_LIBRARY_DETAIL_RENDERING: auto (the browser only for a detail lacking the block),
browser (every detail) and http (as served). The Chromium runs are marked ``browser`` and skipped without it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from demo.local_server import LocalServer, QuietHandler
from spiders.google_ads_transparency import chromium_path
from spiders.launch import run_crawl
from warehouse import db, load, snapshots

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "linkedin"
PERMISSION = "LinkedIn's written permission of 2026-11-20 (ref. TEST-1) for research on political ads"
SCOPE = {"keyword": "election", "permission_statement": PERMISSION}
SERVED = "512345678"  # the EU block in the HTTP answer
LATE = "556789012"  # the same page, its block inserted by script after DELAY_MS
NEVER = "567890123"  # the placeholder never fills
NO_BLOCK = "534567890"  # an ad without the EU block, and no placeholder: complete without one
HANGS = "578901234"  # the page never finishes loading
DELAY_MS = 300
EU_FIELDS = ("impressions_text", "impressions_lower", "impressions_upper", "impressions_by_country", "targeting",
             "targeting_languages", "targeting_locations_included", "targeting_locations_excluded")

CARD = """<li class="search-result-item"><div class="base-ad-preview-card"><div class="self-center">
<a data-tracking-control-name="ad_library_ad_preview_advertiser" href="/company/europa-civic-forum">Europa Civic
Forum</a></div><p class="commentary__content">Card of %(id)s</p>
<a href="/ad-library/detail/%(id)s?trk=ad_library_ad_preview_content"
   aria-label="Europa Civic Forum, Single Image Ad, View details">View details</a></div></li>"""
SEARCH = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>LinkedIn Ad Library | Search results</title></head>
<body><main class="ad-library"><section class="search-results"><ul class="search-results__list">%s</ul></section>
</main></body></html>"""


def late_detail(fills: bool) -> bytes:
    """detail_512345678.html with its EU block replaced by a loading placeholder, filled by script if ``fills``."""
    page = (FIXTURES / f"detail_{SERVED}.html").read_text(encoding="utf-8")
    start = page.index('<section class="ad-analytics">')
    end = page.index("</section>", page.index('<section class="ad-targeting">')) + len("</section>")
    placeholder = ('<section id="eu-block" class="ad-analytics ad-analytics--loading" aria-busy="true">'
                   'Loading impressions…</section>')
    script = (f"<script>setTimeout(() => {{ document.getElementById('eu-block').outerHTML = "
              f"{json.dumps(page[start:end])}; }}, {DELAY_MS});</script>") if fills else ""
    return (page[:start] + placeholder + page[end:]).replace("</body>", script + "</body>").encode("utf-8")


class LateLinkedIn(LocalServer):
    """/ad-library/search lists ``ad_ids``; /ad-library/detail/<id> answers as the constants above say."""

    def __init__(self, ad_ids: list[str]):
        self.requests: Counter = Counter()
        self.stopping = threading.Event()
        pages = {SERVED: (FIXTURES / f"detail_{SERVED}.html").read_bytes(), LATE: late_detail(True),
                 NEVER: late_detail(False), NO_BLOCK: (FIXTURES / f"detail_{NO_BLOCK}.html").read_bytes(),
                 "search": (SEARCH % "".join(CARD % {"id": ad_id} for ad_id in ad_ids)).encode("utf-8")}
        server = self

        class Handler(QuietHandler):
            def do_GET(self):
                path = urlsplit(self.path).path
                if path == "/favicon.ico":  # Chromium may ask for it on its own; the spider never does
                    self.reply(404, b"", {"Content-Type": "text/plain"})
                    return
                name = "search" if path == "/ad-library/search" else path.rsplit("/", 1)[1]
                server.requests[name] += 1
                if name == HANGS:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.end_headers()
                    self.wfile.write(b"<html><head><title>loading")
                    self.wfile.flush()
                    server.stopping.wait()  # never finishes the page: held open until the server stops
                    return
                body = pages.get(name)
                self.reply(200 if body else 404, body or b"", {"Content-Type": "text/html; charset=utf-8"})

        super().__init__(Handler)
        self.url = f"{self.base_url}/ad-library"

    def stop(self) -> None:
        self.stopping.set()  # a page held open ends, so its handler thread does too
        super().stop()


def crawl(server: LateLinkedIn, crawl_dir: Path, rendering: str, **settings):
    return run_crawl("linkedin_ad_library", crawl_dir, scope=SCOPE, settings={
        "LINKEDIN_AD_LIBRARY_URL": server.url, "LINKEDIN_AD_LIBRARY_DETAIL_RENDERING": rendering,
        # guards against a hang, not measurements: the failing pages fail after these
        "LINKEDIN_AD_LIBRARY_PAGE_TIMEOUT_MS": "5000", "LINKEDIN_AD_LIBRARY_DETAIL_TIMEOUT_MS": "8000",
        "ADTRAIL_MAX_RETRIES": "0", "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "20", **settings})


def details_of(crawl_dir: Path) -> dict[str, dict]:
    lines = [json.loads(line) for line in (crawl_dir / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    return {item["ad_id"]: item for item in lines if item["page_kind"] == "detail"}


def conversions(crawl_dir: Path) -> tuple[dict, dict]:
    """({target URI: (WARC-Refers-To, payload)} of conversion records, {record id: target URI} of responses)."""
    converted, responses = {}, {}
    for path in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        with open(path, "rb") as handle:
            for record in ArchiveIterator(handle):
                uri = record.rec_headers.get_header("WARC-Target-URI")
                if record.rec_type == "conversion":
                    converted[uri] = (record.rec_headers.get_header("WARC-Refers-To"), record.content_stream().read())
                elif record.rec_type == "response":
                    responses[record.rec_headers.get_header("WARC-Record-ID")] = uri
    return converted, responses


@pytest.fixture()
def chromium():
    if not (chromium_path() and Path(chromium_path()).exists()):
        pytest.skip("Chromium not found: install Debian's chromium package or set ADTRAIL_CHROMIUM to its path")


@pytest.mark.browser
def test_auto_renders_only_details_lacking_the_block_and_a_detail_that_never_completes_fails_alone(chromium, tmp_path):
    with LateLinkedIn([SERVED, LATE, NEVER, NO_BLOCK]) as server:
        outcome = crawl(server, tmp_path / "crawl", "auto")
    manifest = outcome.manifest
    # The block served at once: HTTP only. Lacking it: HTTP, then Chromium.
    assert server.requests == {"search": 1, SERVED: 1, LATE: 2, NEVER: 2, NO_BLOCK: 2}
    details = details_of(tmp_path / "crawl")
    assert sorted(details) == sorted([SERVED, LATE, NO_BLOCK])
    late, served = details[LATE], details[SERVED]
    assert [late[field] for field in EU_FIELDS] == [served[field] for field in EU_FIELDS]
    assert late["impressions_lower"] == 100_000 and late["impressions_by_country"][0]["country_code"] == "DE"
    assert (late["payer"], late["ad_format"]) == ("Europa Civic Forum e.V.", "Single Image Ad")
    assert details[NO_BLOCK]["targeting"] is None and details[NO_BLOCK]["payer"] == "Stiftung Wahlbeteiligung"
    assert manifest["status"] == "complete", (manifest["error"], outcome.stderr_tail)
    assert NEVER in manifest["error"] and "EU block" in manifest["error"] and LATE not in manifest["error"]
    counts = manifest["counts"]
    assert (counts["details_to_browser"], counts["details_rendered"], counts["details_failed"]) == (3, 2, 1)
    # The rendered DOM is the evidence: a conversion record beside the browser's response, hashed in the item.
    converted, responses = conversions(tmp_path / "crawl")
    refers_to, dom = converted[late["source_url"]]
    assert responses[refers_to] == late["source_url"] and hashlib.sha256(dom).hexdigest() == late["body_sha256"]
    assert b"ad-analytics--loading" not in dom
    assert served["source_url"] not in converted  # read as served

    con = db.connect(tmp_path / "adtrail.duckdb")
    snapshot_id = snapshots.begin_or_resume(con, "2026-11-30", "test")
    load.load_crawl(con, snapshot_id, tmp_path / "crawl")
    snapshots.complete(con, snapshot_id)
    status, error = con.execute("SELECT status, error FROM snapshot_source WHERE source = 'linkedin_ad_library'"
                                ).fetchone()
    assert status == "complete" and NEVER in error
    rows = dict(con.execute("SELECT ad_key, page_kind FROM raw_linkedin_ad").fetchall())
    assert rows == {SERVED: "detail", LATE: "detail", NO_BLOCK: "detail", NEVER: "search_card"}  # the rest kept
    con.close()


@pytest.mark.browser
def test_browser_renders_every_detail_and_a_page_that_never_loads_fails_alone(chromium, tmp_path):
    with LateLinkedIn([SERVED, HANGS, LATE]) as server:
        outcome = crawl(server, tmp_path / "crawl", "browser")
    assert server.requests == {"search": 1, SERVED: 1, HANGS: 1, LATE: 1}
    manifest = outcome.manifest
    assert manifest["status"] == "complete", (manifest["error"], outcome.stderr_tail)
    assert HANGS in manifest["error"] and "did not finish loading" in manifest["error"]
    details = details_of(tmp_path / "crawl")
    assert sorted(details) == sorted([SERVED, LATE])
    assert details[LATE]["impressions_text"] == details[SERVED]["impressions_text"] == "100k-150k"
    assert manifest["counts"]["details_rendered"] == 2 and manifest["counts"]["details_failed"] == 1
    converted, _ = conversions(tmp_path / "crawl")
    assert {details[SERVED]["source_url"], details[LATE]["source_url"]} <= set(converted)


def test_http_reads_the_detail_as_served_without_its_late_block(tmp_path):
    with LateLinkedIn([LATE]) as server:
        outcome = crawl(server, tmp_path / "crawl", "http")
    assert outcome.complete, outcome.error
    assert server.requests == {"search": 1, LATE: 1}
    late = details_of(tmp_path / "crawl")[LATE]
    assert late["payer"] == "Europa Civic Forum e.V." and late["impressions_text"] is None
    assert "details_rendered" not in outcome.manifest["counts"]


@pytest.mark.parametrize("rendering, setting, message", [
    ("sometimes", {}, "one of http, browser, auto"),
    ("auto", {"ADTRAIL_CHROMIUM": "no-such-chromium"}, 'detail_rendering = "http"'),
])
def test_refuses_to_start_with_a_bad_mode_or_without_chromium(tmp_path, rendering, setting, message):
    with LateLinkedIn([LATE]) as server:
        outcome = crawl(server, tmp_path / "crawl", rendering, **setting)
    assert not outcome.complete and message in outcome.error
    assert server.requests == {}  # nothing was asked

"""The google_ads_transparency spider in Debian's Chromium against a local site that behaves like the Ads
Transparency Center: results appended by script on scroll, a "See more" button that loads more, creative
details filled in after a delay, and one creative page that never finishes loading. Every browser request
outside 127.0.0.1 is aborted (GOOGLE_ADS_TRANSPARENCY_LOCAL_ONLY). The rendered pages are kept in the WARC.
Marked ``browser``; skipped without Chromium.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from spiders.google_ads_transparency import chromium_path
from spiders.launch import run_crawl

pytestmark = pytest.mark.browser
ADVERTISER = "AR105500339708362752"
FIRST = ["CR100000000000000001", "CR100000000000000002"]
ON_SCROLL = ["CR100000000000000003", "CR100000000000000004"]
SEE_MORE = ["CR100000000000000005"]
HANGS = "CR100000000000000004"  # its page never finishes loading

ADVERTISER_PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<h1>Advertiser</h1><div id="grid" style="display:block"></div><div style="height:3000px"></div>
<button id="more" style="display:none">See more</button>
<img src="https://tpc.googlesyndication.com/elsewhere.png">
<script>
const first = %(first)s, onScroll = %(scroll)s, seeMore = %(more)s;
function add(ids) { for (const id of ids) { const a = document.createElement('a');
  a.href = '/advertiser/%(adv)s/creative/' + id; a.textContent = id; a.style.display = 'block';
  document.getElementById('grid').appendChild(a); } }
add(first);
let scrolled = false;
window.addEventListener('scroll', () => { if (scrolled) return; scrolled = true;
  setTimeout(() => { add(onScroll); document.getElementById('more').style.display = 'block'; }, 200); });
document.getElementById('more').addEventListener('click', (e) => {
  setTimeout(() => { add(seeMore); e.target.remove(); }, 200); });
</script></body></html>"""

CREATIVE_PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body><creative-details>
<advertiser-header><a href="/advertiser/%(adv)s">TEST ADVERTISER</a></advertiser-header>
<div class="creative-container"><div class="headline">Headline %(cr)s</div>
<div class="description">Body of %(cr)s</div><img src="/media/%(cr)s.png"></div>
<div id="props"></div></creative-details>
<script>setTimeout(() => { document.getElementById('props').innerHTML =
 '<div class="property"><span class="label">Format</span><span class="value">Text</span></div>' +
 '<div class="property"><span class="label">First shown</span><span class="value">Oct 26, 2020</span></div>' +
 '<div class="property"><span class="label">Last shown</span><span class="value">Nov 3, 2020</span></div>' +
 '<div class="property"><span class="label">Shown in</span><ul><li>United States</li></ul></div>'; }, 400);
</script></body></html>"""


class Site(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, body: str, content_type: str = "text/html; charset=utf-8"):
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/robots.txt":
            return self._send("User-agent: *\nAllow: /\n", "text/plain")
        if path == f"/advertiser/{ADVERTISER}":
            return self._send(ADVERTISER_PAGE % {"adv": ADVERTISER, "first": json.dumps(FIRST),
                                                 "scroll": json.dumps(ON_SCROLL), "more": json.dumps(SEE_MORE)})
        if path.startswith(f"/advertiser/{ADVERTISER}/creative/"):
            creative = path.rsplit("/", 1)[1]
            if creative == HANGS:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(b"<html><head><title>loading")
                self.wfile.flush()
                while not self.server.stopping.wait(0.1):
                    pass  # never finishes the page: held open until the server stops
                return
            return self._send(CREATIVE_PAGE % {"adv": ADVERTISER, "cr": creative})
        if path.startswith("/media/"):
            return self._send("", "image/png")
        self.send_error(404)


@pytest.fixture()
def site():
    if not chromium_path() or not Path(chromium_path()).exists():
        pytest.skip("Chromium not found: install Debian's chromium package or set ADTRAIL_CHROMIUM to its path")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    server.daemon_threads = True
    server.stopping = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.stopping.set()
    server.shutdown()
    server.server_close()


def test_scroll_see_more_late_details_and_a_page_that_never_loads(site, tmp_path):
    crawl_dir = tmp_path / "crawl"
    outcome = run_crawl("google_ads_transparency", crawl_dir, scope={"advertiser_ids": [ADVERTISER]}, settings={
        "GOOGLE_ADS_TRANSPARENCY_URL": site, "GOOGLE_ADS_TRANSPARENCY_LOCAL_ONLY": "True",
        # guards against a hang, not measurements: the hanging page fails after this
        "GOOGLE_ADS_TRANSPARENCY_PAGE_TIMEOUT_MS": "4000", "GOOGLE_ADS_TRANSPARENCY_DETAIL_TIMEOUT_MS": "10000",
        "GOOGLE_ADS_TRANSPARENCY_GROWTH_TIMEOUT_MS": "3000", "AUTOTHROTTLE_ENABLED": "False",
        "ADTRAIL_MAX_RETRIES": "0"})
    lines = [json.loads(line) for line in (crawl_dir / "items.jsonl").read_text().splitlines()]
    by_id = {line["creative_id"]: line for line in lines}
    assert sorted(by_id) == sorted(FIRST + ON_SCROLL + SEE_MORE)
    failed = by_id.pop(HANGS)
    assert failed["status"] == "failed"
    assert "did not finish loading" in failed["error"] and HANGS in failed["error"]
    for creative_id, item in by_id.items():
        assert item["status"] == "ok", item["error"]
        assert item["advertiser_id"] == ADVERTISER and item["advertiser_name"] == "TEST ADVERTISER"
        assert item["ad_format"] == "text"
        assert item["headline"] == f"Headline {creative_id}"
        assert (item["first_shown_date"], item["last_shown_date"]) == ("2020-10-26", "2020-11-03")
        assert item["regions"] == ["United States"]
        assert item["image_urls"] == [f"/media/{creative_id}.png"]
    manifest = json.loads((crawl_dir / "manifest.json").read_text())
    assert manifest["counts"]["creatives_failed"] == 1
    assert manifest["counts"]["browser_requests_blocked"] >= 1  # the googlesyndication image
    assert manifest["status"] == "complete", (manifest["error"], outcome)
    assert_rendered_pages_archived(crawl_dir, site, by_id)


def warc_records(crawl_dir: Path) -> list[tuple[str, str, str | None, str, bytes]]:
    """(type, target URI, WARC-Refers-To, record id, payload) of every record in the crawl's WARC files."""
    found = []
    for path in sorted((crawl_dir / "warc").glob("*.warc.gz")):
        with open(path, "rb") as handle:
            for record in ArchiveIterator(handle):
                headers = record.rec_headers
                found.append((record.rec_type, headers.get_header("WARC-Target-URI"),
                              headers.get_header("WARC-Refers-To"), headers.get_header("WARC-Record-ID"),
                              record.content_stream().read()))
    return found


def assert_rendered_pages_archived(crawl_dir: Path, site: str, ok_creatives: dict) -> None:
    records = warc_records(crawl_dir)
    responses = {record_id: uri for kind, uri, _, record_id, _ in records if kind == "response"}
    conversions = {uri: (refers_to, payload) for kind, uri, refers_to, _, payload in records if kind == "conversion"}
    # The advertiser page: its DOM after scroll and "See more" holds every creative link, beside its response.
    refers_to, dom = conversions[f"{site}/advertiser/{ADVERTISER}"]
    assert responses[refers_to] == f"{site}/advertiser/{ADVERTISER}"
    assert all(creative.encode() in dom for creative in FIRST + ON_SCROLL + SEE_MORE)
    # Each creative read: its HTTP answer and the rendered DOM it was read from (the item's body_sha256).
    for creative_id, item in ok_creatives.items():
        refers_to, dom = conversions[item["source_url"]]
        assert responses[refers_to] == item["source_url"] == f"{site}/advertiser/{ADVERTISER}/creative/{creative_id}"
        assert hashlib.sha256(dom).hexdigest() == item["body_sha256"]
        assert b'<div id="props"><div class="property">' in dom  # filled in by script after load
    assert f"{site}/advertiser/{ADVERTISER}/creative/{HANGS}" not in conversions

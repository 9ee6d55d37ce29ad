"""The youtube_monetisation spider against a local YouTube (127.0.0.1, port 0) serving the real pages' bytes
from ../shared/realdata/youtube, crawled as adtrail crawls (``python -m spiders.run`` in a child process), then
loaded into a real warehouse: labels and evidence per page, an unknown id counted, robots.txt obeyed, a
consent wall stopping the crawl with a message, a rerun fetching nothing again."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from demo.local_server import LocalServer, QuietHandler
from spiders.launch import run_crawl
from warehouse import db, load, snapshots

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
YOUTUBE = REALDATA / "youtube"
pytestmark = [pytest.mark.slow, pytest.mark.realdata,
              pytest.mark.skipif(not YOUTUBE.exists(), reason="needs ../shared/realdata/youtube")]
WATCH_PAGES = {
    "WXxV9g7lsFE": "pytube_WXxV9g7lsFE_monetised_playerAds_adPlacements_watch.html",
    "2lAe1cqCOXo": "pytube_2lAe1cqCOXo_no_ads_watch.html",
    "5YceQ8YqYMc": "pytube_5YceQ8YqYMc_live_no_ads_watch.html",
}
CHANNEL_ID = "UCXPjxIofFid9z2JlKT6Jb3w"
# A channel page in the shape YouTube serves (no real one is in ../shared): built here, not read.
CHANNEL_PAGE = ('<!DOCTYPE html><html><body><script>var ytInitialData = ' + json.dumps({
    "metadata": {"channelMetadataRenderer": {"title": "iyazlive", "externalId": CHANNEL_ID}},
    "header": {"c4TabbedHeaderRenderer": {"subscriberCountText": {"simpleText": "749K subscribers"}}},
}) + ";</script></body></html>").encode()
CONSENT_WALL = (b'<html><body><form action="https://consent.youtube.com/save">Before you continue to YouTube'
                b"</form></body></html>")


class LocalYouTube(LocalServer):
    """Serves /watch?v=ID from the real pages, /channel/ID, and a robots.txt; logs every request."""

    def __init__(self, robots: str = "User-agent: *\nDisallow: /results\n", wall: bool = False):
        self.requests: list[str] = []
        server = self

        class Handler(QuietHandler):
            def do_GET(self):
                server.requests.append(self.path)
                url = urlsplit(self.path)
                status, body, kind = 404, b"<html><body>404 Not Found</body></html>", "text/html"
                if url.path == "/robots.txt":
                    status, body, kind = 200, robots.encode(), "text/plain"
                elif wall and url.path in ("/watch", f"/channel/{CHANNEL_ID}"):
                    status, body = 200, CONSENT_WALL
                elif url.path == "/watch" and parse_qs(url.query).get("v", [""])[0] in WATCH_PAGES:
                    status, body = 200, (YOUTUBE / WATCH_PAGES[parse_qs(url.query)["v"][0]]).read_bytes()
                elif url.path == f"/channel/{CHANNEL_ID}":
                    status, body = 200, CHANNEL_PAGE
                self.reply(status, body, {"Content-Type": f"{kind}; charset=utf-8"})

        super().__init__(Handler)
        self.url = self.base_url


def crawl(server: LocalYouTube, crawl_dir: Path, scope: dict):
    return run_crawl("youtube_monetisation", crawl_dir, scope=scope, settings={
        "YOUTUBE_BASE_URL": server.url, "ADTRAIL_MAX_RETRIES": "1", "ADTRAIL_BACKOFF_BASE_SECONDS": "0",
        "ADTRAIL_BACKOFF_MAX_SECONDS": "0", "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "20"})


def items_of(crawl_dir: Path) -> dict[str, dict]:
    lines = (crawl_dir / "items.jsonl").read_text(encoding="utf-8").splitlines()
    return {item["signal_key"]: item for item in map(json.loads, lines)}


SCOPE = {"video_ids": [*WATCH_PAGES, "deadvideo01"], "channel_ids": [CHANNEL_ID]}


def test_crawl_labels_every_page_with_evidence_and_loads(tmp_path):
    with LocalYouTube() as server:
        outcome = crawl(server, tmp_path / "crawl", SCOPE)
        assert outcome.complete, outcome.error
        assert "/robots.txt" in server.requests
        items = items_of(tmp_path / "crawl")
        assert sorted(items) == ["channel:" + CHANNEL_ID, "watch:2lAe1cqCOXo", "watch:5YceQ8YqYMc",
                                 "watch:WXxV9g7lsFE"]
        monetised = items["watch:WXxV9g7lsFE"]
        assert monetised["ad_slots_label"] == "ad slots present"
        assert monetised["ad_signals"] == ["playerAds", "adPlacements"]
        page = (YOUTUBE / WATCH_PAGES["WXxV9g7lsFE"]).read_text(encoding="utf-8")
        assert monetised["evidence"].startswith('"playerAds":') and monetised["evidence"] in page
        assert monetised["source_url"] == f"{server.url}/watch?v=WXxV9g7lsFE"
        assert items["watch:2lAe1cqCOXo"]["ad_slots_label"] == "no ad slots observed"
        assert items["watch:5YceQ8YqYMc"]["ad_slots_label"] == "no ad slots observed"
        assert items["watch:5YceQ8YqYMc"]["is_live"] is True
        assert items["channel:" + CHANNEL_ID]["subscribers"] == 749_000
        assert outcome.manifest["counts"]["not_found"] == 1  # deadvideo01: HTTP 404, counted, crawl went on
        assert outcome.manifest["scope"] == {"video_ids": SCOPE["video_ids"], "channel_ids": SCOPE["channel_ids"]}

        # A rerun on the same folder fetches no page again: every id's chain is finished.
        fetched = len(server.requests)
        again = crawl(server, tmp_path / "crawl", SCOPE)
        assert again.complete, again.error
        assert [path for path in server.requests[fetched:] if path != "/robots.txt"] == []

    con = db.connect(tmp_path / "adtrail.duckdb")
    snapshot_id = snapshots.begin_or_resume(con, "2026-01-05", "test")
    result = load.load_crawl(con, snapshot_id, tmp_path / "crawl")
    snapshots.complete(con, snapshot_id)
    assert result.items_loaded == 4
    rows = con.execute("SELECT signal_key, ad_slots_label, ad_signals, evidence_by_signal->>'adPlacements' "
                       "FROM raw_youtube_signal ORDER BY signal_key").fetchall()
    assert [(key, label, signals) for key, label, signals, _ in rows] == [
        ("channel:" + CHANNEL_ID, "no ad slots observed", []),
        ("watch:2lAe1cqCOXo", "no ad slots observed", []),
        ("watch:5YceQ8YqYMc", "no ad slots observed", []),
        ("watch:WXxV9g7lsFE", "ad slots present", ["playerAds", "adPlacements"]),
    ]
    assert rows[-1][3] in page
    con.close()


def test_robots_txt_is_obeyed(tmp_path):
    with LocalYouTube(robots="User-agent: *\nDisallow: /watch\n") as server:
        outcome = crawl(server, tmp_path / "crawl", {"video_ids": ["WXxV9g7lsFE"], "channel_ids": [CHANNEL_ID]})
        assert not any(path.startswith("/watch") for path in server.requests)
        assert f"/channel/{CHANNEL_ID}" in server.requests
    assert not outcome.complete
    assert outcome.manifest["finish_reason"] == "chains_unfinished"
    assert "watch-WXxV9g7lsFE" in outcome.manifest["error"]
    assert list(items_of(tmp_path / "crawl")) == ["channel:" + CHANNEL_ID]  # what was allowed is kept


def test_consent_wall_stops_the_crawl_with_a_message(tmp_path):
    with LocalYouTube(wall=True) as server:
        outcome = crawl(server, tmp_path / "crawl", {"video_ids": ["WXxV9g7lsFE"]})
    assert not outcome.complete
    assert outcome.manifest["finish_reason"] == "consent_or_bot_wall"
    assert "cookie-consent page" in outcome.error and "adtrail parse youtube-watch" in outcome.error
    assert outcome.manifest["counts"]["items"] == 0


def test_a_scope_without_ids_is_refused_before_anything_runs(tmp_path):
    outcome = run_crawl("youtube_monetisation", tmp_path / "crawl", scope={"video_ids": ["not an id"]}, settings={})
    assert not outcome.complete
    assert "not YouTube video ids" in outcome.error

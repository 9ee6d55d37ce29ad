"""spiders/parsers/youtube.py and embedded_json.py on YouTube's real pages (../shared/realdata/youtube).

The real pages (pytube's 2021 test mocks): a monetised music video's watch page (playerAds and
adPlacements) and its video-info response (adBreakParams), YouTube Rewind 2019's watch page (no ad keys),
and an ended Vatican News live stream's watch page (no ad keys, UNPLAYABLE). Variants of a real page
(an inserted adSlots key, a page cut short, a consent wall) are made in the tests from the real bytes.
A channel page is built in code in the shape YouTube serves (no real one is in ../shared).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest

from spiders.items import FIELDS
from spiders.parsers import youtube
from spiders.parsers.embedded_json import EmbeddedJsonError, find_assigned_object, scan_object
from spiders.parsers.registry import PARSERS

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
YOUTUBE = REALDATA / "youtube"
MONETISED = YOUTUBE / "pytube_WXxV9g7lsFE_monetised_playerAds_adPlacements_watch.html"
VIDEO_INFO = YOUTUBE / "pytube_WXxV9g7lsFE_vid_info.json"
NO_ADS = YOUTUBE / "pytube_2lAe1cqCOXo_no_ads_watch.html"
LIVE = YOUTUBE / "pytube_5YceQ8YqYMc_live_no_ads_watch.html"
needs_realdata = [pytest.mark.realdata,
                  pytest.mark.skipif(not YOUTUBE.exists(), reason="needs ../shared/realdata/youtube")]
PROVENANCE = {"item_kind": "youtube_signal", "source": "youtube_monetisation", "crawl_id": "c1",
              "source_url": "https://www.youtube.com/watch?v=x", "fetched_at": "2026-01-01T00:00:00+00:00",
              "body_sha256": "0" * 64, "page_number": 1}


def parse(path: Path) -> dict:
    return youtube.parse_page(path.read_bytes(), PROVENANCE)


# ---- the real pages


@pytest.mark.parametrize("path", [pytest.param(path, marks=needs_realdata, id=path.name)
                                  for path in (MONETISED, VIDEO_INFO, NO_ADS, LIVE)])
def test_items_have_exactly_the_contract_fields(path):
    item = parse(path)
    assert list(item) == list(FIELDS["youtube_signal"])
    json.dumps(item)  # plain JSON values only


@needs_realdata[0]
@needs_realdata[1]
class TestRealPages:
    def test_monetised_watch_page_has_ad_slots_with_evidence(self):
        item = parse(MONETISED)
        page = MONETISED.read_text(encoding="utf-8")
        assert item["page_kind"] == "watch"
        assert item["ad_slots_label"] == "ad slots present"
        assert item["ad_signals"] == ["playerAds", "adPlacements"]
        assert item["evidence"].startswith('"playerAds":[{"playerLegacyDesktopWatchAdsRenderer"')
        assert item["evidence_by_signal"]["adPlacements"].startswith(
            '"adPlacements":[{"adPlacementRenderer":{"config":{"adPlacementConfig":{"kind":"AD_PLACEMENT_KIND_START"')
        for quotation in item["evidence_by_signal"].values():
            assert len(quotation) == 200
            assert quotation in page  # the page's exact words

    def test_monetised_watch_page_channel_facts(self):
        item = parse(MONETISED)
        assert item["signal_key"] == "watch:WXxV9g7lsFE"
        assert item["video_id"] == "WXxV9g7lsFE"
        assert item["channel_id"] == "UCXPjxIofFid9z2JlKT6Jb3w"
        assert item["channel_title"] == "iyazlive"
        assert item["subscribers_text"] == "749K subscribers"
        assert item["subscribers"] == 749_000
        assert item["views"] == 215_449_623
        assert item["category"] == "Music"
        assert item["is_live"] is False
        assert item["playability_status"] == "OK"

    def test_video_info_has_adbreakparams_evidence(self):
        item = parse(VIDEO_INFO)
        assert item["page_kind"] == "video_info"
        assert item["signal_key"] == "video_info:WXxV9g7lsFE"
        assert item["ad_slots_label"] == "ad slots present"
        assert item["ad_signals"] == ["adBreakParams"]
        assert item["evidence"].startswith('"adBreakParams": "",')
        assert item["evidence"] in VIDEO_INFO.read_text(encoding="utf-8")
        assert item["channel_id"] == "UCXPjxIofFid9z2JlKT6Jb3w"
        assert item["views"] == 215_449_623

    @pytest.mark.parametrize("path", [NO_ADS, LIVE], ids=["rewind_2019", "vatican_live"])
    def test_pages_without_ad_keys_say_no_ad_slots_observed(self, path):
        item = parse(path)
        assert item["ad_slots_label"] == "no ad slots observed"
        assert item["ad_signals"] == []
        assert item["evidence"] is None
        assert item["evidence_by_signal"] == {}

    def test_rewind_page_facts(self):
        item = parse(NO_ADS)
        assert (item["video_id"], item["channel_id"], item["channel_title"]) == (
            "2lAe1cqCOXo", "UCBR8-60-B28hp2BmDPdntcQ", "YouTube")
        assert (item["subscribers_text"], item["subscribers"]) == ("31.5M subscribers", 31_500_000)
        assert (item["views"], item["category"], item["is_live"]) == (115_965_063, "Entertainment", False)

    def test_live_page_is_live(self):
        item = parse(LIVE)
        assert item["is_live"] is True
        assert item["is_live_now"] is False  # the stream ended (liveBroadcastDetails.isLiveNow false)
        assert item["channel_title"] == "Vatican News"
        assert (item["subscribers_text"], item["subscribers"]) == ("612K subscribers", 612_000)
        assert item["category"] == "News & Politics"
        assert item["playability_status"] == "UNPLAYABLE"

    def test_only_assignments_are_read_not_later_mentions(self):
        # The page reads window['ytInitialPlayerResponse'] again later in its script; only the assignment counts.
        page = NO_ADS.read_text(encoding="utf-8")
        found = find_assigned_object(page, "ytInitialPlayerResponse")
        assert page[found.start - 32:found.start].endswith("var ytInitialPlayerResponse = ")
        assert page[found.end] == ";"
        assert found.value["videoDetails"]["videoId"] == "2lAe1cqCOXo"

    def test_inserted_adslots_key_is_found(self):
        page = NO_ADS.read_text(encoding="utf-8")
        assignment = "var ytInitialPlayerResponse = {"
        page = page.replace(assignment, assignment + '"adSlots":[{"adSlotRenderer":{}}],', 1)
        item = youtube.parse_page(page.encode(), PROVENANCE)
        assert item["ad_signals"] == ["adSlots"]
        assert item["evidence"].startswith('"adSlots":[{"adSlotRenderer":{}}],"responseContext"')

    def test_ad_key_nested_deeper_is_not_a_signal(self):
        page = NO_ADS.read_text(encoding="utf-8")
        page = page.replace('"videoDetails":{', '"videoDetails":{"playerAds":[],', 1)
        assert youtube.parse_page(page.encode(), PROVENANCE)["ad_signals"] == []

    def test_page_cut_short_is_an_error_not_no_ads(self):
        body = NO_ADS.read_bytes()
        cut = body[: body.index(b'"videoDetails"') + 500]
        with pytest.raises(youtube.YouTubePageError, match="never closes.*cut short"):
            youtube.parse_page(cut, PROVENANCE)

    def test_legacy_get_video_info_query_string(self):
        player = VIDEO_INFO.read_text(encoding="utf-8")
        body = urlencode({"status": "ok", "player_response": player}).encode()
        item = youtube.parse_page(body, PROVENANCE)
        assert item["page_kind"] == "video_info"
        assert item["ad_signals"] == ["adBreakParams"]

    def test_html_given_as_video_info_says_which_kind_to_use(self):
        with pytest.raises(youtube.YouTubePageError, match="youtube-watch"):
            youtube.parse_video_info(NO_ADS.read_bytes(), PROVENANCE)

    @pytest.mark.parametrize("kind", ["youtube-watch", "youtube-video-info"])
    def test_adtrail_parse_kinds(self, kind):
        item, = PARSERS[kind](VIDEO_INFO if kind == "youtube-video-info" else MONETISED)
        assert item["source_url"].startswith("file://")
        assert item["ad_slots_label"] == "ad slots present"


# ---- pages built here


def channel_page(initial_data: dict) -> bytes:
    return (f'<!DOCTYPE html><html><body><script nonce="n">var ytInitialData = {json.dumps(initial_data)};'
            "window.ytcsi && ytcsi.tick('pdr');</script></body></html>").encode()


def test_channel_page_c4_header():
    item = youtube.parse_page(channel_page({
        "metadata": {"channelMetadataRenderer": {"title": "Tech } Channel {", "externalId": "UCuAXFkgsw1L7xaCfnd5JJOw"}},
        "header": {"c4TabbedHeaderRenderer": {"subscriberCountText": {"simpleText": "1.2M subscribers"}}},
    }), PROVENANCE)
    assert item["page_kind"] == "channel"
    assert item["signal_key"] == "channel:UCuAXFkgsw1L7xaCfnd5JJOw"
    assert item["channel_title"] == "Tech } Channel {"  # braces inside strings do not end the object
    assert (item["subscribers_text"], item["subscribers"]) == ("1.2M subscribers", 1_200_000)
    assert item["video_id"] is None
    assert item["ad_slots_label"] == "no ad slots observed"


def test_channel_views_come_from_its_about_data_never_from_a_video_shelf():
    shelf = {"contents": {"gridVideoRenderer": {"videoId": "WXxV9g7lsFE",
                                                "viewCountText": {"simpleText": "215,449,623 views"}}}}
    metadata = {"channelMetadataRenderer": {"title": "iyazlive", "externalId": "UCXPjxIofFid9z2JlKT6Jb3w"}}
    assert youtube.parse_page(channel_page({"metadata": metadata, **shelf}), PROVENANCE)["views"] is None
    about = {"channelAboutFullMetadataRenderer": {"viewCountText": {"simpleText": "312,045,118 views"}}}
    item = youtube.parse_page(channel_page({"metadata": metadata, **shelf, "onResponseReceivedEndpoints": [about]}),
                              PROVENANCE)
    assert item["views"] == 312_045_118


def test_channel_page_view_model_header():
    item = youtube.parse_page(channel_page({
        "metadata": {"channelMetadataRenderer": {"title": "Test", "externalId": "UCtestChannelId123"}},
        "header": {"pageHeaderRenderer": {"content": {"pageHeaderViewModel": {"metadata": {"contentMetadataViewModel": {
            "metadataRows": [{"metadataParts": [{"text": {"content": "@test"}}]},
                             {"metadataParts": [{"text": {"content": "12.3K subscribers"}},
                                                {"text": {"content": "87 videos"}}]}]}}}}}},
    }), PROVENANCE)
    assert (item["subscribers_text"], item["subscribers"]) == ("12.3K subscribers", 12_300)


@pytest.mark.parametrize("text, expected", [
    ("1.2M subscribers", 1_200_000), ("612K subscribers", 612_000), ("1,234 subscribers", 1_234),
    ("1 subscriber", 1), ("31.5 million subscribers", 31_500_000), ("2.05B subscribers", 2_050_000_000),
    ("1,2 M d’abonnés", None), ("1,2 Mio. Abonnenten", None), ("", None), (None, None),
])
def test_parse_subscribers(text, expected):
    assert youtube.parse_subscribers(text) == expected


@pytest.mark.parametrize("body, match", [
    (b'<html><form action="https://consent.youtube.com/save">Before you continue to YouTube</form></html>',
     "cookie-consent page"),
    (b"<html><body>Our systems have detected unusual traffic from your computer network.</body></html>",
     "unusual-traffic"),
    (b"<html><body>Hello</body></html>", "no ytInitialPlayerResponse"),
    (b'{"responseContext": {}}', "not a player response"),
    (b'{"videoDetails": {"videoId": "x"}', "never closes"),
])
def test_pages_that_cannot_be_read_raise_clear_errors(body, match):
    with pytest.raises(youtube.YouTubePageError, match=match):
        youtube.parse_page(body, PROVENANCE)


def test_unavailable_video_says_so():
    body = b'<script>var ytInitialPlayerResponse = {"playabilityStatus":{"status":"ERROR","reason":"Video unavailable"}};</script>'
    with pytest.raises(youtube.YouTubePageError, match="unavailable"):
        youtube.parse_page(body, PROVENANCE)


def test_scan_handles_escaped_quotes_and_brackets_in_strings():
    text = 'x = {"a":"say \\"}\\" ]","b":[{"c":"{"}],"d":1}; more();'
    end, keys = scan_object(text, 4)
    assert text[end:] == "; more();"
    assert keys == {"a": 5, "b": text.index('"b"'), "d": text.index('"d"')}
    with pytest.raises(EmbeddedJsonError):
        scan_object('{"a": "unterminated}', 0)


@pytest.mark.parametrize("script", [
    'window["ytInitialData"] = {"k": 1};', "window['ytInitialData']={\"k\": 1};", "ytInitialData = {\"k\": 1};",
    'var ytInitialData={"k": 1}; var other = window["ytInitialData"];',
])
def test_assignment_spellings(script):
    assert find_assigned_object(script, "ytInitialData").value == {"k": 1}

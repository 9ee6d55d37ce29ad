"""Made-up YouTube watch pages for the demo, in the structure real watch pages have.

A real watch page carries two script assignments that spiders/parsers/youtube.py cuts out:
``var ytInitialPlayerResponse = {...};`` (videoDetails, microformat.playerMicroformatRenderer,
playabilityStatus and, on a video with ads, the top-level ``playerAds`` and ``adPlacements``) and
``var ytInitialData = {...};`` (the owner's ``subscriberCountText`` under videoOwnerRenderer). The ad
objects below follow the shape of a real monetised page (``../shared/realdata/youtube``), with the demo's
own values; nothing here is copied from a real page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoVideo:
    video_id: str  # 11 characters, as YouTube's
    title: str
    channel_id: str  # UC + 22 characters
    channel_title: str
    subscribers_text: str  # as the page writes it, e.g. "812K subscribers"
    views: int
    category: str
    with_ads: bool  # the player response carries playerAds and adPlacements


def _ad_objects() -> dict:
    return {
        "playerAds": [{"playerLegacyDesktopWatchAdsRenderer": {
            "playerAdParams": {"showContentThumbnail": True, "enabledEngageTypes": "3,6,4,5,17,1"},
            "gutParams": {"tag": "\\4061\\ytpwmpu"}, "showCompanion": True, "showInstream": True, "useGut": True}}],
        "adPlacements": [{"adPlacementRenderer": {
            "config": {"adPlacementConfig": {"kind": "AD_PLACEMENT_KIND_START",
                                             "adTimeOffset": {"offsetStartMilliseconds": "0",
                                                              "offsetEndMilliseconds": "-1"},
                                             "hideCueRangeMarker": True}},
            "renderer": {"adBreakServiceRenderer": {"prefetchMilliseconds": "10000",
                                                    "getAdBreakUrl": "/get_midroll_info?ei=demo"}}}}],
    }


def player_response(video: DemoVideo) -> dict:
    response = {
        "responseContext": {"serviceTrackingParams": []},
        "playabilityStatus": {"status": "OK", "playableInEmbed": True},
        "videoDetails": {"videoId": video.video_id, "title": video.title, "lengthSeconds": "642",
                         "channelId": video.channel_id, "isOwnerViewing": False, "author": video.channel_title,
                         "viewCount": str(video.views), "isLiveContent": False, "isPrivate": False},
        "microformat": {"playerMicroformatRenderer": {
            "title": {"simpleText": video.title}, "category": video.category,
            "externalChannelId": video.channel_id, "ownerChannelName": video.channel_title,
            "viewCount": str(video.views), "isFamilySafe": True}},
    }
    if video.with_ads:
        # Real pages put the ad keys between playabilityStatus and videoDetails' neighbours: order is irrelevant
        # to the parser, which reads top-level keys.
        response.update(_ad_objects())
    return response


def initial_data(video: DemoVideo) -> dict:
    owner = {"videoOwnerRenderer": {"title": {"runs": [{"text": video.channel_title}]},
                                    "subscriberCountText": {"simpleText": video.subscribers_text}}}
    return {"responseContext": {"serviceTrackingParams": []},
            "contents": {"twoColumnWatchNextResults": {"results": {"results": {"contents": [
                {"videoPrimaryInfoRenderer": {"title": {"runs": [{"text": video.title}]}}},
                {"videoSecondaryInfoRenderer": {"owner": owner}}]}}}}}


def watch_page(video: DemoVideo) -> bytes:
    player = json.dumps(player_response(video), ensure_ascii=False, separators=(",", ":"))
    data = json.dumps(initial_data(video), ensure_ascii=False, separators=(",", ":"))
    title = video.title.replace("&", "&amp;").replace("<", "&lt;")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} - YouTube</title></head>'
        f'<body dir="ltr" no-y-overflow><script nonce="demo">var ytInitialPlayerResponse = {player};'
        f'var meta = document.createElement(\'meta\');</script><div id="player"></div>'
        f'<script nonce="demo">var ytInitialData = {data};</script></body></html>'
    ).encode("utf-8")

"""YouTube watch pages, channel pages and player responses: bytes in, one ``youtube_signal`` item out.

What is read, and from where:

- **Watch page** (``/watch?v=ID``): ``ytInitialPlayerResponse`` (the player response: ``videoDetails``,
  ``microformat.playerMicroformatRenderer``, ``playabilityStatus`` and the ad keys) and ``ytInitialData``
  (the owner's ``subscriberCountText``), each cut out of the page by ``spiders.parsers.embedded_json``.
- **Channel page** (``/channel/UC…``): ``ytInitialData`` (``metadata.channelMetadataRenderer``: title and
  channel id; the header's subscriber count text).
- **Video info**: an innertube ``/youtubei/v1/player`` response (a JSON object), or the older
  ``get_video_info`` query string carrying it as ``player_response=``.

Ad signals are the player response's top-level keys ``playerAds``, ``adPlacements``, ``adSlots`` and
``adBreakParams``, counted by their presence whatever their value: YouTube's video-info answer for a
monetised video (the same one whose watch page carries ``playerAds`` and ``adPlacements``) has
``"adBreakParams": ""``, and the quotation shows the value as it is. Any of them gives the label
"ad slots present"; none gives "no ad slots observed". **Neither label proves whether the creator is
paid**: YouTube can place ads on videos whose creator is not in the Partner Programme (and keeps that
revenue), a claimed video's ads pay the claimant, and an answer without ad keys may differ by country,
consent, login or client. The label says
what the page carried when fetched, nothing more. ``evidence`` quotes the page exactly: 200 characters
from the first ad key found (``evidence_by_signal`` has one quotation per key).

A page that has none of these objects (a consent wall, a bot check, an error page) raises
``YouTubePageError`` saying what came instead: it is never recorded as "no ad slots observed".
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs

from spiders.items import empty_item
from spiders.parsers.embedded_json import (EmbeddedJsonError, EmbeddedObject, ObjectNeverCloses, find_assigned_object,
                                           whole_object)

AD_KEYS = ("playerAds", "adPlacements", "adSlots", "adBreakParams")
ADS_PRESENT = "ad slots present"
NO_ADS_OBSERVED = "no ad slots observed"
EVIDENCE_CHARS = 200
PLATFORM = "youtube"
_SUBSCRIBERS = re.compile(
    r"^\s*(?P<number>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>[KMB]|thousand|million|billion)?\s+subscribers?\b",
    re.IGNORECASE)
_UNITS = {None: 1, "k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000,
          "b": 1_000_000_000, "billion": 1_000_000_000}
_NOT_A_PAGE = (
    ("consent.youtube.com", "YouTube's cookie-consent page"),
    ("Before you continue to YouTube", "YouTube's cookie-consent page"),
    ("/sorry/index", "Google's unusual-traffic page (a bot check)"),
    ("Our systems have detected unusual traffic", "Google's unusual-traffic page (a bot check)"),
)


class YouTubePageError(ValueError):
    """The bytes are not a page this parser can read; the message says what was found and what to do."""


class PageCutShort(YouTubePageError):
    """The page ends inside its data: fetching it again may help."""


class VideoUnavailable(YouTubePageError):
    """A real watch page of a video that cannot be played (removed, private, unavailable): no details."""


class NotAYouTubePage(YouTubePageError):
    """A consent wall, a bot check, an error page, or a layout this parser does not know."""


def wall_of(text: str) -> str | None:
    """What kind of wall the page is (cookie consent, bot check), or None for any other page."""
    return next((what for marker, what in _NOT_A_PAGE if marker in text), None)


def _text(runs_or_simple) -> str | None:
    """YouTube's text object ({"simpleText": ...} or {"runs": [{"text": ...}]}) as plain text."""
    if isinstance(runs_or_simple, str):
        return runs_or_simple
    if not isinstance(runs_or_simple, dict):
        return None
    if isinstance(runs_or_simple.get("simpleText"), str):
        return runs_or_simple["simpleText"]
    runs = runs_or_simple.get("runs")
    if isinstance(runs, list):
        return "".join(run.get("text", "") for run in runs if isinstance(run, dict)) or None
    if isinstance(runs_or_simple.get("content"), str):  # newer view models: {"content": "1.2M subscribers"}
        return runs_or_simple["content"]
    return None


def _first(value, key: str):
    """The first value of ``key`` anywhere in ``value`` (depth first, in document order)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if key in node:
                return node[key]
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return None


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for child in value.values():
            yield from _strings(child)
    elif isinstance(value, list):
        for child in value:
            yield from _strings(child)


def parse_subscribers(text: str | None) -> int | None:
    """"1.2M subscribers" -> 1200000, "612K subscribers" -> 612000, "1,234 subscribers" -> 1234,
    "31.5 million subscribers" -> 31500000; None for anything else (other languages, hidden counts)."""
    match = _SUBSCRIBERS.match(text or "")
    if not match:
        return None
    number, unit = match["number"], match["unit"]
    if "," in number and not re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", number):
        return None  # a decimal comma ("1,2 M") is not English; the text is kept
    try:
        amount = Decimal(number.replace(",", "")) * _UNITS[unit.lower() if unit else None]
    except InvalidOperation:
        return None
    return int(amount)


def _int(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _ad_signals(text: str, objects: list[EmbeddedObject]) -> tuple[list[str], dict[str, str]]:
    """Which ad keys the objects carry at top level, and an exact quotation for each."""
    found: dict[str, str] = {}
    for embedded in objects:
        for key in AD_KEYS:
            if key in found or key not in embedded.value:
                continue
            offset = embedded.top_level_keys[key]
            found[key] = text[offset:offset + EVIDENCE_CHARS]
    signals = [key for key in AD_KEYS if key in found]
    return signals, {key: found[key] for key in signals}


def _decode(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    return text[1:] if text.startswith("\ufeff") else text


def _not_a_page(text: str, wanted: str) -> YouTubePageError:
    what = wall_of(text)
    if what:
        return NotAYouTubePage(
                f"this is {what}, not a {wanted}: nothing about ads can be read from it. YouTube shows it to "
                "clients without consent cookies or that it takes for bots; fetch again later, or save the page "
                "from a browser and use `adtrail parse`")
    start = " ".join(text[:80].split())
    return NotAYouTubePage(
        f"no ytInitialPlayerResponse or channel ytInitialData in the page (it starts {start!r}): not a YouTube "
        f"{wanted}, or YouTube changed its page layout; check the URL, and report the page if it is one")


def _fill(item: dict, player: dict, initial_data: dict | None) -> None:
    details = player.get("videoDetails") or {}
    micro = (player.get("microformat") or {}).get("playerMicroformatRenderer") or {}
    broadcast = micro.get("liveBroadcastDetails") or {}
    item["video_id"] = details.get("videoId")
    item["channel_id"] = details.get("channelId") or micro.get("externalChannelId")
    item["channel_title"] = details.get("author") or micro.get("ownerChannelName")
    views = _int(details.get("viewCount"))
    item["views"] = views if views is not None else _int(micro.get("viewCount"))
    item["category"] = micro.get("category")
    # is_live: the video is a live broadcast (on air now or its recording); is_live_now: on air when fetched.
    item["is_live"] = bool(details.get("isLiveContent") or details.get("isLive") or broadcast)
    item["is_live_now"] = bool(details.get("isLive") or broadcast.get("isLiveNow"))
    item["playability_status"] = (player.get("playabilityStatus") or {}).get("status")
    if initial_data is not None:
        item["subscribers_text"] = _text(_first(initial_data, "subscriberCountText"))


def _finish(item: dict, text: str, objects: list[EmbeddedObject]) -> dict:
    signals, quotes = _ad_signals(text, objects)
    item["ad_signals"] = signals
    item["ad_slots_label"] = ADS_PRESENT if signals else NO_ADS_OBSERVED
    item["evidence"] = quotes[signals[0]] if signals else None
    item["evidence_by_signal"] = quotes
    item["subscribers"] = parse_subscribers(item["subscribers_text"])
    identifier = item["channel_id"] if item["page_kind"] == "channel" else item["video_id"]
    if not identifier:
        raise YouTubePageError(f"the {item['page_kind']} page names no "
                               f"{'channel' if item['page_kind'] == 'channel' else 'video'} id; it cannot be keyed")
    item["signal_key"] = f"{item['page_kind']}:{identifier}"
    return item


def _new_item(provenance: dict, page_kind: str) -> dict:
    item = empty_item("youtube_signal")
    item.update(provenance)
    item["item_kind"] = "youtube_signal"
    item["platform"] = PLATFORM
    item["page_kind"] = page_kind
    return item


def _channel_subscribers(initial_data: dict) -> str | None:
    header = initial_data.get("header") or {}
    text = _text(_first(header, "subscriberCountText"))
    if text:
        return text
    # 2024 layout: pageHeaderViewModel metadata rows hold "12.3K subscribers" as plain content strings.
    return next((value for value in _strings(header) if re.search(r"\bsubscribers?\b", value, re.I)), None)


def parse_page(body: bytes, provenance: dict) -> dict:
    """A watch page or a channel page (HTML), or a video-info response (JSON or query string): one item."""
    text = _decode(body)
    stripped = text.lstrip()
    if stripped.startswith("{") or "player_response=" in text[:4096]:
        return parse_video_info(body, provenance)
    try:
        player = find_assigned_object(text, "ytInitialPlayerResponse")
        initial = find_assigned_object(text, "ytInitialData")
    except ObjectNeverCloses as error:
        raise PageCutShort(str(error)) from None
    except EmbeddedJsonError as error:
        raise NotAYouTubePage(str(error)) from None
    if player is not None and player.value.get("videoDetails"):
        item = _new_item(provenance, "watch")
        _fill(item, player.value, initial.value if initial else None)
        return _finish(item, text, [player])
    channel = ((initial.value.get("metadata") or {}).get("channelMetadataRenderer") or {}) if initial else {}
    if player is not None and not channel:
        status = player.value.get("playabilityStatus") or {}
        raise VideoUnavailable(
            f"the watch page has no video details (playability {status.get('status')!r}: {status.get('reason')!r}):"
            " the video is unavailable, private or removed; nothing about ads can be read")
    if channel:
        item = _new_item(provenance, "channel")
        item["channel_id"] = channel.get("externalId")
        item["channel_title"] = channel.get("title")
        item["subscribers_text"] = _channel_subscribers(initial.value)
        # Only the channel's about data counts: the page's video shelves hold each video's own viewCountText.
        about = _first(initial.value, "channelAboutFullMetadataRenderer") or _first(
            initial.value, "aboutChannelViewModel") or {}
        about = about.get("viewCountText") if isinstance(about, dict) else None
        item["views"] = _int(re.sub(r"[^\d]", "", _text(about) or "") or None)
        return _finish(item, text, [initial] + ([player] if player else []))
    raise _not_a_page(text, "watch or channel page")


def parse_video_info(body: bytes, provenance: dict) -> dict:
    """An innertube player response (JSON object), or the old get_video_info query string around one."""
    text = _decode(body)
    if text.lstrip().startswith("<"):
        raise YouTubePageError("this is an HTML page, not a video info response (JSON): read watch and channel "
                               "pages with `adtrail parse youtube-watch`")
    if not text.lstrip().startswith("{"):
        fields = parse_qs(text.strip())
        if "player_response" not in fields:
            raise _not_a_page(text, "video info response (JSON, or a query string with player_response)")
        text = fields["player_response"][0]  # evidence then quotes the decoded player response
    try:
        document = whole_object(text)
    except ObjectNeverCloses as error:
        raise PageCutShort(f"the video info is {error}") from None
    except EmbeddedJsonError as error:
        raise NotAYouTubePage(f"the video info is {error}") from None
    player = document.value
    if not player.get("videoDetails") and not player.get("playabilityStatus"):
        raise YouTubePageError(
            f"this JSON is not a player response (top-level keys {sorted(player)[:8]}); expected videoDetails "
            "and playabilityStatus as /youtubei/v1/player answers")
    item = _new_item(provenance, "video_info")
    _fill(item, player, None)
    return _finish(item, text, [document])

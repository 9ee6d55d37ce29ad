"""YouTube watch and channel pages: whether ad slots are present, with channel facts and the page's own words.

**Legal note.** YouTube's Terms of Service (youtube.com/t/terms, "Permissions and Restrictions"; not
re-read online when this was written: check the current text) forbid accessing the service "using any
automated means (such as robots, botnets or scrapers)" except public search engines per robots.txt or with
YouTube's prior written permission. No login is needed for these pages, and the official route (the
YouTube Data API) does not say whether a video carries ad slots. So this
source is OFF by default (``sources.youtube_monetisation.enabled = false``); the user turns it on, for the
videos and channels they name, having satisfied themselves that their use is permitted (written permission,
or a research exemption such as DSA Article 40 data access). Without that, save pages by hand from a browser
and read them with ``adtrail parse youtube-watch``. The spider obeys robots.txt, identifies itself honestly,
sends no cookies and fetches one page per id, slowly (AutoThrottle).

One chain per configured id, one page each: ``/watch?v=ID`` for ``video_ids``, ``/channel/UC…`` for
``channel_ids`` (endpoint setting ``YOUTUBE_BASE_URL``, default https://www.youtube.com). Each page goes to
the pure parser ``spiders.parsers.youtube``: one ``youtube_signal`` item, labelled "ad slots present" or
"no ad slots observed". **Neither label proves whether the creator is paid**: it says which ad keys the page
carried when fetched (see the parser's docstring for why that is not payment).

Retries, resume (a finished id is not fetched again) and stops are the base class's (spiders/base.py).
A cookie-consent wall or a bot check stops the crawl with a message (every later page would be the same
wall); an unavailable or removed video, or an unknown id (HTTP 404), is counted and the crawl goes on.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from spiders.base import BACKOFF, RETRY, STOP, Chain, PaginatedApiSpider, ScopeError, Verdict
from spiders.parsers import youtube

SCOPE_KEYS = ("video_ids", "channel_ids")
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
# Hosts YouTube sends clients it will not serve a page to.
_WALL_HOSTS = {"consent.youtube.com": "YouTube's cookie-consent page", "www.google.com": "Google's bot check"}


def _ids(raw: dict, key: str, pattern: re.Pattern[str], what: str) -> list[str]:
    values = raw.get(key) or []
    if not isinstance(values, list):
        raise ScopeError(f"{key} must be a list of {what}s, not {values!r}")
    ids = [str(value).strip() for value in values]
    bad = [value for value in ids if not pattern.fullmatch(value)]
    if bad:
        example = "WXxV9g7lsFE" if key == "video_ids" else "UCXPjxIofFid9z2JlKT6Jb3w"
        raise ScopeError(f"{key} {bad} are not YouTube {what}s (such as {example}); copy the id from the page's URL")
    return list(dict.fromkeys(ids))


class YoutubeMonetisationSpider(PaginatedApiSpider):
    name = "youtube_monetisation"
    item_kind = "youtube_signal"
    platform = "youtube"
    malformed_errors = (youtube.PageCutShort,)
    custom_settings = {
        # A website: robots.txt is obeyed (the project default, stated again here on purpose).
        "ROBOTSTXT_OBEY": True,
        "DEFAULT_REQUEST_HEADERS": {"Accept": "text/html,application/xhtml+xml", "Accept-Language": "en"},
        # HTML pages are never cached (the cache policy keeps JSON API pages); a finished id is skipped by
        # its cursor instead.
        "HTTPCACHE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    }

    @classmethod
    def normalise_scope(cls, raw: dict) -> dict:
        unknown = sorted(set(raw) - set(SCOPE_KEYS))
        if unknown:
            raise ScopeError(f"unknown scope keys {unknown}; the youtube_monetisation scope has {list(SCOPE_KEYS)}")
        scope = {"video_ids": _ids(raw, "video_ids", _VIDEO_ID, "video id"),
                 "channel_ids": _ids(raw, "channel_ids", _CHANNEL_ID, "channel id")}
        if not scope["video_ids"] and not scope["channel_ids"]:
            raise ScopeError("no video_ids and no channel_ids: name the videos and channels to check in "
                             "sources.youtube_monetisation")
        return scope

    @classmethod
    def manifest_scope(cls, scope: dict, settings) -> dict:
        return {"video_ids": scope["video_ids"], "channel_ids": scope["channel_ids"]}

    def chains(self) -> list[Chain]:
        base = self.settings["YOUTUBE_BASE_URL"].rstrip("/")
        return ([Chain(f"watch-{video_id}", f"{base}/watch?v={video_id}") for video_id in self.scope["video_ids"]]
                + [Chain(f"channel-{channel_id}", f"{base}/channel/{channel_id}")
                   for channel_id in self.scope["channel_ids"]])

    def api_hosts(self) -> set[str]:
        return set()  # no token is ever sent

    def judge(self, response) -> Verdict | None:
        # A page with YouTube's data is never a wall, whatever links its script holds.
        wall = _WALL_HOSTS.get(urlsplit(response.url).hostname or "") or (
            youtube.wall_of(response.body[:200_000].decode("utf-8", "replace"))
            if response.status == 200 and b"ytInitial" not in response.body else None)
        if wall:
            return Verdict(STOP, (
                f"{response.url} is {wall}, not the page asked for: YouTube does not serve this client. Nothing "
                "about ads can be read from it; the pages fetched so far are kept. Rerun later, or save the pages "
                "from a browser and read them with `adtrail parse youtube-watch`"),
                finish_reason="consent_or_bot_wall", counts=("walls",))
        if response.status == 429:
            return Verdict(BACKOFF, "YouTube answered 429 (too many requests)")
        if response.status >= 500:
            return Verdict(RETRY, f"YouTube answered HTTP {response.status}")
        if response.status in (404, 410):
            return None  # an unknown id: recorded as such in parse_api_page, the crawl goes on
        if response.status >= 400:
            return Verdict(STOP, (
                f"YouTube answered HTTP {response.status} for {response.url}: access refused. The pages fetched "
                "so far are kept; check sources.youtube_monetisation.endpoint, then rerun"),
                finish_reason="access_refused")
        return None

    def parse_api_page(self, response, provenance: dict) -> tuple[list[dict], None]:
        if response.status in (404, 410):
            self.count("not_found")
            self.logger.warning("%s: HTTP %d, no such video or channel; nothing recorded for it",
                                response.url, response.status)
            return [], None
        try:
            return [youtube.parse_page(response.body, provenance)], None
        except (youtube.VideoUnavailable, youtube.NotAYouTubePage) as error:
            # One unreadable page says nothing about the others; it is counted and named in the log.
            self.count("unavailable_videos" if isinstance(error, youtube.VideoUnavailable) else "unreadable_pages")
            self.logger.warning("%s: %s", response.url, error)
            return [], None

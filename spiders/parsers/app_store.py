"""App store listing pages: the developer's website, where app-ads.txt is looked for (IAB app-ads.txt 1.0).

app-ads.txt is not found from the app itself: the store listing names the developer's website, and the file
lives at that website's root domain (app-ads.txt 1.0, "Crawling": the developer URL's host, without
subdomains such as ``www.`` or ``m.``). Pure functions of a saved page's bytes:

``developer_website(html: bytes) -> DeveloperWebsite | None``
    Google Play: the "Website" link of the "App support" / "Developer contact" section (``aria-label`` or
    text "Website"; older pages "Visit website"), links wrapped in ``google.com/url?q=`` unwrapped.
    Apple App Store: the "Developer Website" link (``data-metrics-click`` target ``LinkToDeveloperWebsite``).
``app_ads_txt_url(developer_url) -> str | None``
    ``https://<root domain>/app-ads.txt`` (the spider tries HTTP after HTTPS, as for ads.txt).
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

import lxml.html

from spiders.public_suffix import root_domain


@dataclass(frozen=True)
class DeveloperWebsite:
    store: str  # "google_play" | "app_store" | "unknown"
    url: str
    evidence: str  # how the link was recognised, for the record


_GOOGLE_PLAY_TEXTS = ("website", "visit website")
_APPLE_TEXTS = ("developer website",)


def _store(document) -> str:
    urls = " ".join(document.xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content"))
    if "play.google.com" in urls:
        return "google_play"
    if "apps.apple.com" in urls or "itunes.apple.com" in urls:
        return "app_store"
    return "unknown"


def _unwrap(href: str) -> str:
    """Google Play sends outbound links through google.com/url?q=<target>."""
    parts = urllib.parse.urlsplit(href)
    if parts.netloc.endswith("google.com") and parts.path == "/url":
        target = urllib.parse.parse_qs(parts.query).get("q")
        if target:
            return target[0]
    return href


def developer_website(html: bytes) -> DeveloperWebsite | None:
    """The developer's website linked from a saved Google Play or App Store listing; None when absent."""
    document = lxml.html.document_fromstring(html)
    store = _store(document)
    for anchor in document.iter("a"):
        url = _unwrap((anchor.get("href") or "").strip())
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            continue
        text = re.sub(r"\s+", " ", anchor.text_content()).strip().lower()
        label = (anchor.get("aria-label") or "").strip().lower()
        if "LinkToDeveloperWebsite" in (anchor.get("data-metrics-click") or ""):
            return DeveloperWebsite(store, url, "link target LinkToDeveloperWebsite")
        if text in _APPLE_TEXTS:
            return DeveloperWebsite(store, url, f"link text {text!r}")
        if label in _GOOGLE_PLAY_TEXTS:
            return DeveloperWebsite(store, url, f"link label {label!r}")
        if text in _GOOGLE_PLAY_TEXTS:
            return DeveloperWebsite(store, url, f"link text {text!r}")
    return None


def app_ads_txt_url(developer_url: str) -> str | None:
    host = urllib.parse.urlsplit(developer_url).hostname
    root = root_domain(host) if host else None
    return f"https://{root}/app-ads.txt" if root else None

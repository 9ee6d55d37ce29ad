"""Google ad creatives from Google's own pages, as ``google_creative`` items (spiders/items.py).

Two page kinds, both read from their HTML with lxml (pure: bytes in, items out):

- **Legacy ad cards** of the Political Advertising transparency report
  (transparencyreport.google.com/political-ads): Angular ``<creative-preview>`` cards whose link is
  ``/political-ads/advertiser/AR…/creative/CR…``. A text ad's title, visible URL and description are in the
  DOM (``<text-ad>``: ``.blue-title``, ``.url-line``, the next block); an image or video ad is a rendered
  frame (``<fletch>`` with an ``<iframe>``), kept as a media URL. The format is the card's caption
  ("Text ad.", "Image ad.", "Video ad."); dates are US month/day/year ("11/3/20 - 11/3/20") with the
  duration as ISO 8601 (``datetime="P9D"``); impressions and spend are buckets kept as written.
- **Ads Transparency Center creative pages** (adstransparency.google.com/advertiser/AR…/creative/CR…), as
  Chromium rendered them. Properties are read by their visible labels ("Format", "First shown",
  "Last shown", "Shown in"/"Regions"), not by Angular's generated class names, which change with each
  release; the advertiser name is the link to ``/advertiser/AR…``.

Ids come from links: AR… is the bundle's Advertiser_ID and CR… its Ad_ID
(google-political-ads-creative-stats.csv), so items join the bundle.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import lxml.html

from spiders.items import empty_item

CREATIVE_LINK = re.compile(r"/advertiser/(AR\d+)/creative/(CR\d+)")
ADVERTISER_LINK = re.compile(r"/advertiser/(AR\d+)/?(?:[?#]|$)")
_FORMATS = {"text": "text", "image": "image", "video": "video"}
_LABELS = {
    "format": "format", "ad format": "format",
    "first shown": "first_shown", "last shown": "last_shown",
    "shown in": "regions", "regions": "regions", "region": "regions", "where the ad was shown": "regions",
}
_DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%Y-%m-%d", "%m/%d/%y", "%m/%d/%Y")
_DURATION_DAYS = re.compile(r"P(\d+)D")


class NotACreativePage(ValueError):
    """The HTML holds no creative this parser knows; the message says what was found instead."""


def _text(element) -> str:
    return " ".join(element.text_content().split())


def parse_date(text: str | None) -> str | None:
    """A date as Google's pages write it (``Nov 3, 2020``, ``3 Nov 2020``, ``11/3/20``) as ISO 8601; None
    when it is none of these (kept as written in ``dates_text``)."""
    if not text:
        return None
    cleaned = " ".join(text.replace(",", ", ").split()).replace(" ,", ",")
    for date_format in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(cleaned, date_format).date().isoformat()
        except ValueError:
            continue
    return None


def _document(html: bytes | str):
    if not html or not (html.strip() if isinstance(html, str) else html.strip()):
        raise NotACreativePage("the file is empty: save the page again once it has loaded")
    return lxml.html.fromstring(_decoded(html))


def _decoded(html: bytes | str) -> str:
    # Pages saved from a browser and pages Chromium renders are UTF-8; lxml would guess Latin-1 for bytes
    # without a <meta charset> (the saved cards have none) and turn "≤ 10k" into mojibake.
    return html.decode("utf-8", "replace") if isinstance(html, bytes) else html


def _provenance_item(provenance: dict) -> dict:
    item = empty_item("google_creative")
    item.update(provenance)
    item.update(item_kind="google_creative", platform="google", status="ok")
    return item


def parse_legacy_cards(html: bytes | str, provenance: dict) -> Iterator[dict]:
    """Every ``<creative-preview>`` card of a saved transparency-report page: one item each."""
    document = _document(html)
    cards = document.xpath("//creative-preview")
    if not cards:
        raise NotACreativePage(
            "no <creative-preview> ad card found: this is not a saved page of the legacy Google political ads "
            "report (transparencyreport.google.com/political-ads); save the page after its ads have loaded")
    for card in cards:
        yield _legacy_card(card, provenance)


def _legacy_card(card, provenance: dict) -> dict:
    item = _provenance_item(provenance)
    item["page_kind"] = "legacy_card"
    for href in card.xpath(".//a/@href"):
        if match := CREATIVE_LINK.search(href):
            item["advertiser_id"], item["creative_id"] = match.groups()
            break
    advertiser = [a for a in card.xpath(".//mat-card-footer//a[@href]") if ADVERTISER_LINK.search(a.get("href"))]
    if advertiser:
        item["advertiser_name"] = advertiser[0].get("title") or _text(advertiser[0])
        item["advertiser_id"] = item["advertiser_id"] or ADVERTISER_LINK.search(advertiser[0].get("href")).group(1)
    caption = " ".join(_text(c) for c in card.xpath(".//figcaption")).lower()
    item["ad_format"] = next((fmt for word, fmt in _FORMATS.items() if f"{word} ad" in caption), None)
    for text_ad in card.xpath(".//text-ad"):
        title = text_ad.xpath(".//*[contains(@class, 'blue-title')]")
        url_line = text_ad.xpath(".//*[contains(@class, 'url-line')]")
        item["headline"] = _text(title[0]) if title else None
        if url_line:
            icons = " ".join(_text(icon) for icon in url_line[0].xpath(".//*[contains(@class, 'ad-icon')]"))
            item["display_url"] = _text(url_line[0]).removeprefix(icons).strip() or None
        container = text_ad.xpath(".//*[contains(@class, 'ad-container')]")
        known = {id(e) for e in title + url_line}
        # the description is the block after the URL line (in the real card it sits inside the url-line's
        # parent, after it); everything of the container that is not title or URL
        body = [_text(e) for e in (container[0].iter() if container else ())
                if e.tag == "div" and id(e) not in known and not (e.get("class") or "").strip().startswith(("ad-", "url-", "blue-"))
                and not e.xpath(".//*[contains(@class, 'url-line') or contains(@class, 'blue-title')]")]
        item["body"] = " ".join(text for text in body if text) or None
    item["image_urls"] = [src for src in card.xpath(".//figure//img/@src")] or None
    item["media_urls"] = [src for src in card.xpath(".//figure//iframe/@src | .//figure//video/@src "
                                                     "| .//figure//video/source/@src")] or None
    for time_element in card.xpath(".//time"):
        item["dates_text"] = " ".join(_text(time_element).split("(")[0].split())
        first, _, last = item["dates_text"].partition(" - ")
        item["first_shown_date"], item["last_shown_date"] = parse_date(first), parse_date(last)
        if match := _DURATION_DAYS.fullmatch(time_element.get("datetime") or ""):
            item["days_shown"] = int(match.group(1))
    for stat in card.xpath(".//*[@aria-label]"):
        label = stat.get("aria-label").lower()
        value = " ".join(_text(stat).split()[1:])  # the first word is the icon's ligature name
        if label == "impressions":
            item["impressions_text"] = value
        elif label == "amount spent":
            item["spend_text"] = value
    item["ad_key"] = item["creative_id"]
    if not item["creative_id"]:
        item.update(status="failed", error="the card has no link to /advertiser/AR…/creative/CR…: no creative id")
    return item


def _labelled_values(document) -> dict[str, list[str]]:
    """Visible ``label → values`` pairs: an element whose own text is a known label (optionally with a
    colon), valued by its following siblings' texts, or one text "Last shown: Nov 3, 2020"."""
    found: dict[str, list[str]] = {}
    for element in document.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style"):
            continue
        own = " ".join((element.text or "").split())
        label, colon, rest = own.partition(":")
        key = _LABELS.get(label.strip().lower())
        if key is None or key in found:
            continue
        if colon and rest.strip() and not len(element):
            found[key] = [rest.strip()]
            continue
        values: list[str] = []
        for sibling in element.itersiblings():
            items = sibling.xpath(".//li") or [sibling]
            values += [_text(entry) for entry in items if _text(entry)]
        found[key] = values
    return found


def creative_ids_in(html: bytes | str) -> list[tuple[str, str]]:
    """(advertiser id, creative id) of every creative linked from a page, in page order, once each."""
    document = lxml.html.fromstring(_decoded(html)) if html and html.strip() else None
    pairs = [] if document is None else [m.groups() for href in document.xpath("//a/@href")
                                         if (m := CREATIVE_LINK.search(href))]
    return list(dict.fromkeys(pairs))


def parse_creative_detail(html: bytes | str, provenance: dict, *, url: str | None = None) -> dict:
    """An Ads Transparency Center creative page, rendered: one item. The ids come from ``url`` (the page's
    address) when given, else from the page's canonical link."""
    document = _document(html)
    if document.xpath("//creative-preview"):
        raise NotACreativePage("this is a legacy transparency-report ad card, not an Ads Transparency Center "
                               "creative page: read it with `adtrail parse google-ad-card`")
    item = _provenance_item(provenance)
    item["page_kind"] = "creative_detail"
    addresses = [url or ""] + document.xpath("//link[@rel='canonical']/@href | //a/@href")
    for address in addresses:
        if match := CREATIVE_LINK.search(address):
            item["advertiser_id"], item["creative_id"] = match.groups()
            break
    if not item["creative_id"]:
        raise NotACreativePage(
            "no /advertiser/AR…/creative/CR… address in the page or its URL: this is not an Ads Transparency "
            "Center creative page; save it from adstransparency.google.com/advertiser/AR…/creative/CR…")
    item["ad_key"] = item["creative_id"]
    for link in document.xpath("//a[@href]"):
        if (match := ADVERTISER_LINK.search(link.get("href"))) and _text(link):
            item["advertiser_name"] = _text(link)
            item["advertiser_id"] = item["advertiser_id"] or match.group(1)
            break
    labelled = _labelled_values(document)
    format_text = " ".join(labelled.get("format", [])).lower()
    item["ad_format"] = next((fmt for word, fmt in _FORMATS.items() if word in format_text), None)
    first, last = (labelled.get(key, [None])[0] if labelled.get(key) else None for key in ("first_shown", "last_shown"))
    item["first_shown_date"], item["last_shown_date"] = parse_date(first), parse_date(last)
    item["dates_text"] = " - ".join(text for text in (first, last) if text) or None
    item["regions"] = labelled.get("regions") or None
    creative = (document.xpath("//*[contains(@class, 'creative-container')]") or [document])[0]
    item["headline"] = _first_text(creative, "headline")
    item["display_url"] = _first_text(creative, "visible-url")
    item["body"] = _first_text(creative, "description")
    item["image_urls"] = creative.xpath(".//img/@src") or None
    item["media_urls"] = creative.xpath(".//video/@src | .//video/source/@src | .//iframe/@src") or None
    return item


def _first_text(root, css_class: str) -> str | None:
    found = root.xpath(f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')]")
    return (_text(found[0]) or None) if found else None


def failed_creative(provenance: dict, *, advertiser_id: str, creative_id: str, error: str) -> dict:
    """The item of a creative whose page could not be read: ids kept, status failed, the reason."""
    item = _provenance_item(provenance)
    item.update(page_kind="creative_detail", advertiser_id=advertiser_id, creative_id=creative_id,
                ad_key=creative_id, status="failed", error=error)
    return item


def _file_provenance(path, body: bytes) -> dict:
    from spiders.parsers.registry import file_provenance  # the registry imports this module

    return file_provenance(path, body, item_kind="google_creative", source="google_ads_transparency")


def parse_card_file(path) -> Iterator[dict]:
    """`adtrail parse google-ad-card FILE`: a saved legacy transparency-report page or card."""
    from pathlib import Path

    body = Path(path).read_bytes()
    yield from parse_legacy_cards(body, _file_provenance(Path(path), body))


def parse_creative_file(path) -> Iterator[dict]:
    """`adtrail parse google-creative FILE`: a saved (rendered) Ads Transparency Center creative page."""
    from pathlib import Path

    body = Path(path).read_bytes()
    yield parse_creative_detail(body, _file_provenance(Path(path), body))

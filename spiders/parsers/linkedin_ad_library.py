"""LinkedIn Ad Library pages (linkedin.com/ad-library): bytes in, ``linkedin_ad`` items out.

Two kinds of page, both server-rendered HTML:

- **Search results** (``/ad-library/search?...``): a list of ad cards, ``li.search-result-item`` each holding a
  ``.base-ad-preview-card`` and a link to ``/ad-library/detail/<id>``. A card gives the ad id, the advertiser
  and the format (its link's ``aria-label`` reads "<Advertiser>, <Format> Ad, View details"), the text
  (``.commentary__content``, which cards may truncate with "…") and the headline. Cards never show the
  button. The next page comes from a link with ``rel="next"`` or the "Load more results" element's
  ``href`` / ``data-url``; LinkedIn does not document this markup (tests/fixtures/linkedin/README.md).
- **Detail page** (``/ad-library/detail/<id>``): the preview on the left (text, headline, call to action
  ``[data-tracking-control-name$="_cta"]``, destination link), the right rail ``.ad-detail-right-rail``: the
  format (the first line ending in "Ad"), the advertiser link
  (``data-tracking-control-name="ad_library_about_ad_advertiser"``), "Paid for by" (``.about-ad__paying-entity``),
  the dates ("Ran from Aug 7, 2024 to Sep 17, 2024", ``.about-ad__availability-duration``), and for ads shown
  in the EU: total impressions (a range such as "1k-5k"), impressions by country
  (``.ad-analytics__country-impressions``: a country name and a percentage, "<1%" for small shares) and up to
  three targeting parameters (a heading, then "Targeting includes …" / "Targeting excludes …" lines, with
  ``.ad-targeting__other-segments`` holding the names behind "and N others"). LinkedIn's help page
  "Ad Library targeting parameters and impressions" lists the parameters (Language, Job, Education, Company,
  Location, Audience, Demographic, Member Interests and Traits).

The parser reads labels and class names, never deep positional paths, because LinkedIn's utility classes
change often. A login wall (LinkedIn's "authwall": sign-in or join form instead of the page) raises
``LoginWall``; any other page that is neither kind raises ``NotAnAdLibraryPage``: neither is ever taken
for an empty result.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from parsel import Selector

from analysis.countries import country_code
from spiders.items import empty_item

SOURCE = "linkedin_ad_library"
ITEM_KIND = "linkedin_ad"
_DETAIL_ID = re.compile(r"/ad-library/detail/(\d+)")
_SPACES = re.compile(r"\s+")
_RAN = re.compile(r"Ran from\s+(?P<start>.+?)(?:\s+to\s+(?P<end>.+?))?\s*$", re.IGNORECASE)
_RANGE = re.compile(r"^\s*(?P<lt><)?\s*(?P<low>[\d.,]+\s*[kKmMbB]?)\s*(?:(?:-|–|to)\s*(?P<high>[\d.,]+\s*[kKmMbB]?))?"
                    r"\s*(?P<plus>\+)?\s*$")
_SHARE = re.compile(r"^\s*(?P<lt><)?\s*(?P<value>\d+(?:[.,]\d+)?)\s*%\s*$")
_OTHERS = re.compile(r",?\s+and\s+\d+\s+others?\s*$", re.IGNORECASE)
_SCALE = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}


class LinkedInPageError(ValueError):
    """The bytes are not an Ad Library page that can be read; the message says what came instead."""


class LoginWall(LinkedInPageError):
    """LinkedIn answered with its sign-in / join wall ("authwall") instead of the page."""


class NotAnAdLibraryPage(LinkedInPageError):
    """Neither a search results page nor an ad detail page."""


@dataclass
class SearchPage:
    items: list[dict] = field(default_factory=list)
    detail_urls: list[str] = field(default_factory=list)  # absolute, in the page's order, each ad once
    next_url: str | None = None  # absolute; None on the last page


def clean_text(value: str | None) -> str | None:
    """Non-breaking spaces to spaces, runs of white space to one; None for nothing left."""
    if value is None:
        return None
    text = _SPACES.sub(" ", value.replace("\u00a0", " ")).strip()
    return text or None


def _text(node) -> str | None:
    return clean_text(" ".join(node.xpath(".//text()").getall())) if node else None


def _multiline_text(node) -> str | None:
    """Text keeping its line breaks (<br>, paragraphs): an ad's body is shown as written."""
    if not node:
        return None
    # Line breaks in the HTML source are spaces; only <br> breaks a line.
    parts = [piece.get().replace("\n", " ") if isinstance(piece.root, str) else "\n"
             for piece in node.xpath(".//text() | .//br")]
    lines = [clean_text(line) or "" for line in "".join(parts).split("\n")]
    return "\n".join(lines).strip("\n") or None


def without_tracking(url: str | None, base: str) -> str | None:
    """An absolute URL without LinkedIn's ``trk`` query and fragment (a page link, not a landing page)."""
    if not url:
        return None
    parts = urlsplit(urljoin(base, url))
    query = "&".join(part for part in parts.query.split("&") if part and not part.startswith("trk="))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def parse_count(text: str) -> int | None:
    """'1k' → 1000, '2.5M' → 2500000, '1,234' → 1234."""
    text = text.strip().replace(" ", "")
    suffix = text[-1].lower() if text and text[-1].isalpha() else ""
    number = text[:-1] if suffix else text
    if suffix not in _SCALE:
        return None
    try:
        value = float(number.replace(",", "")) if suffix else int(number.replace(",", "").replace(".", ""))
    except ValueError:
        return None
    return int(round(value * _SCALE[suffix]))


def parse_impressions(text: str | None) -> tuple[int | None, int | None, bool | None]:
    """(lower, upper, open_ended) of "1k-5k", "<1k" (0 to 1000), "1M+" (open), "350"; Nones when not read."""
    match = _RANGE.match(text or "")
    if not match:
        return None, None, None
    low, high = parse_count(match["low"]), parse_count(match["high"]) if match["high"] else None
    if match["lt"]:
        return 0, low, False
    if match["plus"]:
        return low, None, True
    return low, high if match["high"] else low, False


def parse_share(text: str | None) -> tuple[float | None, float | None]:
    """Percent bounds of a country's share: "45%" → (45, 45), "<1%" → (0, 1)."""
    match = _SHARE.match(text or "")
    if not match:
        return None, None
    value = float(match["value"].replace(",", "."))
    return (0.0, value) if match["lt"] else (value, value)


def parse_ran(text: str | None) -> tuple[dt.date | None, dt.date | None]:
    """Dates of "Ran from Aug 7, 2024 to Sep 17, 2024"; the end is None for "to present" or when missing."""
    match = _RAN.match(text or "")
    if not match:
        return None, None
    return _date(match["start"]), _date(match["end"])


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    for pattern in ("%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip().rstrip("."), pattern).date()
        except ValueError:
            continue
    return None


def _names(text: str | None) -> list[str]:
    """"Germany, France and Spain" → the three names ("and N others" is dropped: the hidden list has them)."""
    if not text:
        return []
    text = _OTHERS.sub("", text)
    return [name.strip() for name in re.split(r",\s*|\s+and\s+", text) if name.strip()]


def _decode(body: bytes) -> str:
    return body.decode("utf-8", "replace")


def check_page(page: Selector, url: str) -> None:
    """Raise LoginWall for LinkedIn's sign-in wall (an authwall URL, or a login form with no ad content)."""
    if "/authwall" in urlsplit(url).path or "/login" in urlsplit(url).path or "/uas/login" in url:
        raise LoginWall(f"{url} is LinkedIn's login wall, not an Ad Library page")
    has_ads = page.css(".ad-detail-right-rail, .search-result-item, .base-ad-preview-card, .search-results")
    login_form = page.css('form[action*="login"], form[action*="uas"], form.join-form, '
                          'input[name="session_key"], [data-tracking-control-name*="authwall"]')
    if login_form and not has_ads:
        raise LoginWall("LinkedIn answered with its sign-in wall (\"authwall\") instead of the Ad Library page")


def _new_item(provenance: dict, page_kind: str, ad_id: str, detail_url: str) -> dict:
    item = empty_item(ITEM_KIND)
    item.update(provenance)
    item.update(item_kind=ITEM_KIND, platform="linkedin", ad_id=ad_id, ad_key=ad_id, page_kind=page_kind,
                detail_url=detail_url)
    return item


def _format_of_label(label: str | None) -> tuple[str | None, str | None]:
    """(advertiser, format) of a card link's aria-label "<Advertiser>, <Format> Ad, View details"."""
    parts = [part.strip() for part in (label or "").split(",")]
    formats = [index for index, part in enumerate(parts) if part.endswith(" Ad") or part == "Ad"]
    if not formats:
        return None, None
    index = formats[-1]
    return clean_text(", ".join(parts[:index])), parts[index]


def _promoted_by(card) -> str | None:
    """The company of a thought-leader ad's header line "Promoted by <Company>"; None for a company's own ad."""
    for line in card.css(".self-center *::text, .ad-preview__header *::text").getall():
        text = clean_text(line)
        if text and text.lower().startswith("promoted by "):
            return text[len("promoted by "):].strip()
    return None


def parse_search_page(body: bytes, provenance: dict, *, url: str) -> SearchPage:
    """The cards of one results page as ``search_card`` items, the detail URLs and the next page's URL."""
    page = Selector(text=_decode(body))
    check_page(page, url)
    cards = page.css("li.search-result-item")
    if not cards and not page.css(".search-results, [data-test-id='ad-library-search-results'], "
                                  ".search-results__no-results"):
        raise NotAnAdLibraryPage(f"{url} has no search results list and no ad detail: not an Ad Library page "
                                 f"(starts {clean_text(_decode(body[:160]))!r})")
    result = SearchPage()
    for card in cards:
        link = card.css('a[href*="/ad-library/detail/"]')
        match = _DETAIL_ID.search(link.attrib.get("href", "")) if link else None
        if not match:
            continue
        ad_id = match[1]
        detail_url = without_tracking(link.attrib["href"], url)
        if detail_url in result.detail_urls:
            continue
        item = _new_item(provenance, "search_card", ad_id, detail_url)
        advertiser, ad_format = _format_of_label(link.attrib.get("aria-label"))
        header = card.css('a[data-tracking-control-name="ad_library_ad_preview_advertiser"], '
                          'a[data-tracking-control-name="ad_library_ad_preview_company"]')
        poster = _text(header[:1]) or advertiser
        company = _promoted_by(card)
        # A thought-leader ad: the member posted, the company advertises (and its page URL is not on the card).
        item["advertiser_name"] = company or poster
        item["posted_as"] = poster if company else None
        item["advertiser_url"] = without_tracking(header.attrib.get("href"), url) if header and not company else None
        item["ad_format"] = ad_format
        item["body_text"] = _multiline_text(card.css(".commentary__content")[:1])
        item["headline"] = _headline(card)
        result.items.append(item)
        result.detail_urls.append(detail_url)
    result.next_url = _next_url(page, url)
    return result


def _headline(node) -> str | None:
    headlines = [_text(h) for h in node.css(".sponsored-content-headline h2")]
    return " | ".join(h for h in headlines if h) or None


def _next_url(page: Selector, url: str) -> str | None:
    for selector in ('link[rel="next"]::attr(href)', 'a[rel="next"]::attr(href)',
                     '[data-tracking-control-name="ad_library_load_more"]::attr(href)',
                     '[data-tracking-control-name="ad_library_load_more"]::attr(data-url)',
                     '.search-results__load-more::attr(href)', '.search-results__load-more::attr(data-url)'):
        href = page.css(selector).get()
        if href:
            return urljoin(url, href)
    return None


def parse_detail_page(body: bytes, provenance: dict, *, url: str) -> dict:
    """One ``detail`` item of an ad's detail page."""
    page = Selector(text=_decode(body))
    check_page(page, url)
    rail = page.css(".ad-detail-right-rail")
    match = _DETAIL_ID.search(urlsplit(url).path) or _DETAIL_ID.search(
        page.css('link[rel="canonical"]::attr(href)').get() or "")
    if not rail or not match:
        raise NotAnAdLibraryPage(f"{url} is not an ad detail page (no right rail, or no /ad-library/detail/<id> "
                                 f"address)")
    ad_id = match[1]
    item = _new_item(provenance, "detail", ad_id, without_tracking(f"/ad-library/detail/{ad_id}", url))
    preview = page.css(".ad-detail-left-rail") or page
    advertiser = rail.css('a[data-tracking-control-name="ad_library_about_ad_advertiser"]') or preview.css(
        'a[data-tracking-control-name="ad_library_ad_preview_advertiser"]')
    item["advertiser_name"] = _text(advertiser[:1])
    item["advertiser_url"] = without_tracking(advertiser.attrib.get("href"), url) if advertiser else None
    if _promoted_by(preview):
        item["posted_as"] = _text(preview.css('a[data-tracking-control-name="ad_library_ad_preview_advertiser"]')[:1])
    payer = _text(rail.css(".about-ad__paying-entity")[:1])
    item["payer"] = re.sub(r"^Paid for by\s*", "", payer, flags=re.IGNORECASE) if payer else None
    item["ad_format"] = next((text for text in map(clean_text, rail.css("p::text").getall())
                              if text and (text.endswith(" Ad") or text == "Ad")), None)
    item["body_text"] = _multiline_text(preview.css(".commentary__content")[:1])
    item["headline"] = _headline(preview)
    item["call_to_action"] = _text(preview.css('[data-tracking-control-name$="_cta"]')[:1])
    destination = preview.css('a[data-tracking-control-name="ad_library_ad_preview_headline_content"]::attr(href), '
                              'a[data-tracking-control-name$="_cta"]::attr(href), '
                              'a[data-tracking-control-name="ad_library_ad_preview_content_image"]::attr(href)').get()
    item["destination_url"] = urljoin(url, destination) if destination else None
    item["ran_text"] = _text(rail.css(".about-ad__availability-duration")[:1])
    item["ran_from"], item["ran_to"] = (value.isoformat() if value else None for value in parse_ran(item["ran_text"]))
    item["restricted_text"] = _text(page.css(".about-ad__restricted, .ad-restricted-notice")[:1])
    _impressions(rail, item)
    _targeting(rail, item)
    return item


def _labelled_value(rail, label: str) -> str | None:
    """The text beside a label in a row (the row's other paragraph), e.g. "Total Impressions" → "1k-5k"."""
    for row in rail.css(".flex.justify-between, .ad-analytics__total-impressions"):
        texts = [clean_text(text) for text in row.css("*::text").getall()]
        texts = [text for text in texts if text]
        if texts and texts[0].lower() == label.lower() and len(texts) > 1:
            return texts[-1]
    return None


def _impressions(rail, item: dict) -> None:
    item["impressions_text"] = _labelled_value(rail, "Total Impressions")
    if item["impressions_text"]:
        (item["impressions_lower"], item["impressions_upper"],
         item["impressions_open_ended"]) = parse_impressions(item["impressions_text"])
    countries = []
    for row in rail.css(".ad-analytics__country-impressions"):
        texts = [text for text in map(clean_text, row.css("*::text").getall()) if text]
        share = next((text for text in texts if _SHARE.match(text)), None)
        name = next((text for text in texts if text != share), None)
        if not name:
            continue
        low, high = parse_share(share)
        countries.append({"country": name, "country_code": country_code(name), "share_text": share,
                          "share_low": low, "share_high": high})
    item["impressions_by_country"] = countries or None


def _targeting(rail, item: dict) -> None:
    parameters = []
    for section in rail.css(".ad-targeting__parameter, .ad-targeting section, .ad-targeting > div"):
        name = _text(section.css("h3, h4")[:1])
        if not name:
            continue
        hidden = _names(_text(section.css(".ad-targeting__other-segments")[:1]))
        included, excluded = [], []
        for segment in section.css(".ad-targeting__segments"):
            own = clean_text(" ".join(segment.xpath("./text() | ./*[not(contains(@class, "
                                                    "'ad-targeting__other-segments'))]//text()").getall())) or ""
            lowered = own.lower()
            if lowered.startswith("targeting includes"):
                included += _names(own[len("targeting includes"):]) + hidden
            elif lowered.startswith("targeting excludes"):
                excluded += _names(own[len("targeting excludes"):])
        parameters.append({"parameter": name, "included": list(dict.fromkeys(included)),
                           "excluded": list(dict.fromkeys(excluded))})
    item["targeting"] = parameters or None
    by_name = {entry["parameter"].lower(): entry for entry in parameters}
    language, location = by_name.get("language"), by_name.get("location")
    item["targeting_languages"] = language["included"] if language else None
    item["targeting_locations_included"] = location["included"] if location else None
    item["targeting_locations_excluded"] = location["excluded"] if location else None


def parse_page(body: bytes, provenance: dict, *, url: str) -> tuple[list[dict], SearchPage | None]:
    """Either kind of page: (items, the SearchPage for a results page or None for a detail page)."""
    page = Selector(text=_decode(body))
    check_page(page, url)
    if page.css(".ad-detail-right-rail"):
        return [parse_detail_page(body, provenance, url=url)], None
    search = parse_search_page(body, provenance, url=url)
    return search.items, search

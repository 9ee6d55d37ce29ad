"""LinkedIn Ad Library (linkedin.com/ad-library): search results pages and each ad's detail page.

**Legal note.** LinkedIn's robots.txt (linkedin.com/robots.txt) forbids automated access without LinkedIn's
express permission, and its User Agreement (§8.2) forbids scraping. The Ad Library needs no login. So this
source is OFF by default and **refuses to run** unless the user sets
``sources.linkedin_ad_library.permission_statement``: a sentence naming the permission they hold (LinkedIn's
written permission, or a legal basis such as DSA Article 40(12) researcher access). The statement is stored
in the manifest's scope, so every snapshot says on what basis it was collected. With that permission,
robots.txt is not consulted (it would refuse everything; the permission is what makes the access allowed),
which is why ``ROBOTSTXT_OBEY`` is off here. Without permission, save pages from a browser and load them with
``adtrail import linkedin FILE…`` (warehouse/import_linkedin.py), through the same parser.

One chain: the search (``LINKEDIN_AD_LIBRARY_URL`` + ``/search?keyword=…&accountOwner=…&countries=…&
dateOption=custom-date-range&startdate=…&enddate=…``, the parameters the Ad Library's own search form
writes). After each results page come the detail pages of its ads, then the next results page. The chain's
next address carries what is still to fetch (the remaining detail pages and the next results page) in its
fragment, so the saved cursor resumes exactly there. The results pages are server-rendered and read over
HTTP; a detail page whose EU block LinkedIn inserts late by script is rendered in Chromium
(``LINKEDIN_AD_LIBRARY_DETAIL_RENDERING``: http, browser or auto; spiders/linkedin_ad_library_browser.py), and
a detail that never completes fails alone, named in the manifest's error, the rest kept.

Stops: LinkedIn's login wall (a redirect to /authwall, or a sign-in form instead of the page) and HTTP 999
(LinkedIn's refusal of automated clients) stop the crawl with a message; what was fetched is kept.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from urllib.parse import urlencode, urlsplit

from scrapy.exceptions import IgnoreRequest

from spiders.base import (BACKOFF, META_ADDRESS, META_ATTEMPT, META_CHAIN, META_PAGE, RETRY, STOP, Chain,
                          PaginatedApiSpider, ScopeError, Verdict, page_address)
from spiders.linkedin_ad_library_browser import (META_RENDER_FAILED, DetailRendering, configure_browser, lacks_eu_block,
                                                 rendering_mode)
from spiders.parsers import linkedin_ad_library as parser

SCOPE_KEYS = ("keyword", "advertiser", "countries", "date_min", "date_max", "permission_statement")
_PLAN = "#adtrail-plan="
NO_PERMISSION = (
    "linkedin_ad_library is off until you state the permission you hold: LinkedIn's robots.txt and User "
    "Agreement forbid automated access without LinkedIn's permission. Set sources.linkedin_ad_library."
    "permission_statement to a sentence naming it (for example LinkedIn's written permission of <date>, or "
    "your DSA Article 40 access); it is stored with every snapshot. Without permission, save the pages from "
    "your browser and load them with `adtrail import linkedin FILE...`")


def _date(raw: dict, key: str) -> str | None:
    value = str(raw.get(key) or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ScopeError(f"{key} {value!r} is not a date; write YYYY-MM-DD") from None


def encode_plan(url: str, rest: list[str], next_url: str | None) -> str:
    """The address of detail page ``url`` carrying what comes after it (kept in the cursor, never sent)."""
    plan = json.dumps({"rest": rest, "next": next_url}, separators=(",", ":")).encode()
    return url + _PLAN + base64.urlsafe_b64encode(plan).decode()


def decode_plan(address: str) -> tuple[str, dict | None]:
    url, marker, encoded = address.partition(_PLAN)
    return url, json.loads(base64.urlsafe_b64decode(encoded)) if marker else None


def is_detail(url: str) -> bool:
    return "/detail/" in urlsplit(url).path


class LinkedInAdLibrarySpider(DetailRendering, PaginatedApiSpider):
    name = "linkedin_ad_library"
    item_kind = "linkedin_ad"
    platform = "linkedin"
    malformed_errors = (parser.NotAnAdLibraryPage,)
    custom_settings = {
        # Off on purpose: the user's stated permission, not robots.txt, is what allows this access (see above).
        "ROBOTSTXT_OBEY": False,
        "DEFAULT_REQUEST_HEADERS": {"Accept": "text/html,application/xhtml+xml", "Accept-Language": "en"},
        "HTTPCACHE_ENABLED": False,  # HTML pages; a finished page is skipped by the cursor instead
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    }

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        configure_browser(settings)

    @classmethod
    def normalise_scope(cls, raw: dict) -> dict:
        unknown = sorted(set(raw) - set(SCOPE_KEYS))
        if unknown:
            raise ScopeError(f"unknown scope keys {unknown}; the linkedin_ad_library scope has {list(SCOPE_KEYS)}")
        permission = str(raw.get("permission_statement") or "").strip()
        if not permission:
            raise ScopeError(NO_PERMISSION)
        countries = raw.get("countries") or []
        if not isinstance(countries, list) or not all(isinstance(c, str) and len(c.strip()) == 2 for c in countries):
            raise ScopeError(f"countries must be a list of ISO 3166-1 alpha-2 codes such as [\"DE\"], not {countries!r}")
        scope = {"keyword": str(raw.get("keyword") or "").strip(), "advertiser": str(raw.get("advertiser") or "").strip(),
                 "countries": [c.strip().upper() for c in countries], "date_min": _date(raw, "date_min"),
                 "date_max": _date(raw, "date_max"), "permission_statement": permission}
        if not scope["keyword"] and not scope["advertiser"]:
            raise ScopeError("give a keyword or an advertiser to search for (sources.linkedin_ad_library.keyword "
                             "or .advertiser): the Ad Library answers no empty search")
        return scope

    @classmethod
    def manifest_scope(cls, scope: dict, settings) -> dict:
        def sha(text: str) -> list[str]:
            return [hashlib.sha256(text.encode()).hexdigest()] if text else []
        return {"keyword_sha256": sha(scope["keyword"]), "advertiser_sha256": sha(scope["advertiser"]),
                "countries": scope["countries"], "date_min": scope["date_min"], "date_max": scope["date_max"],
                "permission_statement": scope["permission_statement"]}

    def chains(self) -> list[Chain]:
        query = [("keyword", self.scope["keyword"]), ("accountOwner", self.scope["advertiser"])]
        if self.scope["countries"]:
            query.append(("countries", ",".join(self.scope["countries"])))
        if self.scope["date_min"] or self.scope["date_max"]:
            query += [("dateOption", "custom-date-range"), ("startdate", self.scope["date_min"] or ""),
                      ("enddate", self.scope["date_max"] or "")]
        base = self.settings["LINKEDIN_AD_LIBRARY_URL"].rstrip("/")
        return [Chain("search", f"{base}/search?" + urlencode([(k, v) for k, v in query if v]))]

    def api_hosts(self) -> set[str]:
        return set()  # no token, no cookie is ever sent

    async def start(self):
        problem = self.browser_problem()
        if problem:
            self.stop("browser_missing" if "Chromium" in problem else "bad_setting", problem)
            return
        async for request in super().start():
            yield request

    def page_request(self, url: str, chain_id: str, page_number: int, attempt: int = 0):
        """The address may carry the plan in its fragment: the request asks for the page alone."""
        request = super().page_request(url, chain_id, page_number, attempt)
        page_url, _ = decode_plan(url)
        request = request.replace(url=page_url)
        request.meta[META_ADDRESS] = url
        if rendering_mode(self.settings) == "browser" and is_detail(page_url):
            return self.render(request)
        return request

    async def parse_response(self, response):
        if response.meta.get("playwright_page") is not None:
            response = await self.rendered(response)
        elif self._late_block(response):
            self.count("details_to_browser")
            meta = response.meta
            yield self.render(self.page_request(page_address(response), meta[META_CHAIN], meta[META_PAGE],
                                                meta.get(META_ATTEMPT, 0)))
            return
        async for output in super().parse_response(response):
            yield output

    def _late_block(self, response) -> bool:
        """auto: whether this HTTP detail page lacks the EU block, so it goes to the browser."""
        if rendering_mode(self.settings) != "auto" or response.status != 200 or not is_detail(response.url):
            return False
        try:
            item = parser.parse_detail_page(response.body, {}, url=response.url)
        except parser.LinkedInPageError:
            return False  # a login wall or another page: judged as such by parse_response
        return lacks_eu_block(item)

    async def on_download_error(self, failure):
        if not failure.request.meta.get("playwright") or failure.check(IgnoreRequest):
            async for output in super().on_download_error(failure):
                yield output
            return
        # A rendered detail that never finished loading fails alone: the chain goes on (parse_api_page).
        async for output in super().parse_response(await self.render_download_failed(failure)):
            yield output

    def judge(self, response) -> Verdict | None:
        path = urlsplit(response.url).path
        wall = "/authwall" in path or "/login" in path
        if not wall and response.status == 200:
            try:
                parser.check_page(parser.Selector(text=response.text[:300_000]), response.url)
            except parser.LoginWall:
                wall = True
        if wall or response.status == 999:
            what = "its login wall" if wall else "HTTP 999 (LinkedIn's refusal of automated clients)"
            return Verdict(STOP, (
                f"LinkedIn answered {response.url} with {what} instead of the Ad Library page. Nothing can be "
                "read from it; the pages fetched so far are kept and the cursor is saved. Check that your "
                "permission covers this access (LinkedIn may need to allow your client), then rerun, or save "
                "the pages from a browser and load them with `adtrail import linkedin FILE...`"),
                finish_reason="login_wall", counts=("login_walls",))
        if response.status == 429:
            return Verdict(BACKOFF, "LinkedIn answered 429 (too many requests)")
        if response.status >= 500:
            return Verdict(RETRY, f"LinkedIn answered HTTP {response.status}")
        if response.status >= 400:
            return Verdict(STOP, (
                f"LinkedIn answered HTTP {response.status} for {response.url}: access refused. The pages fetched "
                "so far are kept; check sources.linkedin_ad_library.endpoint, then rerun"),
                finish_reason="access_refused")
        return None

    def parse_api_page(self, response, provenance: dict) -> tuple[list[dict], str | None]:
        page_url, plan = decode_plan(response.meta.get(META_ADDRESS) or response.url)
        provenance = {**provenance, "source_url": page_url}
        if response.meta.get(META_RENDER_FAILED):
            self.detail_failed(urlsplit(page_url).path.rstrip("/").rsplit("/", 1)[-1], page_url,
                               response.meta[META_RENDER_FAILED])
            items, search = [], None
        else:
            items, search = parser.parse_page(response.body, provenance, url=page_url)
        if search is not None:  # a results page: its ads' details next, then the next results page
            self.count("result_pages")
            rest, after = list(search.detail_urls), search.next_url
        else:
            if items:  # a failed detail is counted as details_failed
                self.count("detail_pages")
            rest, after = plan["rest"] if plan else [], plan["next"] if plan else None
        if rest:
            return items, encode_plan(rest[0], rest[1:], after)
        return items, after

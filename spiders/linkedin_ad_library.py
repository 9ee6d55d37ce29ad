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
fragment, so the saved cursor resumes exactly there. Plain HTTP only: the results and detail pages are
server-rendered; this version does not render pages in a browser (no Playwright), so details that LinkedIn
would load late by script are not read.

Stops: LinkedIn's login wall (a redirect to /authwall, or a sign-in form instead of the page) and HTTP 999
(LinkedIn's refusal of automated clients) stop the crawl with a message; what was fetched is kept.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from urllib.parse import urlencode, urlsplit, urlunsplit

from spiders.base import BACKOFF, META_ADDRESS, RETRY, STOP, Chain, PaginatedApiSpider, ScopeError, Verdict
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


class LinkedInAdLibrarySpider(PaginatedApiSpider):
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

    def page_request(self, url: str, chain_id: str, page_number: int, attempt: int = 0):
        """The address may carry the plan in its fragment: the request asks for the page alone."""
        request = super().page_request(url, chain_id, page_number, attempt)
        page_url, _ = decode_plan(url)
        request = request.replace(url=page_url)
        request.meta[META_ADDRESS] = url
        return request

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
        items, search = parser.parse_page(response.body, provenance, url=page_url)
        if search is not None:  # a results page: its ads' details next, then the next results page
            self.count("result_pages")
            rest, after = list(search.detail_urls), search.next_url
        else:
            self.count("detail_pages")
            rest, after = plan["rest"] if plan else [], plan["next"] if plan else None
        if rest:
            return items, encode_plan(rest[0], rest[1:], after)
        return items, after

"""The demo's monetisation world: sites, apps and YouTube channels, and the files that say who sells their ads.

Thirty made-up news and partisan sites (three per demo country, some sensational), three apps and four
YouTube channels, with:

- each site's ads.txt and each app developer's app-ads.txt (IAB ads.txt 1.1): its own DIRECT accounts, the
  resellers it authorises, a CONTACT line, one near-miss line with a full-width comma;
- the sellers.json of four ad systems (Google's publisher ids are written ``ca-pub-`` in ads.txt and
  ``pub-`` in sellers.json, as in real files);
- YouTube watch pages, with and without ad slots (demo/youtube_pages.py);
- the accounts each site's file declares, from which demo/header_bidding.py writes the bids and supply chain
  of the two front pages the demo renders.

The stories the demo's graph should show, all invented:

- **Pooling**: every sensational site, in every country, and one app declare the same DIRECT account at
  sahelbid.com (``CH-4410``), which sahelbid's sellers.json says belongs to an INTERMEDIARY, ClickHarbor
  Media: an arbitrage network selling many sites as if each were its own (type mismatch and pooling).
  Three partisan sites in different countries share one Google publisher id whose sellers.json domain is
  only one of them (pooling, domain mismatch).
- **Not pooling**: three news sites of one media group share a DIRECT id at monsoonads.com, and say so
  with ``OWNERDOMAIN=sunrisemediagroup.com``.
- Two sites' own Google ids are missing from Google's sellers.json; one site lists a PUBLISHER's id as
  RESELLER; baobabmedia.net has no sellers.json in scope; one site has no ads.txt (404) and one answers
  with an HTML page (an error, content ignored).

Every company, id and site is made up (the ad-system names other than google.com too); the world is the
same every week (only the rendered pages' auctions change with the week). Real ad systems' names are kept
where they are a feature: google.com for its id forms, and appnexus.com and rubiconproject.com because
Prebid.js bidder codes name real exchanges' adapters and the warehouse maps only those to ad systems
(prebid_bidder_ad_system). Their accounts here are made up, and the demo serves no sellers.json for them
(made-up sellers in a real company's file): their records are checked as having none.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from demo.site_server import LOCAL_HOST, Answer
from demo.world_texts import COUNTRIES, TLD
from demo.youtube_pages import DemoVideo, watch_page

GOOGLE_CERT = "f08c47fec0942fa0"
# ad system -> (certification authority id, name in its own sellers.json); baobabmedia.net publishes none
AD_SYSTEMS = {"google.com": GOOGLE_CERT, "sahelbid.com": "5c1a7e0d3b2f9a11", "monsoonads.com": None,
              "equatorx.com": "e2b7d0c91a4f6e38", "baobabmedia.net": None,
              "appnexus.com": "f5ab79cb980f11d1", "rubiconproject.com": "0bfd66d529a55807"}
# Prebid.js bidder code -> the ad system its adapter calls, as the warehouse's prebid_bidder_ad_system says
HEADER_BIDDERS = {"appnexus": "appnexus.com", "rubicon": "rubiconproject.com"}
SELLERS_JSON_SYSTEMS = ("google.com", "sahelbid.com", "monsoonads.com", "equatorx.com")
SELLERS_PATH = "/sellers/{domain}/sellers.json"
POOLED_ARBITRAGE = ("sahelbid.com", "CH-4410")
POOLED_PARTISAN_PUB = "pub-7719203846152201"
GROUP_OWNER = "sunrisemediagroup.com"
GROUP_ACCOUNT = ("monsoonads.com", "SMG-001")
_NAMES = {"news": ["dailyledger", "morningpost", "citytribune"], "partisan": ["patriotvoice", "peoplesfront"],
          "sensational": ["shockwire", "truthbomb", "alertnow"]}
_KINDS = ("news", "partisan", "sensational")


@dataclass(frozen=True)
class DemoSite:
    domain: str
    country: str
    kind: str  # news | partisan | sensational
    file_kind: str = "ads.txt"  # app-ads.txt for an app developer's domain
    serves: str = "file"  # file | missing (404) | html (an HTML page with 200)


@dataclass
class MonetisationWorld:
    sites: list[DemoSite]
    apps: list[DemoSite]
    videos: list[DemoVideo]
    ads_txt: dict[str, str]  # domain -> file text
    sellers_json: dict[str, dict]  # ad system -> the sellers.json object
    # domain -> the accounts its served file declares, as (ad system, seller id, relationship)
    declared: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    week: int = 1  # the demo week: the rendered pages' auctions are seeded by it (demo/header_bidding.py)

    @property
    def video_ids(self) -> list[str]:
        return [video.video_id for video in self.videos]

    def routes(self) -> dict[tuple[str, str], Answer]:
        routes: dict[tuple[str, str], Answer] = {}
        for site in self.sites + self.apps:
            path = f"/{site.file_kind}"
            if site.serves == "file":
                routes[(site.domain, path)] = Answer(body=self.ads_txt[site.domain].encode("utf-8"))
            elif site.serves == "html":
                routes[(site.domain, path)] = Answer(200, {"Content-Type": "text/html; charset=utf-8"},
                                                     b"<html><body><h1>Page not found</h1></body></html>")
        for system, document in self.sellers_json.items():
            routes[(LOCAL_HOST, SELLERS_PATH.format(domain=system))] = Answer(
                200, {"Content-Type": "application/json"}, json.dumps(document, indent=1).encode("utf-8"))
        for video in self.videos:
            routes[(LOCAL_HOST, f"/watch?v={video.video_id}")] = Answer(
                200, {"Content-Type": "text/html; charset=utf-8"}, watch_page(video))
        return routes


def _digits(text: str, length: int) -> str:
    return str(int(hashlib.sha256(text.encode()).hexdigest(), 16))[:length]


def _youtube_id(text: str, length: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    number = int(hashlib.sha256(text.encode()).hexdigest(), 16)
    return "".join(alphabet[(number >> (6 * i)) & 63] for i in range(length))


def _sites() -> list[DemoSite]:
    sites = []
    for index, country in enumerate(COUNTRIES):
        place = COUNTRIES[country]["places"][0].lower().replace(" ", "").replace("ã", "a").replace("é", "e")
        for offset, kind in enumerate(_KINDS):
            names = _NAMES[kind]
            name = names[(index + offset) % len(names)]
            serves = "missing" if (country, kind) == ("ZA", "news") else "html" if (country, kind) == ("MX", "news") \
                else "file"
            sites.append(DemoSite(f"{place}{name}.{TLD[country]}", country, kind, serves=serves))
    return sites


def _apps() -> list[DemoSite]:
    return [DemoSite("newsnowapps.com", "IN", "news", "app-ads.txt"),
            DemoSite("viralclipsmobile.com", "NG", "sensational", "app-ads.txt"),
            DemoSite("kabarharian.id", "ID", "news", "app-ads.txt")]


def _ads_txt(site: DemoSite, group: list[str], partisan_pool: list[str]) -> tuple[str, list[tuple]]:
    """The file's text, and the sellers it names as (ad system, seller id, relationship) for sellers.json."""
    own_pub = f"pub-{_digits(site.domain, 16)}"
    lines = [f"# ads.txt of {site.domain} (adtrail demo: made up)", f"CONTACT=ads@{site.domain}"]
    declared = []

    def record(system, seller_id, relationship, written_id=None):
        cert = AD_SYSTEMS[system]
        lines.append(", ".join(x for x in (system, written_id or seller_id, relationship, cert) if x))
        declared.append((system, seller_id, relationship))

    if site.domain in group:
        lines.insert(2, f"OWNERDOMAIN={GROUP_OWNER}")
        record(*GROUP_ACCOUNT, "DIRECT")
    if site.domain in partisan_pool:
        record("google.com", POOLED_PARTISAN_PUB, "DIRECT", "ca-" + POOLED_PARTISAN_PUB)
    else:
        record("google.com", own_pub, "DIRECT", "ca-" + own_pub)
    if site.kind == "sensational":
        record(*POOLED_ARBITRAGE, "DIRECT")
    else:
        record("sahelbid.com", f"SB-{_digits(site.domain + 'sb', 5)}", "DIRECT")
    record("equatorx.com", "EQX-771", "RESELLER")
    # the header-bidding exchanges: each site's own accounts (made up), so that bids are declared and observed
    record("appnexus.com", _digits(site.domain + "an", 7), "DIRECT")
    record("rubiconproject.com", _digits(site.domain + "rp", 5), "RESELLER")
    record("baobabmedia.net", f"BB-{_digits(site.domain + 'bb', 4)}", "RESELLER")
    if site.kind == "partisan":
        # a publisher's own account authorised as RESELLER: sellers.json says PUBLISHER (type mismatch)
        record("monsoonads.com", "MS-2088", "RESELLER")
    # a near-miss line, as real files have: a full-width comma, recovered by the parser with its reason
    lines.append(f"monsoonads.com， MS-{_digits(site.domain + 'ms', 4)}, RESELLER")
    declared.append(("monsoonads.com", f"MS-{_digits(site.domain + 'ms', 4)}", "RESELLER"))
    return "\r\n".join(lines) + "\r\n", declared


def _videos() -> list[DemoVideo]:
    channels = [("Lagos Street Report", "NG", "News & Politics", "812K subscribers", (True, True)),
                ("Jakarta Kini", "ID", "News & Politics", "1.2M subscribers", (True, False)),
                ("Sertão Verdade", "BR", "People & Blogs", "96.4K subscribers", (False, False)),
                ("Manila Explainers", "PH", "Education", "4,310 subscribers", (False, False))]
    videos = []
    for title, country, category, subscribers, ads in channels:
        channel_id = "UC" + _youtube_id(title, 22)
        for number, with_ads in enumerate(ads, start=1):
            videos.append(DemoVideo(_youtube_id(f"{title}#{number}", 11), f"{title}: episode {number}", channel_id,
                                    title, subscribers, int(_digits(f"{title}{number}", 6)), category, with_ads))
    return videos


def _sellers_json(declared: list[tuple[str, str, str, str]], sites: list[DemoSite]) -> dict[str, dict]:
    """Each ad system's sellers.json from the accounts the files declare (domain -> (system, id, relationship))."""
    sellers: dict[str, dict[str, dict]] = {system: {} for system in SELLERS_JSON_SYSTEMS}
    # two served news sites' own Google ids are not in Google's file (seller_missing)
    missing_google = set(sorted(s.domain for s in sites if s.kind == "news" and s.serves == "file")[:2])
    for domain, system, seller_id, relationship in declared:
        if system not in sellers or seller_id in sellers[system]:
            continue
        if system == "google.com" and domain in missing_google:
            continue
        seller_type = "INTERMEDIARY" if relationship == "RESELLER" else "PUBLISHER"
        if seller_id == "MS-2088":
            seller_type = "PUBLISHER"
        sellers[system][seller_id] = {"seller_id": seller_id, "name": domain.split(".")[0].title(),
                                      "domain": domain, "seller_type": seller_type}
    sellers["sahelbid.com"][POOLED_ARBITRAGE[1]] = {"seller_id": POOLED_ARBITRAGE[1], "name": "ClickHarbor Media Ltd",
                                                    "domain": "clickharbor.com", "seller_type": "INTERMEDIARY"}
    sellers["monsoonads.com"][GROUP_ACCOUNT[1]] = {"seller_id": GROUP_ACCOUNT[1], "name": "Sunrise Media Group",
                                                   "domain": GROUP_OWNER, "seller_type": "PUBLISHER"}
    sellers["monsoonads.com"]["MS-2088"] = {"seller_id": "MS-2088", "name": "Kalinga Daily", "domain":
                                            "kalingadaily.in", "seller_type": "PUBLISHER"}
    sellers["equatorx.com"]["EQX-771"] = {"seller_id": "EQX-771", "name": "Equator Resale Desk",
                                          "domain": "equatorx.com", "seller_type": "INTERMEDIARY"}
    return {system: {"version": "1.0", "contact_email": f"sellers@{system}",
                     "sellers": sorted(entries.values(), key=lambda e: e["seller_id"])}
            for system, entries in sellers.items()}


def generate_monetisation_world(week: int = 1) -> MonetisationWorld:
    sites, apps = _sites(), _apps()
    news = [s.domain for s in sites if s.kind == "news" and s.serves == "file"]
    group = news[:3]
    partisan_pool = [s.domain for s in sites if s.kind == "partisan"][::3][:3]
    files, declared, accounts = {}, [], {}
    for site in sites + apps:
        text, names = _ads_txt(site, group, partisan_pool)
        files[site.domain] = text
        if site.serves == "file":
            accounts[site.domain] = names
            declared += [(site.domain, *name) for name in names]
    sellers = _sellers_json(declared, sites)
    # the pooled Google id belongs, by Google's file, to the first partisan site only
    sellers["google.com"]["sellers"] = [
        {**e, "domain": partisan_pool[0]} if e["seller_id"] == POOLED_PARTISAN_PUB else e
        for e in sellers["google.com"]["sellers"]]
    return MonetisationWorld(sites, apps, _videos(), files, sellers, accounts, week)

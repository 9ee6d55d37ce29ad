"""A local stand-in for Google's Ads Transparency Center, for the demo's google_ads_transparency crawl.

It serves a few advertisers of the demo's Google world (demo/google_world.py: the same ids and creative ids
as the demo's political ads bundle, so the crawled creatives link to the bundle's Ad_ID) and behaves like the
real site as the spider meets it: an advertiser page shows some creatives at first, more after a scroll,
the last behind a "See more" button; a creative page fills in its details (format, dates, regions) a moment
after it loads. Only Chromium renders it (page_placements' rule: without Chromium the demo skips it).
Standard library only; 127.0.0.1, port 0.
"""

from __future__ import annotations

import html
import json

from demo.google_world import COUNTRY_NAMES, Advertiser, Creative, GoogleWorld
from demo.local_server import LocalServer, QuietHandler

ADVERTISERS_SHOWN = 3  # one per country the Google world shares with Meta (IN, BR, ZA)
CREATIVES_PER_ADVERTISER = 4  # two at first, one on scroll, one behind "See more"
DETAILS_DELAY_MS = 300
BUNDLE_ADVERTISERS = 2  # from the second week on, the bundle's two biggest spenders too (a short demo crawl)

ADVERTISER_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>%(name)s - Ads Transparency Center
</title></head><body><h1>%(name)s</h1><div id="grid"></div><div style="height:3000px"></div>
<button id="more" style="display:none">See more</button>
<script>
const first = %(first)s, onScroll = %(scroll)s, seeMore = %(more)s;
function add(ids) { for (const id of ids) { const a = document.createElement('a');
  a.href = '/advertiser/%(adv)s/creative/' + id; a.textContent = id; a.style.display = 'block';
  document.getElementById('grid').appendChild(a); } }
add(first);
let scrolled = false;
window.addEventListener('scroll', () => { if (scrolled) return; scrolled = true;
  setTimeout(() => { add(onScroll); if (seeMore.length) document.getElementById('more').style.display = 'block'; },
             150); });
document.getElementById('more').addEventListener('click', (e) => {
  setTimeout(() => { add(seeMore); e.target.remove(); }, 150); });
</script></body></html>"""

CREATIVE_PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body><creative-details>
<advertiser-header><a href="/advertiser/%(adv)s">%(name)s</a></advertiser-header>
<div class="creative-container"><div class="headline">%(headline)s</div>
<div class="description">%(description)s</div>%(media)s</div>
<div id="props"></div></creative-details>
<script>setTimeout(() => { document.getElementById('props').innerHTML = %(details)s; }, %(delay)d);</script>
</body></html>"""


def shown_advertisers(world: GoogleWorld) -> list[Advertiser]:
    """The first advertiser of each country that is also a Meta demo page and has enough creatives by now."""
    chosen: list[Advertiser] = []
    for country in ("IN", "BR", "ZA"):
        for advertiser in sorted(world.active_advertisers(), key=lambda a: a.advertiser_id):
            if (advertiser.country == country and advertiser.meta_page_id
                    and len(creatives_of(world, advertiser)) >= CREATIVES_PER_ADVERTISER):
                chosen.append(advertiser)
                break
    return chosen[:ADVERTISERS_SHOWN]


def creatives_of(world: GoogleWorld, advertiser: Advertiser) -> list[Creative]:
    started = [c for c in world.creatives.values()
               if c.advertiser_id == advertiser.advertiser_id and world.served_days(c)]
    return sorted(started, key=lambda c: (c.start, c.ad_id))[:CREATIVES_PER_ADVERTISER]


def _details(world: GoogleWorld, creative: Creative) -> str:
    days = world.served_days(creative)
    first, last = days[0][0], days[-1][0]
    rows = [("Format", creative.ad_type.capitalize()), ("First shown", f"{first:%b} {first.day}, {first.year}"),
            ("Last shown", f"{last:%b} {last.day}, {last.year}")]
    markup = "".join(f'<div class="property"><span class="label">{label}</span><span class="value">{value}</span>'
                     "</div>" for label, value in rows)
    markup += (f'<div class="property"><span class="label">Shown in</span><ul><li>'
               f"{html.escape(COUNTRY_NAMES[creative.country])}</li></ul></div>")
    return json.dumps(markup)


def creative_page(world: GoogleWorld, advertiser: Advertiser, creative: Creative) -> str:
    media = {"IMAGE": f'<img src="/media/{creative.ad_id}.png">',
             "VIDEO": f'<video src="/media/{creative.ad_id}.mp4"></video>'}.get(creative.ad_type, "")
    return CREATIVE_PAGE % {
        "adv": advertiser.advertiser_id, "name": html.escape(advertiser.name),
        "headline": html.escape(f"{advertiser.name} — {COUNTRY_NAMES[creative.country]} elections"),
        "description": html.escape(f"Paid for by {advertiser.name}. Campaign {', '.join(creative.campaigns)}."),
        "media": media, "details": _details(world, creative), "delay": DETAILS_DELAY_MS}


def advertiser_page(world: GoogleWorld, advertiser: Advertiser) -> str:
    ids = [creative.ad_id for creative in creatives_of(world, advertiser)]
    return ADVERTISER_PAGE % {"adv": advertiser.advertiser_id, "name": html.escape(advertiser.name),
                              "first": json.dumps(ids[:2]), "scroll": json.dumps(ids[2:3]),
                              "more": json.dumps(ids[3:])}


def routes(world: GoogleWorld) -> dict[str, tuple[str, str]]:
    """path -> (content type, body) of every page of the site."""
    found = {"/robots.txt": ("text/plain", "User-agent: *\nAllow: /\n")}
    # every advertiser of the world has its page, as on the real site: the crawl also visits the biggest
    # spenders of the bundle in the warehouse (BUNDLE_ADVERTISERS of them), not only the configured ones
    for advertiser in world.active_advertisers():
        found[f"/advertiser/{advertiser.advertiser_id}"] = ("text/html; charset=utf-8",
                                                           advertiser_page(world, advertiser))
        for creative in creatives_of(world, advertiser):
            found[f"/advertiser/{advertiser.advertiser_id}/creative/{creative.ad_id}"] = (
                "text/html; charset=utf-8", creative_page(world, advertiser, creative))
            found[f"/media/{creative.ad_id}.png"] = ("image/png", "")
            found[f"/media/{creative.ad_id}.mp4"] = ("video/mp4", "")
    return found


class GatcDemoSite(LocalServer):
    """The site on 127.0.0.1 (port 0) while in a ``with`` block; ``advertiser_ids`` are the ones it shows."""

    def __init__(self, world: GoogleWorld):
        self.pages = routes(world)
        self.advertiser_ids = [a.advertiser_id for a in shown_advertisers(world)]
        pages = self.pages

        class Handler(QuietHandler):
            def do_GET(self):
                page = pages.get(self.path.split("?")[0])
                if page is None:
                    self.send_error(404)
                    return
                self.reply(200, page[1].encode("utf-8"), {"Content-Type": page[0]})

        super().__init__(Handler)

    @property
    def url(self) -> str:
        return self.base_url


def configure_gatc(config, site: GatcDemoSite) -> None:
    """Point the (off by default) google_ads_transparency source at the demo site; demo-only spider settings."""
    config.values["sources"]["google_ads_transparency"].update(
        enabled=True, endpoint=site.url, advertiser_ids=site.advertiser_ids,
        max_bundle_advertisers=BUNDLE_ADVERTISERS)
    config.extra_settings["google_ads_transparency"] = {
        "GOOGLE_ADS_TRANSPARENCY_LOCAL_ONLY": "True", "AUTOTHROTTLE_ENABLED": "False",
        # the demo's pages answer at once: a shorter wait for results that no longer grow keeps the run short
        "GOOGLE_ADS_TRANSPARENCY_GROWTH_TIMEOUT_MS": "1500", "GOOGLE_ADS_TRANSPARENCY_PAGE_TIMEOUT_MS": "20000",
        "GOOGLE_ADS_TRANSPARENCY_DETAIL_TIMEOUT_MS": "15000"}

"""Front pages of two demo sites with ad slots, for the page_placements spider (rendered by Chromium), and a
small EasyList in the real filter syntax naming the demo's made-up ad systems (the demo needs nothing from
the internet, so the published EasyList, which does not know them, is not used).

Each page has an ad slot (``div.ad-slot``, an element-hiding rule) holding an iframe from the site's ad
system (an ad-server rule), and the creative's link carries the advertiser's landing page in a ``url=``
redirect parameter, as click trackers do. Each page also loads the demo's own header-bidding script
(demo/header_bidding.py), a Prebid.js look-alike whose bids and supply chain name the accounts the site's
ads.txt declares, seeded by the demo week. The pages name the server's HTTP port, known only once it listens:
``routes(world, port)`` is added to the running server's routes.
"""

from __future__ import annotations

from demo import header_bidding
from demo.monetisation_world import MonetisationWorld
from demo.site_server import LOCAL_HOST, Answer

EASYLIST_PATH = "/demo-easylist.txt"
DEMO_EASYLIST = """[Adblock Plus 2.0]
! Title: adtrail demo EasyList (the demo world's made-up ad systems; real filter syntax)
! Version: 202612010000
##.ad-slot
###demo-leaderboard
||sahelbid.com^$third-party
||equatorx.com^$third-party
"""
HTML = {"Content-Type": "text/html; charset=utf-8"}
SCRIPT = {"Content-Type": "application/javascript; charset=utf-8"}
# per rendered page: (the ad system serving its slot's creative, the landing page the creative links to)
CREATIVES = (("ads.sahelbid.com", "https://www.sunvalleyloans.example/offer"),
             ("cdn.equatorx.com", "https://miraclecure.example/buy"))


def placement_sites(world: MonetisationWorld) -> list[str]:
    """One partisan and one sensational site that serve their ads.txt: the pages the demo renders."""
    chosen = []
    for kind in ("partisan", "sensational"):
        chosen.append(next(site.domain for site in world.sites if site.kind == kind and site.serves == "file"))
    return chosen


def routes(world: MonetisationWorld, port: int) -> dict[tuple[str, str], Answer]:
    found = {(LOCAL_HOST, EASYLIST_PATH): Answer(200, {"Content-Type": "text/plain; charset=utf-8"},
                                                  DEMO_EASYLIST.encode())}
    for index, domain in enumerate(placement_sites(world)):
        system, landing = CREATIVES[index]
        page = f"""<!doctype html><html><head><title>{domain}: front page</title>
<script src="{header_bidding.SCRIPT_PATH}"></script></head><body>
<h1>{domain}</h1><p>Today's stories.</p>
<div class="ad-slot" id="{header_bidding.AD_UNIT}" style="width:728px;height:90px">
<iframe src="http://{system}:{port}/serve?site={domain}" width="728" height="90" frameborder="0"></iframe>
</div></body></html>"""
        creative = f"""<!doctype html><html><body style="margin:0;background:#fde68a">
<a href="http://{system}:{port}/click?id=cr{index}&url={landing}">Advertisement: a limited offer</a>
</body></html>"""
        found[(domain, "/")] = Answer(200, HTML, page.encode())
        found[(domain, header_bidding.SCRIPT_PATH)] = Answer(
            200, SCRIPT, header_bidding.script(header_bidding.auction(world, domain, landing)))
        found[(system, f"/serve?site={domain}")] = Answer(200, HTML, creative.encode())
    return found


def page_placements_settings(server) -> dict[str, str]:
    """Chromium maps every demo host to the local server; Scrapy's robots.txt fetches use the loopback resolver."""
    return {"TWISTED_DNS_RESOLVER": "demo.site_server.LoopbackResolver", "AUTOTHROTTLE_ENABLED": "False",
            "ADTRAIL_VANTAGE_COUNTRY": "DE", "ADTRAIL_VANTAGE_EGRESS": "demo loopback",
            "ADTRAIL_CHROMIUM_ARGS": '["--host-resolver-rules=MAP * 127.0.0.1"]'}

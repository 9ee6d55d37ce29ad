"""The demo's own header-bidding script: a small Prebid.js look-alike on the front pages the demo renders.

The page_placements spider reads a page's bids and supply chain from Prebid.js's public API
(spiders/page_ads.py; docs.prebid.org/dev-docs/publisher-api-reference). The script here exposes that API on
``window.pbjs``: ``getBidResponses()``, ``getAllWinningBids()``, ``getConfig('schain')`` and ``getEvents()``
with one ``bidRequested`` event per bidder, each bid request carrying its supply chain as Prebid copies it.
It is the demo's own code (no Prebid.js, nothing fetched from elsewhere) and runs no auction: ``auction()``
decides each page's auction in Python, seeded by the page and the demo week like the rest of the demo world,
and ``script()`` writes it into the script.

One page's auction, from the accounts its site's ads.txt declares (demo/monetisation_world.py):

- one bid per bidder code of ``HEADER_BIDDERS`` (Prebid.js adapter codes the warehouse maps to an ad system
  the site's ads.txt also names), for the page's leaderboard unit, each with its advertisers' domains, a
  creative id, a price; the winner shows the creative the slot links to, the rubicon bid carries a deal id;
- the supply chain the publisher configured (SupplyChain object 1.0): one node, the site's DIRECT account at
  sahelbid.com, as sahelbid.com's sellers.json lists it; for a sensational site that is the account pooled by
  ClickHarbor Media, an intermediary. The rubicon bid request's chain adds the reseller hop its ads.txt
  authorises (equatorx.com's EQX-771).
"""

from __future__ import annotations

import hashlib
import json
import random
from urllib.parse import urlsplit

from demo.monetisation_world import HEADER_BIDDERS, MonetisationWorld

SCRIPT_PATH = "/js/header-bidding.js"
AD_UNIT = "demo-leaderboard"  # the slot's element id on the page
# made-up advertisers who bid and lose (the winner is the advertiser the slot's creative links to)
OTHER_ADVERTISERS = ("quickcashnow.example", "herbalcure-shop.example", "bettingstar.example", "goldcoinclub.example")
SCHAIN_SYSTEM = "sahelbid.com"  # the publisher's configured chain: its DIRECT account there
RESELLER_HOP = ("rubicon", "equatorx.com")  # the bidder whose request adds the reseller hop, and the reseller

_SCRIPT = """// The adtrail demo's own header-bidding script (a made-up auction; no Prebid.js): a Prebid.js look-alike
// exposing the public API adtrail reads (getBidResponses, getAllWinningBids, getConfig, getEvents).
(function () {
  var auction = __AUCTION__;
  var responses = {}, events = [], winning = [];
  auction.requests.forEach(function (request) {
    events.push({eventType: "bidRequested", args: {bidderCode: request.bidder, auctionId: auction.auctionId,
      bids: [{bidder: request.bidder, adUnitCode: auction.adUnitCode, auctionId: auction.auctionId,
              schain: request.schain}]}});
  });
  auction.bids.forEach(function (bid) {
    (responses[bid.adUnitCode] = responses[bid.adUnitCode] || {bids: []}).bids.push(bid);
    events.push({eventType: "bidResponse", args: bid});
    if (bid.adId === auction.winningAdId) winning.push(bid);
  });
  var config = {schain: {validation: "strict", config: auction.schain}};
  window.pbjs = {
    version: "demo",
    getBidResponses: function () { return responses; },
    getAllWinningBids: function () { return winning; },
    getConfig: function (key) { return key === undefined ? config : config[key]; },
    getEvents: function () { return events; }
  };
})();
"""


def _account(world: MonetisationWorld, domain: str, system: str, relationship: str) -> str:
    """The seller id the site's ads.txt declares at an ad system with this relationship (the first such line)."""
    for declared_system, seller_id, declared_relationship in world.declared[domain]:
        if (declared_system, declared_relationship) == (system, relationship):
            return seller_id
    raise ValueError(f"{domain}'s demo ads.txt declares no {relationship} account at {system}")


def auction(world: MonetisationWorld, domain: str, landing_url: str) -> dict:
    """The page's auction in the demo week: bids, the winning bid, the configured and per-bidder supply chains."""
    rng = random.Random(f"adtrail-demo-header-bidding:{domain}:week:{world.week}")
    auction_id = hashlib.sha256(f"{domain}:{world.week}".encode()).hexdigest()[:32]
    winner = rng.choice(sorted(HEADER_BIDDERS))
    node = {"asi": SCHAIN_SYSTEM, "sid": _account(world, domain, SCHAIN_SYSTEM, "DIRECT"), "hp": 1}
    schain = {"ver": "1.0", "complete": 1, "nodes": [node]}
    bids, requests = [], []
    for bidder in sorted(HEADER_BIDDERS):
        won = bidder == winner
        advertiser = (urlsplit(landing_url).hostname or "").removeprefix("www.") if won else \
            rng.choice(OTHER_ADVERTISERS)
        cpm = round(rng.uniform(1.2, 3.4) if won else rng.uniform(0.3, 1.1), 2)
        bid = {"bidder": bidder, "bidderCode": bidder, "adUnitCode": AD_UNIT,
               "adId": hashlib.sha256(f"{auction_id}:{bidder}".encode()).hexdigest()[:16],
               "auctionId": auction_id, "cpm": cpm, "currency": "USD", "width": 728, "height": 90,
               "size": "728x90", "mediaType": "banner", "netRevenue": True, "ttl": 300,
               "creativeId": f"{bidder[:2]}-{rng.randrange(10**6, 10**7)}",
               "status": "rendered" if won else "targetingSet",
               "meta": {"advertiserDomains": [advertiser]}}
        if bidder == RESELLER_HOP[0]:
            bid["dealId"] = f"RP-PMP-{hashlib.sha256(domain.encode()).hexdigest()[:6].upper()}"  # a standing deal
        bids.append(bid)
        chain = schain
        if bidder == RESELLER_HOP[0]:
            reseller = {"asi": RESELLER_HOP[1], "sid": _account(world, domain, RESELLER_HOP[1], "RESELLER"), "hp": 1}
            chain = {**schain, "nodes": [node, reseller]}
        requests.append({"bidder": bidder, "schain": chain})
    winning = next(bid["adId"] for bid in bids if bid["bidder"] == winner)
    return {"auctionId": auction_id, "adUnitCode": AD_UNIT, "bids": bids, "winningAdId": winning,
            "schain": schain, "requests": requests}


def script(page_auction: dict) -> bytes:
    """The header-bidding script exposing one page's auction on window.pbjs."""
    return _SCRIPT.replace("__AUCTION__", json.dumps(page_auction, sort_keys=True)).encode("utf-8")

"""What a rendered page shows about its advertising: ad slots, ad-system requests, header-bidding bids, the
supply chain, and each ad's landing domain, read from a live Playwright page (async API).

Used by spiders/page_placements.py, and by the tests on a local page. Ad slots are the elements matched by
EasyList's element-hiding selectors (spiders/parsers/easylist.py); an element inside another matched element
is the same slot, so only the outermost is recorded (with every selector either matched). Bids come from
Prebid.js's public API (docs.prebid.org/dev-docs/publisher-api-reference: ``getBidResponses``,
``getAllWinningBids``, ``getConfig('schain')``, ``getEvents``), when the page has ``window.pbjs``.

**Ads are never clicked.** A click on an ad is billed to its advertiser (and counted as fraud when a bot does
it), so the landing domain is read from the link's ``href`` and its redirect parameters only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

# Query parameters click trackers carry the advertiser's landing page in (Google's adurl=, generic url=,
# dest=, u=, ...), in order of preference.
REDIRECT_PARAMETERS = ("adurl", "url", "dest", "destination", "dest_url", "u", "redirect", "redirect_url",
                       "redir", "r", "to", "target", "landing", "landing_url", "lp", "clickurl", "click_url")
MAX_REDIRECT_DEPTH = 5  # trackers nest (a DSP's tracker inside an exchange's); deeper is a loop
SELECTOR_BATCH = 400  # selectors joined per querySelectorAll; a batch with a hit is tried one by one

_FIND_SLOTS_JS = """([selectors, batch]) => {
  const hits = new Map();
  const tryQuery = (sel) => { try { return document.querySelectorAll(sel); } catch (e) { return []; } };
  for (let i = 0; i < selectors.length; i += batch) {
    const group = selectors.slice(i, i + batch);
    let any;
    try { any = document.querySelector(group.join(',')); } catch (e) { any = true; }  // one bad selector
    if (!any) continue;
    for (const sel of group) for (const el of tryQuery(sel)) {
      if (!hits.has(el)) hits.set(el, []);
      hits.get(el).push(sel);
    }
  }
  const outer = [...hits.keys()].filter(el => {
    for (let p = el.parentElement; p; p = p.parentElement) if (hits.has(p)) return false;
    return true;
  });
  outer.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) ? -1 : 1);
  return outer.map((el, index) => {
    const selectors = new Set(hits.get(el));
    for (const [inner, sels] of hits) if (inner !== el && el.contains(inner)) sels.forEach(s => selectors.add(s));
    el.setAttribute('data-adtrail-slot', String(index));
    const box = el.getBoundingClientRect();
    const frame = el.tagName === 'IFRAME' ? el : el.querySelector('iframe');
    const link = el.tagName === 'A' ? el : el.querySelector('a[href]');
    return {index, selectors: [...selectors].sort(), id: el.id || null,
            className: (typeof el.className === 'string' && el.className) || null,
            width: box.width, height: box.height, iframeSrc: frame ? frame.src : null,
            linkHref: link ? link.href : null};
  });
}"""

_BIDS_JS = """() => {
  const pbjs = window.pbjs;
  if (!pbjs || typeof pbjs.getBidResponses !== 'function') return null;
  const plain = (value) => JSON.parse(JSON.stringify(value, (key, v) =>
      (typeof v === 'function' || (typeof Node !== 'undefined' && v instanceof Node)) ? undefined : v) ?? 'null');
  const bids = [];
  const responses = pbjs.getBidResponses() || {};
  for (const [unit, entry] of Object.entries(responses))
    for (const bid of (entry && entry.bids) || []) bids.push({call: 'getBidResponses', unit, bid: plain(bid)});
  const winning = typeof pbjs.getAllWinningBids === 'function' ? (pbjs.getAllWinningBids() || []) : [];
  for (const bid of winning) bids.push({call: 'getAllWinningBids', unit: bid.adUnitCode, bid: plain(bid)});
  const schains = [];
  const get = (key) => { try { return typeof pbjs.getConfig === 'function' ? pbjs.getConfig(key) : null; }
                         catch (e) { return null; } };
  const configured = get('schain');
  if (configured) schains.push({from: 'config.schain', schain: plain(configured.config || configured.schain || configured)});
  const ortb2 = get('ortb2');
  if (ortb2 && ortb2.source && ortb2.source.ext && ortb2.source.ext.schain)
    schains.push({from: 'config.ortb2', schain: plain(ortb2.source.ext.schain)});
  const events = typeof pbjs.getEvents === 'function' ? (pbjs.getEvents() || []) : [];
  for (const event of events) if (event.eventType === 'bidRequested' && event.args)
    for (const bid of event.args.bids || []) if (bid.schain)
      schains.push({from: 'bidRequested:' + (bid.bidder || event.args.bidderCode), schain: plain(bid.schain)});
  return {bids, schains};
}"""


def landing_of(href: str | None) -> tuple[str | None, str | None, str | None]:
    """(landing URL, its domain, how it was read) from an ad link, following redirect parameters, never the link."""
    if not href or urlsplit(href).scheme not in ("http", "https"):
        return None, None, None
    url, via = href, "href"
    for _ in range(MAX_REDIRECT_DEPTH):
        params = {key.lower(): value for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=False)}
        target = next(((name, params[name]) for name in REDIRECT_PARAMETERS
                       if name in params and params[name].startswith(("http://", "https://"))), None)
        if target is None:
            break
        via, url = target  # parse_qsl has already %-decoded the value once
    return url, (urlsplit(url).hostname or None), via


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


async def find_slots(page, selectors: list[str]) -> list[dict]:
    return await page.evaluate(_FIND_SLOTS_JS, [selectors, SELECTOR_BATCH])


async def link_in_frame(page, slot_index: int) -> str | None:
    """The first link inside the slot's iframe (ads usually sit in one), read from its DOM, never clicked."""
    element = await page.query_selector(f'[data-adtrail-slot="{slot_index}"] iframe, iframe[data-adtrail-slot="{slot_index}"]')
    frame = await element.content_frame() if element else None
    if frame is None:
        return None
    try:
        return await frame.evaluate("() => { const a = document.querySelector('a[href]'); return a ? a.href : null; }")
    except Exception:  # a frame that navigated away or crashed has no readable DOM; the slot stays recorded
        return None


async def read_page(page, easylist, requests: list[dict], *, page_url: str, base: dict,
                    screenshot_dir: Path | None, crawl_dir: Path | None) -> dict:
    """Every item of one rendered page, as {"render": item, "slots": [...], "requests": [...], "bids": [...]}.

    ``base`` holds the provenance and page fields every item shares; ``requests`` is what page.on('request')
    recorded ({"url", "resource_type"}). Screenshots go to ``screenshot_dir``, paths relative to ``crawl_dir``.
    """
    from spiders.items import empty_item  # here: spiders.items imports nothing of ours, kept cheap to test

    page_host = urlsplit(page_url).hostname or ""
    key = f"{base.get('crawl_id')}:{page_url}"
    stem = hashlib.sha256(page_url.encode()).hexdigest()[:16]

    def item(kind: str, **fields) -> dict:
        made = empty_item(kind)
        made.update({name: value for name, value in base.items() if name in made})
        made.update(item_kind=kind, **fields)
        return made

    slots = []
    for slot in await find_slots(page, easylist.selectors_for(page_host)):
        href = slot["linkHref"] or await link_in_frame(page, slot["index"])
        landing_url, landing_domain, via = landing_of(href)
        shot = None
        if screenshot_dir is not None and slot["width"] >= 1 and slot["height"] >= 1:
            path = screenshot_dir / f"{stem}-slot{slot['index']}.png"
            try:
                await page.locator(f'[data-adtrail-slot="{slot["index"]}"]').screenshot(path=str(path))
                shot = str(path.relative_to(crawl_dir)) if crawl_dir else str(path)
            except Exception:  # an element that left the page or cannot scroll into view: no picture, slot kept
                shot = None
        slots.append(item("page_ad_slot", slot_key=f"{key}#{slot['index']}", slot_index=slot["index"],
                          selectors=slot["selectors"], element_id=slot["id"], element_class=slot["className"],
                          width=slot["width"], height=slot["height"], iframe_src=slot["iframeSrc"],
                          link_href=href, landing_url=landing_url, landing_domain=landing_domain,
                          landing_via=via, screenshot_path=shot))

    ad_requests = []
    for request in requests:
        host = urlsplit(request["url"]).hostname or ""
        matched = easylist.ad_server(host, page_host)
        if matched:
            index = len(ad_requests)
            ad_requests.append(item("page_ad_request", request_key=f"{key}#{index}", request_index=index,
                                    request_url=_without_query(request["url"]), request_host=host,
                                    resource_type=request["resource_type"], ad_system_domain=matched,
                                    ad_system_owner=easylist.owner_of(host)))

    exposed = await page.evaluate(_BIDS_JS) or {"bids": [], "schains": []}
    winning_ids = {(entry["bid"].get("adId"), entry["bid"].get("bidderCode") or entry["bid"].get("bidder"))
                   for entry in exposed["bids"] if entry["call"] == "getAllWinningBids"}
    bids = []
    for entry in exposed["bids"]:
        bid = entry["bid"]
        bidder = bid.get("bidderCode") or bid.get("bidder")
        index = len(bids)
        bids.append(item("page_bid", bid_key=f"{key}#{index}", bid_index=index, source_call=entry["call"],
                         ad_unit_code=entry["unit"] or bid.get("adUnitCode"), bidder=bidder,
                         cpm=_number(bid.get("cpm")), currency=bid.get("currency"),
                         advertiser_domains=[str(d) for d in (bid.get("meta") or {}).get("advertiserDomains") or []] or None,
                         creative_id=_text(bid.get("creativeId")), deal_id=_text(bid.get("dealId")),
                         width=bid.get("width"), height=bid.get("height"),
                         won=(bid.get("adId"), bidder) in winning_ids,
                         record={name: value for name, value in bid.items() if name != "ad"}))

    systems = sorted({request["ad_system_domain"] for request in ad_requests})
    render = item("page_render", render_key=key, final_url=page.url, title=await page.title(),
                  ad_slots=len(slots), ad_requests=len(ad_requests), ad_systems=systems,
                  ad_system_owners=sorted({owner for owner in map(easylist.owner_of, systems) if owner}),
                  bids=len(bids), schain=exposed["schains"])
    return {"render": render, "slots": slots, "requests": ad_requests, "bids": bids}


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(value) -> str | None:
    return None if value in (None, "") else str(value)

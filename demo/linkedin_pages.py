"""The demo's LinkedIn Ad Library pages: a results page and detail pages, as a user would save them by hand.

LinkedIn's Ad Library lists ads that ran anywhere (since June 2023) with advertiser, payer, format, text and
dates; impressions and targeting (the "EU block") are shown only for ads that ran in the EU. So the demo's
pages are for a few organisations of the Meta world (their LinkedIn company pages carry the same names) in
their own countries, without the EU block, plus one ad of the Brazilian organisation shown in Portugal and
France, with it. The markup follows the written fixtures the parser is tested on (tests/fixtures/linkedin,
whose README names the documents they follow): ``.search-result-item`` cards, ``.ad-detail-right-rail``.
``write_linkedin_pages(world, folder)`` writes them; the demo loads them through ``adtrail import
linkedin``'s path (spiders/linkedin_saved_pages.py), as saved pages, never by crawling LinkedIn.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from html import escape
from pathlib import Path

from demo.organisations import cross_platform_organisations

FORMATS = ("Single Image Ad", "Video Ad", "Document Ad", "Text Ad")
COUNTRY_NAMES = {"PT": "Portugal", "FR": "France", "DE": "Germany"}


def company_slug(name: str) -> str:
    """The /company/<slug> part of the LinkedIn page of an organisation named ``name``."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _ads(world) -> list[dict]:
    """One ad per organisation on several platforms (demo.organisations: its company page carries its week-1
    name, as its TikTok business does), two for Brazil's; the texts are its Meta ads' of this week."""
    ads = []
    for country, page in cross_platform_organisations(world.seed).items():
        own = sorted((ad for ad in world.ads.values() if ad.page_id == page.page_id), key=lambda ad: ad.ad_id)
        for number, ad in enumerate(own[:2 if country == "BR" else 1]):
            digest = int(hashlib.sha256(f"linkedin-{ad.ad_id}".encode()).hexdigest()[:8], 16)
            ads.append({"id": str(600_000_000 + digest % 99_999_999), "name": page.name, "text": ad.bodies[0],
                        "format": FORMATS[digest % len(FORMATS)], "start": ad.start,
                        "end": ad.stop, "eu": country == "BR" and number == 1,
                        "link": f"https://{company_slug(page.name)}.example.org/"})
    return ads


def _date(day: dt.date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def _card(ad: dict) -> str:
    return f"""      <li class="search-result-item">
        <div class="base-ad-preview-card">
          <div class="self-center">
            <a data-tracking-control-name="ad_library_ad_preview_advertiser"
               href="https://www.linkedin.com/company/{company_slug(ad['name'])}?trk=ad_library_ad_preview_advertiser">{escape(ad['name'])}</a>
          </div>
          <p class="commentary__content">{escape(ad['text'])}</p>
          <a href="/ad-library/detail/{ad['id']}?trk=ad_library_ad_preview_content"
             aria-label="{escape(ad['name'])}, {ad['format']}, View details">View details</a>
        </div>
      </li>
"""


def results_page(ads: list[dict]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<!-- adtrail demo: generated, not real. A LinkedIn Ad Library "
            "results page as saved from a browser. -->\n<head><meta charset=\"utf-8\"><title>LinkedIn Ad Library | "
            "Search results</title></head>\n<body>\n<main class=\"ad-library\">\n  <section class=\"search-results\">\n"
            "    <ul class=\"search-results__list\">\n" + "".join(_card(ad) for ad in ads)
            + "    </ul>\n  </section>\n</main>\n</body>\n</html>\n")


def _eu_block() -> str:
    rows = "".join(f"""        <li><span class="ad-analytics__country-impressions">
          <div class="w-[75%]"><p class="text-sm font-semibold text-color-text">{name}</p></div>
          <div class="w-[25%]"><p class="text-right text-xs font-semibold">{share}</p></div></span></li>
""" for name, share in (("Portugal", "72%"), ("France", "28%")))
    return f"""    <section class="ad-analytics">
      <h2>Ad Impressions</h2>
      <div class="mb-[6px] w-full"><div class="flex justify-between">
        <p class="text-sm text-color-text">Total Impressions</p><p class="text-sm font-semibold">10k-50k</p></div></div>
      <h3>Impressions by country</h3>
      <ul>
{rows}      </ul>
    </section>
    <section class="ad-targeting">
      <h2>Ad Targeting</h2>
      <div class="ad-targeting__parameter">
        <h3>Location</h3>
        <p><span class="ad-targeting__segments">Targeting includes Portugal, France</span></p>
      </div>
      <div class="ad-targeting__parameter">
        <h3>Language</h3>
        <p><span class="ad-targeting__segments">Targeting includes Portuguese</span></p>
      </div>
    </section>
"""


def detail_page(ad: dict) -> str:
    ran = f"Ran from {_date(ad['start'])} to {_date(ad['end']) if ad['end'] else 'present'}"
    name, link = escape(ad["name"]), escape(ad["link"])
    return f"""<!DOCTYPE html>
<html lang="en">
<!-- adtrail demo: generated, not real. A LinkedIn Ad Library detail page as saved from a browser. -->
<head><meta charset="utf-8"><title>LinkedIn Ad Library | Ad details</title>
<link rel="canonical" href="https://www.linkedin.com/ad-library/detail/{ad['id']}"></head>
<body>
<main class="ad-detail">
  <section class="ad-detail-left-rail">
    <div class="base-ad-preview-card">
      <div class="self-center">
        <a data-tracking-control-name="ad_library_ad_preview_advertiser"
           href="https://www.linkedin.com/company/{company_slug(ad['name'])}?trk=ad_library_ad_preview_advertiser">{name}</a>
        <p class="text-xs">Promoted</p>
      </div>
      <p class="commentary__content">{escape(ad['text'])}</p>
      <a class="btn-sm btn-secondary-emphasis" data-tracking-control-name="ad_library_ad_preview_cta"
         href="{link}?utm_source=linkedin">Learn more</a>
    </div>
  </section>
  <aside class="ad-detail-right-rail">
    <h2>About the ad</h2>
    <p class="text-sm mb-1 text-color-text">{ad['format']}</p>
    <a data-tracking-control-name="ad_library_about_ad_advertiser" target="_blank"
       href="https://www.linkedin.com/company/{company_slug(ad['name'])}?trk=ad_library_about_ad_advertiser">{name}</a>
    <p class="about-ad__paying-entity">Paid for by {name}</p>
    <p class="about-ad__availability-duration">{ran}</p>
{_eu_block() if ad['eu'] else ''}  </aside>
</main>
</body>
</html>
"""


def write_linkedin_pages(world, folder: Path) -> list[Path]:
    """The results page and the detail pages of all but the first ad (its card alone stands for it)."""
    folder.mkdir(parents=True, exist_ok=True)
    ads = _ads(world)
    paths = [folder / "LinkedIn Ad Library - Search results.html"]
    paths[0].write_text(results_page(ads), encoding="utf-8")
    for ad in ads[1:]:
        path = folder / f"detail_{ad['id']}.html"
        path.write_text(detail_page(ad), encoding="utf-8")
        paths.append(path)
    return paths

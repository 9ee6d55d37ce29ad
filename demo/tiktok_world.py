"""The demo's TikTok ads: what TikTok's Commercial Content API would list for a few demo advertisers.

Coverage, told truthfully: TikTok's Commercial Content Library holds ads shown in the EU/EEA, the United
Kingdom and Switzerland (the Digital Services Act's ad repository, extended by TikTok to the UK and
Switzerland); none of the demo's Global Majority countries (Bangladesh, Brazil, India, Kenya, Nigeria,
Indonesia, Pakistan, the Philippines, South Africa, Mexico) is covered, and TikTok does not accept political
ads at all. So the demo generates a few commercial and cause ads shown in EU countries (France, Germany,
Portugal, Romania) instead: some by organisations of the Meta world reaching their diaspora (the names their
Facebook pages had in week 1, so the cross-platform matching has something to find; demo.organisations says
which), some by EU-only advertisers. Ads are in the API's shape (``ad`` with YYYYMMDD dates and reach buckets,
``advertiser`` with a numeric business id). Deterministic for a (week, seed); standard library only.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from demo.organisations import DIASPORA, cross_platform_organisations
from demo.world import DEMO_START

# Where TikTok's library covers ads, among the countries the demo generates ads for (ISO codes).
TIKTOK_COUNTRIES = ("FR", "DE", "PT", "RO")
EU_ADVERTISERS = (("Maison Verte Rénovation", "FR"), ("Stadtwerke Beispielstadt", "DE"),
                  ("Lisboa Futuro Associação", "PT"), ("Asociația Dreptul la Oraș", "RO"))
REACH_BUCKETS = ("0-1K", "1K-10K", "10K-100K", "100K-1M", "1M-10M")
ADS_PER_ADVERTISER = (18, 30)  # the French total passes 50, so the demo pages through TikTok's search_id


@dataclass(frozen=True)
class TikTokAdvertiser:
    business_id: int
    name: str
    countries: tuple[str, ...]
    meta_page_id: str | None  # the Meta page of the same name, when there is one


@dataclass
class TikTokWorld:
    as_of: dt.date
    advertisers: list[TikTokAdvertiser]
    ads: list[dict]  # the API's entries: {"ad": {...}, "advertiser": {...}}

    def ads_for(self, country: str, date_min: str, date_max: str, business_ids: list[int] | None = None) -> list[dict]:
        """The entries a query would answer: shown in ``country`` and first shown between the YYYYMMDD dates."""
        return [entry for entry in self.ads
                if (country == "ALL" or country in entry["ad"]["reach"]["unique_users_seen_by_country"])
                and int(date_min) <= entry["ad"]["first_shown_date"] <= int(date_max)
                and (not business_ids or entry["advertiser"]["business_id"] in business_ids)]


def _ymd(day: dt.date) -> int:
    return int(day.strftime("%Y%m%d"))


def generate_tiktok_world(meta_world, seed: int = 2024) -> TikTokWorld:
    """TikTok advertisers and their ads as of ``meta_world.as_of``; a later week keeps ids and adds ads."""
    rng = random.Random(f"tiktok-{seed}")
    advertisers = []
    for country, page in cross_platform_organisations(meta_world.seed).items():  # the same ones every week
        advertisers.append(TikTokAdvertiser(rng.randrange(7_000_000_000_000_000, 7_999_999_999_999_999),
                                            page.name, DIASPORA[country], page.page_id))
    for name, country in EU_ADVERTISERS:
        advertisers.append(TikTokAdvertiser(rng.randrange(7_000_000_000_000_000, 7_999_999_999_999_999),
                                            name, (country,), None))
    ads = []
    for advertiser in advertisers:
        ad_rng = random.Random(f"tiktok-{seed}-{advertiser.business_id}")
        # Ads started in the 16 weeks before the demo began, then two more each week: an ad keeps its dates
        # from week to week (only its last shown date moves while it runs).
        base = ad_rng.randint(*ADS_PER_ADVERTISER)
        for number in range(base + 2 * meta_world.week):
            started_week = 0 if number < base else (number - base) // 2 + 1
            first = DEMO_START + dt.timedelta(weeks=started_week) - dt.timedelta(
                days=ad_rng.randint(1, 112) if number < base else ad_rng.randint(1, 6))
            planned_last = first + dt.timedelta(days=ad_rng.randint(3, 40))
            last = max(first, min(meta_world.as_of - dt.timedelta(days=1), planned_last))
            shown = {country: ad_rng.choice(REACH_BUCKETS[:4]) for country in advertiser.countries
                     if ad_rng.random() < 0.8} or {advertiser.countries[0]: "1K-10K"}
            ad_id = 7_300_000_000_000_000 + advertiser.business_id % 1_000_000 * 1000 + number
            media = f"https://p16-sign.tiktokcdn.example/{ad_id}/?mime_type=video_mp4"
            ads.append({
                "ad": {"id": ad_id, "first_shown_date": _ymd(first), "last_shown_date": _ymd(last),
                       "status": "active" if planned_last >= meta_world.as_of else "inactive",
                       "status_statement": "", "videos": [{"url": media}] if number % 4 else [],
                       "image_urls": [] if number % 4 else [media.replace("video_mp4", "image_jpeg")],
                       "reach": {"unique_users_seen": max(shown.values(), key=REACH_BUCKETS.index),
                                 "unique_users_seen_by_country": shown}},
                "advertiser": {"business_id": advertiser.business_id, "business_name": advertiser.name,
                               "paid_for_by": advertiser.name}})
    ads.sort(key=lambda entry: (-entry["ad"]["first_shown_date"], entry["ad"]["id"]))
    return TikTokWorld(meta_world.as_of, advertisers, ads)

"""The demo world: advertisers and their political and issue ads, week by week, as Meta's Ad Library
would show them through the Graph API ``ads_archive`` edge.

``generate_world(week)`` is deterministic for a (week, seed). Week 1 is built from scratch; week N is week
N-1 moved on by seven simulated days: new ads start, some end (their stop date is set), active ads keep
spending so their spend and impressions buckets move up, and now and then a page is renamed. Ads keep
their ids. Countries of the Global Majority come first (DESIGN.md, "The demo"); messages are written in each
country's languages and scripts; amounts are in each advertiser's currency. Buckets follow the ones Meta
publishes (``demo.meta_buckets``, checked against the real pages under ``../shared/realdata/meta``). Standard
library only, and fast: week 1 takes well under a second.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote

from demo.meta_buckets import IMPRESSIONS_BUCKET_STEPS, audience_bucket, bucket
from demo.world_texts import (
    COUNTRIES, CPM_USD, DAILY_SPEND_LEVEL, DESCRIPTIONS, MESSAGES, ORGANISATIONS, PEOPLE, TLD,
)

DEMO_START = dt.date(2026, 1, 5)  # a Monday; run N of the demo is dated DEMO_START + N weeks
INITIAL_ADS = 3000
INITIAL_PAGES = 320
NEW_ADS_PER_WEEK = (260, 340)
HISTORY_DAYS = 70  # week 1 holds ads created in the ten weeks before it

AGES = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
GENDERS = ("female", "male", "unknown")
PLATFORM_SETS = ((["facebook", "instagram"], 5), (["facebook"], 3), (["facebook", "instagram", "messenger"], 2),
                 (["facebook", "instagram", "audience_network", "messenger"], 1), (["instagram"], 1))


def world_date(week: int) -> dt.date:
    """The simulated date of demo week ``week``."""
    return DEMO_START + dt.timedelta(weeks=week)


def _share(value: float) -> str:
    """A share as Meta writes it: a string with up to six decimals, no trailing zeros ("0.01197", "1")."""
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", ascii_text.lower())[:24] or "campaign"


@dataclass
class Page:
    page_id: str
    name: str
    country: str
    currency: str
    languages: list[str]
    byline: str
    place: str
    sensational_share: float  # how often this advertiser runs sensational messages
    activity: float  # relative number of ads it runs
    former_names: list[str] = field(default_factory=list)


@dataclass
class Ad:
    ad_id: str
    page_id: str
    country: str
    language: str
    sensational: bool
    bodies: list[str]
    link_titles: list[str] | None
    link_captions: list[str] | None
    link_descriptions: list[str] | None
    created: dt.date
    start: dt.date
    planned_end: dt.date
    stop: dt.date | None
    currency: str
    daily_spend: float  # in the ad's currency
    cost_per_thousand: float  # in the ad's currency
    audience_size: int
    platforms: list[str]
    demographic_distribution: list[dict]
    delivery_by_region: list[dict]
    spend: float = 0.0  # cumulative, in the ad's currency
    impressions: float = 0.0


@dataclass
class World:
    week: int
    seed: int
    as_of: dt.date
    pages: dict[str, Page]
    ads: dict[str, Ad]

    @property
    def countries(self) -> list[str]:
        """ISO codes of the countries the world's ads reach, Global Majority first."""
        present = {ad.country for ad in self.ads.values()}
        return [code for code in COUNTRIES if code in present]

    def is_active(self, ad: Ad) -> bool:
        return ad.stop is None

    def record(self, ad: Ad, access_token: str = "") -> dict:
        """The ad as a Graph API ArchivedAd with every field the demo knows (the server picks fields)."""
        page = self.pages[ad.page_id]
        spend_lower, spend_upper = bucket(ad.spend)
        impressions_lower, impressions_upper = bucket(ad.impressions, IMPRESSIONS_BUCKET_STEPS)
        record = {
            "id": ad.ad_id,
            "ad_creation_time": ad.created.isoformat(),
            "ad_creative_bodies": list(ad.bodies),
            "ad_creative_link_captions": ad.link_captions,
            "ad_creative_link_descriptions": ad.link_descriptions,
            "ad_creative_link_titles": ad.link_titles,
            "ad_delivery_start_time": ad.start.isoformat(),
            "ad_delivery_stop_time": ad.stop.isoformat() if ad.stop else None,
            "ad_snapshot_url": "https://www.facebook.com/ads/archive/render_ad/?id="
            + ad.ad_id + "&access_token=" + quote(access_token, safe=""),
            "bylines": page.byline,
            "currency": ad.currency,
            "delivery_by_region": [dict(entry) for entry in ad.delivery_by_region],
            "demographic_distribution": [dict(entry) for entry in ad.demographic_distribution],
            "estimated_audience_size": audience_bucket(ad.audience_size),
            "impressions": _bounds(impressions_lower, impressions_upper),
            "languages": [ad.language],
            "page_id": page.page_id,
            "page_name": page.name,
            "publisher_platforms": list(ad.platforms),
            "spend": _bounds(spend_lower, spend_upper),
        }
        # Meta leaves out a field an ad does not have (no stop date while it runs, no link).
        return {name: value for name, value in record.items() if value is not None}


def _bounds(lower: int, upper: int | None) -> dict:
    bounds = {"lower_bound": str(lower)}
    if upper is not None:
        bounds["upper_bound"] = str(upper)
    return bounds


class _Builder:
    """Makes pages and ads from one random stream; the stream's seed names the world and the week."""

    def __init__(self, rng: random.Random, used_ids: set[str]):
        self.rng = rng
        self.used_ids = used_ids

    def new_id(self, digits_low: int, digits_high: int) -> str:
        while True:
            candidate = str(self.rng.randrange(10 ** (digits_low - 1), 10 ** digits_high))
            if candidate not in self.used_ids:
                self.used_ids.add(candidate)
                return candidate

    def person(self, country: str) -> str:
        given, family = PEOPLE[country]
        return f"{self.rng.choice(given)} {self.rng.choice(family)}"

    def organisation(self, country: str, place: str) -> str:
        return self.rng.choice(ORGANISATIONS[country]).format(place=place)

    def page(self, country: str) -> Page:
        rng, facts = self.rng, COUNTRIES[country]
        place = rng.choice(facts["places"])
        if rng.random() < 0.55:
            name = self.person(country)
            byline = name if rng.random() < 0.6 else self.organisation(country, place)
        else:
            name = self.organisation(country, place)
            byline = name if rng.random() < 0.7 else self.person(country)
        return Page(
            page_id=self.new_id(15, 15),
            name=name,
            country=country,
            currency="USD" if rng.random() < 0.03 else facts["currency"],
            languages=sorted(set(rng.sample(facts["languages"], k=min(2, len(facts["languages"]))))),
            byline=byline,
            place=place,
            sensational_share=rng.choice((0.6, 0.35)) if rng.random() < 0.15 else 0.04,
            activity=min(rng.paretovariate(1.3), 40.0),
        )

    def distribution(self, country: str) -> tuple[list[dict], list[dict]]:
        rng = self.rng
        weights = {(age, gender): rng.random() * (0.03 if gender == "unknown" else 1.0)
                   for age in AGES for gender in GENDERS}
        total = sum(weights.values())
        demographic = [{"percentage": _share(weight / total), "age": age, "gender": gender}
                       for (age, gender), weight in weights.items()]
        rng.shuffle(demographic)  # Meta's order is not sorted
        regions = rng.sample(COUNTRIES[country]["regions"], k=rng.choice((1, 1, 2, 3, 4)))
        region_weights = [rng.random() + 0.2 for _ in regions]
        total = sum(region_weights)
        by_region = [{"percentage": _share(weight / total), "region": region}
                     for region, weight in zip(regions, region_weights)]
        return demographic, by_region

    def ad(self, page: Page, created: dt.date) -> Ad:
        rng = self.rng
        language = rng.choice(page.languages)
        texts = MESSAGES[language]
        sensational = rng.random() < page.sensational_share
        action = rng.choice(texts["action"]).format(name=page.name, place=page.place)
        bodies = [f"{rng.choice(texts['sensational' if sensational else 'calm'])} {action}"]
        if rng.random() < 0.1:
            bodies.append(f"{rng.choice(texts['calm'])} {action}")
        has_link = rng.random() < 0.7
        start = created + dt.timedelta(days=rng.choice((0, 0, 1, 2)))
        per_usd = 1.0 if page.currency == "USD" else COUNTRIES[page.country]["per_usd"]
        daily_usd = (rng.lognormvariate(math.log(3.0), 1.2) * min(page.activity, 6.0) ** 0.5
                     * DAILY_SPEND_LEVEL.get(page.country, 1.0))
        demographic, by_region = self.distribution(page.country)
        platforms = rng.choices([p for p, _ in PLATFORM_SETS], weights=[w for _, w in PLATFORM_SETS])[0]
        return Ad(
            ad_id=self.new_id(15, 16),
            page_id=page.page_id,
            country=page.country,
            language=language,
            sensational=sensational,
            bodies=bodies,
            link_titles=[rng.choice(texts["titles"])] if has_link else None,
            link_captions=[f"{_slug(page.name)}.{TLD[page.country]}"] if has_link and rng.random() < 0.9 else None,
            link_descriptions=[DESCRIPTIONS[language]] if has_link and rng.random() < 0.6 else None,
            created=created,
            start=start,
            planned_end=start + dt.timedelta(days=rng.choice((3, 5, 7, 10, 14, 14, 21, 28, 30, 45, 60))),
            stop=None,
            currency=page.currency,
            daily_spend=daily_usd * per_usd,
            cost_per_thousand=CPM_USD[page.country] * rng.lognormvariate(0, 0.35) * per_usd,
            audience_size=int(rng.lognormvariate(math.log(250000), 1.5)),
            platforms=list(platforms),
            demographic_distribution=demographic,
            delivery_by_region=by_region,
        )


def _deliver(ad: Ad, period_start: dt.date, period_end: dt.date, rng: random.Random) -> None:
    """Spend and impressions of ``ad`` over the days (period_start, period_end]; set its stop when it ends."""
    if ad.stop is not None:
        return
    first = max(ad.start, period_start)
    last = min(ad.planned_end, period_end)
    days = max(0, (last - first).days)
    spent = ad.daily_spend * days * rng.uniform(0.7, 1.3)
    ad.spend += spent
    ad.impressions += spent / ad.cost_per_thousand * 1000
    if ad.planned_end <= period_end:
        ad.stop = ad.planned_end


def _pick_pages(pages: list[Page], rng: random.Random, count: int) -> list[Page]:
    """``count`` advertisers for new ads: a country by its share, then a page by its activity, so one very
    active page does not tip the balance between countries."""
    by_country: dict[str, list[Page]] = {}
    for page in pages:
        by_country.setdefault(page.country, []).append(page)
    countries = list(by_country)
    weights = {code: [page.activity for page in by_country[code]] for code in countries}
    chosen = rng.choices(countries, weights=[COUNTRIES[code]["share"] for code in countries], k=count)
    return [rng.choices(by_country[code], weights=weights[code])[0] for code in chosen]


def _first_week(seed: int) -> World:
    rng = random.Random(f"adtrail-demo:{seed}:week:1")
    builder = _Builder(rng, set())
    as_of = world_date(1)
    countries = list(COUNTRIES)
    shares = [COUNTRIES[code]["share"] for code in countries]
    pages = [builder.page(country) for country in rng.choices(countries, weights=shares, k=INITIAL_PAGES)]
    ads = {}
    for page in _pick_pages(pages, rng, INITIAL_ADS):
        ad = builder.ad(page, as_of - dt.timedelta(days=rng.randint(1, HISTORY_DAYS)))
        if ad.start > as_of:
            ad.start = as_of
        _deliver(ad, ad.start, as_of, rng)
        ads[ad.ad_id] = ad
    return World(week=1, seed=seed, as_of=as_of, pages={page.page_id: page for page in pages}, ads=ads)


def _rename(page: Page, builder: _Builder) -> None:
    """A page changes its name, as pages do between an election's phases."""
    page.former_names.append(page.name)
    if builder.rng.random() < 0.5:
        page.name = f"{page.name} - {page.place}"
    else:
        page.name = builder.organisation(page.country, page.place)
        if page.name in page.former_names:
            page.name = f"{page.name} ({page.place})"


def _next_week(world: World) -> World:
    """``world`` moved on by seven days (the world is changed in place and returned)."""
    week = world.week + 1
    rng = random.Random(f"adtrail-demo:{world.seed}:week:{week}")
    builder = _Builder(rng, set(world.ads) | set(world.pages))
    previous, as_of = world.as_of, world_date(week)
    for ad in world.ads.values():
        if ad.stop is None and rng.random() < 0.04:  # some advertisers stop an ad early
            ad.planned_end = min(ad.planned_end, previous + dt.timedelta(days=rng.randint(1, 7)))
        _deliver(ad, previous, as_of, rng)
    pages = [page for page in world.pages.values()]
    for page in _pick_pages(pages, rng, rng.randint(1, 3)):
        _rename(page, builder)
    if rng.random() < 0.5:  # a new advertiser joins
        page = builder.page(rng.choices(list(COUNTRIES), weights=[c["share"] for c in COUNTRIES.values()])[0])
        world.pages[page.page_id] = page
        pages.append(page)
    for page in _pick_pages(pages, rng, rng.randint(*NEW_ADS_PER_WEEK)):
        ad = builder.ad(page, previous + dt.timedelta(days=rng.randint(1, 7)))
        if ad.start > as_of:
            ad.start = as_of
        _deliver(ad, ad.start, as_of, rng)
        world.ads[ad.ad_id] = ad
    world.week, world.as_of = week, as_of
    return world


def generate_world(week: int, seed: int = 2024) -> World:
    """The demo world at week ``week`` (>= 1), dated DEMO_START + ``week`` weeks; same inputs, same world."""
    if week < 1:
        raise ValueError(f"demo week must be 1 or later, got {week}")
    world = _first_week(seed)
    for _ in range(week - 1):
        world = _next_week(world)
    return world

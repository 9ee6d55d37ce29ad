"""The demo's Google world: election advertisers and their creatives, week by week, as Google's political
ads transparency bundle (``google-political-ads-transparency-bundle.zip``) would show them.

``generate_google_world(week)`` is deterministic for a (week, seed) and dated like the Meta demo world
(demo.world.world_date: week N is DEMO_START + N weeks); the bundle holds data up to the day before. Week 1
holds creatives started in the ten weeks before it; every later week adds creatives, keeps the running
ones spending (so lifetime spend, weekly rows and ranges move up) and ends some. A few advertisers join
later. Each creative's whole life (its days, its daily spend) is drawn when it is created, so week N+1
repeats week N's past exactly and only adds to it, as Google's refreshed files do.

Regions. Google publishes political ads for a set of regions (its bundle's currency columns follow them:
INR, BRL, ZAR, ARS, CLP, ... but no BDT, KES, NGN, IDR, PKR, PHP or MXN). Of the Meta demo's countries,
India, Brazil and South Africa are covered, so the Google world has advertisers there; Bangladesh, Kenya,
Nigeria, Indonesia, Pakistan, the Philippines and Mexico have none. A handful of United States committees
are added because two of the bundle's files only ever hold US rows (advertiser-geo-spend: spend per US
state; advertiser-declared-stats: California committees, and New Zealand promoters). Elections follow the
June 2019 release's labels ("IN-General", "US-Federal"); "BR-General" and "ZA-General" are written the same
way. Part of the Indian, Brazilian and South African advertisers are the Meta demo world's own pages (same
names, taken from its week 1), so matching advertisers across platforms has something to find.

The files are written by demo.google_bundle_files; amounts by demo.google_money. Standard library only.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from demo.world import generate_world, world_date
from demo.world_texts import PEOPLE

HISTORY_DAYS = 70
INITIAL_CREATIVES = 420
NEW_CREATIVES_PER_WEEK = (45, 75)
SHARED_WITH_META = {"IN": 10, "BR": 8, "ZA": 3}  # advertisers that are also Meta demo pages
GOOGLE_ONLY = {"IN": 7, "BR": 5, "ZA": 2}

COUNTRY_NAMES = {"IN": "India", "BR": "Brazil", "ZA": "South Africa", "US": "United States"}
ELECTIONS = {"IN": "IN-General", "BR": "BR-General", "ZA": "ZA-General", "US": "US-Federal"}
# ISO 3166-2 subdivisions and the names Google's geo targeting writes ("Maharashtra, India").
SUBDIVISIONS: dict[str, dict[str, str]] = {
    "IN": {"IN-UP": "Uttar Pradesh", "IN-MH": "Maharashtra", "IN-BR": "Bihar", "IN-WB": "West Bengal",
           "IN-TN": "Tamil Nadu", "IN-RJ": "Rajasthan", "IN-KA": "Karnataka", "IN-GJ": "Gujarat", "IN-DL": "Delhi",
           "IN-KL": "Kerala"},
    "BR": {"BR-SP": "São Paulo", "BR-RJ": "Rio de Janeiro", "BR-MG": "Minas Gerais", "BR-BA": "Bahia",
           "BR-PR": "Paraná", "BR-PE": "Pernambuco", "BR-CE": "Ceará", "BR-RS": "Rio Grande do Sul"},
    "ZA": {"ZA-GP": "Gauteng", "ZA-KZN": "KwaZulu-Natal", "ZA-WC": "Western Cape", "ZA-EC": "Eastern Cape",
           "ZA-LP": "Limpopo"},
    "US": {"US-CA": "California", "US-PA": "Pennsylvania", "US-WI": "Wisconsin", "US-AZ": "Arizona"},
}
# US rows of geo-spend are per congressional district, as in the real file ("AL-1", "AK-AT LARGE").
US_DISTRICTS = {"US-CA": ["CA-12", "CA-22", "CA-45"], "US-PA": ["PA-7", "PA-8"], "US-WI": ["WI-3"],
                "US-AZ": ["AZ-1", "AZ-6"]}
US_ADVERTISERS = (  # made up, like every name of the demo
    ("FRIENDS OF MARIA EXAMPLE", "FEC ID C00990001", ("US-PA",), None),
    ("WISCONSIN EXAMPLE ACTION FUND", "EIN ID 99-0000001", ("US-WI", "US-AZ"), None),
    ("CALIFORNIANS FOR EXAMPLE SCHOOLS, YES ON PROP 98", "EIN ID 99-0000002", ("US-CA",),
     ("Californians for Example Schools, Yes on Prop 98", "1460001", "Proposition 98, State of California")),
)
GOOGLE_ONLY_FORMS = {  # verified names of consultancies and candidates, as Google shows them
    "IN": ("{family} POLITICAL STRATEGY PRIVATE LIMITED", "{given} {family}", "{GIVEN} {FAMILY}"),
    "BR": ("{family} Comunicação Política Ltda", "{given} {family}", "ELEIÇÃO {FAMILY} {given}"),
    "ZA": ("{family} Campaign Services (Pty) Ltd", "{given} {family}"),
}
AD_TYPES = (("TEXT", 4), ("IMAGE", 3), ("VIDEO", 3))
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "≥65")
CPM_USD = {"IN": 1.1, "BR": 2.4, "ZA": 2.8, "US": 9.0}
DAILY_USD = {"IN": 9.0, "BR": 14.0, "ZA": 8.0, "US": 120.0}


@dataclass
class Advertiser:
    advertiser_id: str
    name: str
    country: str
    public_ids: str
    subdivisions: tuple[str, ...]  # where its creatives are targeted
    activity: float
    joins_week: int
    meta_page_id: str | None = None  # the Meta demo page of the same organisation, if any
    declared: tuple[str, str, str] | None = None  # California committee: name, regulatory id, scope


@dataclass
class Creative:
    ad_id: str
    advertiser_id: str
    ad_type: str
    country: str
    campaigns: list[str]
    start: dt.date
    daily_usd: list[float]  # spend of each day from start on; its length is the creative's whole life
    cpm_usd: float
    served_from: dt.time
    served_until: dt.time
    ages: list[str]
    genders: list[str]
    geo_included: list[str]  # subdivision codes (a district for US creatives)
    geo_excluded: str
    week_created: int


@dataclass
class GoogleWorld:
    week: int
    seed: int
    as_of: dt.date  # the simulated date of the week; the files hold data up to the day before
    advertisers: dict[str, Advertiser]
    creatives: dict[str, Creative] = field(default_factory=dict)

    @property
    def data_through(self) -> dt.date:
        return self.as_of - dt.timedelta(days=1)

    def served_days(self, creative: Creative) -> list[tuple[dt.date, float]]:
        """(day, USD spent) for each day the creative served up to data_through."""
        days = min(len(creative.daily_usd), (self.data_through - creative.start).days + 1)
        return [(creative.start + dt.timedelta(days=n), creative.daily_usd[n]) for n in range(max(0, days))]

    def active_advertisers(self) -> list[Advertiser]:
        return [a for a in self.advertisers.values() if a.joins_week <= self.week]


def _digits(rng: random.Random, count: int) -> str:
    return str(rng.randrange(10 ** (count - 1), 10 ** count))


def _google_only_name(rng: random.Random, country: str) -> str:
    given, family = (rng.choice(names) for names in PEOPLE[country])
    form = rng.choice(GOOGLE_ONLY_FORMS[country])
    return form.format(given=given, family=family, GIVEN=given.upper(), FAMILY=family.upper())


def _advertisers(seed: int) -> dict[str, Advertiser]:
    rng = random.Random(f"adtrail-demo-google:{seed}:advertisers")
    meta = generate_world(1, seed)
    advertisers: list[Advertiser] = []
    for country, count in SHARED_WITH_META.items():
        pages = sorted((p for p in meta.pages.values() if p.country == country), key=lambda p: p.page_id)
        unique = list({page.name: page for page in pages}.values())
        for page in rng.sample(unique, k=min(count, len(unique))):
            advertisers.append(Advertiser("", page.name, country, "", (), 0.0, 1, meta_page_id=page.page_id))
    for country, count in GOOGLE_ONLY.items():
        for _ in range(count):
            advertisers.append(Advertiser("", _google_only_name(rng, country), country, "", (), 0.0, 1))
    for name, public_ids, subdivisions, declared in US_ADVERTISERS:
        advertisers.append(Advertiser("", name, "US", public_ids, subdivisions, 0.0, 1, declared=declared))
    for advertiser in advertisers:
        advertiser.advertiser_id = "AR" + _digits(rng, 20)
        advertiser.activity = min(rng.paretovariate(1.2), 25.0)
        if not advertiser.subdivisions:
            codes = list(SUBDIVISIONS[advertiser.country])
            advertiser.subdivisions = tuple(rng.sample(codes, k=rng.choice((1, 1, 2, 3, len(codes)))))
        if advertiser.country != "US" and rng.random() < 0.2:  # joins during the demo's first weeks
            advertiser.joins_week = rng.randint(2, 6)
    return {advertiser.advertiser_id: advertiser for advertiser in advertisers}


def _creative(rng: random.Random, advertiser: Advertiser, start: dt.date, week: int, used: set[str]) -> Creative:
    ad_id = "CR" + _digits(rng, 20)
    while ad_id in used:
        ad_id = "CR" + _digits(rng, 20)
    used.add(ad_id)
    country = advertiser.country
    life = rng.choice((1, 2, 3, 5, 7, 10, 14, 14, 21, 28, 35, 45, 60))
    level = DAILY_USD[country] * rng.lognormvariate(0, 1.1) * math.sqrt(advertiser.activity)
    targets = list(advertiser.subdivisions)
    if country == "US":
        targets = [rng.choice(US_DISTRICTS[code]) for code in targets]
    elif rng.random() < 0.3:
        targets = [rng.choice(targets)]
    ages = sorted(rng.sample(AGE_BANDS, k=rng.randint(2, 6)), key=AGE_BANDS.index) if rng.random() < 0.5 else []
    genders = rng.choice(([], [], [], ["Female"], ["Male"], ["Female", "Male"]))
    excluded = ""
    if country != "US" and len(targets) == 1 and rng.random() < 0.15:
        excluded = rng.choice([c for c in SUBDIVISIONS[country] if c not in targets])
    first_hour = rng.randint(0, 23)
    return Creative(
        ad_id=ad_id, advertiser_id=advertiser.advertiser_id,
        ad_type=rng.choices([t for t, _ in AD_TYPES], weights=[w for _, w in AD_TYPES])[0], country=country,
        campaigns=[_digits(rng, 11) for _ in range(rng.choice((1, 1, 1, 2, 3)))], start=start,
        daily_usd=[level * rng.uniform(0.5, 1.5) for _ in range(life)],
        cpm_usd=CPM_USD[country] * rng.lognormvariate(0, 0.4),
        served_from=dt.time(first_hour, rng.randrange(60), rng.randrange(60)),
        served_until=dt.time(rng.randint(first_hour, 23), rng.randrange(60), rng.randrange(60)),
        ages=ages, genders=genders, geo_included=targets, geo_excluded=excluded, week_created=week)


def _add_creatives(world: GoogleWorld, week: int, count: int, first_day: dt.date, last_day: dt.date) -> None:
    rng = random.Random(f"adtrail-demo-google:{world.seed}:week:{week}")
    running = [a for a in world.advertisers.values() if a.joins_week <= week]
    used = set(world.creatives)
    span = (last_day - first_day).days
    for advertiser in rng.choices(running, weights=[a.activity for a in running], k=count):
        start = first_day + dt.timedelta(days=rng.randint(0, span))
        creative = _creative(rng, advertiser, start, week, used)
        world.creatives[creative.ad_id] = creative


def generate_google_world(week: int, seed: int = 2024) -> GoogleWorld:
    """The Google demo world at ``week`` (>= 1), dated like demo.world's; same inputs, same world."""
    if week < 1:
        raise ValueError(f"demo week must be 1 or later, got {week}")
    world = GoogleWorld(week, seed, world_date(week), _advertisers(seed))
    first = world_date(1)
    _add_creatives(world, 1, INITIAL_CREATIVES, first - dt.timedelta(days=HISTORY_DAYS), first - dt.timedelta(days=1))
    for later in range(2, week + 1):
        rng = random.Random(f"adtrail-demo-google:{seed}:week:{later}:count")
        previous = world_date(later - 1)
        _add_creatives(world, later, rng.randint(*NEW_CREATIVES_PER_WEEK), previous,
                       world_date(later) - dt.timedelta(days=1))
    return world

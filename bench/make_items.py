"""A crawl folder of many Meta-like items for the load benchmark: ``manifest.json`` + ``items.jsonl``.

Items follow the crawl contract (``spiders/items.py``; written by ``tests.crawl_factory.write_crawl``, which
records the file's sha256, size and rows in the manifest). Their shape and size follow real Graph API
``ads_archive`` records as the spider stores them (about 5 KB a line on the 2019 Guardian UK-election pages
in ``../shared/realdata/meta``): one to three creative bodies of 60 to 700 characters in the languages
of the Global Majority countries adtrail starts with, link titles and captions, 8 to 21 age-gender shares,
1 to 12 regions, payer pairs, EU reach breakdowns on some, and the whole record again in ``record``. Of
the ads, 2% are v5-era records without an id (synthetic keys), 3% have an open top spend bucket, and 0.5%
are fetched twice, later, as a resumed crawl appends them, so the loader's one-row-per-key rule has work.

Deterministic for a given count and seed, so a folder can be reused between runs:
``python -m bench.make_items --items 1000000 --out DIR``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tests.crawl_factory import CLOCK_START, iso, write_crawl

GENERATOR_VERSION = 2  # bump when items change, so a cached folder is made again
REPEAT_SHARE = 0.005
SYNTHETIC_SHARE = 0.02
OPEN_TOP_SHARE = 0.03

COUNTRIES = {  # country: (currency, languages, regions, words)
    "BD": ("BDT", ["bn"], ["Dhaka Division", "Chittagong Division", "Sylhet Division", "Rajshahi Division",
                           "Khulna Division", "Barisal Division", "Rangpur Division", "Mymensingh Division"],
           "ভোট দিন পরিবর্তন আনুন আমাদের প্রার্থী আপনার পাশে ঢাকার যানজট জলাবদ্ধতা কমাবো শিক্ষা সবার অধিকার "
           "কৃষক শ্রমিক ন্যায্য মজুরি নির্বাচন গণতন্ত্র উন্নয়ন বিদ্যুৎ স্বাস্থ্য সেবা গ্রাম শহর তরুণ নারী"),
    "BR": ("BRL", ["pt"], ["São Paulo", "Rio de Janeiro", "Minas Gerais", "Bahia", "Paraná", "Pernambuco",
                           "Ceará", "Pará", "Goiás", "Amazonas", "Rio Grande do Sul", "Santa Catarina"],
           "vote mudança saúde educação emprego segurança família futuro cidade prefeito vereador povo "
           "trabalho renda moradia transporte meio ambiente Amazônia juventude igualdade democracia"),
    "IN": ("INR", ["hi", "en"], ["Uttar Pradesh", "Maharashtra", "Bihar", "West Bengal", "Tamil Nadu",
                                 "Karnataka", "Gujarat", "Rajasthan", "Kerala", "Delhi", "Punjab", "Odisha"],
           "वोट विकास किसान रोजगार शिक्षा स्वास्थ्य महिला युवा गांव शहर बिजली पानी सड़क सरकार जनता "
           "भविष्य सुरक्षा development jobs farmers youth women future"),
    "KE": ("KES", ["en", "sw"], ["Nairobi", "Mombasa", "Kisumu", "Nakuru", "Uasin Gishu", "Kiambu", "Machakos"],
           "kura maendeleo vijana ajira elimu afya wanawake wakulima uchaguzi serikali vote jobs youth "
           "health roads water county governor senator future"),
    "NG": ("NGN", ["en", "ha", "yo"], ["Lagos", "Kano", "Kaduna", "Rivers", "Oyo", "Abuja Federal Capital "
                                       "Territory", "Anambra", "Delta", "Enugu", "Borno"],
           "vote PVC jobs security power roads youth women farmers economy naira future governor "
           "senate change progress education health Nigeria"),
    "ID": ("IDR", ["id"], ["Jawa Barat", "Jawa Timur", "Jawa Tengah", "DKI Jakarta", "Sumatera Utara",
                           "Banten", "Sulawesi Selatan", "Bali", "Papua"],
           "pilih pemilu rakyat kerja pendidikan kesehatan petani nelayan pemuda perempuan desa kota "
           "ekonomi harga listrik jalan masa depan Indonesia maju"),
}
AGES = ["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
GENDERS = ["female", "male", "unknown"]
SPEND_BUCKETS = [(0, 99), (100, 199), (200, 299), (300, 399), (400, 499), (500, 599), (600, 699), (700, 799),
                 (800, 899), (900, 999), (1000, 1499), (1500, 1999), (2000, 2499), (3000, 3499), (5000, 5999),
                 (10000, 14999), (20000, 24999), (50000, 59999), (80000, 89999), (90000, 99999)]
IMPRESSION_BUCKETS = [(0, 999), (1000, 1999), (2000, 2999), (5000, 5999), (10000, 14999), (20000, 24999),
                      (50000, 59999), (100000, 124999), (200000, 249999), (500000, 599999)]


def meta_items(count: int, *, seed: int = 20260105, crawl_id: str = "bench-meta") -> Iterator[dict]:
    """``count`` distinct ads, then the repeated fetches; every value drawn from ``random.Random(seed)``."""
    rng = random.Random(seed)
    vocab = {country: spec[3].split() for country, spec in COUNTRIES.items()}
    pages = [(str(100000000000 + n), f"{rng.choice(vocab[c])} {rng.choice(vocab[c])} {n}".title(), c)
             for n, c in enumerate(rng.choices(list(COUNTRIES), k=5000))]
    repeats = set(rng.sample(range(count), int(count * REPEAT_SHARE))) if count else set()
    for index in range(count):
        yield _item(rng, vocab, pages, index, crawl_id, page_number=1 + index // 250, refetched=False)
    for index in sorted(repeats):
        yield _item(random.Random(seed + index), vocab, pages, index, crawl_id,
                    page_number=1 + count // 250 + index % 40, refetched=True)


def _text(rng: random.Random, words: list[str], low: int, high: int) -> str:
    target = rng.randint(low, high)
    parts, size = [], 0
    while size < target:
        word = rng.choice(words)
        parts.append(word)
        size += len(word) + 1
    return " ".join(parts).capitalize()


def _item(rng: random.Random, vocab: dict, pages: list, index: int, crawl_id: str, *, page_number: int,
          refetched: bool) -> dict:
    page_id, page_name, country = pages[index % len(pages)]
    currency, languages, regions, _ = COUNTRIES[country]
    words = vocab[country]
    synthetic = index % round(1 / SYNTHETIC_SHARE) == 7
    ad_id = None if synthetic else str(1_000_000_000_000 + index * 7919)
    api_version = "v5.0" if synthetic else "v19.0"
    fetched = CLOCK_START + dt.timedelta(seconds=index // 250 * 2 + (86_400 if refetched else 0))
    created = (CLOCK_START - dt.timedelta(days=rng.randint(1, 120), seconds=rng.randint(0, 86_399)))
    low, high = rng.choice(SPEND_BUCKETS)
    if refetched:
        low, high = low + 100, high + 100
    open_top = index % round(1 / OPEN_TOP_SHARE) == 5
    if open_top:
        low, high = 100_000, None
    imp_low, imp_high = rng.choice(IMPRESSION_BUCKETS)
    bodies = [_text(rng, words, 60, 700) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
    titles = [_text(rng, words, 15, 80)]
    captions = [f"{page_name.split()[0].lower()}.example.org"]
    demographic = [{"percentage": f"{rng.random():.6f}", "age": age, "gender": gender}
                   for age in AGES for gender in GENDERS][: rng.randint(8, 21)]
    region_share = [{"percentage": f"{rng.random():.6f}", "region": r}
                    for r in rng.sample(regions, rng.randint(1, min(12, len(regions))))]
    payer = f"{page_name} Trust"
    pairs = [{"payer": payer, "beneficiary": page_name, "current": True}]
    reach = None
    breakdown = None
    if index % 10 == 3:  # ads also delivered in the EU carry reach breakdowns
        reach = rng.randint(1000, 90000)
        breakdown = [{"country": "DE", "age_gender_breakdowns": [
            {"age_range": age, "male": rng.randint(0, 900), "female": rng.randint(0, 900),
             "unknown": rng.randint(0, 40)} for age in AGES[1:]]}]
    snapshot_url = None if synthetic else \
        f"https://www.facebook.com/ads/archive/render_ad/?id={ad_id}&access_token=REDACTED"
    stop = None if rng.random() < 0.4 else iso(created + dt.timedelta(days=rng.randint(1, 60)))
    record = {
        "id": ad_id, "page_id": page_id, "page_name": page_name, "ad_creation_time": iso(created),
        "ad_delivery_start_time": iso(created), "ad_delivery_stop_time": stop,
        "ad_creative_bodies": bodies, "ad_creative_link_titles": titles, "ad_creative_link_captions": captions,
        "bylines": payer, "currency": currency, "languages": languages,
        "spend": {"lower_bound": str(low), **({"upper_bound": str(high)} if high is not None else {})},
        "impressions": {"lower_bound": str(imp_low), "upper_bound": str(imp_high)},
        "demographic_distribution": demographic, "delivery_by_region": region_share,
        "publisher_platforms": ["facebook", "instagram"], "ad_snapshot_url": snapshot_url,
        "beneficiary_payers": pairs, "target_ages": ["18", "65+"], "target_gender": "All",
        "target_locations": [{"name": country, "type": "countries", "excluded": False}],
        "eu_total_reach": reach, "age_country_gender_reach_breakdown": breakdown,
    }
    # a refetched v5 ad keeps its key (its fixed fields did not change), whatever was drawn for it again
    key = ad_id if ad_id else "synthetic:" + hashlib.sha256(f"{page_id}|{index}|v5".encode()).hexdigest()
    return {
        "item_kind": "meta_ad", "source": "meta_ads_archive", "crawl_id": crawl_id,
        "source_url": f"https://graph.facebook.com/{api_version}/ads_archive?ad_reached_countries=%5B%22{country}"
                      f"%22%5D&limit=250&access_token=REDACTED",
        "fetched_at": iso(fetched), "body_sha256": hashlib.sha256(f"{crawl_id} page {page_number}".encode()).hexdigest(),
        "page_number": page_number, "platform": "meta", "api_version": api_version, "ad_id": ad_id,
        "ad_key": key, "key_is_synthetic": synthetic, "ad_creation_time": iso(created),
        "ad_delivery_start_time": iso(created), "ad_delivery_stop_time": stop, "page_id": page_id,
        "page_name": page_name, "bylines": None if synthetic else payer, "funding_entity": payer if synthetic else None,
        "ad_creative_bodies": bodies, "ad_creative_link_captions": captions, "ad_creative_link_descriptions": None,
        "ad_creative_link_titles": titles, "ad_snapshot_url": snapshot_url, "currency": currency,
        "spend_lower": low, "spend_upper": high, "spend_open_ended": high is None,
        "impressions_lower": imp_low, "impressions_upper": imp_high, "impressions_open_ended": False,
        "audience_size_lower": None, "audience_size_upper": None, "audience_size_open_ended": None,
        "audience_size_field": None, "eu_total_reach": reach, "languages": languages,
        "publisher_platforms": ["facebook", "instagram"], "target_ages": ["18", "65+"], "target_gender": "All",
        "target_locations": record["target_locations"], "beneficiary_payers": pairs,
        "demographic_distribution": demographic, "delivery_by_region": region_share,
        "age_country_gender_reach_breakdown": breakdown, "record": record,
        "query_country": country,  # the spider asks one country per query
    }


def bench_crawl(out: Path, count: int, *, seed: int = 20260105) -> Path:
    """The crawl folder for ``count`` ads under ``out``; made once, reused while its marker matches."""
    crawl_dir = Path(out) / f"meta-{count}-s{seed}-g{GENERATOR_VERSION}"
    marker = crawl_dir / "bench.json"
    wanted = {"items": count, "seed": seed, "generator": GENERATOR_VERSION}
    if marker.is_file() and (crawl_dir / "manifest.json").is_file():
        if json.loads(marker.read_text()) == wanted:
            return crawl_dir
    marker.unlink(missing_ok=True)
    crawl_id = f"bench-meta-{count}"
    write_crawl(crawl_dir, meta_items(count, seed=seed, crawl_id=crawl_id), crawl_id=crawl_id, started_at=CLOCK_START)
    marker.write_text(json.dumps(wanted))
    return crawl_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000, help="distinct ads (default 1,000,000)")
    parser.add_argument("--out", required=True, help="folder to write the crawl folder into")
    parser.add_argument("--seed", type=int, default=20260105)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    crawl_dir = bench_crawl(Path(args.out), args.items, seed=args.seed)
    manifest = json.loads((crawl_dir / "manifest.json").read_text())
    entry = manifest["files"][0]
    print(f"{crawl_dir}: {entry['rows']} lines, {entry['size'] / 2**30:.2f} GiB "
          f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    print(crawl_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The demo's Meta Ad Library Report: the zip a user would download for a demo country and period.

``generate_meta_reports(world, folder)`` writes ``FacebookAdLibraryReport_<date>_<country>_last_30_days.zip``
for Kenya and Nigeria, dated the day before the world's date (Meta's report runs to yesterday, Pacific
time), each holding the advertisers CSV and the locations CSV in Meta's headers, with the byte-order mark
Meta's files start with. Amounts are each page's spend over the report's 30 days as the Meta world delivers
it (an ad's daily spend times its days in the window, capped by its lifetime spend), whole units of the
country's currency; amounts of 100 or less read ``≤100`` as in Meta's files. Pages paying in another currency
(a few pay in USD) are left out rather than converted at an invented rate. Locations split each ad's window
spend by its delivery_by_region shares. The same world gives the same bytes (members carry a fixed time).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import defaultdict
from pathlib import Path

from demo.world_texts import COUNTRIES

REPORT_COUNTRIES = ("KE", "NG")
PERIOD, PERIOD_DAYS = "last_30_days", 30
BOM = "\ufeff"


def _amount(value: float) -> str:
    return "≤100" if value <= 100 else str(round(value))


def window_spend(ad, first: dt.date, last: dt.date) -> float:
    """The ad's spend over the days first..last as the world delivers it (its expected daily spend)."""
    end = min(ad.stop or ad.planned_end, last + dt.timedelta(days=1))
    days = max(0, (end - max(ad.start, first)).days)
    return min(ad.spend, ad.daily_spend * days)


def report_csvs(world, country: str) -> tuple[str, str, str]:
    """(base file name, advertisers CSV, locations CSV) of ``country``'s report."""
    report_date = world.as_of - dt.timedelta(days=1)
    first = report_date - dt.timedelta(days=PERIOD_DAYS - 1)
    currency = COUNTRIES[country]["currency"]
    by_page: dict[str, float] = defaultdict(float)
    ads_in_library: dict[str, int] = defaultdict(int)
    by_location: dict[str, float] = defaultdict(float)
    for ad in world.ads.values():
        if ad.country != country or ad.currency != currency or ad.start > report_date:
            continue
        ads_in_library[ad.page_id] += 1
        spent = window_spend(ad, first, report_date)
        by_page[ad.page_id] += spent
        for share in ad.delivery_by_region:
            by_location[share["region"]] += spent * float(share["percentage"])
    name = f"FacebookAdLibraryReport_{report_date}_{country}_{PERIOD}"
    advertisers = io.StringIO()
    writer = csv.writer(advertisers, lineterminator="\n")
    writer.writerow(["Page ID", "Page name", "Disclaimer", f"Amount spent ({currency})", "Number of ads in Library"])
    for page_id in sorted(ads_in_library, key=lambda page_id: (-by_page[page_id], page_id)):
        page = world.pages[page_id]
        writer.writerow([page_id, page.name, page.byline, _amount(by_page[page_id]), ads_in_library[page_id]])
    locations = io.StringIO()
    writer = csv.writer(locations, lineterminator="\n")
    writer.writerow(["Location name", f"Amount spent ({currency})"])
    for region in sorted(by_location):
        writer.writerow([region, _amount(by_location[region])])
    return name, BOM + advertisers.getvalue(), BOM + locations.getvalue()


def generate_meta_reports(world, folder: Path) -> list[Path]:
    """Write the report zips of REPORT_COUNTRIES into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for country in REPORT_COUNTRIES:
        name, advertisers, locations = report_csvs(world, country)
        stamp = (world.as_of.year, world.as_of.month, world.as_of.day, 14, 0, 0)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(zipfile.ZipInfo(f"{name}_advertisers.csv", stamp), advertisers.encode("utf-8"))
            archive.writestr(zipfile.ZipInfo(f"{name}_locations.csv", stamp), locations.encode("utf-8"))
            archive.writestr(zipfile.ZipInfo("README.txt", stamp), "Ad Library Report (adtrail demo copy: generated, "
                             "not real)\n")
        path = folder / f"{name}.zip"
        path.write_bytes(buffer.getvalue())
        paths.append(path)
    return paths

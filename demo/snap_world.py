"""The demo's Snap political ads file: a ``PoliticalAds.zip`` for the demo year, in the header of Snap's
real files, for the demo countries where Snap's library is known to hold political ads.

Coverage, as far as checked: Snap's library lists political ads "sold and distributed globally", but
Snap publishes no list of countries. Of the demo's countries only Nigeria is confirmed: Snap's real 2018
file (``../shared/realdata/snap``) holds Nigerian ads. Bangladesh, Brazil, India, Indonesia and Kenya
could not be confirmed from any source we could read, so the demo generates no Snap ads for them rather
than inventing coverage. Nigeria's organisations are a few Snap-only ones and the Nigerian organisation the
demo has on several platforms (demo.organisations: named as its Facebook page was in week 1, since Snap
publishes no advertiser id, only the organisation's name). Amounts are exact (Snap discloses spend in the ad
account's currency and exact impressions); the same week gives the same bytes (members carry a fixed time).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile
from dataclasses import dataclass

from demo.organisations import cross_platform_organisations

# The column order of Snap's files (the 2018 file's header; later years add columns the parser keeps).
HEADER = [
    "ADID", "CreativeUrl", "Currency Code", "Spend", "Impressions", "StartDate", "EndDate", "OrganizationName",
    "BillingAddress", "CandidateBallotInformation", "PayingAdvertiserName", "Gender", "AgeBracket", "CountryCode",
    "Regions (Included)", "Regions (Excluded)", "Electoral Districts (Included)", "Electoral Districts (Excluded)",
    "Radius Targeting (Included)", "Radius Targeting (Excluded)", "Metros (Included)", "Metros (Excluded)",
    "Postal Codes (Included)", "Postal Codes (Excluded)", "Location Categories (Included)",
    "Location Categories (Excluded)", "Interests", "OsType", "Segments", "Language", "AdvancedDemographics",
    "Targeting Connection Type", "Targeting Carrier (ISP)", "CreativeProperties",
]
# ISO code -> how Snap writes the country, the currency ad accounts there pay in, regions to target.
SNAP_COUNTRIES = {
    "NG": {"name": "nigeria", "currency": "USD", "regions": ["Lagos", "Kano", "Rivers", "Oyo", "Kaduna"],
           "organisations": ["Youth Vote Naija", "Lagos Civic Forum", "Kano Democracy Watch"]},
}
FILE_PATH = "/ad-manager-political-ads-dump/political/{year}/PoliticalAds.zip"


@dataclass
class SnapFile:
    year: int
    zip_bytes: bytes
    csv_text: str
    last_modified: dt.datetime


def generate_snap_file(as_of: dt.date, countries: list[str], seed: int = 2024) -> SnapFile:
    """Snap's file for ``as_of``'s year: ads started from 1 January up to the day before ``as_of``."""
    rng = random.Random(f"{seed}-{as_of.isoformat()}")
    start_of_year = dt.date(as_of.year, 1, 1)
    days = max(1, (as_of - start_of_year).days)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    shared = cross_platform_organisations(seed)
    for code in [c for c in countries if c in SNAP_COUNTRIES]:
        country = SNAP_COUNTRIES[code]
        organisations = [shared[code].name] * (code in shared) + country["organisations"]
        for number in range(4 + days // 7):  # a few more ads each week
            started = start_of_year + dt.timedelta(days=min(days - 1, number * 3))
            running = (as_of - started).days
            impressions = rng.randint(800, 4000) * running
            organisation = organisations[number % len(organisations)]
            row = dict.fromkeys(HEADER, "")
            row.update({
                "ADID": f"{rng.getrandbits(256):064x}",
                "CreativeUrl": f"https://www.snap.com/political-ads/asset/{rng.getrandbits(128):032x}?mediaType=mp4",
                "Currency Code": country["currency"], "Spend": str(max(1, impressions * rng.randint(2, 6) // 1000)),
                "Impressions": str(impressions), "StartDate": f"{started:%Y/%m/%d} 08:00:00Z",
                "EndDate": "" if number % 3 else f"{as_of - dt.timedelta(days=1):%Y/%m/%d} 22:00:00Z",
                "OrganizationName": organisation, "BillingAddress": f"{country['regions'][0]},{country['name']}",
                "PayingAdvertiserName": organisation, "Gender": "", "AgeBracket": "18+",
                "CountryCode": country["name"],
                "Regions (Included)": country["regions"][number % len(country["regions"])] if number % 2 else "",
                "Language": "en", "OsType": "" if number % 4 else "ios",
            })
            writer.writerow(row)
    text = out.getvalue()
    moment = dt.datetime.combine(as_of, dt.time(6, 0), dt.UTC)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        stamp = moment.timetuple()[:6]
        archive.writestr(zipfile.ZipInfo("PoliticalAds.csv", stamp), text)
        archive.writestr(zipfile.ZipInfo("readme.txt", stamp), "Snap political ads library (adtrail demo copy)\n")
    return SnapFile(as_of.year, buffer.getvalue(), text, moment)

"""The CSVs of Google's political ads transparency bundle for a demo Google world, and the zip of them.

Headers are the current release's (the column lists of Google's BigQuery copy of the bundle, the same
sources as tests/fixtures/google_bundle/README.md names): the three files that have a real June 2019 sample
in ``../shared/realdata/google`` keep its columns in its order, with the currencies Google added since
appended. Text is written as Google writes it: UTF-8 without a byte-order mark, CRLF-free ``\\n`` lines,
fields quoted only when they hold a comma or a quote. Members are stored with the report's update time, so
the same week gives the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass

from demo.google_money import (RANGE_CURRENCIES, ROUNDED_CURRENCIES, convert_range, convert_rounded,
                               impressions_label)
from demo.google_world import (COUNTRY_NAMES, ELECTIONS, SUBDIVISIONS, GoogleWorld, generate_google_world)

BUNDLE_NAME = "google-political-ads-transparency-bundle.zip"
UPDATED_HEADER = "Report_Data_Updated_Time (PT)"
_ROUNDED = [f"Spend_{code}" for code in ROUNDED_CURRENCIES]
HEADERS = {
    "google-political-ads-creative-stats.csv": [
        "Ad_ID", "Ad_URL", "Ad_Type", "Regions", "Advertiser_ID", "Advertiser_Name", "Ad_Campaigns_List",
        "Date_Range_Start", "Date_Range_End", "Num_of_Days", "Impressions", "Spend_USD",
        "First_Served_Timestamp", "Last_Served_Timestamp", "Age_Targeting", "Gender_Targeting",
        "Geo_Targeting_Included", "Geo_Targeting_Excluded",
        *[f"Spend_Range_{side}_{code}" for code in RANGE_CURRENCIES for side in ("Min", "Max")]],
    "google-political-ads-advertiser-stats.csv": [
        "Advertiser_ID", "Advertiser_Name", "Public_IDs_List", "Regions", "Elections", "Total_Creatives",
        *_ROUNDED],
    "google-political-ads-advertiser-weekly-spend.csv": [
        "Advertiser_ID", "Advertiser_Name", "Election_Cycle", "Week_Start_Date", *_ROUNDED],
    "google-political-ads-advertiser-geo-spend.csv": [
        "Advertiser_ID", "Advertiser_Name", "Country", "Country_Subdivision_Primary", *_ROUNDED],
    "google-political-ads-geo-spend.csv": [
        "Country", "Country_Subdivision_Primary", "Country_Subdivision_Secondary", *_ROUNDED],
    "google-political-ads-advertiser-declared-stats.csv": [
        "Advertiser_ID", "Region", "Advertiser_Declared_Name", "Advertiser_Declared_Regulatory_ID",
        "Advertiser_Declared_Scope", "NZ_Advertiser_Declared_Name", "NZ_Advertiser_Declared_Address"],
    "google-political-ads-updated.csv": [UPDATED_HEADER],
}


@dataclass(frozen=True)
class GoogleBundle:
    week: int
    updated: dt.datetime  # the report's update time, Pacific time (naive, as the file writes it)
    last_modified: dt.datetime  # the same instant in UTC: what the object store says
    files: dict[str, str]  # member name -> CSV text
    zip_bytes: bytes


def _week_start(day: dt.date) -> dt.date:
    """The Sunday starting the week of ``day`` (Google's weeks run Sunday to Saturday)."""
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def _pacific_offset(moment: dt.datetime) -> dt.timedelta:
    """US Pacific time's offset from UTC (daylight time from the second Sunday of March to the first of
    November), computed here so the demo needs no time zone database."""
    def sunday(year: int, month: int, nth: int) -> dt.date:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))
    daylight = sunday(moment.year, 3, 2) <= moment.date() < sunday(moment.year, 11, 1)
    return dt.timedelta(hours=-7 if daylight else -8)


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _geo_name(code: str, country: str) -> str:
    if country == "US":  # a district: Google names the state
        state = next(s for s, name in SUBDIVISIONS["US"].items() if s.endswith("-" + code.split("-")[0]))
        return f"{SUBDIVISIONS['US'][state]}, {COUNTRY_NAMES['US']}"
    return f"{SUBDIVISIONS[country][code]}, {COUNTRY_NAMES[country]}"


def bundle_files(world: GoogleWorld) -> dict[str, str]:
    """Every CSV of the bundle for ``world``, by member name."""
    advertisers = {a.advertiser_id: a for a in world.active_advertisers()}
    weekly: dict[str, dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    lifetime: dict[str, float] = defaultdict(float)
    served_creatives: dict[str, int] = defaultdict(int)
    by_region: dict[tuple[str, str], float] = defaultdict(float)  # (advertiser, subdivision) -> USD
    by_place: dict[tuple[str, str, str], float] = defaultdict(float)  # (country, subdivision, district)
    creative_rows = []
    for creative in sorted(world.creatives.values(), key=lambda c: c.ad_id):
        days = world.served_days(creative)
        if not days:  # no impression yet: Google lists a creative once it has served
            continue
        advertiser = advertisers[creative.advertiser_id]
        spend = sum(usd for _, usd in days)
        for day, usd in days:
            weekly[advertiser.advertiser_id][_week_start(day)] += usd
        lifetime[advertiser.advertiser_id] += spend
        served_creatives[advertiser.advertiser_id] += 1
        for target in creative.geo_included:
            share = spend / len(creative.geo_included)
            if creative.country == "US":
                state = "US-" + target.split("-")[0]
                by_region[(advertiser.advertiser_id, state)] += share
                by_place[("US", state, target)] += share
            else:
                by_place[(creative.country, target, "")] += share
        first, last = days[0][0], days[-1][0]
        creative_rows.append([
            creative.ad_id, f"https://adstransparency.google.com/advertiser/{advertiser.advertiser_id}/creative/"
            f"{creative.ad_id}", creative.ad_type, creative.country, advertiser.advertiser_id, advertiser.name,
            ", ".join(creative.campaigns), first.isoformat(), last.isoformat(), str(len(days)),
            impressions_label(spend / creative.cpm_usd * 1000), "",
            f"{first.isoformat()} {creative.served_from.isoformat()} UTC",
            f"{last.isoformat()} {creative.served_until.isoformat()} UTC",
            ", ".join(creative.ages), ", ".join(creative.genders),
            "; ".join(_geo_name(code, creative.country) for code in creative.geo_included),
            _geo_name(creative.geo_excluded, creative.country) if creative.geo_excluded else "",
            *convert_range(spend)])
    current_week = _week_start(world.data_through)
    stats_rows, weekly_rows, declared_rows = [], [], []
    for advertiser in sorted(advertisers.values(), key=lambda a: a.advertiser_id):
        if not served_creatives[advertiser.advertiser_id]:
            continue
        stats_rows.append([advertiser.advertiser_id, advertiser.name, advertiser.public_ids, advertiser.country,
                           ELECTIONS[advertiser.country], str(served_creatives[advertiser.advertiser_id]),
                           *convert_rounded(lifetime[advertiser.advertiser_id])])
        weeks = weekly[advertiser.advertiser_id]
        week = min(weeks)
        while week <= current_week:  # weeks without spend are listed, with zeros, as in the real file
            weekly_rows.append([advertiser.advertiser_id, advertiser.name, "", week.isoformat(),
                                *convert_rounded(weeks.get(week, 0.0))])
            week += dt.timedelta(weeks=1)
        if advertiser.declared:
            declared_rows.append([advertiser.advertiser_id, advertiser.subdivisions[0], *advertiser.declared, "", ""])
    adv_geo_rows = [[advertiser_id, advertisers[advertiser_id].name, "US", state, *convert_rounded(usd)]
                    for (advertiser_id, state), usd in sorted(by_region.items())]
    geo_rows = [[country, primary, secondary, *convert_rounded(usd)]
                for (country, primary, secondary), usd in sorted(by_place.items())]
    updated = report_updated(world)
    rows = {
        "google-political-ads-creative-stats.csv": creative_rows,
        "google-political-ads-advertiser-stats.csv": stats_rows,
        "google-political-ads-advertiser-weekly-spend.csv": weekly_rows,
        "google-political-ads-advertiser-geo-spend.csv": adv_geo_rows,
        "google-political-ads-geo-spend.csv": geo_rows,
        "google-political-ads-advertiser-declared-stats.csv": declared_rows,
        "google-political-ads-updated.csv": [[updated.strftime("%Y-%m-%d %H:%M:%S")]],
    }
    return {name: _csv(HEADERS[name], rows[name]) for name in HEADERS}


def report_updated(world: GoogleWorld) -> dt.datetime:
    """When Google refreshed the report (Pacific time): early on the simulated day, after the data's last day."""
    minutes = 120 + (world.seed * 7 + world.week * 13) % 90
    return dt.datetime.combine(world.as_of, dt.time()) + dt.timedelta(minutes=minutes)


def bundle_zip(files: dict[str, str], updated: dt.datetime) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=updated.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))
    return out.getvalue()


def generate_google_bundle(week: int, seed: int = 2024) -> GoogleBundle:
    """The bundle Google would serve on demo week ``week``'s simulated date."""
    world = generate_google_world(week, seed)
    files = bundle_files(world)
    updated = report_updated(world)
    last_modified = (updated - _pacific_offset(updated)).replace(tzinfo=dt.UTC)
    return GoogleBundle(week, updated, last_modified, files, bundle_zip(files, updated))

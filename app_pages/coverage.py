"""Disclosure coverage (issue 4, item 9): for each country and platform, which fields the platform
disclosed for the ads of the snapshot shown (spend, reach, targeting, payer, content) and since when,
from ``mart_disclosure_coverage`` through the named query ``disclosure_coverage``.

A field counts as disclosed for an ad when the platform gave it (migration 115 says exactly how); "since"
is the earliest delivery day (UTC) of an ad that discloses it. A platform with no ads in a country shows
"no ads": that says nothing of what it would disclose there. Filters live in the URL (country=, platform=).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages import choices, common

FIELDS = ("spend", "reach", "targeting", "payer", "content")
NO_ADS = "no ads"


def fields_disclosed(row: dict | None) -> str:
    """"spend, reach, content" for a country and platform; "none of the five" or "no ads"."""
    if row is None:
        return NO_ADS
    shown = [field for field in FIELDS if row[f"ads_with_{field}"]]
    return ", ".join(shown) or "none of the five"


def since_text(row: dict | None, field: str) -> str:
    """"since 2025-12-10 (7 of 7 ads)", "not disclosed (0 of 3 ads)" or "no ads"."""
    if row is None:
        return NO_ADS
    disclosing, ads = row[f"ads_with_{field}"], row["ads"]
    of_ads = f"({disclosing:,} of {common.plural(ads, 'ad')})"
    if not disclosing:
        return f"not disclosed {of_ads}"
    return f"since {row[f'{field}_since'].isoformat()} {of_ads}"


def matrices(rows: list[dict], countries: list[str], platforms: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Country x platform: the fields disclosed; and (country, field) x platform: since when."""
    cell = {(row["country"], row["platform"]): row for row in rows}
    schema = {"Country": pl.String, **{platform: pl.String for platform in platforms}}
    fields = pl.DataFrame([{"Country": country, **{platform: fields_disclosed(cell.get((country, platform)))
                                                   for platform in platforms}} for country in countries],
                          schema=schema)
    since = pl.DataFrame([{"Country": country, "Field": field,
                           **{platform: since_text(cell.get((country, platform)), field) for platform in platforms}}
                          for country in countries for field in FIELDS],
                         schema={"Country": pl.String, "Field": pl.String, **schema})
    return fields, since.select("Country", "Field", *platforms)


def render() -> None:
    reader = common.published_reader()
    st.title("Disclosure coverage")
    snapshot = common.snapshot_picker(reader)
    coverage = reader.query("disclosure_coverage", snapshot_id=snapshot.snapshot_id)
    all_countries = sorted(set(coverage["country"].to_list()))
    all_platforms = sorted(set(coverage["platform"].to_list()))
    countries = choices.multiselect("Country", "country", "coverage_country", all_countries)
    platforms = choices.multiselect("Platform", "platform", "coverage_platform", all_platforms)
    common.keep_in_url({"snapshot": str(snapshot.snapshot_id), "country": countries, "platform": platforms})
    st.caption(f"{snapshot.label().capitalize()} · basis: disclosed (what the platforms published for the ads "
               f"of this snapshot) · published copy {reader.copy_path.name}")
    shown = coverage.filter(pl.col("country").is_in(countries or all_countries)
                            & pl.col("platform").is_in(platforms or all_platforms))
    if shown.is_empty():
        st.text("No ads in this snapshot under these filters: nothing to say about coverage.")
        return
    fields, since = matrices(shown.to_dicts(), countries or all_countries, platforms or all_platforms)
    st.subheader("Which fields each platform discloses, by country", anchor=False)
    st.dataframe(fields, hide_index=True)
    st.caption("spend: an amount or range; reach: total, impressions or reach per country; targeting: ages, "
               "gender or locations; payer: a \"paid for by\" name; content: the ad's texts or a link to it. "
               "\"no ads\": the platform has no ads there in this snapshot, which says nothing of what it "
               "would disclose.")
    common.download_table(fields, "disclosure-fields", snapshot)
    st.subheader("Since when", anchor=False)
    st.caption("The earliest delivery day (UTC) of an ad disclosing the field, and how many of the ads do.")
    st.dataframe(since, hide_index=True)
    common.download_table(shown, "disclosure-coverage", snapshot)

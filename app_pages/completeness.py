"""Completeness (issue 4, item 10): per country, advertiser (Meta page) and period of the Meta Ad Library
Report, the spend derived from Meta's API beside the report's disclosed total and Google's weekly spend,
with a completeness ratio, from ``mart_meta_completeness`` through the named query ``meta_completeness``.

The rule that shares each ad's lifetime spend out over periods and countries is ``[completeness]`` of
``analysis/assumptions.toml``, shown on the page beside the figures. The page renders the view's columns as
it finds them: every ``<name>_low`` / ``<name>_high`` pair becomes one range (the completeness ratio too),
a USD figure without a rate reads "rate not loaded" (a gap, never zero), and the Meta report's "≤100" stays
a bucket. Filters live in the URL (country=, period=).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import polars as pl
import streamlit as st

from app_pages import choices, common
from app_pages.common import range_text

ASSUMPTIONS = Path(__file__).resolve().parents[1] / "analysis" / "assumptions.toml"
RATE_NOT_LOADED = "rate not loaded"
# Range columns the page names itself, by the stem of their _low/_high pair, in display order. Columns of
# other stems are shown too, under their own names.
RANGE_LABELS = {
    "report": "Report (disclosed)",
    "report_usd": "Report in USD",
    "api": "API-derived",
    "api_usd": "API-derived in USD",
    "completeness_ratio": "Completeness ratio",
    "google_country_usd": "Google weekly, this country (USD)",
    "google_all_countries_usd": "Google weekly, all countries (USD)",
    "google_usd": "Google weekly, all countries (USD)",
}


def ratio_text(low, high, point, currency: str | None, api_ads: int | None) -> str:
    """"0.39–0.60 (estimate 0.49, in BDT)"; a range always, one number only when both ends agree."""
    if low is None and high is None:
        if point is not None:
            return f"estimate {point:.2f}"
        return "no API ads counted" if not api_ads else "not computable (a report total of 0, or no rate)"
    if low is not None and high is not None:
        ends = f"{low:.2f}" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f}–{high:.2f}"
    else:  # an open top bucket among the ads leaves the top unknown
        ends = f"at least {low:.2f}" if low is not None else f"up to {high:.2f}"
    notes = [f"estimate {point:.2f}"] if point is not None else []
    notes += [f"in {currency}"] if currency else []
    return ends + (f" ({', '.join(notes)})" if notes else "")


def amount_text(stem: str, row: dict, currency: str | None) -> str:
    """One range cell: the report's bucket, a USD gap, no API ads, or the range."""
    low, high = row[f"{stem}_low"], row[f"{stem}_high"]
    usd = "usd" in stem
    unit = "USD" if usd else currency
    if stem == "report" and row.get("report_below_threshold") and not low:
        return f"≤100 {currency} (below Meta's threshold: 0–100)"
    if stem.startswith("api") and not row.get("api_ads"):
        return "no API ads counted"
    if stem.startswith("google") and low is None:
        return "no Google figure for this country" if stem == "google_country_usd" else "no Google weekly spend linked"
    if low is None:
        if usd:  # which currencies have no rate: the API ads' own, or the report's
            missing = row.get("currencies_without_usd_rate") if stem.startswith("api") else [currency]
            return RATE_NOT_LOADED + (f" ({', '.join(missing)})" if missing and all(missing) else "")
        return "no amount"
    return range_text(low, high, unit)


def range_stems(columns: list[str]) -> list[str]:
    stems = [c[:-4] for c in columns if c.endswith("_low") and f"{c[:-4]}_high" in columns]
    named = [stem for stem in RANGE_LABELS if stem in stems]
    return named + [stem for stem in stems if stem not in RANGE_LABELS]


def completeness_table(frame: pl.DataFrame) -> pl.DataFrame:
    columns = frame.columns
    stems = range_stems(columns)
    rows = []
    for row in frame.to_dicts():
        currency = row.get("report_currency", row.get("currency"))
        zone = row.get("report_time_zone") or "America/Los_Angeles"
        start = row["period_start"].isoformat() if row["period_start"] else "all dates"
        shown = {"Country": row["country"], "Period": f"{row['period']}: {start} to {row['report_date'].isoformat()} "
                 f"({zone} days)", "Page": row["page_name"], "Page id": row["page_id"],
                 "API ads": row.get("api_ads"), "API ads in another currency": row.get("ads_other_currency")}
        for stem in stems:
            label = RANGE_LABELS.get(stem, stem.replace("_", " "))
            if stem == "completeness_ratio":
                shown[label] = ratio_text(row[f"{stem}_low"], row[f"{stem}_high"], row.get(stem),
                                          row.get("completeness_ratio_currency"), row.get("api_ads"))
            else:
                shown[label] = amount_text(stem, row, currency)
        rows.append(shown)
    return pl.DataFrame(rows, schema_overrides={"API ads": pl.Int64, "API ads in another currency": pl.Int64},
                        infer_schema_length=None)


def show_rule(frame: pl.DataFrame) -> None:
    rule = tomllib.loads(ASSUMPTIONS.read_text(encoding="utf-8"))["completeness"]
    used = sorted(set(frame["completeness_rule_version"].to_list())) if "completeness_rule_version" in frame.columns \
        else []
    followed = f"; these rows follow version {', '.join(map(str, used))}" if used else ""
    with st.expander(f"The rule: [completeness] version {rule['version']} of analysis/assumptions.toml "
                     f"({rule['date']}){followed}"):
        st.text(rule["rule"].strip())


def render() -> None:
    reader = common.published_reader()
    st.title("Completeness: Meta's API beside its report")
    snapshot = common.snapshot_picker(reader)
    rows = reader.query("meta_completeness", report_snapshot_id=snapshot.snapshot_id, country=None)
    countries = sorted(set(rows["country"].to_list()))
    periods = sorted(set(rows["period"].to_list()))
    country = choices.selectbox("Country", "country", "completeness_country", ["all", *countries],
                                format_func=lambda c: "All countries" if c == "all" else c)
    chosen_periods = choices.multiselect("Period", "period", "completeness_period", periods)
    common.keep_in_url({"snapshot": str(snapshot.snapshot_id), "country": None if country == "all" else country,
                        "period": chosen_periods})
    st.caption(f"{snapshot.label().capitalize()} (the report's snapshot) · basis: report disclosed; API and Google "
               "figures derived by the rule below · published copy " + reader.copy_path.name)
    if rows.is_empty():
        st.info("This snapshot holds no Meta Ad Library Report rows: import the report files with adtrail import "
                "meta-report, or pick a snapshot that has them.")
        return
    shown = rows.filter((pl.lit(country == "all") | (pl.col("country") == country))
                        & pl.col("period").is_in(chosen_periods or periods))
    if "ads_snapshot_id" in shown.columns and not shown.is_empty():
        st.caption(f"API ads from snapshot {shown['ads_snapshot_id'][0]}; the report's days are Pacific time.")
    table = completeness_table(shown)
    st.dataframe(table, hide_index=True)
    common.download_table(shown, "completeness", snapshot)
    show_rule(rows)

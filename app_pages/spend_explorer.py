"""The ad spend explorer (DESIGN.md "The app"; issue 3, item 4): who spent how much on political and
issue ads, by country, platform, advertiser and delivery dates.

Every figure is the lifetime spend of ads as the platforms disclosed it, kept as a range (low–high) in
its own currency and in USD by the warehouse's conversion rule; a missing rate is a visible gap, never a
zero, and an open top bucket reads "at least". Regions share each ad's spend by the platform's delivery
shares (basis "derived"). Weeks that reach into the newest days before the snapshot's date are marked
possibly incomplete. The snapshot, filters and ranking currency live in the URL, so a copied link shows
the same figures. Texts from sources appear only in tables and chart labels, never as Markdown or HTML.
The queries are warehouse/queries/explorer_*.sql.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import altair as alt
import polars as pl
import streamlit as st

from app_pages import common
from app_pages.common import Snapshot, range_text

# Platforms report spend late: Meta's figures for an ad grow for days after delivery, Google refreshes its
# report about weekly. Ads that started this many days before the snapshot's date are marked.
LATE_REPORTING_DAYS = 7
TOP_ROWS = 20
DATE_BOUNDS = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))


@dataclass(frozen=True)
class Filters:
    platforms: list[str]
    countries: list[str]
    advertiser: str | None
    delivery_from: dt.date | None
    delivery_to: dt.date | None

    def params(self, snapshot: Snapshot) -> dict:
        """The parameters every explorer query takes."""
        return {"snapshot_id": snapshot.snapshot_id, "platforms": self.platforms or None,
                "countries": self.countries or None, "advertiser": self.advertiser,
                "delivery_from": self.delivery_from, "delivery_to": self.delivery_to,
                "late_days": LATE_REPORTING_DAYS}


def _options(frame: pl.DataFrame, kind: str) -> dict[str | None, int]:
    return {row["option_value"]: row["ads"] for row in frame.filter(pl.col("option_kind") == kind).to_dicts()}


def _multiselect(label: str, key: str, counts: dict[str, int]) -> list[str]:
    """A sidebar multiselect started from the URL's repeated ``key=``; unknown values are reported."""
    if key not in st.session_state:
        wanted = common.url_values(key)
        unknown = [value for value in wanted if value not in counts]
        if unknown:
            st.warning(f"The link's {key} filter names values this snapshot does not have; left out: "
                       + ", ".join(unknown))
        st.session_state[key] = [value for value in wanted if value in counts]
    else:  # another snapshot may not offer what was chosen before
        st.session_state[key] = [value for value in st.session_state[key] if value in counts]
    return st.sidebar.multiselect(label, list(counts), key=key, format_func=lambda v: f"{v} ({counts[v]:,} ads)")


def choose_filters(reader: common.PublishedReader, snapshot: Snapshot) -> tuple[Filters, dict]:
    options = reader.query("explorer_filter_options", snapshot_id=snapshot.snapshot_id)
    platforms = _multiselect("Platform", "platform", _options(options, "platform"))
    countries_known = _options(options, "country")
    country_unknown = countries_known.pop(None, 0)
    countries = _multiselect("Country", "country", countries_known)
    if country_unknown:
        st.sidebar.caption(f"{common.plural(country_unknown, 'ad')} without a known country (the platform "
                           "answered one query for several countries); a country filter leaves them out.")
    common.start_from_url("advertiser", common.url_value("advertiser") or "")
    advertiser = st.sidebar.text_input("Advertiser: id, or part of the name", key="advertiser").strip() or None
    common.start_from_url("from", common.url_date("from"))
    common.start_from_url("to", common.url_date("to"))
    low, high = DATE_BOUNDS
    delivery_from = st.sidebar.date_input("Delivery started on or after", key="from", min_value=low, max_value=high)
    delivery_to = st.sidebar.date_input("Delivery started on or before", key="to", min_value=low, max_value=high)
    filters = Filters(platforms, countries, advertiser, delivery_from, delivery_to)
    return filters, _options(options, "currency")


def choose_currency(per_currency: list[dict], currencies: dict) -> str:
    """The currency figures are ranked and charted in: USD, or one original currency (URL ``in=``).

    The first time, USD when at least half of the filtered ads with spend have a rate, else the currency
    with the most of them; written into the URL, so a copied link keeps it.
    """
    choices = ["USD"] + sorted(code for code in currencies if code and code != "USD")
    if "in" not in st.session_state:
        with_spend = sum(row["ads_with_spend"] for row in per_currency)
        converted = with_spend - sum(row["ads_without_usd_rate"] for row in per_currency)
        largest = max((row for row in per_currency if row["currency"]), key=lambda row: row["ads_with_spend"],
                      default=None)
        default = "USD" if converted * 2 >= with_spend or largest is None else largest["currency"]
        wanted = common.url_value("in")
        st.session_state["in"] = wanted if wanted in choices else default
    elif st.session_state["in"] not in choices:
        st.session_state["in"] = "USD"
    return st.sidebar.selectbox("Rank and chart in", choices, key="in",
                                help="USD covers every currency that has a rate; an original currency covers "
                                     "only the ads in that currency.")


def usd_text(row: dict, *, gap_note: bool = True) -> str:
    """The USD range of a row; ``gap_note`` says how many ads had no rate (left out, so "at least")."""
    if row["spend_usd_low"] is None:
        return "USD: rate not loaded"
    text = range_text(row["spend_usd_low"], row["spend_usd_high"], "USD", open_top=bool(row["open_ended_ads"]))
    missing = row["ads_without_usd_rate"]
    return text + (f" ({common.plural(missing, 'ad')} without a USD rate left out)" if missing and gap_note else "")


def _chart_rows(frame: pl.DataFrame, currency: str) -> pl.DataFrame:
    """The rows of one currency, or the all-currency rows in USD, as low / high of that currency."""
    if currency == "USD":
        picked = frame.filter(pl.col("all_currencies")).with_columns(
            low=pl.col("spend_usd_low").cast(pl.Float64), high=pl.col("spend_usd_high").cast(pl.Float64))
    else:
        picked = frame.filter(~pl.col("all_currencies") & (pl.col("currency") == currency)).with_columns(
            low=pl.col("spend_low").cast(pl.Float64), high=pl.col("spend_high").cast(pl.Float64))
    return picked.filter(pl.col("low").is_not_null()).with_columns(
        top=pl.when(pl.col("high").is_null() | (pl.col("open_ended_ads") > 0))
        .then(pl.lit("unknown (open bucket or missing rate)")).otherwise(pl.lit("disclosed")),
        high=pl.coalesce("high", "low"))


def range_chart(data: pl.DataFrame, category: alt.X | alt.Y, unit: str, *, horizontal: bool,
                color: alt.Color | None = None) -> alt.LayerChart:
    """Bars to the lower bound, a lighter bar on to the upper bound: a range, never one number."""
    axis = alt.X if horizontal else alt.Y
    if horizontal:  # long advertiser and region names: show more of them before the ellipsis
        category = category.axis(labelLimit=320)
    axis2 = alt.X2 if horizontal else alt.Y2
    base = alt.Chart(data).encode(category, tooltip=[category.shorthand, alt.Tooltip("low:Q", format=",.2~f"),
                                                     alt.Tooltip("high:Q", format=",.2~f"), "top:N"])
    low = base.mark_bar().encode(axis("low:Q", title=f"Spend, {unit} (bar: at least; light: up to)"))
    span = base.mark_bar(opacity=0.35).encode(axis("low:Q"), axis2("high:Q"))
    if color is not None:
        low, span = low.encode(color=color), span.encode(color=color)
    return alt.layer(low, span)


def show_totals(reader, snapshot: Snapshot, filters: Filters, currencies: dict) -> str:
    totals = reader.query("explorer_totals", **filters.params(snapshot))
    overall = totals.filter(pl.col("all_currencies")).to_dicts()[0]
    columns = st.columns([1, 1, 3])  # a range with "at least" needs the room
    columns[0].metric("Ads", f"{overall['ads']:,}")
    columns[1].metric("Advertisers", f"{overall['advertisers']:,}")
    columns[2].metric("Spend in USD", usd_text(overall, gap_note=False), help="Disclosed lifetime spend, converted at the rate of "
                      f"each ad's delivery start date. Rates: {common.rate_text(overall)}.")
    if overall["ads_without_usd_rate"]:
        st.warning(f"USD: rate not loaded for {common.plural(overall['ads_without_usd_rate'], 'ad')} "
                   f"(currencies: {overall['currencies_without_usd_rate'] or 'none given'}). Their amounts are shown "
                   "in their own currency below and left out of USD figures; load rates with adtrail fx import.")
    if overall["possibly_incomplete_ads"]:
        recent = overall["possibly_incomplete_ads"]
        st.info(f"{common.plural(recent, 'ad')} started in the {LATE_REPORTING_DAYS} days before "
                f"{snapshot.as_of.isoformat()}: platforms report spend late, so "
                f"{'its' if recent == 1 else 'their'} figures may still grow.")
    if overall["ads_from_failed_sources"]:
        st.warning(f"{overall['ads_from_failed_sources']:,} ads come from a source whose crawl failed in this "
                   "snapshot: what it fetched is shown, but the list is incomplete.")
    per_currency = totals.filter(~pl.col("all_currencies")).to_dicts()
    st.dataframe(pl.DataFrame({
        "Currency": [row["currency"] or "(none given)" for row in per_currency],
        "Ads": [row["ads"] for row in per_currency],
        "Spend (own currency)": [range_text(row["spend_low"], row["spend_high"], row["currency"]) for row in per_currency],
        "Spend in USD": [usd_text(row) for row in per_currency],
        "USD rate": [common.rate_text(row) for row in per_currency],
        "Open top buckets": [row["open_ended_ads"] for row in per_currency],
    }, schema_overrides={"Ads": pl.Int64, "Open top buckets": pl.Int64}), hide_index=True)
    common.download_table(totals, "totals", snapshot)
    return choose_currency(per_currency, currencies)


def show_advertisers(reader, snapshot: Snapshot, filters: Filters, currency: str) -> None:
    st.subheader(f"Top advertisers, ranked by spend in {currency}")
    advertisers = reader.query("explorer_advertisers", **filters.params(snapshot), rank_currency=currency,
                               row_limit=TOP_ROWS)
    chart = _chart_rows(advertisers, currency).with_columns(
        advertiser=pl.format("{}. {} ({})", "spend_rank", pl.col("advertiser_name").fill_null("(no name)"), "platform"))
    if chart.is_empty():
        st.text(f"No advertiser has a spend figure in {currency} under these filters.")
    else:
        order = chart.sort("spend_rank")["advertiser"].to_list()
        st.altair_chart(range_chart(chart, alt.Y("advertiser:N", sort=order, title=None), currency, horizontal=True),
                        width="stretch")
    rows = advertisers.to_dicts()
    table = {}
    for row in rows:
        entry = table.setdefault((row["platform"], row["advertiser_key"]), {
            "Rank": row["spend_rank"], "Advertiser": row["advertiser_name"], "Advertiser id": row["advertiser_id"],
            "Platform": row["platform"], "Ads": 0, "Spend (own currency)": [], "Spend in USD": ""})
        if row["all_currencies"]:
            entry.update({"Ads": row["ads"], "Spend in USD": usd_text(row)})
        else:
            entry["Spend (own currency)"].append(range_text(row["spend_low"], row["spend_high"], row["currency"]))
    for entry in table.values():
        entry["Spend (own currency)"] = "; ".join(entry["Spend (own currency)"])
    st.dataframe(pl.DataFrame(list(table.values())), hide_index=True)
    common.download_table(advertisers, "top-advertisers", snapshot)


def show_weeks(reader, snapshot: Snapshot, filters: Filters, currency: str) -> None:
    st.subheader(f"Spend over time, in {currency}, by the week delivery started")
    weeks = reader.query("explorer_weeks", **filters.params(snapshot))
    chart = _chart_rows(weeks, currency).with_columns(
        reporting=pl.when("possibly_incomplete").then(pl.lit("possibly incomplete (reported late)"))
        .otherwise(pl.lit("reported")))
    if chart.is_empty():
        st.text(f"No ad with a delivery start date has a spend figure in {currency} under these filters.")
    else:
        color = alt.Color("reporting:N", title="Week", scale=alt.Scale(
            domain=["reported", "possibly incomplete (reported late)"], range=["#4c78a8", "#f58518"]))
        st.altair_chart(range_chart(chart, alt.X("week_start:T", title="Week (Monday, UTC)"), currency,
                                    horizontal=False, color=color), width="stretch")
    st.caption(f"Weeks reaching into the {LATE_REPORTING_DAYS} days before the snapshot's date are marked possibly "
               "incomplete: platforms report spend late. Each ad's lifetime spend counts in the week it started.")
    shown = weeks.filter(pl.col("all_currencies") if currency == "USD" else pl.col("currency") == currency)
    st.dataframe(pl.DataFrame({
        "Week": [week.isoformat() for week in shown["week_start"].to_list()],
        "Ads": shown["ads"].to_list(),
        "Spend": [usd_text(row) if currency == "USD" else range_text(row["spend_low"], row["spend_high"], currency)
                  for row in shown.to_dicts()],
        "Possibly incomplete": shown["possibly_incomplete"].to_list(),
    }, schema_overrides={"Week": pl.String, "Ads": pl.Int64, "Possibly incomplete": pl.Boolean}), hide_index=True)
    common.download_table(weeks, "spend-by-week", snapshot)


def show_regions(reader, snapshot: Snapshot, filters: Filters, currency: str) -> None:
    st.subheader(f"Regions, ranked by spend in {currency}")
    regions = reader.query("explorer_regions", **filters.params(snapshot), rank_currency=currency, row_limit=TOP_ROWS)
    st.caption("Basis per row. Meta: derived, each ad's disclosed spend shared out by the platform's delivery share "
               "per region. Google: disclosed, each advertiser's lifetime spend per region as Google published it "
               "(left out when a delivery date is chosen: it has no dates). The two are never added together; "
               "region names are the platform's own.")
    chart = _chart_rows(regions, currency).with_columns(
        region_label=pl.format("{}. {} ({}, {})", "spend_rank", "region", "platform", "spend_basis"))
    if chart.is_empty():
        st.text(f"No region has a spend figure in {currency} under these filters.")
    else:
        order = chart.sort("spend_rank")["region_label"].to_list()
        st.altair_chart(range_chart(chart, alt.Y("region_label:N", sort=order, title=None), currency,
                                    horizontal=True), width="stretch")
    shown = regions.filter(pl.col("all_currencies") if currency == "USD" else pl.col("currency") == currency)
    st.dataframe(pl.DataFrame({
        "Rank": shown["spend_rank"].to_list(), "Region": shown["region"].to_list(),
        "Platform": shown["platform"].to_list(), "Basis": shown["spend_basis"].to_list(),
        "Advertisers": shown["advertisers"].to_list(),
        "Spend": [usd_text(row) if currency == "USD" else range_text(row["spend_low"], row["spend_high"], currency)
                  for row in shown.to_dicts()],
    }, schema_overrides={"Rank": pl.Int64, "Region": pl.String, "Platform": pl.String, "Basis": pl.String,
                         "Advertisers": pl.Int64, "Spend": pl.String}), hide_index=True)
    common.download_table(regions, "regions", snapshot)


def render() -> None:
    reader = common.published_reader()
    st.title("Ad spend explorer")
    snapshot = common.snapshot_picker(reader)
    filters, currencies = choose_filters(reader, snapshot)
    st.caption(f"{snapshot.label().capitalize()} · basis: disclosed (amounts the platforms published), lifetime "
               f"spend per ad · published copy {reader.copy_path.name}")
    if filters.advertiser:
        st.text(f"Advertiser filter: {filters.advertiser}")
    currency = show_totals(reader, snapshot, filters, currencies)
    common.keep_in_url({
        "snapshot": str(snapshot.snapshot_id), "platform": filters.platforms, "country": filters.countries,
        "advertiser": filters.advertiser, "in": currency,
        "from": filters.delivery_from.isoformat() if filters.delivery_from else None,
        "to": filters.delivery_to.isoformat() if filters.delivery_to else None,
    })
    show_advertisers(reader, snapshot, filters, currency)
    show_weeks(reader, snapshot, filters, currency)
    show_regions(reader, snapshot, filters, currency)

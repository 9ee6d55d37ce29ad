"""The pages after the explorer under Streamlit's AppTest, each on the published warehouse of
tests/test_app_pages_seed.py: sources, disclosure coverage, completeness, advertisers across platforms and
who pays a site. Expected figures come from the seed's constants, the legal cards file, the Google bundle
fixture and the written rules, never from the app.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from analysis.entities import name_match
from analysis.legal_cards import load_cards
from app_pages.common import csv_bytes, range_text
from spiders.parsers.ad_systems import canonical_ad_system
from tests.test_app_pages_seed import (CONFIRMED_MATCH, EXEMPLO_PAYER, GOOGLE_WEEKS, NEAR_NAME, PAGE_ADS,
                                       PLACEMENT_PAGE, PLACEMENT_SCHAIN, POOLED_ID, POOLED_SYSTEM, REPORT_RATE,
                                       TIKTOK_ERROR, VIDEO, seed_pages_warehouse)
from tests.test_app_seed import FORMULA_NAME, GOOGLE_CREATIVES, MARKUP_NAME, load_snapshot, seed_warehouse
from warehouse.publish import open_published
from warehouse.queries import run_query

APP = Path(__file__).resolve().parents[1] / "app.py"
SOURCE_TEXT_KINDS = ("title", "subheader", "markdown", "caption", "warning", "info", "error", "success")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    return seed_pages_warehouse(tmp_path_factory.mktemp("pages"))


def run_page(db_path: Path, monkeypatch, url_path: str, **query) -> AppTest:
    """Open the page at ``url_path`` as a browser would at /<url_path>?<query>. AppTest's switch_page knows
    only file pages; st.navigation keys a callable page by the hash of its url_path, so the test asks for
    that hash directly."""
    monkeypatch.setenv("ADTRAIL_DB", str(db_path))
    app = AppTest.from_file(str(APP), default_timeout=60)
    app._page_hash = calc_hash(url_path)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [item.value for item in app.exception]
    assert app.title[0].value != "Ad spend explorer", "the default page opened instead"
    return app


def table(app: AppTest, column: str) -> list[dict]:
    frames = [frame.value for frame in app.dataframe if column in frame.value.columns]
    assert len(frames) == 1, [list(frame.value.columns) for frame in app.dataframe]
    return frames[0].to_dict("records")


def frames(app: AppTest) -> list[list[dict]]:
    """Every table of the page, in page order."""
    return [frame.value.to_dict("records") for frame in app.dataframe]


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def texts(app: AppTest) -> list[str]:
    return [item.value for item in app.text]


def assert_source_text_never_markup(app: AppTest) -> None:
    """Names from sources appear only in tables and st.text, never where Markdown or HTML is rendered."""
    rendered = [item.value for kind in SOURCE_TEXT_KINDS for item in app.get(kind)]
    rendered += [metric.value for metric in app.metric] + [metric.label for metric in app.metric]
    assert not [text for text in rendered if "<script>" in text or "HYPERLINK" in text or "ClickHarbor" in text]


def test_sources_cards_and_the_snapshot_s_outcomes(seeded, monkeypatch):
    app = run_page(seeded, monkeypatch, "sources")
    cards = load_cards()
    in_snapshot = {"meta_ads_archive", "meta_ad_report", "google_political_bundle", "ads_txt", "sellers_json",
                   "youtube_monetisation", "page_placements"}
    assert metrics(app) == {"Complete": str(len(in_snapshot)), "Failed": "1",
                            "Not in this snapshot": str(len(cards) - len(in_snapshot) - 1)}
    rows = {row["Source"]: row for row in table(app, "In this snapshot")}
    assert list(rows) == list(cards)  # one row per card, in the cards' order
    assert {name for name, row in rows.items() if row["In this snapshot"] == "complete"} == in_snapshot
    tiktok = rows["tiktok_commercial_content"]
    assert (tiktok["In this snapshot"], tiktok["Finish reason"], tiktok["Error"]) == ("failed", "token_expired",
                                                                                      TIKTOK_ERROR)
    assert rows["snap_political"]["In this snapshot"] == "not in this snapshot"
    assert rows["meta_ads_archive"]["Items loaded"] == len(PAGE_ADS)
    shown = texts(app)
    for card in cards.values():  # every card whole: terms and when, route, login, stance
        assert f"Terms read: {'; '.join(card['terms_read'])} ({card['terms_read_when']})" in shown
        assert f"Official route: {card['official_route']}" in shown
        assert f"Login needed: {'yes' if card['login_needed'] else 'no'}: {card['login']}" in shown
        assert f"Stance: {card['stance']}" in shown
    assert f"Error: {TIKTOK_ERROR}" in shown and "Counts: http_401 1 · requests_today 1" in shown
    assert [error.value for error in app.error] == [
        "Failed in this snapshot: what it fetched (0 items) is kept, but nothing is inferred from it."]
    assert dict(app.query_params) == {"snapshot": "1"}


def google_creatives() -> list[dict]:
    with GOOGLE_CREATIVES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_coverage_is_a_country_by_platform_table_with_since_when(seeded, monkeypatch):
    app = run_page(seeded, monkeypatch, "coverage")
    fields = {row["Country"]: row for row in frames(app)[0]}
    assert fields["BD"]["meta"] == "spend, reach, targeting, payer, content"
    assert fields["BD"]["google"] == "no ads"
    us = [row for row in google_creatives() if "US" in [r.strip() for r in row["Regions"].split(",")]]
    assert fields["US"]["google"] == "spend, reach, targeting, content"  # Google's bundle names no payer
    since = {(row["Country"], row["Field"]): row for row in frames(app)[1]}
    first_bd = min(ad.start for ad in PAGE_ADS)
    assert since["BD", "spend"]["meta"] == f"since {first_bd} ({len(PAGE_ADS)} of {len(PAGE_ADS)} ads)"
    de = [ad for ad in PAGE_ADS if ad.reach_country == "DE"]
    assert since["DE", "reach"]["meta"] == f"since {de[0].start} (1 of 1 ad)"
    assert since["US", "payer"]["google"] == f"not disclosed (0 of {len(us)} ads)"
    assert since["US", "spend"]["meta"] == "no ads"


def test_coverage_filters_come_from_the_url_and_go_back(seeded, monkeypatch):
    app = run_page(seeded, monkeypatch, "coverage", country="BD", platform="meta")
    assert [list(frame.value.columns) for frame in app.dataframe] == [["Country", "meta"], ["Country", "Field", "meta"]]
    assert frames(app)[0] == [{"Country": "BD", "meta": "spend, reach, targeting, payer, content"}]
    assert dict(app.query_params) == {"snapshot": "1", "country": "BD", "platform": "meta"}
    unknown = run_page(seeded, monkeypatch, "coverage", country="[XX](http://evil.example)")
    # a link's text is quoted as code in the warning: never a Markdown link
    assert any(warning.value.endswith("left out: `[XX](http://evil.example)`") for warning in unknown.warning)


def pacific_share(start: str, until: dt.datetime, window: tuple[dt.datetime, dt.datetime]) -> float:
    """The rule [completeness]: the part of an ad's delivery time inside the report's Pacific-time days."""
    begin = dt.datetime.fromisoformat(f"{start}T09:00:00+00:00")  # the seed's delivery start hour
    inside = (min(until, window[1]) - max(begin, window[0])).total_seconds()
    return max(inside, 0) / (until - begin).total_seconds()


def test_completeness_shows_ranges_ratios_and_gaps(seeded, monkeypatch):
    app = run_page(seeded, monkeypatch, "completeness")
    rows = {row["Page id"]: row for row in table(app, "Completeness ratio")}
    pacific = dt.timezone(dt.timedelta(hours=-8))  # January: PST
    window = (dt.datetime(2025, 12, 13, tzinfo=pacific), dt.datetime(2026, 1, 12, tzinfo=pacific))
    fetched = dt.datetime(2026, 1, 12, 6, tzinfo=dt.UTC)  # still running: delivery up to the fetch
    nagorik = [ad for ad in PAGE_ADS if ad.page_id == "501"]
    shares = [pacific_share(ad.start, fetched, window) for ad in nagorik]
    low = sum(ad.spend[0] * share for ad, share in zip(nagorik, shares))
    high = sum(ad.spend[1] * share for ad, share in zip(nagorik, shares))
    estimate = sum((ad.spend[0] + ad.spend[1]) / 2 * share for ad, share in zip(nagorik, shares))
    row = rows["501"]
    assert row["Period"] == "last_30_days: 2025-12-13 to 2026-01-11 (America/Los_Angeles days)"
    assert row["Report (disclosed)"] == "2,500 BDT"
    usd_per_bdt = 1 / REPORT_RATE[1]
    assert row["Report in USD"] == range_text(2500 * usd_per_bdt, 2500 * usd_per_bdt, "USD")
    assert row["API-derived"] == range_text(low, high, "BDT")
    assert row["API-derived in USD"] == range_text(low * usd_per_bdt, high * usd_per_bdt, "USD")
    assert row["Completeness ratio"] == f"{low / 2500:.2f}–{high / 2500:.2f} (estimate {estimate / 2500:.2f}, in BDT)"
    assert row["API ads"] == len(nagorik)
    below = rows["509"]  # Meta's "≤100" stays a bucket; no API ads of the page
    assert below["Report (disclosed)"] == "≤100 BDT (below Meta's threshold: 0–100)"
    assert below["Completeness ratio"] == below["API-derived"] == "no API ads counted"
    assert rows["504"]["Report in USD"] == "rate not loaded (BRL)"  # BRL has no rate: a gap, never 0
    # Google's weekly USD of the entity's advertiser beside (never in the ratio): each week's days inside the
    # period, each amount v standing for v ± step/2 (the step: the greatest common divisor of the file's amounts)
    step = math.gcd(*GOOGLE_WEEKS.values())
    days = {week: len({week + dt.timedelta(days=n) for n in range(7)}
                      & {dt.date(2025, 12, 13) + dt.timedelta(days=n) for n in range(30)}) / 7 for week in GOOGLE_WEEKS}
    google_low = sum((usd - step / 2) * days[week] for week, usd in GOOGLE_WEEKS.items())
    google_high = sum((usd + step / 2) * days[week] for week, usd in GOOGLE_WEEKS.items())
    assert rows["506"]["Google weekly, all countries (USD)"] == range_text(google_low, google_high, "USD")
    assert rows["506"]["Google weekly, this country (USD)"] == "0 USD"  # its spend by country: Brazil only
    assert rows["501"]["Google weekly, all countries (USD)"] == "no Google weekly spend linked"
    assert any(text.startswith("Meta's API gives each ad's spend") for text in texts(app))  # the rule, beside


def test_completeness_country_from_the_url(seeded, monkeypatch):
    app = run_page(seeded, monkeypatch, "completeness", country="BR")
    rows = table(app, "Completeness ratio")
    assert [(row["Country"], row["Page"]) for row in rows] == [("BR", "Movimento São Paulo")]
    assert dict(app.query_params) == {"snapshot": "1", "country": "BR"}


def test_advertisers_across_platforms_and_candidates_awaiting_review(seeded, monkeypatch):
    app = run_page(seeded, monkeypatch, "advertisers")
    entities = table(app, "Platforms")
    merged = [row for row in entities if row["Platforms"] == "google, meta"]
    assert len(merged) == 1 and metrics(app)["On more than one platform"] == "1"
    identifiers = [row for row in table(app, "Identifier kind") if row["Entity"] == merged[0]["Entity"]]
    assert {(row["Platform"], row["Identifier kind"], row["Identifier (as written)"], row["Role"])
            for row in identifiers} == {
        ("google", "google_advertiser_id", CONFIRMED_MATCH[0].split(":")[1], "advertiser"),
        ("meta", "meta_page_id", CONFIRMED_MATCH[1].split(":")[1], "advertiser")}
    assert {row["Joined by"] for row in identifiers} == {"confirmed_candidate"}  # a name match a person confirmed
    payer = [row for row in entities if row["Name"] == EXEMPLO_PAYER]
    assert [(row["Platforms"], row["Roles"]) for row in payer] == [("meta", "payer")]  # a role, never merged
    candidates = table(app, "Reason")
    assert metrics(app)["Name matches awaiting review"] == str(len(candidates))
    assert not [row for row in candidates if row["Identifier A"] in CONFIRMED_MATCH]  # decided: not awaiting
    page, google_name = NEAR_NAME[0].page_name, NEAR_NAME[1]
    near = [row for row in candidates if {row["Name A"], row["Name B"]} == {page, google_name}]
    reason, confidence = name_match(google_name, page)
    assert [(row["Reason"], row["Confidence"]) for row in near] == [(reason, f"{confidence:.2f}")]
    assert reason.startswith("one name extends the other word for word")
    assert {FORMULA_NAME, MARKUP_NAME} <= {row["Name"] for row in entities}  # in tables, as text
    assert_source_text_never_markup(app)


def test_advertisers_search_and_platform_from_the_url(seeded, monkeypatch):
    app = run_page(seeded, monkeypatch, "advertisers", q="exemplo", platform="meta")
    entities = table(app, "Platforms")
    assert sorted((row["Platforms"], row["Roles"]) for row in entities) == [("google, meta", "advertiser"),
                                                                           ("meta", "payer")]
    assert EXEMPLO_PAYER in {row["Name"] for row in entities}
    assert texts(app) == ["Search: exemplo"]
    assert dict(app.query_params) == {"snapshot": "1", "q": "exemplo", "platform": "meta"}


def test_who_pays_a_site_declared_and_observed(seeded, monkeypatch):
    app = run_page(seeded, monkeypatch, "who-pays", recipient="lagoseveningstar.ng")
    edges = frames(app)[0]
    declared = {(row["Edge"], row["Basis"], row["Ad system"], row["Seller id"]) for row in edges
                if row["Basis"] == "disclosed"}
    assert declared == {("authorises", "disclosed", POOLED_SYSTEM, POOLED_ID),
                        ("authorises", "disclosed", POOLED_SYSTEM, "LES-01")}
    observed = {row["Edge"]: row for row in edges if row["Basis"] == "observed"}
    assert sorted(observed) == ["calls_ad_system", "sells_through"]
    assert {row["Evidence URL"] for row in observed.values()} == {PLACEMENT_PAGE}
    # the ad server the page called, as EasyList named it or canonical by the ads.txt alias table
    assert observed["calls_ad_system"]["Ad system"] in {"doubleclick.net", canonical_ad_system("doubleclick.net")}
    # the page's supply chain names the account its ads.txt declares: the two bases agree
    seen = observed["sells_through"]
    assert (seen["Ad system"], seen["Seller id"], seen["Declared and observed"]) == (*PLACEMENT_SCHAIN, True)
    assert metrics(app) == {"Edges": "4", "Disclosed": "2", "Observed": "2",
                            "Sites and apps with this account": "3"}
    pooled = [row for row in edges if row["Seller id"] == POOLED_ID][0]
    assert (pooled["Relationship"], pooled["Seller type"], pooled["Check"]) == ("DIRECT", "INTERMEDIARY",
                                                                                "type_mismatch")
    assert pooled["Evidence URL"] == "https://lagoseveningstar.ng/ads.txt"
    own = [row for row in edges if row["Seller id"] == "LES-01"][0]
    assert own["Check"] == "ok"
    # the seller account shown below is, unless a link names one, the first the site declares
    assert dict(app.query_params) == {"snapshot": "1", "recipient": "lagoseveningstar.ng",
                                      "seller": f"{POOLED_SYSTEM}/{POOLED_ID}"}
    assert_source_text_never_markup(app)


def test_which_sites_a_seller_account_sells(seeded, monkeypatch):
    app = run_page(seeded, monkeypatch, "who-pays", seller=f"{POOLED_SYSTEM}/{POOLED_ID}")
    sites = frames(app)[1]
    assert {(row["Site, app or channel"], row["Kind"]) for row in sites} == {
        ("dhakamorningpost.com.bd", "site"), ("lagoseveningstar.ng", "site"), ("newsbuzzapp.example", "app")}
    assert all(row["Pooled"] for row in sites)
    assert metrics(app)["Sites and apps with this account"] == "3"
    assert any(w.value.startswith("Seller-id pooling: this account is declared DIRECT by sites of 3 different owners")
               for w in app.warning)
    reader = open_published(seeded)
    try:  # the download of that table: the seller's name starts with "=", so it is neutralised
        frame = run_query(reader, "sites_of_seller", snapshot_id=1, ad_system_domain=POOLED_SYSTEM, seller_id=POOLED_ID)
    finally:
        reader.close()
    names = {row["seller_name"] for row in csv.DictReader(io.StringIO(csv_bytes(frame).decode("utf-8")))}
    assert names == {"'=ClickHarbor Media Ltd"}


def test_a_seller_account_declared_and_seen_on_the_site_s_page(seeded, monkeypatch):
    app = run_page(seeded, monkeypatch, "who-pays", seller="/".join(PLACEMENT_SCHAIN))
    sites = frames(app)[1]
    assert sorted((row["Edge"], row["Basis"], row["Site, app or channel"], row["Declared and observed"],
                   row["Pooled"]) for row in sites) == [
        ("authorises", "disclosed", "lagoseveningstar.ng", True, False),
        ("sells_through", "observed", "lagoseveningstar.ng", True, False)]
    assert not [warning for warning in app.warning if warning.value.startswith("Seller-id pooling")]


def test_who_pays_a_channel_and_an_unknown_link(seeded, monkeypatch):
    app = run_page(seeded, monkeypatch, "who-pays", recipient=VIDEO.channel_id)
    edges = frames(app)[0]
    assert [(row["Edge"], row["Basis"], row["Ad system"]) for row in edges] == [
        ("carries_ad_slots", "observed", "youtube.com")]
    assert edges[0]["Evidence"].startswith('"playerAds"')
    assert f"channel: {VIDEO.channel_id} ({VIDEO.channel_title})" in texts(app)
    unknown = run_page(seeded, monkeypatch, "who-pays", recipient="nowhere.example")
    assert any(warning.value.startswith("The link's recipient=`nowhere.example` is not in this snapshot")
               for warning in unknown.warning)


PAGES = ("advertisers", "who-pays", "coverage", "completeness", "sources")


def test_every_page_carries_the_demo_banner_and_says_what_is_missing(tmp_path, monkeypatch):
    # the explorer's seed, marked as the demo's: Meta ads only, no report, no monetisation graph
    db_path = seed_warehouse(tmp_path, demo=True)
    for url_path in PAGES:
        app = run_page(db_path, monkeypatch, url_path)
        assert app.warning[0].value.startswith("DEMO DATA"), url_path
    assert [info.value for info in run_page(db_path, monkeypatch, "who-pays").info] == [
        "This snapshot holds no monetisation graph: crawl ads_txt, sellers_json, youtube_monetisation or "
        "page_placements into a snapshot."]
    assert run_page(db_path, monkeypatch, "completeness").info[0].value.startswith(
        "This snapshot holds no Meta Ad Library Report rows")


def test_pages_of_a_warehouse_that_is_not_the_demo_have_no_banner(seeded, monkeypatch):
    for url_path in PAGES:
        app = run_page(seeded, monkeypatch, url_path)
        assert not [w.value for w in app.warning if w.value.startswith("DEMO DATA")], url_path


def test_a_newly_published_snapshot_is_picked_up_without_a_restart(tmp_path, monkeypatch):
    db_path = seed_warehouse(tmp_path, snapshots_wanted=1)
    app = run_page(db_path, monkeypatch, "sources")
    assert app.sidebar.selectbox[0].options == ["Snapshot 1 (as of 2026-01-12)"]
    second = load_snapshot(db_path, 2, tmp_path / "crawls")
    app.run()  # the same session, the same page: the next rerun reads the new copy
    assert app.sidebar.selectbox[0].options == ["Snapshot 2 (as of 2026-01-19)", "Snapshot 1 (as of 2026-01-12)"]
    assert app.caption[0].value.endswith(second.name)

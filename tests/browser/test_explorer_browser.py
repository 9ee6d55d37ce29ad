"""The ad spend explorer in Chromium: the page renders whole from a seeded warehouse (figures, tables and
charts, no exception box), nothing is requested outside 127.0.0.1, and a URL copied after choosing a
snapshot and filters shows the same figures in a new browser session."""

from __future__ import annotations

import math

import pytest

from tests.browser.conftest import AppServer, local_only
from tests.test_app_seed import SEED_ADS, seed_warehouse, usd_low

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# Playwright's own wait limit per step (milliseconds): a guard against a hang, not a measurement.
STEP_MS = 60_000


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    server = AppServer(seed_warehouse(root, snapshots_wanted=2), root / "streamlit.log")
    try:
        server.wait_until_healthy()
        yield server
    finally:
        server.stop()


def open_page(browser, url: str, blocked: list[str]):
    context = browser.new_context()
    local_only(context, blocked)
    page = context.new_page()
    page.set_default_timeout(STEP_MS)
    page.goto(url)
    settle(page)
    return page


def settle(page) -> None:
    """Wait until the script has run to the end: every table's download buttons are there, the app is idle."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    page.get_by_text("Regions, ranked by spend in").wait_for()
    page.wait_for_function("document.querySelectorAll('[data-testid=\"stDownloadButton\"]').length == 8")


def figures(page) -> dict[str, str]:
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    return dict(zip((label.strip() for label in labels), (value.strip() for value in values), strict=True))


def assert_whole(page, server: AppServer) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, server.log()
    # tables and charts load their code lazily: wait for all of them (totals, advertisers, weeks, regions)
    page.wait_for_function("document.querySelectorAll('[data-testid=\"stDataFrame\"]').length == 4")
    page.wait_for_function("document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]').length == 3")
    assert page.locator('[data-testid="stException"]').count() == 0, server.log()
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    for index in range(3):
        drawn = charts.nth(index).locator("canvas, svg").first
        drawn.wait_for()
        box = drawn.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0


def test_the_page_renders_whole_and_a_copied_url_shows_the_same_figures(chromium, app_server):
    blocked: list[str] = []
    page = open_page(chromium, app_server.url, blocked)
    assert_whole(page, app_server)
    newest = figures(page)
    assert newest["Ads"] == str(len(SEED_ADS[2]))
    assert page.get_by_text("Snapshot 2 (as of 2026-01-19) · basis: disclosed").count() == 1

    # choose snapshot 1 and an advertiser in the sidebar, as a user would
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="Snapshot").locator("input").click()
    page.get_by_role("option", name="Snapshot 1 (as of 2026-01-12)").click()
    settle(page)
    advertiser = sidebar.get_by_label("Advertiser: id, or part of the name")
    advertiser.fill("oikya")
    advertiser.press("Enter")
    page.wait_for_url("**advertiser=oikya**")
    settle(page)
    chosen = figures(page)
    nagorik = [ad for ad in SEED_ADS[1] if ad.page_name == "Nagorik Oikya Dhaka"]
    assert chosen["Ads"] == str(len(nagorik))
    high = sum(ad.spend[1] / (ad.spend[0] / usd_low(ad)) for ad in nagorik)
    assert chosen["Spend in USD"] == f"{math.floor(sum(map(usd_low, nagorik)))}–{math.ceil(high)} USD"
    copied = page.url
    assert "snapshot=1" in copied and "advertiser=oikya" in copied
    page.context.close()

    # a new session, as when the link is pasted elsewhere
    again = open_page(chromium, copied, blocked)
    assert_whole(again, app_server)
    assert figures(again) == chosen
    assert again.get_by_text("Snapshot 1 (as of 2026-01-12) · basis: disclosed").count() == 1
    again.context.close()
    assert blocked == [], f"the app asked for something outside 127.0.0.1: {sorted(set(blocked))}"

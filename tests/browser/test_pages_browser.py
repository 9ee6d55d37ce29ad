"""Every page of the app in Chromium, on the published warehouse of tests/test_app_pages_seed.py: each renders
whole (its title, every table drawn with its two download buttons, no exception box), nothing is requested
outside 127.0.0.1, the sidebar's navigation reaches every page, and a page's link with filters shows them."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import AppServer, local_only
from tests.test_app_pages_seed import POOLED_ID, POOLED_SYSTEM, TIKTOK_ERROR, seed_pages_warehouse

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# Playwright's own wait limit per step (milliseconds): a guard against a hang, not a measurement.
STEP_MS = 60_000
# url path -> (navigation label, page title, tables on the page, a text the page must show)
PAGES = {
    "spend": ("Ad spend explorer", "Ad spend explorer", 4, "Regions, ranked by spend in"),
    "advertisers": ("Advertisers across platforms", "Advertisers across platforms", 3, "Name matches awaiting review"),
    "who-pays": ("Who pays this site?", "Who pays this site?", 2, "Which sites does this seller account sell?"),
    "coverage": ("Disclosure coverage", "Disclosure coverage", 2, "Since when"),
    "completeness": ("Completeness", "Completeness: Meta's API beside its report", 1, "The rule: [completeness]"),
    "sources": ("Sources and data quality", "Sources and data quality", 1, TIKTOK_ERROR),
}


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser-pages")
    server = AppServer(seed_pages_warehouse(root), root / "streamlit.log")
    try:
        server.wait_until_healthy()
        yield server
    finally:
        server.stop()


def assert_whole(page, server: AppServer, url_path: str) -> None:
    _, title, tables, text = PAGES[url_path]
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    page.get_by_role("heading", name=title, exact=True).wait_for()
    page.get_by_text(text, exact=False).first.wait_for()
    page.wait_for_function(f"document.querySelectorAll('[data-testid=\"stDataFrame\"]').length == {tables}")
    page.wait_for_function(
        f"document.querySelectorAll('[data-testid=\"stDownloadButton\"]').length == {2 * tables}")
    grids = page.locator('[data-testid="stDataFrame"]')
    for index in range(tables):  # each table drawn, not only its frame
        drawn = grids.nth(index).locator("canvas").first
        drawn.wait_for()
        box = drawn.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, (url_path, index)
    assert page.locator('[data-testid="stException"]').count() == 0, server.log()


def test_every_page_renders_whole_with_nothing_asked_outside(chromium, app_server):
    blocked: list[str] = []
    context = chromium.new_context()
    local_only(context, blocked)
    page = context.new_page()
    page.set_default_timeout(STEP_MS)
    for url_path in PAGES:
        page.goto(app_server.url + url_path)
        assert_whole(page, app_server, url_path)
    context.close()
    assert blocked == [], f"the app asked for something outside 127.0.0.1: {sorted(set(blocked))}"


def test_the_sidebar_reaches_every_page_and_a_link_keeps_its_filters(chromium, app_server):
    blocked: list[str] = []
    context = chromium.new_context()
    local_only(context, blocked)
    page = context.new_page()
    page.set_default_timeout(STEP_MS)
    page.goto(app_server.url)
    assert_whole(page, app_server, "spend")
    navigation = page.locator('[data-testid="stSidebarNav"]')
    for url_path in [*list(PAGES)[1:], "spend"]:  # every page, then back to the explorer (the root URL)
        navigation.get_by_role("link", name=PAGES[url_path][0], exact=True).click()
        wanted = "/" if url_path == "spend" else f"/{url_path}"
        page.wait_for_url(lambda url: urlsplit(url).path == wanted)
        assert_whole(page, app_server, url_path)

    page.goto(app_server.url + f"who-pays?recipient=lagoseveningstar.ng&seller={POOLED_SYSTEM}/{POOLED_ID}")
    assert_whole(page, app_server, "who-pays")
    page.get_by_text("Seller-id pooling: this account is declared DIRECT by sites of 3 different owners").wait_for()
    assert "recipient=lagoseveningstar.ng" in page.url
    context.close()
    assert blocked == [], f"the app asked for something outside 127.0.0.1: {sorted(set(blocked))}"

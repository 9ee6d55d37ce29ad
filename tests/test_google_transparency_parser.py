"""spiders/parsers/google_transparency.py on the two real legacy ad cards and a written creative page."""

from __future__ import annotations

from pathlib import Path

import pytest

from spiders.items import FIELDS
from spiders.parsers import google_transparency
from spiders.parsers.registry import PARSERS

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
CARDS = REALDATA / "google"
FILES = Path(__file__).resolve().parent / "files" / "google_ads_transparency"
_needs_realdata = pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")


def realdata(test):
    return pytest.mark.realdata(_needs_realdata(test))


def one_card(name: str) -> dict:
    items = list(PARSERS["google-ad-card"](CARDS / f"transparencyreport_political-ads_{name}-ad.html"))
    assert len(items) == 1
    assert list(items[0]) == list(FIELDS["google_creative"])
    return items[0]


@realdata
def test_real_text_ad_card_gives_its_ids_text_and_format():
    card = one_card("text")
    assert card["creative_id"] == card["ad_key"] == "CR538317525704769536"
    assert card["advertiser_id"] == "AR105500339708362752"
    assert card["advertiser_name"] == "DONALD J. TRUMP FOR PRESIDENT, INC."
    assert card["ad_format"] == "text"
    assert card["headline"] == "Republicans: Are You Ready? | It's Time To Vote Trump | Find Your Polling Place Now"
    assert card["display_url"] == "vote.donaldjtrump.com"
    assert card["body"].startswith("Republicans: Visit Site To Find Your Election Day Polling Place.")
    assert card["body"].endswith("President Trump Is Counting On Your Vote.")
    assert (card["first_shown_date"], card["last_shown_date"], card["days_shown"]) == ("2020-11-03", "2020-11-03", 1)
    assert (card["impressions_text"], card["spend_text"]) == ("100k–1M", "> $100k")
    assert card["status"] == "ok" and card["error"] is None


@realdata
def test_real_image_ad_card_gives_its_format_frame_and_dates():
    card = one_card("image")
    assert (card["advertiser_id"], card["creative_id"]) == ("AR488306308034854912", "CR319240383626215424")
    assert card["advertiser_name"] == "TRUMP MAKE AMERICA GREAT AGAIN COMMITTEE"
    assert card["ad_format"] == "image"
    assert card["headline"] is None and card["body"] is None
    assert card["media_urls"] == ["https://tpc.googlesyndication.com/safeframe/1-0-37/html/container.html"]
    assert card["dates_text"] == "10/26/20 - 11/3/20"
    assert (card["first_shown_date"], card["last_shown_date"], card["days_shown"]) == ("2020-10-26", "2020-11-03", 9)
    assert (card["impressions_text"], card["spend_text"]) == ("≤ 10k", "≤ $100")


@realdata
def test_a_legacy_card_is_refused_as_a_creative_page():
    with pytest.raises(ValueError, match="google-ad-card"):
        list(PARSERS["google-creative"](CARDS / "transparencyreport_political-ads_text-ad.html"))


def test_creative_page_gives_labelled_properties_text_and_regions():
    [item] = PARSERS["google-creative"](FILES / "creative_text.html")
    assert (item["advertiser_id"], item["creative_id"]) == ("AR105500339708362752", "CR538317525704769536")
    assert item["advertiser_name"] == "DONALD J. TRUMP FOR PRESIDENT, INC."
    assert item["ad_format"] == "text"
    assert item["headline"] == "Republicans: Are You Ready? | Find Your Polling Place Now"
    assert item["display_url"] == "vote.donaldjtrump.com"
    assert item["body"] == "Visit Site To Find Your Election Day Polling Place. Be Ready For Nov 3rd."
    assert (item["first_shown_date"], item["last_shown_date"]) == ("2020-11-03", "2020-11-03")
    assert item["regions"] == ["United States", "United States – Georgia"]


def test_a_page_without_a_creative_says_what_it_is(tmp_path):
    page = tmp_path / "error.html"
    page.write_text("<html><body><h1>Something went wrong</h1></body></html>")
    with pytest.raises(ValueError, match="not an Ads Transparency Center creative page"):
        list(PARSERS["google-creative"](page))
    with pytest.raises(ValueError, match="no <creative-preview> ad card"):
        list(PARSERS["google-ad-card"](page))


@pytest.mark.parametrize(("written", "iso"), [("Nov 3, 2020", "2020-11-03"), ("3 Nov 2020", "2020-11-03"),
                                               ("11/3/20", "2020-11-03"), ("yesterday", None)])
def test_dates_as_google_writes_them(written, iso):
    assert google_transparency.parse_date(written) == iso

"""spiders/parsers/easylist.py on the real EasyList copy in ../shared/realdata/adblock, and on small lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from spiders.parsers import easylist

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
ADBLOCK = REALDATA / "adblock"
needs_realdata = pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")


@pytest.fixture(scope="module")
def real():
    return easylist.load(ADBLOCK / "easylist.txt", ADBLOCK / "org_domains.json")


@needs_realdata
def test_real_list_rule_counts(real):
    # Counted by hand with grep on the 2016-07-29 copy: '^##' lines, 'domains##' lines, '#@#' lines,
    # '||host^[$options]' lines, and the eight host-wide '@@||host^' exceptions.
    assert real.version == "201607291419"
    assert real.counts["hiding_generic_rules"] == 17253
    assert real.counts["hiding_site_rules"] == 11792
    assert real.counts["hiding_exceptions"] == 663
    assert real.counts["ad_server_rules"] == 6586
    assert real.counts["ad_server_exceptions"] == 8
    assert len(real.owners) > 800


@needs_realdata
def test_real_hiding_rules(real):
    generic = real.selectors_for("news.example.org")
    assert ".adsbygoogle" in generic
    assert 'div[id^="div-gpt-ad"]' in generic
    assert "#div-gpt-ad-mrec-5" in generic
    # amazon.com,...#@#div[id^="div-gpt-ad"]: the exception switches the rule off there only.
    assert 'div[id^="div-gpt-ad"]' not in real.selectors_for("www.amazon.com")


@needs_realdata
def test_real_ad_server_rules(real):
    assert real.ad_server("juicyads.com", "news.example.org") == "juicyads.com"  # ||juicyads.com^
    assert real.ad_server("ib.adnxs.com", "news.example.org") == "adnxs.com"  # ||adnxs.com^$third-party
    assert real.ad_server("ib.adnxs.com", "www.adnxs.com") is None  # first party: $third-party does not apply
    assert real.ad_server("news.example.org", "news.example.org") is None
    assert real.owner_of("ib.adnxs.com") == "AppNexus"
    assert real.owner_of("pagead2.googlesyndication.com") == "Google"


def test_options_exceptions_and_domains():
    text = "\n".join([
        "[Adblock Plus 2.0]", "! Version: 1",
        "##.ad-slot", "example.com,~shop.example.com##.promo", "~quiet.org##.banner", "example.com#@#.ad-slot",
        "||ads.example.net^", "||pop.example.net^$popup", "||only.example.net^$domain=news.org|~sport.news.org",
        "@@||ads.example.net^", "||tracker.example.net/path/$script", "#?#div:-abp-has(.ad)",
    ])
    parsed = easylist.parse(text)
    assert parsed.selectors_for("other.org") == [".ad-slot", ".banner"]
    assert parsed.selectors_for("www.example.com") == [".banner", ".promo"]
    assert parsed.selectors_for("shop.example.com") == [".banner"]
    assert parsed.selectors_for("quiet.org") == [".ad-slot"]
    assert parsed.ad_server("ads.example.net") is None  # @@ exception
    assert parsed.ad_server("pop.example.net") is None  # pop-up windows only
    assert parsed.ad_server("only.example.net", "www.news.org") == "only.example.net"
    assert parsed.ad_server("only.example.net", "sport.news.org") is None
    assert parsed.ad_server("only.example.net", "other.org") is None
    assert parsed.counts["url_rules_not_host_level"] == 1
    assert parsed.counts["extended_rules_skipped"] == 1


def test_not_a_filter_list(tmp_path):
    page = tmp_path / "easylist.txt"
    page.write_text("<html><body>Moved</body></html>")
    with pytest.raises(easylist.EasyListError, match="not an Adblock Plus filter list"):
        easylist.load(page)
    with pytest.raises(easylist.EasyListError, match="cannot read the EasyList file"):
        easylist.load(tmp_path / "missing.txt")


@needs_realdata
def test_adtrail_parse_easylist():
    from spiders.parsers.registry import PARSERS

    lines = list(PARSERS["easylist"](ADBLOCK / "easylist.txt"))
    assert lines[0]["rule_kind"] == "summary" and lines[0]["ad_server_rules"] == 6586
    assert len(lines) == 1 + 6586
    assert {"rule_kind": "ad_server", "host": "adnxs.com", "third_party_only": True, "include_domains": [],
            "exclude_domains": [], "popup_only": False, "rule": "||adnxs.com^$third-party"} in lines

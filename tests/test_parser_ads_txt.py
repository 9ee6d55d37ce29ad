"""ads.txt / app-ads.txt parser (IAB ads.txt 1.1): every real file counted, every rule on a real line where one
exists (../shared/realdata/ads_txt), otherwise on a line written here and said so."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from spiders.items import FIELDS
from spiders.parsers import ad_systems, ads_txt, app_store
from spiders.parsers.ads_txt import parse_ads_txt
from spiders.parsers.ads_txt_rules import RecordLine, RejectedLine, VariableLine, classify_line
from spiders.public_suffix import PublicSuffixListError, load_public_suffix_list, parse_list, root_domain

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
ADS_TXT = REALDATA / "ads_txt"
needs_realdata = pytest.mark.skipif(not ADS_TXT.exists(), reason="needs ../shared/realdata")
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "app_store"


def real(name: str, file_kind: str = "ads.txt", domain: str | None = None):
    return parse_ads_txt((ADS_TXT / name).read_bytes(), file_kind=file_kind, domain=domain)


def real_line(name: str, line_number: int) -> str:
    return (ADS_TXT / name).read_text(encoding="utf-8").split("\n")[line_number - 1]


# Counted independently of the parser, once, with:
#   grep -v '^\s*#' FILE | sed 's/#.*//' | grep -v '^\s*$'      -> the meaningful lines
#   ... | grep -ci '^[a-z]*='                                    -> variables
#   rejected: lines with no comma and no '=' (transfermarkt.de 494, 495, 1404, 2233: '::::Outbrainads.txt::::',
#   dashes and underscores) plus the invalid fixture's 'tooshort.com,something' (2 fields) and
#   'wrongvalue.org,456,UNKNOWN' (no such relationship); records: the rest.
# SOURCES.md agrees on records and variables for every file but one: it counts the 3 lines of
# fixture_perry-mitchell_invalid.ads.txt as records, where 2 of them are rejected here (the fixture is the
# perry-mitchell parser's own "invalid" example: ads.txt 1.1 requires 3 fields and DIRECT or RESELLER).
EXPECTED = {  # file: (records, variables, rejected)
    "autobild.de_ads.txt": (217, 2, 0),
    "bild.de_ads.txt": (255, 5, 0),
    "bild.de_app-ads.txt": (91, 5, 0),
    "businessinsider.de_ads.txt": (309, 2, 0),
    "finanzen.net_ads.txt": (433, 2, 0),
    "finanzen.net_app-ads.txt": (62, 2, 0),
    "fixture_perry-mitchell_invalid.ads.txt": (1, 0, 2),
    "fixture_perry-mitchell_valid.ads.txt": (3, 5, 0),
    "funke_2017_bdf_ads.txt": (70, 0, 0),
    "funke_2017_bmo_ads.txt": (97, 0, 0),
    "ghpages_0312birdzhang_ads.txt": (1, 0, 0),
    "motorsport.com_ads.txt": (805, 2, 0),
    "politico.com_ads.txt": (103, 1, 0),
    "politico.com_app-ads.txt": (15, 0, 0),
    "politico.eu_ads.txt": (133, 0, 0),
    "sport1.de_ads.txt": (671, 2, 0),
    "sport1.de_app-ads.txt": (66, 2, 0),
    "transfermarkt.de_ads.txt": (2151, 2, 4),
    "welt.de_ads.txt": (257, 2, 0),
    "welt.de_app-ads.txt": (108, 2, 0),
}


@needs_realdata
def test_every_real_file_has_expected_counts():
    assert sorted(EXPECTED) == sorted(path.name for path in ADS_TXT.iterdir())


@needs_realdata
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_file_counts(name):
    file_kind = "app-ads.txt" if "app-ads" in name else "ads.txt"
    parsed = real(name, file_kind)
    assert (len(parsed.records), len(parsed.variables), len(parsed.rejected)) == EXPECTED[name]
    assert all(rejected.reason for rejected in parsed.rejected)


# ---------------------------------------------------------------- comments, line breaks, encodings

@needs_realdata
def test_comment_anywhere_on_a_line_real():
    # transfermarkt.de line 1401: "zedo.com, 1495, RESELLER, #ZINCbyZEDO"; valid fixture line 2: inline comment
    record = classify_line(real_line("transfermarkt.de_ads.txt", 1401))
    assert (record.seller_account_id, record.relationship, record.certification_authority_id) == ("1495", "RESELLER", None)
    parsed = real("fixture_perry-mitchell_valid.ads.txt")
    assert [r.line.seller_account_id for r in parsed.records] == ["12345", "my%20name", "12345678abncdefdsdsd"]
    assert parsed.records[0].line.certification_authority_id is None  # "DIRECT #Kiosked"


def test_cr_lf_crlf_bom_and_no_break_spaces():  # written here: no real file has them
    body = (b"\xef\xbb\xbfgoogle.com, pub-1, DIRECT\r\nappnexus.com,\xc2\xa02, RESELLER\r"
            b"openx.com, 3,\xc2\xa0direct\ncontact=a@b.org")
    parsed = parse_ads_txt(body)
    assert [(r.line_number, r.line.seller_account_id, r.line.relationship) for r in parsed.records] == [
        (1, "pub-1", "DIRECT"), (2, "2", "RESELLER"), (3, "3", "DIRECT")]
    assert parsed.contacts == ["a@b.org"] and parsed.variables[0].line_number == 4
    utf16 = parse_ads_txt("google.com, pub-9, DIRECT\n".encode("utf-16"))
    assert utf16.records[0].line.seller_account_id == "pub-9" and utf16.encoding == "utf-16"


@needs_realdata
def test_no_trailing_newline_real():
    assert real("ghpages_0312birdzhang_ads.txt").records[0].line.certification_authority_id == "f08c47fec0942fa0"


# ---------------------------------------------------------------- variables

@needs_realdata
def test_variables_real_lowercase_names_and_subdomains():
    parsed = real("bild.de_ads.txt", domain="bild.de")
    assert parsed.owner_domain == "axelspringer.com" and parsed.owner_domain_declared
    assert parsed.manager_domains == [("mediaimpact.de", None)]
    assert parsed.subdomains == ["spiele.bild.de", "toralarm.bild.de", "sportbild.bild.de"]
    app = real("bild.de_app-ads.txt", "app-ads.txt", domain="bild.de")
    assert app.subdomains == []  # SUBDOMAIN means nothing in app-ads.txt: parsed, kept, ignored
    assert {v.ignored_reason for v in app.variables if v.line.name == "SUBDOMAIN"} == {
        "SUBDOMAIN has no meaning in app-ads.txt"}


@needs_realdata
def test_percent_encoded_and_unknown_variables_real():
    parsed = real("fixture_perry-mitchell_valid.ads.txt")
    assert parsed.contacts == ["Jane Doe"]
    assert [(v.line.name, v.line.value) for v in parsed.variables if v.line.name == "TESTVAR"] == [
        ("TESTVAR", "value1"), ("TESTVAR", "value2"), ("TESTVAR", "value3")]
    assert all(v.ignored_reason == "TESTVAR is not an ads.txt 1.1 variable"
               for v in parsed.variables if v.line.name == "TESTVAR")


def test_ownerdomain_first_counts_and_default_is_the_hosts_root():  # written here
    parsed = parse_ads_txt(b"OWNERDOMAIN=first.com\nOWNERDOMAIN=second.com\n", domain="www.site.co.uk")
    assert parsed.owner_domain == "first.com"
    assert parsed.variables[1].ignored_reason == "a later OWNERDOMAIN: the first one counts"
    assert parse_ads_txt(b"", domain="www.site.co.uk").owner_domain == "site.co.uk"


def test_managerdomain_country_inventorypartner_and_foreign_subdomain():  # written here
    parsed = parse_ads_txt(b"MANAGERDOMAIN=manager.com,br\nMANAGERDOMAIN=other.com\n"
                           b"INVENTORYPARTNERDOMAIN=Partner.TV\nSUBDOMAIN=news.elsewhere.com\nSUBDOMAIN=a.site.com\n"
                           b"MANAGERDOMAIN=x.com,Brazil\nCONTACT=\n", domain="site.com")
    assert parsed.manager_domains == [("manager.com", "BR"), ("other.com", None)]
    assert parsed.inventory_partner_domains == ["partner.tv"]
    assert parsed.subdomains == ["a.site.com"]
    assert [r.reason for r in parsed.rejected] == [
        "MANAGERDOMAIN country 'Brazil' is not an ISO 3166-1 alpha-2 code", "variable CONTACT has no value"]


# ---------------------------------------------------------------- records

@needs_realdata
def test_relationship_case_insensitive_real():
    assert classify_line(real_line("motorsport.com_ads.txt", 708)).relationship == "DIRECT"  # "..., direct"


@needs_realdata
def test_seller_ids_exactly_as_given_real():
    # leading zeros (outbrain), mixed case (ucfunnel), %20 kept in an id (it is not a variable)
    assert classify_line(real_line("bild.de_ads.txt", 124)).seller_account_id == "003a0f1986047ad229ef4039d55c36909f"
    assert classify_line(real_line("transfermarkt.de_ads.txt", 2177)).seller_account_id == "pub-2736DD97D4BD2E7DC8AD6967ED73DE98"
    assert classify_line("example.com, abc=def==, DIRECT").seller_account_id == "abc=def=="  # written here


def test_extensions_after_semicolon():  # written here: no real file has one
    record = classify_line("exchange.com, 42, RESELLER, abc123; tagid=1 ; other")
    assert (record.certification_authority_id, record.extensions) == ("abc123", ("tagid=1", "other"))


@needs_realdata
def test_trailing_comma_is_an_empty_field_real():
    record = classify_line(real_line("sport1.de_ads.txt", 174))  # "yieldlab.net,5710,DIRECT,"
    assert (record.seller_account_id, record.certification_authority_id, record.recovered_reason) == ("5710", None, None)


def test_placeholder_is_an_explicit_empty_declaration():  # IAB ads.txt 1.1 §3.2.1's own line
    parsed = parse_ads_txt(b"# nobody sells our inventory\nplaceholder.example.com, placeholder, DIRECT, placeholder\n")
    assert parsed.declares_no_sellers and parsed.records[0].line.is_placeholder
    assert not parse_ads_txt(b"").declares_no_sellers  # an empty file is not a declaration (deprecated)
    assert not parse_ads_txt(b"placeholder.example.com, placeholder, DIRECT\ngoogle.com, pub-1, DIRECT").declares_no_sellers


# ---------------------------------------------------------------- near misses: recovered or rejected

@needs_realdata
@pytest.mark.parametrize(("name", "line_number", "fields", "reason"), [
    ("motorsport.com_ads.txt", 174, ("193091", "RESELLER", "50b1c356f2c5c8fc"), "space instead of a comma between fields"),
    ("transfermarkt.de_ads.txt", 1770, ("684", "DIRECT", "ef9e7658006e9654"), "space instead of a comma between fields"),
    ("transfermarkt.de_ads.txt", 250, ("58905", "RESELLER", "e1a5b5b6e3255540"),
     "certification authority id glued to the relationship"),
    ("transfermarkt.de_ads.txt", 385, ("TDBjiIPU", "DIRECT", "d53b998a7bd4ecd2"),
     "text after the certification authority id dropped: '(OB)'"),
    ("motorsport.com_ads.txt", 619, ("560288", "RESELLER", "89ff185a4c4e857c"),
     "text after the certification authority id dropped: '//duplicada'"),
])
def test_near_miss_recovered_real(name, line_number, fields, reason):
    record = classify_line(real_line(name, line_number))
    assert (record.seller_account_id, record.relationship, record.certification_authority_id) == fields
    assert record.recovered_reason == reason


@pytest.mark.parametrize(("line", "fields", "reason"), [  # written here: no real file has these
    ("google.com，pub-1，DIRECT", ("google.com", "pub-1", "DIRECT"), "full-width comma read as a comma"),
    ("appnexus.com, 12345DIRECT", ("appnexus.com", "12345", "DIRECT"), "seller account id glued to the relationship"),
    ("google.com pub-7 RESELLER", ("google.com", "pub-7", "RESELLER"), "space instead of a comma between fields"),
    ("pubmatic,com, 156439, RESELLER", ("pubmatic,com", "156439", "RESELLER"),
     "comma instead of the dot in the ad system domain"),
])
def test_near_miss_recovered_written(line, fields, reason):
    record = classify_line(line)
    assert (record.ad_system_domain, record.seller_account_id, record.relationship) == fields
    assert record.recovered_reason == reason


@needs_realdata
def test_rejected_lines_kept_with_reason_real():
    parsed = real("transfermarkt.de_ads.txt")
    assert [(r.line_number, r.raw_line) for r in parsed.rejected] == [
        (494, "::::Outbrainads.txt::::"), (495, real_line("transfermarkt.de_ads.txt", 495)),
        (1404, "____________________________"), (2233, "__________________________")]
    invalid = real("fixture_perry-mitchell_invalid.ads.txt")
    assert [(r.line_number, r.reason) for r in invalid.rejected] == [
        (2, "neither a record (3 or 4 comma-separated fields) nor a variable (NAME=value): 2 fields"),
        (3, "relationship 'UNKNOWN' is neither DIRECT nor RESELLER")]


def test_other_rejections():  # written here
    assert classify_line("a.com, 1, DIRECT, x, y").reason.startswith("5 comma-separated fields")
    assert classify_line("not a domain, 1, DIRECT").reason == "ad system domain 'not a domain' is not a domain name"
    assert isinstance(classify_line("   # only a comment"), type(None))


# ---------------------------------------------------------------- canonical ad systems and Google ids

@needs_realdata
def test_canonical_ad_system_real_mixed_case():
    parsed = real("funke_2017_bmo_ads.txt")
    google = [r for r in parsed.records if r.line.ad_system_domain == "Google.com"]
    assert google and {r.ad_system_canonical for r in google} == {"google.com"}


def test_alias_table():
    for alias in ("googlesyndication.com", "doubleclick.net", "https://www.Google.com/"):
        assert ad_systems.canonical_ad_system(alias) == "google.com"
    assert ad_systems.canonical_ad_system("xandr.com") == "appnexus.com"
    assert ad_systems.canonical_ad_system("pubmatic,com") == "pubmatic.com"
    assert ad_systems.canonical_ad_system("Magnite.com") == "rubiconproject.com"
    assert ad_systems.canonical_ad_system("some-new-ssp.io") == "some-new-ssp.io"


@needs_realdata
def test_google_publisher_ids_real():
    record = next(r for r in real("finanzen.net_app-ads.txt", "app-ads.txt").records if r.line_number == 60)
    assert (record.line.seller_account_id, record.seller_account_canonical) == ("ca-mb-app-pub-9740810436663331",
                                                                                 "pub-9740810436663331")
    for given in ("ca-pub-123", "ca-video-pub-123", "partner-pub-123", "pub-123"):
        assert ad_systems.canonical_seller_account("google.com", given) == "pub-123"
    assert ad_systems.canonical_seller_account("appnexus.com", "ca-pub-123") == "ca-pub-123"


# ---------------------------------------------------------------- public suffix list

def test_root_domain_by_public_suffix_list():
    assert root_domain("spiele.bild.de") == "bild.de"
    assert root_domain("www.bbc.co.uk") == "bbc.co.uk"
    assert root_domain("user.github.io") == "user.github.io"  # private section counts
    assert root_domain("x.city.kawasaki.jp") == "city.kawasaki.jp"  # exception rule
    assert root_domain("co.uk") is None


def test_updated_list_from_a_file(tmp_path, monkeypatch):
    bundled = load_public_suffix_list()
    updated = tmp_path / "public_suffix_list.dat"
    rules = sorted(bundled.rules)
    updated.write_text("\n".join([*rules, "// added", "adtrail-test.example"]), encoding="utf-8")
    monkeypatch.setenv("ADTRAIL_PUBLIC_SUFFIX_LIST", str(updated))
    load_public_suffix_list.cache_clear()
    try:
        assert root_domain("a.b.adtrail-test.example") == "b.adtrail-test.example"
    finally:
        monkeypatch.delenv("ADTRAIL_PUBLIC_SUFFIX_LIST")
        load_public_suffix_list.cache_clear()
    assert root_domain("a.b.adtrail-test.example") == "adtrail-test.example"
    with pytest.raises(PublicSuffixListError, match="not the Public Suffix List"):
        parse_list("<html>Not found</html>", origin="x")
    with pytest.raises(PublicSuffixListError, match="cannot read"):
        load_public_suffix_list(str(tmp_path / "missing.dat"))


# ---------------------------------------------------------------- items and adtrail parse

def test_items_follow_the_contract():
    parsed = parse_ads_txt(b"google.com, ca-pub-1, DIRECT\nOWNERDOMAIN=site.com\nbroken line\n", domain="news.site.com")
    rows = list(ads_txt.items(parsed, domain="news.site.com", provenance={"source": "ads_txt", "crawl_id": "c1"}))
    assert [row["item_kind"] for row in rows] == ["ads_txt_record", "ads_txt_variable", "ads_txt_rejected_line"]
    for row in rows:
        assert list(row) == list(FIELDS[row["item_kind"]])
        assert row["root_domain"] == "site.com" and row["crawl_id"] == "c1"
    assert rows[0]["line_key"] == "news.site.com/ads.txt#1" and rows[0]["seller_account_canonical"] == "pub-1"
    assert rows[2]["raw_line"] == "broken line"


@needs_realdata
def test_adtrail_parse_ads_txt_and_app_ads_txt():
    out = subprocess.run([sys.executable, str(ROOT / "cli.py"), "parse", "app-ads-txt",
                          str(ADS_TXT / "welt.de_app-ads.txt")], capture_output=True, text=True, cwd=ROOT, check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 110 and {row["domain"] for row in rows} == {"welt.de"}
    assert {row["file_kind"] for row in rows} == {"app-ads.txt"}
    assert ads_txt.domain_from_file_name(ADS_TXT / "fixture_perry-mitchell_valid.ads.txt") == "unknown"
    assert ads_txt.domain_from_file_name(Path("saved/bild.de/ads.txt")) == "bild.de"


# ---------------------------------------------------------------- app store listings

def test_google_play_developer_website():
    found = app_store.developer_website((FIXTURES / "google_play_listing.html").read_bytes())
    assert (found.store, found.url) == ("google_play", "https://www.example-news.de/")
    assert app_store.app_ads_txt_url(found.url) == "https://example-news.de/app-ads.txt"


def test_app_store_developer_website():
    found = app_store.developer_website((FIXTURES / "apple_app_store_listing.html").read_bytes())
    assert (found.store, found.url) == ("app_store", "https://m.example-news.co.uk/apps")
    assert app_store.app_ads_txt_url(found.url) == "https://example-news.co.uk/app-ads.txt"
    assert app_store.developer_website(b"<html><body><a href='https://x.com'>Privacy</a></body></html>") is None

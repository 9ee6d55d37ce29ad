"""The sellers.json streaming parser on the real files in ../shared/realdata/sellers_json and on written
fixtures: exact counts and odd fields, every chunk size from 1 to 7 bytes giving the same records, and clear
errors for broken JSON, HTML and JavaScript."""

from pathlib import Path

import pytest

from spiders.parsers.json_stream import JsonObjectStream, JsonStreamError
from spiders.parsers.sellers_json import file_chunks, normalise_domain, read_sellers_json, truth

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
SELLERS = REALDATA / "sellers_json"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sellers_json"
needs_realdata = pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")


def read(path: Path, chunk: int = 1 << 20):
    records = list(read_sellers_json(file_chunks(path, chunk)))
    assert records[-1]["record"] == "file" and all(r["record"] == "seller" for r in records[:-1])
    return records[:-1], records[-1]


@needs_realdata
def test_admaru_numeric_version_tabs_and_trailing_space_domain():
    sellers, facts = read(SELLERS / "admaru.com_sellers.json")
    assert facts["status"] == "ok" and facts["error"] is None
    assert len(sellers) == facts["sellers_count"] == 45
    assert facts["version"] == "1.0" and facts["version_given"] == "1.0"  # a JSON number, kept as its text
    assert "version is a number, not a string" in facts["notes"]
    assert facts["contact_email"] == "contact@admaru.com"  # from the non-standard key "email"
    assert facts["contact_address"] == "2125 Center Ave., #412, Fort Lee, NJ 07024"
    assert set(facts["other_fields"]) == {"email", "address"}
    pandora = next(s for s in sellers if s["seller_id"] == "700003")
    assert pandora["domain"] == "pandora.tv" and pandora["domain_given"] == "Pandora.tv "
    assert pandora["problems"] == ["domain_whitespace"]
    assert facts["seller_problems"] == {"domain_whitespace": 1}
    # entries opened by tabs and tab-space mixes parse like the others
    hindustan = next(s for s in sellers if s["seller_id"] == "299009")
    assert hindustan["domain"] == "hindustantimes.com" and hindustan["seller_type"] == "PUBLISHER"
    assert [s["seller_index"] for s in sellers] == list(range(45))
    assert sellers[0]["seller_id"] == "977550" and sellers[-1]["seller_id"] == "700012"
    assert {s["seller_type"] for s in sellers} == {"PUBLISHER"}
    assert all(s["domain"] == s["domain"].lower() for s in sellers)


@needs_realdata
def test_alumax_integer_confidential_flags():
    sellers, facts = read(SELLERS / "alumax.ai_sellers.json")
    assert facts["status"] == "ok" and len(sellers) == facts["sellers_count"] == 9
    assert facts["version"] == "1.0" and facts["version_given"] == '"1.0"'
    assert facts["identifiers"] == "[]" and facts["notes"] == []
    assert [s["seller_id"] for s in sellers][:3] == ["580148", "398522", "892637"]
    assert all(s["is_confidential"] is False and s["problems"] == [] for s in sellers)
    assert '"is_confidential": 0' in sellers[0]["entry"]


@needs_realdata
def test_vandelay_invalid_json_is_reported_where_it_breaks():
    sellers, facts = read(SELLERS / "vandelay-media.com_sellers_2024-12_invalid.json")
    assert sellers == []
    assert facts["status"] == "error" and facts["error_kind"] == "invalid_json"
    assert (facts["error_line"], facts["error_column"]) == (6, 1)
    assert "expected a member name in double quotes at line 6, column 1" in facts["error"]
    assert "0 sellers were read before it" in facts["error"]
    assert facts["contact_email"] == "support@vandelay-media.com"  # what came before the break is kept


@needs_realdata
@pytest.mark.parametrize("name", sorted(p.name for p in SELLERS.glob("*.json")) if SELLERS.exists() else [])
def test_real_files_read_the_same_at_every_chunk_size(name):
    whole = read(SELLERS / name)
    for chunk in range(1, 8):
        assert read(SELLERS / name, chunk) == whole, chunk


@pytest.mark.parametrize("name", ["messy.json", "html_wrapped.json", "js_wrapped.json"])
def test_fixtures_read_the_same_at_every_chunk_size(name):
    whole = read(FIXTURES / name)
    for chunk in range(1, 8):
        assert read(FIXTURES / name, chunk) == whole, chunk


def test_html_page_is_refused_saying_so():
    sellers, facts = read(FIXTURES / "html_wrapped.json")
    assert sellers == [] and facts["status"] == "error" and facts["error_kind"] == "html"
    assert facts["error"].startswith("not a sellers.json: the body is an HTML page")
    assert "<!DOCTYPE html>" in facts["error"] and facts["first_bytes"].startswith("<!DOCTYPE html>")


def test_javascript_is_refused_saying_so():
    sellers, facts = read(FIXTURES / "js_wrapped.json")
    assert sellers == [] and facts["error_kind"] == "javascript"
    assert "JavaScript, not JSON (it starts 'var sellers = {" in facts["error"]


def test_messy_fixture_field_by_field():
    sellers, facts = read(FIXTURES / "messy.json")
    assert facts["status"] == "ok" and facts["sellers_count"] == 5
    assert facts["other_fields"] == {"owner": '"Example Ads"'} and facts["ext"] == '{"note":"odd"}'
    numeric, padded, unknown, cafe, not_object = sellers
    assert numeric["seller_id"] == "12345678901234567890"  # every digit: never through a float
    assert numeric["domain"] == "www.example.com"
    assert numeric["problems"] == ["seller_id_number", "domain_scheme", "domain_path", "domain_trailing_dot"]
    assert numeric["seller_type"] == "PUBLISHER" and numeric["seller_type_given"] == "publisher"
    assert (numeric["is_confidential"], numeric["is_passthrough"]) == (True, True)  # "TRUE", "1"
    assert padded["seller_id"] == "00042" and padded["seller_type"] == "BOTH"
    assert (padded["is_confidential"], padded["is_passthrough"]) == (True, True)  # 1, true
    assert unknown["seller_id"] == "abc=" and unknown["domain"] == "reseller.example"
    assert unknown["seller_type"] == "RESELLER" and unknown["seller_type_known"] is False
    assert unknown["is_confidential"] is None and "is_confidential_not_understood" in unknown["problems"]
    assert cafe["name"] == "Café Média" and cafe["is_passthrough"] is False  # "no"
    assert not_object["problems"] == ["entry_not_object"] and not_object["entry"] == "42"


@pytest.mark.parametrize("value, expected", [
    (True, (True, True)), (False, (False, True)), (None, (False, True)), ("yes", (True, True)),
    ("True", (True, True)), ("0", (False, True)), ("", (False, True)), ("2", (None, False)), ([], (None, False)),
])
def test_truth_forms(value, expected):
    assert truth(value) == expected


@pytest.mark.parametrize("given, domain", [
    ("Example.COM", "example.com"), ("http://example.com/", "example.com"), ("//example.com", "example.com"),
    ("example.com.", "example.com"), ("example.com:8080", "example.com"), (" example.com\u00a0", "example.com"),
    ("", None),
])
def test_domains(given, domain):
    assert normalise_domain(given)[0] == domain


def test_not_a_domain_is_flagged():
    assert normalise_domain("not a domain")[1] == ["domain_invalid"]


@pytest.mark.parametrize("body, kind, words", [
    (b"", "empty", "empty"),
    (b'[{"seller_id": "1"}]', "not_an_object", "a JSON list"),
    (b'callback({"sellers": []})', "javascript", "JavaScript"),
    (b'<?xml version="1.0"?><sellers/>', "markup", "XML"),
    (b'{"sellers": [{"seller_id": "1"}', "invalid_json", "1 sellers were read before it"),
    (b'{"sellers": []} trailing', "invalid_json", "more content after the end"),
    (b'{"sellers": [NaN]}', "invalid_json", "element 0 of 'sellers'"),
])
def test_other_bodies_say_what_they_are(body, kind, words):
    facts = list(read_sellers_json([body]))[-1]
    assert facts["status"] == "error" and facts["error_kind"] == kind and words in facts["error"]


def test_cut_number_is_not_taken_for_a_shorter_one():
    # "12" arriving as "1" then "2" must not be read as 1 followed by garbage
    members = list(JsonObjectStream([b'{"version": 1', b'2.5', b"}"]).members())
    assert [(m.key, m.value) for m in members] == [("version", "12.5")]


def test_minified_file_reports_the_column_across_dropped_chunks():
    body = b'{"sellers": [' + b'{"seller_id": "1"},' * 50 + b'{"seller_id": "2" "x"}]}'
    with pytest.raises(JsonStreamError) as raised:
        list(JsonObjectStream(file_chunks_of(body, 16)).members(frozenset({"sellers"})))
    assert raised.value.line == 1 and raised.value.column == body.index(b'"x"') + 1


def file_chunks_of(body: bytes, size: int):
    return [body[i:i + size] for i in range(0, len(body), size)]


def test_trailing_comma_ends_the_list_with_a_note():
    records = list(read_sellers_json([b'{"sellers": [{"seller_id": "1", "seller_type": "BOTH"}, ]}']))
    assert records[-1]["status"] == "ok" and records[-1]["sellers_count"] == 1
    assert any("comma before ']'" in note for note in records[-1]["notes"])

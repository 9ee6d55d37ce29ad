"""spiders.parsers.graph_errors: real error bodies and written ones classify to the crawl's action."""

import json
from pathlib import Path

import pytest

from spiders.parsers.graph_errors import classify, regain_access_seconds

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
API_ERRORS = REALDATA / "meta" / "api_errors"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "meta_graph"
needs_realdata = pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")

REAL_ERRORS = {
    "graph_code190_invalid_oauth_token_pretty.json": (190, "stop_token_expired"),
    "ads_archive_code10_subcode2332002_raw.json": (10, "stop_identity_confirmation"),
    "ads_archive_code10_subcode2332002_pretty.json": (10, "stop_identity_confirmation"),
    "graph_code4_application_request_limit_raw.json": (4, "backoff"),
    "graph_code4_application_request_limit_pretty.json": (4, "backoff"),
    "graph_code17_user_request_limit_pretty.json": (17, "backoff"),
}


@needs_realdata
@pytest.mark.realdata
@pytest.mark.parametrize("name", sorted(REAL_ERRORS))
def test_real_error_bodies_classify_to_their_action(name):
    code, action = REAL_ERRORS[name]
    error = classify(400, (API_ERRORS / name).read_bytes(), {})
    assert (error.code, error.action) == (code, action)


@needs_realdata
@pytest.mark.realdata
def test_every_real_error_file_is_covered():
    assert sorted(path.name for path in API_ERRORS.glob("*.json")) == sorted(REAL_ERRORS)


@needs_realdata
@pytest.mark.realdata
def test_identity_confirmation_tells_the_user_where_to_go():
    error = classify(400, (API_ERRORS / "ads_archive_code10_subcode2332002_raw.json").read_bytes(), {})
    assert error.subcode == 2332002
    assert "facebook.com/ID" in error.user_message


@needs_realdata
@pytest.mark.realdata
def test_expired_token_message_names_the_variable():
    error = classify(400, (API_ERRORS / "graph_code190_invalid_oauth_token_pretty.json").read_bytes(), {})
    assert "META_ACCESS_TOKEN" in error.user_message and "190" in error.user_message


def test_code_613_backs_off():
    error = classify(400, (FIXTURES / "error_code613_rate_limit.json").read_bytes(), {})
    assert (error.code, error.action) == (613, "backoff")


def test_code_1_reduce_data_halves_the_limit():
    error = classify(500, (FIXTURES / "error_code1_reduce_data.json").read_bytes(), {})
    assert (error.code, error.http_status, error.action) == (1, 500, "halve_limit")


def test_written_fixtures_say_they_were_written():
    for path in FIXTURES.glob("error_*.json"):
        first_key, note = next(iter(json.loads(path.read_bytes()).items()))
        assert first_key == "_fixture" and "not recorded" in note and "documentation" in note


@pytest.mark.parametrize(
    ("status", "body", "action"),
    [
        (500, b'{"error":{"message":"An unknown error occurred","code":1}}', "retry"),
        (500, b'{"error":{"message":"temporary issue due to downtime","code":2}}', "retry"),
        (400, b'{"error":{"message":"(#80000) There have been too many calls","code":80000}}', "backoff"),
        (400, b'{"error":{"message":"(#80014) too many calls","code":80014}}', "backoff"),
        (429, b"Too Many Requests", "backoff"),
        (502, b"<html>Bad Gateway</html>", "retry"),
        (400, b'{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100}}', "stop"),
        (403, b"Forbidden", "stop"),
    ],
)
def test_other_responses(status, body, action):
    assert classify(status, body, {}).action == action


def test_a_normal_page_is_not_an_error():
    assert classify(200, b'{"data":[]}', {}) is None
    assert classify(200, b'{"data":[{"id":"1"}],"paging":{"cursors":{"after":"x"}}}', {}) is None


def test_an_error_body_with_status_200_is_still_an_error():
    assert classify(200, b'{"error":{"message":"x","code":190}}', {}).action == "stop_token_expired"


def test_regain_access_seconds_takes_the_longest_wait():
    usage = {
        "1234": [
            {"type": "ads_archive", "call_count": 100, "total_cputime": 30, "total_time": 40,
             "estimated_time_to_regain_access": 5},
            {"type": "pages", "call_count": 10, "total_cputime": 3, "total_time": 4,
             "estimated_time_to_regain_access": 0},
        ],
        "5678": [{"type": "ads_archive", "call_count": 95, "total_cputime": 20, "total_time": 20,
                  "estimated_time_to_regain_access": 12}],
    }
    assert regain_access_seconds({"x-business-use-case-usage": json.dumps(usage)}) == 720.0
    assert regain_access_seconds({b"X-Business-Use-Case-Usage": [json.dumps(usage).encode()]}) == 720.0


@pytest.mark.parametrize("headers", [{}, {"X-Business-Use-Case-Usage": "not json"},
                                     {"X-Business-Use-Case-Usage": "[1, 2]"},
                                     {"X-Business-Use-Case-Usage": '{"1": [{"call_count": 1}]}'}])
def test_regain_access_seconds_is_none_when_unknown(headers):
    assert regain_access_seconds(headers) is None

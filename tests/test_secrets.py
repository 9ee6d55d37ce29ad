"""spiders.secrets: every spelling of a secret leaves text, bytes, URLs and JSON values."""

import json
from urllib.parse import quote, quote_plus

import pytest

from spiders.secrets import SECRET_ENV_VARS, Redactor, secrets_from_env

# A Meta app token has the form "<app id>|<app secret>"; user tokens may hold "/" and "+" in other systems.
TOKEN = "EAAB1234|abc/def+ghi=="
PLAIN_TOKEN = "EAABsbCS1iHgBAKZCZAtestTOKENvalue"


def lower_hex(text: str) -> str:
    import re

    return re.sub(r"%[0-9A-F]{2}", lambda match: match.group(0).lower(), text)


@pytest.mark.parametrize(
    "spelling",
    [
        TOKEN,
        quote(TOKEN, safe=""),
        quote(TOKEN),
        quote_plus(TOKEN),
        lower_hex(quote(TOKEN, safe="")),
        lower_hex(quote_plus(TOKEN)),
        json.dumps(TOKEN)[1:-1],
        json.dumps(TOKEN)[1:-1].replace("/", "\\/"),
    ],
    ids=["raw", "quote", "quote-keep-slash", "quote_plus", "quote-lower", "quote_plus-lower", "json", "json-slash"],
)
def test_every_spelling_of_the_token_is_removed_from_text(spelling):
    text = f"GET /v19.0/ads_archive?limit=5 token={spelling} done"
    redacted = Redactor([TOKEN]).redact_text(text)
    assert spelling not in redacted
    assert redacted == "GET /v19.0/ads_archive?limit=5 token=REDACTED done"


def test_json_unicode_escapes_are_removed():
    secret = "tök|en/ß"
    escaped = json.dumps(secret)[1:-1]  # t\u00f6k|en/\u00df
    assert "\\u00f6" in escaped
    redactor = Redactor([secret])
    assert redactor.redact_text(f'"{escaped}"') == '"REDACTED"'
    upper_hex = escaped.replace("\\u00f6", "\\u00F6").replace("\\u00df", "\\u00DF")
    assert redactor.redact_text('"' + upper_hex + '"') == '"REDACTED"'


def test_bytes_are_redacted_and_other_bytes_kept():
    body = b'\xff\xfe{"next":"https:\\/\\/graph.facebook.com\\/v19.0\\/ads_archive?after=x&access_token=' + (
        json.dumps(TOKEN)[1:-1].replace("/", "\\/").encode()
    ) + b'"}'
    redacted = Redactor([TOKEN]).redact_bytes(body)
    assert redacted.startswith(b"\xff\xfe")
    assert b"abc" not in redacted and b"REDACTED" in redacted
    assert redacted.endswith(b'access_token=REDACTED"}')


def test_unknown_token_in_an_access_token_parameter_is_removed():
    text = "next=https://graph.facebook.com/v5.0/ads_archive?access_token=OLDTOKEN123&limit=1000"
    assert Redactor([]).redact_text(text) == (
        "next=https://graph.facebook.com/v5.0/ads_archive?access_token=REDACTED&limit=1000"
    )
    escaped = '"https:\\/\\/x\\/?client_secret=ab\\/cd\\u0026limit=5"'
    assert Redactor([]).redact_text(escaped) == '"https:\\/\\/x\\/?client_secret=REDACTED\\u0026limit=5"'


def test_a_token_in_a_nested_url_is_removed():
    text = "https://l.facebook.com/l.php?u=https%3A%2F%2Fx.test%2F%3Faccess_token%3DOLD%252Ftok%26limit%3D5&h=1"
    assert Redactor([]).redact_text(text) == (
        "https://l.facebook.com/l.php?u=https%3A%2F%2Fx.test%2F%3Faccess_token%3DREDACTED%26limit%3D5&h=1"
    )


def test_redact_url_drops_the_token_and_keeps_other_parameters_in_order():
    url = (
        "https://graph.facebook.com/v19.0/ads_archive?ad_reached_countries=[%27GB%27]&access_token="
        + quote_plus(TOKEN)
        + "&fields=id,spend&limit=2&after=c2NyYXBpbmc%3D&client_secret=s3cr3t#frag"
    )
    assert Redactor([TOKEN]).redact_url(url) == (
        "https://graph.facebook.com/v19.0/ads_archive?ad_reached_countries=[%27GB%27]"
        "&fields=id,spend&limit=2&after=c2NyYXBpbmc%3D#frag"
    )


def test_redact_url_with_only_the_token_leaves_no_question_mark():
    assert Redactor([]).redact_url("https://x.test/p?access_token=abc") == "https://x.test/p"


def test_redact_obj_is_a_deep_copy():
    original = {"data": [{"ad_snapshot_url": f"https://x/?id=1&access_token={PLAIN_TOKEN}", "n": 1}]}
    redacted = Redactor([PLAIN_TOKEN]).redact_obj(original)
    assert redacted == {"data": [{"ad_snapshot_url": "https://x/?id=1&access_token=REDACTED", "n": 1}]}
    assert PLAIN_TOKEN in original["data"][0]["ad_snapshot_url"]


def test_secrets_from_env_reads_only_the_named_variables():
    environ = {"META_ACCESS_TOKEN": PLAIN_TOKEN, "TIKTOK_CLIENT_SECRET": " ", "HOME": "/home/x"}
    assert "META_ACCESS_TOKEN" in SECRET_ENV_VARS
    assert secrets_from_env(environ) == [PLAIN_TOKEN]


def test_a_redactor_without_secrets_changes_nothing_else():
    text = "Local Councillor 𝗪𝗶𝗹𝗹 𝗙𝗼𝗿𝘀𝘁𝗲𝗿 | 50% + 50%"
    assert Redactor([]).redact_text(text) == text

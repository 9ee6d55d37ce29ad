"""Secrets: where they come from (the environment only) and how every trace of them is removed.

DESIGN.md, "Secrets": access tokens and client secrets are removed before anything is logged, archived,
queued, cached or stored. A token can reach text in several spellings: as it is, percent-encoded by
``urllib.parse.quote`` or ``quote_plus`` (upper or lower case hex), or escaped inside JSON (``\\/`` for
``/``, ``\\uXXXX`` for other characters). ``Redactor`` knows every spelling of every secret it was given,
and also blanks the value of any ``access_token=`` / ``client_secret=`` URL parameter, so a token it was
not told about (an expired one inside a saved ``paging.next``) does not leak either.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

# Environment variables that hold secrets. Configuration files never hold them (DESIGN.md, "The command
# line"), so this list is the whole set of places a secret can come from.
SECRET_ENV_VARS: tuple[str, ...] = (
    "META_ACCESS_TOKEN",
    "META_APP_SECRET",
    "TIKTOK_CLIENT_KEY",
    "TIKTOK_CLIENT_SECRET",
    "TIKTOK_ACCESS_TOKEN",
    "YOUTUBE_API_KEY",
    "GOOGLE_API_KEY",
)

# URL parameters whose values are secrets whatever they hold.
SECRET_URL_PARAMS: tuple[str, ...] = ("access_token", "client_secret")

REDACTED = "REDACTED"

# A parameter value runs to the next separator. ``\/`` belongs to the value (a JSON-escaped slash), any
# other backslash ends it (``\u0026`` is a JSON-escaped ``&``). A URL nested inside another URL's parameter
# is percent-encoded once more (``access_token%3D...%26``), so that spelling is matched too.
_NAMES = "|".join(SECRET_URL_PARAMS)
# The name starts the parameter: nothing word-like before it, unless that is a %XX escape (``%3F``, ``%26``).
_START = r"(?:(?<![A-Za-z0-9_])|(?<=%[0-9A-Fa-f]{2}))"
_PARAM_VALUE = re.compile(
    r"(?P<name>%s(?:%s)=)(?P<value>(?:\\/|[^&#\s\"'<>\\])*)" % (_START, _NAMES), re.IGNORECASE
)
_NESTED_PARAM_VALUE = re.compile(
    r"(?P<name>%s(?:%s)%%3D)(?P<value>(?:(?!%%26)[^&#\s\"'<>\\])*)" % (_START, _NAMES), re.IGNORECASE
)


# Secrets minted while a crawl runs (an access token obtained with client credentials): every Redactor of
# the process redacts them too, from the moment they are registered, including the log's.
_RUNTIME_SECRETS: list[str] = []


def add_runtime_secret(secret: str) -> None:
    """Make every Redactor of this process remove ``secret`` (in every spelling) from now on."""
    if secret and secret not in _RUNTIME_SECRETS:
        _RUNTIME_SECRETS.append(secret)


def secrets_from_env(environ: Mapping[str, str] = os.environ) -> list[str]:
    """Values of the variables in ``SECRET_ENV_VARS`` that are set and not blank."""
    return [environ[name] for name in SECRET_ENV_VARS if environ.get(name, "").strip()]


def _lower_hex(encoded: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda match: match.group(0).lower(), encoded)


def _json_forms(secret: str) -> set[str]:
    forms = set()
    for ensure_ascii in (False, True):
        escaped = json.dumps(secret, ensure_ascii=ensure_ascii)[1:-1]
        forms.add(escaped)
        forms.add(escaped.replace("/", "\\/"))
        # \uXXXX escapes come in upper case hex from some encoders (Meta writes lower case).
        forms.add(re.sub(r"\\u[0-9a-f]{4}", lambda match: "\\u" + match.group(0)[2:].upper(), escaped))
    return forms


def spellings(secret: str) -> set[str]:
    """Every spelling of ``secret`` that can appear in a URL, a body or a log line."""
    forms = {secret}
    for encoded in (quote(secret, safe=""), quote(secret), quote_plus(secret), quote_plus(secret, safe="/")):
        forms.add(encoded)
        forms.add(_lower_hex(encoded))
    for form in list(forms):
        forms |= _json_forms(form)
    forms.discard("")
    return forms


class Redactor:
    """Removes the given secrets, in every spelling, from text, bytes, URLs and JSON values."""

    def __init__(self, secrets: Iterable[str]):
        self._given = [secret for secret in dict.fromkeys(secrets) if secret]
        self._runtime_seen = -1
        self._compile()

    def _compile(self) -> None:
        self._runtime_seen = len(_RUNTIME_SECRETS)
        self.secrets = list(dict.fromkeys(self._given + _RUNTIME_SECRETS))
        forms: set[str] = set()
        for secret in self.secrets:
            forms |= spellings(secret)
        # Longest first, so a form that contains another is replaced whole.
        ordered = sorted(forms, key=len, reverse=True)
        self._text_pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        # Bytes are matched through latin-1, which maps every byte to one character and back, so a body
        # that is not valid UTF-8 is still redacted and otherwise kept byte for byte.
        byte_forms = sorted({form.encode("utf-8").decode("latin-1") for form in forms}, key=len, reverse=True)
        self._bytes_pattern = re.compile("|".join(map(re.escape, byte_forms))) if byte_forms else None

    def _redact(self, text: str, as_bytes: bool) -> str:
        if self._runtime_seen != len(_RUNTIME_SECRETS):
            self._compile()  # a secret was registered since: the patterns grow
        pattern = self._bytes_pattern if as_bytes else self._text_pattern
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        for parameter in (_PARAM_VALUE, _NESTED_PARAM_VALUE):
            text = parameter.sub(lambda match: match.group("name") + REDACTED, text)
        return text

    def redact_text(self, text: str) -> str:
        """``text`` with every spelling of every secret, and every secret URL parameter, replaced."""
        return self._redact(text, as_bytes=False)

    def redact_bytes(self, body: bytes) -> bytes:
        """``body`` redacted like ``redact_text``; bytes that are not UTF-8 pass through unchanged."""
        return self._redact(body.decode("latin-1"), as_bytes=True).encode("latin-1")

    def redact_url(self, url: str) -> str:
        """``url`` without its ``access_token`` / ``client_secret`` parameters; the others keep their
        order and spelling, and any secret left elsewhere in the URL is replaced."""
        before_fragment, hash_mark, fragment = url.partition("#")
        base, question_mark, query = before_fragment.partition("?")
        if question_mark:
            kept = [
                part
                for part in query.split("&")
                if part and part.split("=", 1)[0].lower() not in SECRET_URL_PARAMS
            ]
            before_fragment = base + ("?" + "&".join(kept) if kept else "")
        return self.redact_text(before_fragment + hash_mark + fragment)

    def redact_obj(self, obj):
        """A deep copy of the JSON value ``obj`` with every string (keys too) redacted."""
        if isinstance(obj, str):
            return self.redact_text(obj)
        if isinstance(obj, Mapping):
            return {self.redact_obj(key): self.redact_obj(value) for key, value in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.redact_obj(value) for value in obj]
        return copy.deepcopy(obj)

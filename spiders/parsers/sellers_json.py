"""IAB Tech Lab sellers.json 1.0: one ad system's list of the seller accounts it pays, read in bounded
memory (spiders/parsers/json_stream.py), seller by seller.

``read_sellers_json(chunks)`` yields one ``seller`` record per entry of ``sellers`` as it is read, then one
``file`` record with the file's own facts (sellers.json 1.0 §"Object: Sellers.json": version,
contact_email, contact_address, identifiers, ext) and, when the file cannot be read to its end, the error:
what was found (an HTML page, JavaScript, other JSON, broken JSON), where, and the first bytes. Sellers read
before the error are kept and counted.

Normalisation (the raw entry is always kept too, as its exact JSON text in ``record``):

- ``seller_id`` is always a string: a number becomes its exact text (``00123`` cannot occur in JSON, but
  ``12345678901234567890`` keeps every digit); surrounding whitespace is removed and flagged.
- ``seller_type``: PUBLISHER, INTERMEDIARY, BOTH in any case and padding; anything else is kept as written,
  ``seller_type_known`` false and flagged.
- ``is_confidential`` / ``is_passthrough`` (spec: integer 0/1, default 0). True: JSON ``true``, the numbers
  ``1`` / ``1.0``, the strings ``"1"``, ``"true"``, ``"yes"`` in any case. False: ``false``, ``0``, ``"0"``,
  ``"false"``, ``"no"``, ``""``, ``null`` and absent (the spec's default). Anything else: NULL and flagged.
- Strings may hold raw tabs and newlines (not JSON, but harmless); ``[..., ]`` ends the list, with a note.
- ``domain``: lowercased, stripped of whitespace (no-break spaces too), of a scheme, user, port, path, query
  and trailing dot; the given text stays in ``domain_given``. A changed form other than case is flagged.

Top-level keys outside the spec are kept in ``other_fields``; ``email`` and ``address`` (seen in real
files) fill contact_email and contact_address when those are absent, with a note.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from spiders.parsers.json_stream import JsonNumber, JsonObjectStream, JsonStreamError

SELLER_TYPES = ("PUBLISHER", "INTERMEDIARY", "BOTH")
TRUE_TEXT = frozenset({"1", "true", "yes"})
FALSE_TEXT = frozenset({"0", "false", "no", ""})
KNOWN_KEYS = frozenset({"version", "contact_email", "contact_address", "identifiers", "ext", "sellers"})
CONTACT_ALIASES = {"email": "contact_email", "address": "contact_address"}
READ_CHUNK = 1 << 20
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://|^//")
_SPACE = re.compile(r"[\s\u00a0\u200b\ufeff]+")
_HOST = re.compile(r"^[a-z0-9\u00c0-\uffff_](?:[a-z0-9\u00c0-\uffff_.-]*[a-z0-9\u00c0-\uffff_])?$")
_JAVASCRIPT = re.compile(r"^(?:(?:var|let|const)\s+[\w$]+\s*=|[\w$.]+\s*(?:=|\()|/[/*]|\(function)")


def normalise_domain(given: str | None) -> tuple[str | None, list[str]]:
    """The domain as a host name, and what had to change beyond case."""
    if given is None:
        return None, []
    notes = []
    domain = _SPACE.sub(" ", given).strip().lower()
    if domain != given.strip().lower() or given != given.strip():
        notes.append("domain_whitespace")
    if _SCHEME.match(domain):
        domain = _SCHEME.sub("", domain)
        notes.append("domain_scheme")
    host = re.split(r"[/?#]", domain, maxsplit=1)[0]
    if host != domain:
        notes.append("domain_path")
    if "@" in host:
        host = host.rsplit("@", 1)[1]
        notes.append("domain_user")
    if re.search(r":\d*$", host):
        host = host.rsplit(":", 1)[0]
        notes.append("domain_port")
    if host.endswith("."):
        host = host.rstrip(".")
        notes.append("domain_trailing_dot")
    if not host:
        return None, notes + ["domain_empty"]
    if not _HOST.match(host) or "." not in host:
        notes.append("domain_invalid")
    return host, notes


def truth(value: object) -> tuple[bool | None, bool]:
    """(the flag, understood?) for is_confidential / is_passthrough; see the module docstring."""
    if value is None or isinstance(value, bool):
        return bool(value), True
    if isinstance(value, JsonNumber):
        number = float(value)
        return (number == 1, True) if number in (0, 1) else (None, False)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE_TEXT:
            return True, True
        if text in FALSE_TEXT:
            return False, True
    return None, False


def _text(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def normalise_seller(entry: object, index: int, text: str) -> dict:
    """One ``sellers`` element as a seller record (fields of the module docstring, ``problems`` listed)."""
    problems: list[str] = []
    if not isinstance(entry, dict):
        return {"record": "seller", "seller_index": index, "seller_id": None, "name": None, "domain": None,
                "domain_given": None, "seller_type": None, "seller_type_given": None, "seller_type_known": False,
                "is_confidential": None, "is_passthrough": None, "comment": None,
                "problems": ["entry_not_object"], "entry": text}
    seller_id = entry.get("seller_id")
    if isinstance(seller_id, JsonNumber):
        problems.append("seller_id_number")
    elif seller_id is not None and not isinstance(seller_id, str):
        problems.append("seller_id_not_text")
    seller_id = _text(seller_id)
    if seller_id is not None and seller_id != seller_id.strip():
        seller_id = seller_id.strip()
        problems.append("seller_id_whitespace")
    if not seller_id:
        seller_id = None
        problems.append("seller_id_missing")
    type_given = _text(entry.get("seller_type"))
    seller_type = type_given.strip().upper() if type_given is not None else None
    known = seller_type in SELLER_TYPES
    if not known:
        seller_type = type_given
        problems.append("seller_type_missing" if type_given is None else "seller_type_unknown")
    flags = {}
    for name in ("is_confidential", "is_passthrough"):
        flags[name], understood = truth(entry.get(name))
        if not understood:
            problems.append(f"{name}_not_understood")
    domain_given = entry.get("domain")
    domain, notes = normalise_domain(domain_given if isinstance(domain_given, str) else _text(domain_given))
    problems += notes
    if domain is None and not flags["is_confidential"] and seller_type in ("PUBLISHER", "BOTH"):
        problems.append("domain_missing")  # required for a non-confidential publisher (spec 1.0)
    return {
        "record": "seller", "seller_index": index, "seller_id": seller_id, "name": _text(entry.get("name")),
        "domain": domain, "domain_given": _text(domain_given), "seller_type": seller_type,
        "seller_type_given": type_given, "seller_type_known": known, **flags,
        "comment": _text(entry.get("comment")), "problems": problems, "entry": text,
    }


def what_it_is(opening: str) -> tuple[str, str]:
    """(error kind, description) of a body that is not a sellers.json object, from its first characters."""
    start = opening.lstrip(" \t\r\n\ufeff")
    shown = " ".join(start[:80].split())
    lowered = start.lower()
    if not start:
        return "empty", "an empty file (nothing but whitespace)"
    if lowered.startswith(("<!doctype html", "<html", "<head", "<body")) or (start.startswith("<") and (
            "<html" in lowered or "<body" in lowered or "<div" in lowered or "<script" in lowered)):
        return "html", f"an HTML page, not JSON (it starts {shown!r})"
    if start.startswith("<"):
        return "markup", f"XML or other markup, not JSON (it starts {shown!r})"
    if start.startswith("["):
        return "not_an_object", f"a JSON list, not the sellers.json object (it starts {shown!r})"
    if _JAVASCRIPT.match(start):
        return "javascript", f"JavaScript, not JSON (it starts {shown!r}); the object may be inside, but a " \
                             "sellers.json must be plain JSON"
    if not start.startswith("{"):
        return "not_json", f"not JSON (it starts {shown!r})"
    return "", ""


def read_sellers_json(chunks: Iterable[bytes]) -> Iterator[dict]:
    """Seller records as they are read, then the file record (see the module docstring)."""
    stream = JsonObjectStream(chunks)
    opening = stream.opening()
    facts: dict = {"record": "file", "status": "ok", "error_kind": None, "error": None, "error_line": None,
                   "error_column": None, "first_bytes": opening[:64], "version": None, "version_given": None,
                   "contact_email": None, "contact_address": None, "identifiers": None, "ext": None,
                   "other_fields": {}, "sellers_count": 0, "notes": [], "seller_problems": {}}
    problems: Counter[str] = Counter()
    kind, description = what_it_is(opening)
    if kind:
        facts.update(status="error", error_kind=kind, error=f"not a sellers.json: the body is {description}")
        yield facts
        return
    values: dict = {}
    try:
        for member in stream.members(streamed=frozenset({"sellers"})):
            if member.index is not None:
                seller = normalise_seller(member.value, member.index, member.text)
                problems.update(seller["problems"])
                facts["sellers_count"] += 1
                yield seller
            elif member.key == "sellers":
                facts["notes"].append(f"sellers is {type(member.value).__name__}, not a list")
                values.setdefault("sellers", member.text)
            else:
                values[member.key] = member
    except JsonStreamError as problem:
        facts.update(status="error", error_kind="invalid_json", error_line=problem.line,
                     error_column=problem.column, error=(
                         f"{problem}; {facts['sellers_count']} sellers were read before it. Ask the ad system "
                         "to fix its sellers.json, or crawl again if the download was cut"))
    _top_level_facts(facts, values)
    if "sellers" not in values and facts["sellers_count"] == 0 and facts["status"] == "ok":
        facts["notes"].append("no sellers list")
    if stream.trailing_commas:
        facts["notes"].append("a comma before ']' closing sellers (not JSON; read as the list's end)")
    if stream.replaced_characters:
        facts["notes"].append(f"{stream.replaced_characters} bytes were not UTF-8 (read as U+FFFD)")
    facts["seller_problems"] = dict(sorted(problems.items()))
    yield facts


def _top_level_facts(facts: dict, values: dict) -> None:
    version = values.get("version")
    if version is not None:
        facts["version_given"] = version.text
        facts["version"] = _text(version.value)
        if isinstance(version.value, JsonNumber):
            facts["notes"].append("version is a number, not a string")
    for key in ("contact_email", "contact_address"):
        if key in values:
            facts[key] = _text(values[key].value)
    for alias, key in CONTACT_ALIASES.items():
        if alias in values and facts[key] is None:
            facts[key] = _text(values[alias].value)
            facts["notes"].append(f"{key} read from the non-standard key {alias!r}")
    for key in ("identifiers", "ext"):
        if key in values:
            facts[key] = values[key].text
    facts["other_fields"] = {key: member.text for key, member in values.items()
                             if key not in KNOWN_KEYS and key != "sellers"}


def file_chunks(path: Path, size: int = READ_CHUNK) -> Iterator[bytes]:
    with open(path, "rb") as stream:
        while chunk := stream.read(size):
            yield chunk


def parse_file(path: Path) -> Iterator[dict]:
    """``adtrail parse sellers-json FILE``: the seller records, then the file record (streamed)."""
    yield from read_sellers_json(file_chunks(Path(path)))

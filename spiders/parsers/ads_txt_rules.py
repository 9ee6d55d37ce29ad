"""One line of an ads.txt / app-ads.txt file: comment, variable, data record, near miss or rejected line.

Implements the line grammar of IAB Tech Lab ads.txt 1.1 ("File format"; app-ads.txt 1.0 uses the same
grammar): ``#`` starts a comment anywhere on a line; a variable is ``NAME=value``; a data record is
``<ad system domain>, <seller account id>, <DIRECT|RESELLER>[, <certification authority id>]`` with
optional extension fields after ``;``. Whitespace around fields is ignored, the relationship is
case-insensitive, and the seller account id is kept exactly as written.

Near misses seen in published files are recovered, each with a recorded reason (``recovered_reason``):
a space instead of a comma (``RESELLER 50b1c356f2c5c8fc``), a full-width comma (``，``), an id glued to the
relationship (``12345DIRECT``), the certification id glued to the relationship (``RESELLERe1a5b5b6e3255540``),
text after the certification id (``89ff185a4c4e857c //duplicada``, ``d53b998a7bd4ecd2(OB)``), a comma for
the dot of the ad-system domain (``pubmatic,com``). Anything else that is not blank, a comment, a variable or
a record is rejected with the reason, never dropped silently.
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from dataclasses import dataclass

RELATIONSHIPS = ("DIRECT", "RESELLER")
# Variables defined by ads.txt 1.1 ("Variable declaration"); others are kept but have no effect.
KNOWN_VARIABLES = ("CONTACT", "SUBDOMAIN", "INVENTORYPARTNERDOMAIN", "OWNERDOMAIN", "MANAGERDOMAIN")
DOMAIN_VARIABLES = ("SUBDOMAIN", "INVENTORYPARTNERDOMAIN", "OWNERDOMAIN", "MANAGERDOMAIN")
# IAB ads.txt 1.1 §3.2.1: a file with no authorised sellers carries exactly this record.
PLACEHOLDER = ("placeholder.example.com", "placeholder", "DIRECT", "placeholder")

# Characters files use for a space: no-break space, figure and narrow no-break spaces, tabs, zero-width
# space and a stray byte-order mark (files concatenated from several sources carry one mid-file).
_SPACE_LIKE = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\t\v\f\u3000"), " ") | dict.fromkeys(map(ord, "\u200b\ufeff"), "")
_FULLWIDTH_COMMA = "\uff0c"
_VARIABLE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*)$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")
_ID_GLUED_TO_RELATIONSHIP = re.compile(r"^(\S+?)(DIRECT|RESELLER)$", re.IGNORECASE)
_CERT_GLUED_TO_RELATIONSHIP = re.compile(r"^(DIRECT|RESELLER)([0-9a-f]{8,})$", re.IGNORECASE)
_CERT_WITH_TRAILING_TEXT = re.compile(r"^([A-Za-z0-9]+)\s*(\S.*)$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


@dataclass(frozen=True)
class RecordLine:
    ad_system_domain: str  # as given (trimmed)
    seller_account_id: str  # exactly as given
    relationship: str  # DIRECT or RESELLER
    certification_authority_id: str | None
    extensions: tuple[str, ...]
    recovered_reason: str | None
    is_placeholder: bool


@dataclass(frozen=True)
class VariableLine:
    name: str  # uppercased: names are matched case-insensitively (files write ownerdomain=)
    value: str  # %-decoded
    country: str | None  # MANAGERDOMAIN's optional ISO 3166-1 alpha-2 country, uppercased


@dataclass(frozen=True)
class RejectedLine:
    reason: str


LineResult = RecordLine | VariableLine | RejectedLine | None  # None: blank or comment only


def normalise_spaces(line: str) -> str:
    if line.isascii() and "\t" not in line and "\v" not in line and "\f" not in line:
        return line  # most lines: nothing to replace, and str.translate with a dict is slow
    return line.translate(_SPACE_LIKE)


@functools.lru_cache(maxsize=1 << 16)
def is_domain(text: str) -> bool:
    # Cached: a crawl checks the same few hundred ad-system domains on every line of every file.
    return bool(_DOMAIN.match(text))


def classify_line(line: str) -> LineResult:
    """What one line (without its line break) declares."""
    content = normalise_spaces(line).split("#", 1)[0].strip()
    if not content:
        return None
    variable = _VARIABLE.match(content)
    if variable and "," not in content[: variable.start(2)]:
        return _variable(variable.group(1), variable.group(2))
    return _record(content)


def _variable(name: str, raw_value: str) -> VariableLine | RejectedLine:
    name = name.upper()
    # Values may be %-encoded (CONTACT=Jane%20Doe); a value is a URL, e-mail or domain, never an id.
    value = urllib.parse.unquote(raw_value.strip()).strip()
    country = None
    if name == "MANAGERDOMAIN" and "," in value:
        value, country_text = (part.strip() for part in value.split(",", 1))
        if not _COUNTRY.match(country_text):
            return RejectedLine(f"MANAGERDOMAIN country {country_text!r} is not an ISO 3166-1 alpha-2 code")
        country = country_text.upper()
    if not value:
        return RejectedLine(f"variable {name} has no value")
    if name in DOMAIN_VARIABLES:
        value = value.lower().rstrip(".")
        if not is_domain(value):
            return RejectedLine(f"{name} value {value!r} is not a domain name")
    return VariableLine(name=name, value=value, country=country)


def _record(content: str) -> RecordLine | RejectedLine:
    reasons: list[str] = []
    if _FULLWIDTH_COMMA in content:
        content = content.replace(_FULLWIDTH_COMMA, ",")
        reasons.append("full-width comma read as a comma")
    data, _, extension_text = content.partition(";")
    extensions = tuple(part.strip() for part in extension_text.split(";") if part.strip())
    fields = [field.strip() for field in data.split(",")]
    while len(fields) > 3 and not fields[-1]:  # a trailing comma after the last field: an empty field
        fields.pop()
    if len(fields) >= 4 and "." not in fields[0] and is_domain(f"{fields[0]}.{fields[1]}".lower()):
        fields[0:2] = [f"{fields[0]},{fields[1]}"]  # "pubmatic,com": the domain stays as given
        reasons.append("comma instead of the dot in the ad system domain")
    fields, reason = _repair(fields)
    if isinstance(fields, RejectedLine):
        return fields
    if reason:
        reasons.append(reason)
    domain_text, seller_account_id, relationship_text, *rest = fields
    certification_authority_id = rest[0] if rest and rest[0] else None
    if certification_authority_id and not certification_authority_id.isalnum():
        trailing = _CERT_WITH_TRAILING_TEXT.match(certification_authority_id)
        if not trailing:
            return RejectedLine(f"certification authority id {certification_authority_id!r} is not an id")
        certification_authority_id = trailing.group(1)
        reasons.append(f"text after the certification authority id dropped: {trailing.group(2)!r}")
    domain = domain_text.lower().replace(",", ".").rstrip(".")
    if not is_domain(domain):
        return RejectedLine(f"ad system domain {domain_text!r} is not a domain name")
    if not seller_account_id:
        return RejectedLine("the seller account id is empty")
    relationship = relationship_text.upper()
    if relationship not in RELATIONSHIPS:
        return RejectedLine(f"relationship {relationship_text!r} is neither DIRECT nor RESELLER")
    is_placeholder = (domain, seller_account_id.lower(), relationship) == PLACEHOLDER[:3]
    return RecordLine(
        ad_system_domain=domain_text,
        seller_account_id=seller_account_id,
        relationship=relationship,
        certification_authority_id=certification_authority_id,
        extensions=extensions,
        recovered_reason="; ".join(reasons) or None,
        is_placeholder=is_placeholder,
    )


def _repair(fields: list[str]) -> tuple[list[str] | RejectedLine, str | None]:
    """The three or four fields of a record, recovering near misses; or why the line is not a record."""
    if len(fields) in (3, 4) and fields[2].upper() in RELATIONSHIPS and not any(" " in f for f in fields[:3]):
        return fields, None
    if len(fields) == 3:
        glued = _CERT_GLUED_TO_RELATIONSHIP.match(fields[2])
        if glued:
            return [*fields[:2], glued.group(1), glued.group(2)], "certification authority id glued to the relationship"
    tokens = [token for field in fields for token in field.split()]
    if len(tokens) in (3, 4) and tokens[2].upper() in RELATIONSHIPS and len(tokens) != len(fields):
        return tokens, "space instead of a comma between fields"
    # "12345DIRECT": no separator between the seller id and the relationship
    if len(tokens) in (2, 3) and not (len(tokens) == 3 and tokens[2].upper() in RELATIONSHIPS):
        glued = _ID_GLUED_TO_RELATIONSHIP.match(tokens[1])
        if glued and glued.group(1).rstrip(",") and tokens[1].upper() not in RELATIONSHIPS:
            return [tokens[0], glued.group(1), glued.group(2), *tokens[2:]], "seller account id glued to the relationship"
    if len(fields) in (3, 4) and " " in fields[2]:
        return RejectedLine(f"relationship {fields[2]!r} is neither DIRECT nor RESELLER"), None
    if len(fields) > 4:
        return RejectedLine(
            f"{len(fields)} comma-separated fields; a record has 3 or 4 (extensions follow ';')"), None
    if len(fields) in (3, 4):
        return fields, None  # the caller names the bad field
    return RejectedLine(
        f"neither a record (3 or 4 comma-separated fields) nor a variable (NAME=value): {len(fields)} "
        f"field{'s' if len(fields) != 1 else ''}"), None

"""ads.txt and app-ads.txt files (IAB Tech Lab ads.txt 1.1, app-ads.txt 1.0): bytes in, records out.

Pure: no network, no files. The line grammar and the near-miss recoveries live in ``ads_txt_rules``;
ad-system and Google publisher-id canonicalisation in ``ad_systems``; root domains in
``spiders.public_suffix``. This module reads a whole file: decoding (UTF-8 with or without byte-order
mark, UTF-16 with one, else Windows-1252), line breaks (CR, LF, CRLF), and the file-level meaning of the
variables.

Interface for the ``ads_txt`` spider (and ``adtrail parse ads-txt|app-ads-txt``):

``parse_ads_txt(body: bytes, *, file_kind="ads.txt", domain=None) -> ParsedAdsTxt``
    ``file_kind`` is ``"ads.txt"`` or ``"app-ads.txt"``; ``domain`` is the host the file was fetched for
    (used to check SUBDOMAIN and to default OWNERDOMAIN). The result holds, in line order:
    ``records`` (``ads_txt_rules.RecordLine`` plus ``line_number``), ``variables``, ``rejected`` (every
    line that is neither blank, comment, variable nor record, with its reason), and what the spider follows:

    - ``subdomains``: SUBDOMAIN values to fetch one level down, from a root ads.txt only (ads.txt 1.1:
      "SUBDOMAIN"; ignored in app-ads.txt and when not under the file's root domain);
    - ``inventory_partner_domains``: INVENTORYPARTNERDOMAIN values, one hop each to the partner's file;
    - ``owner_domain``: the first OWNERDOMAIN (later ones are kept, marked ignored); the host's root domain
      when absent (``owner_domain_declared`` says which);
    - ``manager_domains``: (domain, country or None) pairs; ``contacts``: CONTACT values;
    - ``declares_no_sellers``: the file holds IAB's placeholder record and no other record (§3.2.1): an
      explicit "nobody is authorised", unlike an empty file or an error page.

``items(parsed, *, domain, provenance) -> Iterator[dict]``
    The items of the crawl contract (``spiders.items``): ``ads_txt_record``, ``ads_txt_variable`` and
    ``ads_txt_rejected_line``, each ``provenance`` (the PROVENANCE_FIELDS, ``item_kind`` set here) plus its
    fields; ``line_key`` ("<domain>/<file_kind>#<line>") identifies the item within a crawl.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spiders.items import empty_item
from spiders.parsers import ads_txt_rules
from spiders.parsers.ad_systems import canonical_ad_system, canonical_seller_account
from spiders.parsers.ads_txt_rules import RecordLine, RejectedLine, VariableLine
from spiders.public_suffix import load_public_suffix_list, root_domain

FILE_KINDS = ("ads.txt", "app-ads.txt")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Record:
    line_number: int
    line: RecordLine
    ad_system_canonical: str
    seller_account_canonical: str


@dataclass(frozen=True)
class Variable:
    line_number: int
    line: VariableLine
    ignored_reason: str | None  # why the declaration has no effect; None when it counts


@dataclass(frozen=True)
class Rejected:
    line_number: int
    raw_line: str
    reason: str


@dataclass
class ParsedAdsTxt:
    file_kind: str
    domain: str | None
    records: list[Record] = field(default_factory=list)
    variables: list[Variable] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    encoding: str = "utf-8"

    def _values(self, name: str) -> list[str]:
        return [v.line.value for v in self.variables if v.line.name == name and v.ignored_reason is None]

    @property
    def subdomains(self) -> list[str]:
        return self._values("SUBDOMAIN")

    @property
    def inventory_partner_domains(self) -> list[str]:
        return self._values("INVENTORYPARTNERDOMAIN")

    @property
    def contacts(self) -> list[str]:
        return self._values("CONTACT")

    @property
    def manager_domains(self) -> list[tuple[str, str | None]]:
        return [(v.line.value, v.line.country) for v in self.variables
                if v.line.name == "MANAGERDOMAIN" and v.ignored_reason is None]

    @property
    def owner_domain_declared(self) -> bool:
        return bool(self._values("OWNERDOMAIN"))

    @property
    def owner_domain(self) -> str | None:
        declared = self._values("OWNERDOMAIN")
        if declared:
            return declared[0]
        return root_domain(self.domain) if self.domain else None

    @property
    def declares_no_sellers(self) -> bool:
        return bool(self.records) and all(record.line.is_placeholder for record in self.records)


def decode(body: bytes) -> tuple[str, str]:
    """The file's text and the encoding read: a BOM decides; else UTF-8; else Windows-1252 (never fails)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(encoding, errors="replace"), encoding
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace"), "cp1252"


def parse_ads_txt(body: bytes, *, file_kind: str = "ads.txt", domain: str | None = None) -> ParsedAdsTxt:
    if file_kind not in FILE_KINDS:
        raise ValueError(f"file_kind {file_kind!r} is not one of {FILE_KINDS}")
    text, encoding = decode(body)
    parsed = ParsedAdsTxt(file_kind=file_kind, domain=domain.lower() if domain else None, encoding=encoding)
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the break after the last line ends it; it does not start another
    owner_seen = False
    for line_number, raw_line in enumerate(lines, start=1):
        result = ads_txt_rules.classify_line(raw_line)
        if result is None:
            continue
        if isinstance(result, RejectedLine):
            parsed.rejected.append(Rejected(line_number, raw_line, result.reason))
        elif isinstance(result, RecordLine):
            canonical = canonical_ad_system(result.ad_system_domain)
            parsed.records.append(Record(line_number, result, canonical,
                                         canonical_seller_account(canonical, result.seller_account_id)))
        else:
            ignored = _ignored_reason(result, parsed, owner_seen)
            owner_seen = owner_seen or result.name == "OWNERDOMAIN"
            parsed.variables.append(Variable(line_number, result, ignored))
    return parsed


def _ignored_reason(variable: VariableLine, parsed: ParsedAdsTxt, owner_seen: bool) -> str | None:
    if variable.name not in ads_txt_rules.KNOWN_VARIABLES:
        return f"{variable.name} is not an ads.txt 1.1 variable"
    if variable.name == "OWNERDOMAIN" and owner_seen:
        return "a later OWNERDOMAIN: the first one counts"
    if variable.name == "SUBDOMAIN":
        if parsed.file_kind == "app-ads.txt":
            return "SUBDOMAIN has no meaning in app-ads.txt"
        if parsed.domain:
            own_root = root_domain(parsed.domain)
            if root_domain(variable.value) != own_root or variable.value == parsed.domain:
                return f"not a subdomain of {own_root}"
    return None


def items(parsed: ParsedAdsTxt, *, domain: str, provenance: dict) -> Iterator[dict]:
    """The crawl-contract items of one parsed file: records, then variables, then rejected lines."""
    domain = domain.lower()
    site_root = root_domain(domain)

    def base(kind: str, line_number: int) -> dict:
        item = empty_item(kind)
        item.update(provenance)
        item.update(item_kind=kind, line_key=f"{domain}/{parsed.file_kind}#{line_number}", domain=domain,
                    root_domain=site_root, file_kind=parsed.file_kind, line_number=line_number)
        return item

    for record in parsed.records:
        line = record.line
        item = base("ads_txt_record", record.line_number)
        item.update(
            ad_system_domain=line.ad_system_domain,
            ad_system_canonical=record.ad_system_canonical,
            seller_account_id=line.seller_account_id,
            seller_account_canonical=record.seller_account_canonical,
            relationship=line.relationship,
            certification_authority_id=line.certification_authority_id,
            extensions=list(line.extensions) or None,
            is_placeholder=line.is_placeholder,
            recovered_reason=line.recovered_reason,
        )
        yield item
    for variable in parsed.variables:
        item = base("ads_txt_variable", variable.line_number)
        item.update(name=variable.line.name, value=variable.line.value, country=variable.line.country,
                    ignored_reason=variable.ignored_reason)
        yield item
    for rejected in parsed.rejected:
        item = base("ads_txt_rejected_line", rejected.line_number)
        item.update(raw_line=rejected.raw_line, reason=rejected.reason)
        yield item


def domain_from_file_name(path: Path) -> str:
    """The domain a saved file belongs to: its name's leading domain part (``bild.de_ads.txt``), or its
    folder's name for a bare ``ads.txt`` (``bild.de/ads.txt``); ``"unknown"`` when neither is a domain."""
    psl = load_public_suffix_list()
    candidates = [path.name.split("_", 1)[0]] if "_" in path.name else []
    if path.name.lower() in FILE_KINDS:
        candidates.append(path.parent.name)
    for candidate in candidates:
        candidate = candidate.lower()
        if ads_txt_rules.is_domain(candidate) and psl.knows_suffix(candidate) and root_domain(candidate):
            return candidate
    return "unknown"


def parse_file(path: Path, *, file_kind: str) -> Iterator[dict]:
    """``adtrail parse ads-txt|app-ads-txt FILE``: the items of a saved file, as a crawl would make them."""
    from spiders.parsers.registry import file_provenance  # the registry imports this module

    body = path.read_bytes()
    domain = domain_from_file_name(path)
    parsed = parse_ads_txt(body, file_kind=file_kind, domain=None if domain == "unknown" else domain)
    provenance = file_provenance(path, body, item_kind="ads_txt_record", source="ads_txt")
    yield from items(parsed, domain=domain, provenance=provenance)


def parse_ads_txt_file(path: Path) -> Iterator[dict]:
    return parse_file(path, file_kind="ads.txt")


def parse_app_ads_txt_file(path: Path) -> Iterator[dict]:
    return parse_file(path, file_kind="app-ads.txt")

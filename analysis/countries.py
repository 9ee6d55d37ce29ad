"""The one ISO country and region table every source maps through (DESIGN.md, "Scores, entities and evidence").

``countries.csv``: the 249 countries of ISO 3166-1 (alpha-2, alpha-3, numeric, ISO's short, official and
common English names), plus Kosovo under the user-assigned code XK that Meta, Google and the EU use
(``iso`` = false). ``aliases`` holds the names platforms write that ISO spells otherwise: Snap's lower-case
"united states", Meta's "Vietnam", "Türkiye", "Congo - Kinshasa"... ``regions.csv``: the subdivisions of
ISO 3166-2 (code, country, name as ISO writes it, type, parent), with aliases for the English names Meta's
report uses where ISO gives the local one ("Wallonia" for "wallonne, Région").

Both files were written from the Debian iso-codes package (4.15.0, Salsa pkg-isocodes, which follows the ISO
3166 Maintenance Agency's updates); the aliases were added by hand. Names are compared by their normalised
skeleton (analysis/normalise.py), so case, accents in NFKC form and look-alike letters do not matter.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from analysis.normalise import skeleton

HERE = Path(__file__).resolve().parent
COUNTRIES_CSV = HERE / "countries.csv"
REGIONS_CSV = HERE / "regions.csv"


@dataclass(frozen=True)
class Country:
    alpha_2: str
    alpha_3: str
    numeric: str | None
    name: str
    official_name: str | None
    common_name: str | None
    aliases: tuple[str, ...]
    iso: bool  # False for the user-assigned XK (Kosovo)

    @property
    def display_name(self) -> str:
        return self.common_name or self.name


@dataclass(frozen=True)
class Region:
    code: str  # ISO 3166-2, e.g. "BE-WAL"
    country: str  # alpha-2
    name: str
    type: str
    parent: str | None
    aliases: tuple[str, ...]


def _key(name: str) -> str:
    """A name as compared: skeleton, punctuation except letters and digits dropped, a leading "the" too."""
    text = re.sub(r"[^\w]+", " ", skeleton(name)).strip()
    return re.sub(r"^the ", "", text)


@functools.cache
def countries() -> tuple[Country, ...]:
    with open(COUNTRIES_CSV, encoding="utf-8", newline="") as handle:
        return tuple(Country(row["alpha_2"], row["alpha_3"], row["numeric"] or None, row["name"],
                             row["official_name"] or None, row["common_name"] or None,
                             tuple(a for a in row["aliases"].split("|") if a), row["iso"] == "true")
                     for row in csv.DictReader(handle))


@functools.cache
def _country_index() -> dict[str, Country]:
    index: dict[str, Country] = {}
    for country in countries():
        # ISO's "Korea, Republic of" is also found as "Republic of Korea"
        inverted = [f"{b} {a}" for a, _, b in [country.name.partition(", ")] if b]
        for name in (country.name, country.official_name, country.common_name, *country.aliases, *inverted):
            if name:
                index.setdefault(_key(name), country)
    return index


def country(value: str | None) -> Country | None:
    """The country a code (alpha-2, alpha-3, numeric) or a name stands for; None when none does."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    by_code = {c.alpha_2: c for c in countries()} | {c.alpha_3: c for c in countries()}
    if text.upper() in by_code and len(text) in (2, 3) and text.isascii() and text.isalpha():
        return by_code[text.upper()]
    if text.isdigit():
        return next((c for c in countries() if c.numeric == text.zfill(3)), None)
    return _country_index().get(_key(text))


def country_code(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 (or XK) for a code or a name as any platform writes it, else None."""
    found = country(value)
    return found.alpha_2 if found else None


@functools.cache
def regions() -> tuple[Region, ...]:
    with open(REGIONS_CSV, encoding="utf-8", newline="") as handle:
        return tuple(Region(row["code"], row["country"], row["name"], row["type"], row["parent"] or None,
                            tuple(a for a in row["aliases"].split("|") if a)) for row in csv.DictReader(handle))


@functools.cache
def _region_index() -> dict[tuple[str, str], Region]:
    index: dict[tuple[str, str], Region] = {}
    for region in regions():
        # ISO writes some names inverted ("wallonne, Région"): both orders are found
        inverted = [f"{b} {a}" for a, _, b in [region.name.partition(", ")] if b]
        for name in (region.name, *region.aliases, *inverted):
            index.setdefault((region.country, _key(name)), region)
    return index


def region(country_value: str | None, name: str | None) -> Region | None:
    """The ISO 3166-2 subdivision of a country with this name (or code), None when the table has none."""
    alpha_2 = country_code(country_value)
    if alpha_2 is None or not name:
        return None
    code = name.strip().upper()
    if code.startswith(f"{alpha_2}-"):
        return next((r for r in regions() if r.code == code), None)
    return _region_index().get((alpha_2, _key(name)))


def region_code(country_value: str | None, name: str | None) -> str | None:
    found = region(country_value, name)
    return found.code if found else None

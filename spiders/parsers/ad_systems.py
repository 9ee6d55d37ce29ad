"""Canonical ad-system domains and seller accounts, for matching ads.txt records to sellers.json.

ads.txt 1.1 ("Domain name of the advertising system") asks for the domain the ad system publishes its
sellers.json under, but files carry capitals, brand names of the same system, old names after mergers and
typos. ``canonical_ad_system`` maps what a file says to one domain per ad system; the domain as given stays
in the record. The alias table lists only names known to mean the same ad system; an unknown domain is
kept (lowercased, scheme, ``www.`` and trailing dots removed), never guessed.

Google publisher ids: AdSense for content (``ca-pub-``), video (``ca-video-pub-``), apps (``ca-app-pub-``,
``ca-mb-app-pub-``) and partner (``partner-pub-``) ids all name the one publisher account ``pub-<digits>``
Google lists in its sellers.json, so ``canonical_seller_account`` normalises them; every other ad system's
seller id stays exactly as given (case, leading zeros and ``=`` are significant).
"""

from __future__ import annotations

import functools
import re

GOOGLE = "google.com"

# canonical domain -> what files write for it (lowercase; typos seen in published ads.txt files).
_ALIASES: dict[str, tuple[str, ...]] = {
    # Google Ad Manager / AdSense / AdX: Google's own ads.txt guidance says google.com; the serving
    # domains and old DoubleClick names appear in many files
    GOOGLE: ("googlesyndication.com", "doubleclick.net", "doubleclick.com", "g.doubleclick.net",
             "ad.doubleclick.net", "googleadservices.com", "admanager.google.com", "adx.google.com",
             "gooogle.com", "googel.com", "goolge.com", "google.con", "google,com", "google. com"),
    # Xandr (Microsoft) kept AppNexus's sellers.json at appnexus.com
    "appnexus.com": ("xandr.com", "adnxs.com", "apnexus.com", "appnexsus.com", "appnexus,com", "appnexus.net"),
    # Magnite publishes the Rubicon Project exchange's sellers.json at rubiconproject.com
    "rubiconproject.com": ("magnite.com", "rubicon.com", "rubiconprojects.com", "rubiconproject,com",
                           "rubiconprojekt.com"),
    "pubmatic.com": ("pubmatic,com", "pubmatics.com", "pubmatic.co", "pubmatic. com", "pubmatic.con"),
    # Index Exchange grew out of Casale Media
    "indexexchange.com": ("casalemedia.com", "index-exchange.com", "indexexhange.com", "indexexchange,com",
                          "indexexchange.net"),
    "openx.com": ("openx.net", "openx,com", "openx.org"),
    # Equativ is the renamed Smart AdServer, sellers.json still at smartadserver.com
    "smartadserver.com": ("equativ.com", "smartadserver.fr", "smartadserver,com"),
    # Yahoo's SSP absorbed Verizon Media / Oath / AOL
    "yahoo.com": ("verizonmedia.com", "oath.com", "aol.com"),
    "triplelift.com": ("triplelift.net", "triplelift,com"),
    "sharethrough.com": ("sharethrough,com",),
    "teads.tv": ("teads.com",),
    "criteo.com": ("criteo.net",),
    "improvedigital.com": ("improve-digital.com", "improvedigital,com"),
    "spotxchange.com": ("spotx.tv",),
    "amazon-adsystem.com": ("aps.amazon.com",),
    "contextweb.com": ("pulsepoint.com",),
    "smaato.com": ("smaato.net",),
    "inmobi.com": ("inmobi.net",),
}

ALIASES: dict[str, str] = {alias: canonical for canonical, names in _ALIASES.items() for alias in names}

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_GOOGLE_PUBLISHER = re.compile(r"^(?:ca-video-|ca-mb-app-|ca-app-|ca-|partner-)?pub-(\d+)$", re.IGNORECASE)


def clean_domain(domain: str) -> str:
    """A domain as written, tidied: lowercased, without scheme, path, ``www.`` or trailing dot."""
    text = domain.strip().lower()
    text = _SCHEME.sub("", text)
    text = text.split("/", 1)[0].strip().rstrip(".")
    if text.startswith("www."):
        text = text[4:]
    return text


@functools.lru_cache(maxsize=1 << 16)  # the same few hundred spellings recur on every line of every file
def canonical_ad_system(domain: str) -> str:
    """The one domain of the ad system ``domain`` names (``Google.com`` -> ``google.com``)."""
    cleaned = clean_domain(domain)
    if cleaned in ALIASES:
        return ALIASES[cleaned]
    collapsed = re.sub(r"\s*,\s*|\s+\.\s*|\.\s+", ".", cleaned)  # "pubmatic , com", "google. com"
    return ALIASES.get(collapsed, collapsed)


def canonical_seller_account(ad_system_canonical: str | None, seller_account_id: str) -> str:
    """The seller id as the ad system's sellers.json lists it: Google publisher ids as ``pub-<digits>``."""
    if ad_system_canonical == GOOGLE:
        match = _GOOGLE_PUBLISHER.match(seller_account_id.strip())
        if match:
            return f"pub-{match.group(1)}"
    return seller_account_id

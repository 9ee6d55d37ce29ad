"""Which ad systems' sellers.json to fetch: those the configuration names, and those the sites' ads.txt declare.

The sellers_json spider checks ads.txt records against each ad system's sellers.json, so the ad systems worth
fetching are the ones the crawled ads.txt files name (ads.txt 1.1 §3.2.1, field #1: "the canonical domain
name of the SSP, Exchange, Header Wrapper, etc system that bidders connect to"). This module reads them from
an ads_txt crawl folder: every ``ads_txt_record`` item (any ``items*.jsonl`` of the folder), its ad-system
domain canonicalised by spiders/parsers/ad_systems.py (aliases and typos to one domain), placeholders ("no
authorised sellers") left out. Ad systems are ranked by how many sites (hosts) declare them, then by name, so
a cap keeps those that cover most sites.

Where the list comes from, and why: the ads_txt crawl folder of the SAME snapshot (``adtrail snapshot``
crawls ads_txt before sellers_json: config.crawl_order), not the warehouse's last complete snapshot. The
supply-chain checks of a snapshot then compare this week's ads.txt with sellers.json fetched the same week,
an ad system a site named for the first time this week has its file in this snapshot (not a week later),
the first snapshot of a new warehouse has the list too, and the spider reads only a crawl folder, the one
contract between spiders and warehouse, never DuckDB (a crawl runs while the loader holds the warehouse).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from spiders.parsers.ad_systems import canonical_ad_system

RECORD_KIND = "ads_txt_record"
_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")


@dataclass
class DeclaredAdSystems:
    """The ad systems an ads_txt crawl folder's records declare, most declared first."""

    crawl_dir: Path
    crawl_id: str | None = None  # of the ads_txt crawl; None when there is no such folder
    crawl_status: str | None = None  # its manifest's status (a failed crawl's records still count)
    sites: Counter = field(default_factory=Counter)  # ad system -> number of hosts declaring it

    def ranked(self, limit: int) -> list[str]:
        """At most ``limit`` ad systems, the most declared first (ties by name)."""
        ordered = sorted(self.sites.items(), key=lambda pair: (-pair[1], pair[0]))
        return [system for system, _ in ordered[:limit]]


def _ads_txt_manifest(crawl_dir: Path) -> dict | None:
    try:
        manifest = json.loads((crawl_dir / "manifest.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):
        return None
    if manifest.get("source") != "ads_txt":
        raise ValueError(f"{crawl_dir} holds a {manifest.get('source')} crawl, not ads_txt: point "
                         "SELLERS_JSON_ADS_TXT_CRAWL at an ads_txt crawl folder")
    return manifest


def ads_txt_crawl_id(crawl_dir: Path) -> tuple[str | None, str | None]:
    """(crawl_id, status) of the ads_txt crawl in ``crawl_dir``; (None, None) when there is none."""
    manifest = _ads_txt_manifest(crawl_dir)
    return (manifest.get("crawl_id"), manifest.get("status")) if manifest else (None, None)


def _items_files(crawl_dir: Path, manifest: dict) -> list[Path]:
    """The items files the manifest names (a crawl split across processes keeps them in ``parts/``) and those
    beside it (a crawl still running may have written one its manifest does not name yet)."""
    named = {crawl_dir / entry["path"] for entry in manifest.get("files") or []
             if entry.get("kind") == "items" and isinstance(entry.get("path"), str)}
    return sorted(named | set(crawl_dir.glob("items*.jsonl")))


def declared_ad_systems(crawl_dir: Path) -> DeclaredAdSystems:
    """Read every ads.txt record of the crawl folder (streamed, a line at a time)."""
    manifest = _ads_txt_manifest(crawl_dir)
    if manifest is None:
        return DeclaredAdSystems(crawl_dir)
    found = DeclaredAdSystems(crawl_dir, manifest.get("crawl_id"), manifest.get("status"))
    if found.crawl_id is None:
        return found
    pairs: set[tuple[str, str]] = set()
    for path in _items_files(crawl_dir, manifest):
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if f'"{RECORD_KIND}"' not in line:
                    continue  # another kind's line (fetches, variables, rejected lines): no need to decode it
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by a kill; the ads_txt crawl writes it again when it resumes
                if record.get("item_kind") != RECORD_KIND or record.get("is_placeholder"):
                    continue
                given = record.get("ad_system_canonical") or record.get("ad_system_domain")
                system = canonical_ad_system(given) if given else ""
                if _DOMAIN.match(system):  # a record whose ad system is no domain names nothing to fetch
                    pairs.add((system, record.get("domain") or ""))
    found.sites.update(system for system, _ in pairs)
    return found

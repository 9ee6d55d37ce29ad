"""IAB sellers.json 1.0 of each ad system in scope: ``https://<ad system domain>/sellers.json``.

A bulk-file source of several files (spiders/bulk_multi.py, on spiders/bulk.py): the ad systems are fetched
one after another in one crawl, each with the base's machinery (a HEAD through robots.txt and the throttle,
then a streamed GET to ``bulk/<ad system>/sellers.json``; skipped when unchanged, resumed when cut, each ad
system's last good file kept in its own folder of the bulk store, an unexpected body's first bytes in
``state/unexpected-body-<ad system>``). One ad system failing (404, robots.txt, an HTML page) is recorded in
the manifest as a ``fetch_error`` entry with its reason and does not stop the others; unlike the base, the
crawl is ``complete`` once every ad system was tried, even if none gave a file (that is data).
The warehouse parses the files (spiders/parsers/sellers_json.py) in warehouse/load_sellers_json.py;
``adtrail parse sellers-json FILE`` reads a saved file the same way.

Scope: ``{"ad_systems": [...], "max_ad_systems_from_ads_txt": N}``: each ad system a domain as ads.txt names
it, or ``domain=URL`` where the ad system publishes elsewhere (Google: realtimebidding.google.com); and, when
N is above 0, up to N more: those the ads.txt records of the ads_txt crawl folder declare, most declared
first (spiders/sellers_json_ad_systems.py, which says why that folder). The folder is setting
``SELLERS_JSON_ADS_TXT_CRAWL``, by default the ``ads_txt`` folder beside this crawl's (``adtrail snapshot`` and
``adtrail crawl`` lay a crawl's sources side by side, ads_txt crawled first). The scope holds the configured
list and N; the manifest's ``ad_systems_from_ads_txt`` says what the ads.txt crawl added (its crawl id and
status, how many ad systems its records declare, those taken, those left over the cap), and each ``files``
entry its ``origin`` (``config``, ``ads_txt`` or both) and ``ads_txt_sites`` (the hosts declaring it). Setting ``SELLERS_JSON_URL_TEMPLATE``
(``https://{domain}/sellers.json``) points every ad system at a mirror or a test server. Legal card:
sellers.json files are public by design (IAB Tech Lab publishes the standard so that buyers crawl them),
no login; robots.txt is obeyed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from spiders.base import ScopeError
from spiders.bulk import BulkFileSpider, _in_thread
from spiders.bulk_multi import MultiFileBulkSpider
from spiders.manifest import utc_now
from spiders.sellers_json_ad_systems import declared_ad_systems

DEFAULT_URL_TEMPLATE = "https://{domain}/sellers.json"
_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")


def parse_ad_system(entry: str) -> tuple[str, str | None]:
    """``"pubmatic.com"`` or ``"google.com=https://realtimebidding.google.com/sellers.json"`` → (domain, URL)."""
    domain, _, url = str(entry).partition("=")
    domain = domain.strip().lower().rstrip(".")
    if not _DOMAIN.match(domain):
        raise ScopeError(f"ad system {entry!r} is not a domain (write e.g. pubmatic.com, or domain=URL)")
    url = url.strip() or None
    if url and not url.startswith(("https://", "http://")):
        raise ScopeError(f"ad system {entry!r}: the URL after '=' must start with https://")
    return domain, url


class SellersJsonSpider(MultiFileBulkSpider):
    name = "sellers_json"
    platform = "monetisation"
    item_kind = "sellers_json"  # no items.jsonl: the files are the data
    file_name = "sellers.json"
    url_setting = "SELLERS_JSON_URL_TEMPLATE"
    default_url = DEFAULT_URL_TEMPLATE
    expected = "a sellers.json file"
    key_field = "ad_system"  # each file is an ad system's: its domain names it in the manifest
    file_noun = "ad_systems"
    custom_settings = {**BulkFileSpider.custom_settings, "DEFAULT_REQUEST_HEADERS": {"Accept": "application/json"}}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.urls: dict[str, str] = {}  # ad system -> where it publishes, when not at the URL template
        self.origins: dict[str, dict] = {}  # ad system -> {"origin": ..., "ads_txt_sites": n}
        self.from_ads_txt: dict | None = None  # what the ads.txt crawl added, for the manifest

    @classmethod
    def normalise_scope(cls, raw: dict) -> dict:
        unknown = sorted(set(raw) - {"ad_systems", "max_ad_systems_from_ads_txt"})
        if unknown:
            raise ScopeError(f"sellers_json takes only ad_systems and max_ad_systems_from_ads_txt; got {unknown}")
        cap = raw.get("max_ad_systems_from_ads_txt", 0)
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
            raise ScopeError(f"max_ad_systems_from_ads_txt must be a whole number, 0 or more, not {cap!r}")
        entries = raw.get("ad_systems") or []
        if isinstance(entries, str) or (not entries and not cap):
            raise ScopeError("sellers_json needs ad_systems: a list of ad-system domains (config "
                             "sources.sellers_json.ad_systems), or max_ad_systems_from_ads_txt above 0")
        systems = dict(parse_ad_system(entry) for entry in entries)
        scope: dict = {"ad_systems": [f"{d}={u}" if u else d for d, u in sorted(systems.items())]}
        if cap:  # absent when 0, so a scope without the derivation hashes as it always did
            scope["max_ad_systems_from_ads_txt"] = cap
        return scope

    @classmethod
    def manifest_scope(cls, scope: dict, settings) -> dict:
        return dict(scope)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.ads_txt_crawl = Path(crawler.settings.get("SELLERS_JSON_ADS_TXT_CRAWL")
                                    or spider.folder.root.parent / "ads_txt")
        return spider

    async def ad_systems_to_fetch(self) -> list[str]:
        """The configured ad systems, then up to the cap of those the ads.txt crawl declares (most declared
        first); a configured ``domain=URL`` keeps its URL."""
        configured = list(self.scope["ad_systems"])
        for entry in configured:
            self.origins[parse_ad_system(entry)[0]] = {"origin": "config", "ads_txt_sites": 0}
        cap = self.scope.get("max_ad_systems_from_ads_txt", 0)
        if not cap:
            return configured
        try:
            declared = await _in_thread(lambda: declared_ad_systems(self.ads_txt_crawl))
        except ValueError as error:  # the folder holds another source's crawl
            self.logger.error("%s; fetching only the configured ad systems", error)
            declared = None
        if declared is None or declared.crawl_id is None:
            self.logger.warning("no ads_txt crawl in %s: fetching only the configured ad systems (crawl ads_txt "
                                "first, beside this crawl, or set SELLERS_JSON_ADS_TXT_CRAWL)", self.ads_txt_crawl)
            self.from_ads_txt = {"crawl_id": None, "crawl_status": None, "declared": 0, "taken": [], "over_cap": 0}
            return configured
        for system, sites in declared.sites.items():
            if system in self.origins:
                self.origins[system] = {"origin": "config+ads_txt", "ads_txt_sites": sites}
        extra = [system for system in declared.ranked(len(declared.sites)) if system not in self.origins]
        taken = extra[:cap]
        for system in taken:
            self.origins[system] = {"origin": "ads_txt", "ads_txt_sites": declared.sites[system]}
        self.from_ads_txt = {"crawl_id": declared.crawl_id, "crawl_status": declared.crawl_status,
                             "declared": len(declared.sites), "taken": taken, "over_cap": len(extra) - len(taken)}
        self.logger.info("ads_txt crawl %s (%s) declares %d ad systems: %d configured, %d more taken, %d over the "
                         "cap of %d", declared.crawl_id, declared.crawl_status, len(declared.sites),
                         len(declared.sites) - len(extra), len(taken), len(extra) - len(taken), cap)
        return configured + taken

    def _origin_of(self, ad_system: str) -> dict:
        return self.origins.get(ad_system, {"origin": "config", "ads_txt_sites": 0})

    def _write_manifest(self, status: str, finished_at: str | None, earlier: dict) -> None:
        super()._write_manifest(status, finished_at, earlier)
        if self.from_ads_txt is not None:  # the base writes the standard keys; this adds what ads.txt added
            manifest = self.folder.read_manifest()
            manifest["ad_systems_from_ads_txt"] = self.from_ads_txt
            self.folder.write_manifest(manifest)

    # ---- the files of the multi-file base: one per ad system

    async def files_to_fetch(self) -> list[str]:
        domains = []
        for entry in await self.ad_systems_to_fetch():
            domain, url = parse_ad_system(entry)
            if url:
                self.urls[domain] = url
            domains.append(domain)
        return domains

    def url_for(self, key: str) -> str:
        return self.urls.get(key) or self.url_template.format(domain=key)

    def entry_fields(self, key: str) -> dict:
        return self._origin_of(key)

    def write_final_manifest(self, spider, reason: str) -> None:
        """Not the base's rule: complete once every ad system was tried, whatever each gave (an ad system
        without a sellers.json is data); cut short, the current ad system is a fetch_error entry."""
        if self.key is not None:  # closed midway (shutdown): what arrived stays for the rerun
            if not self._current_done():
                self.stop(reason, f"the crawl ended ({reason}) before {self.shown_url} was fetched")
            self.entries.append({"kind": "fetch_error", "ad_system": self.key, "source_url": self.shown_url,
                                 "fetched_at": utc_now(), "finish_reason": self.stop_reason,
                                 "error": self.stop_message, **self._origin_of(self.key)})
        failed = [e for e in self.entries if e["kind"] == "fetch_error"]
        nothing_asked = reason == "finished" and not self.entries and not self.pending and self.key is None
        complete = reason == "finished" and not self.pending and self.key is None and not nothing_asked
        self.stop_reason = ("finished" if complete else "no_ad_systems" if nothing_asked
                            else reason if reason != "finished" else "incomplete")
        self.stop_message = None
        if nothing_asked:
            self.stop_message = ("no ad system to fetch: sources.sellers_json.ad_systems is empty and no ads.txt "
                                 f"record of the ads_txt crawl beside this one ({self.ads_txt_crawl.name}/) names "
                                 "one; crawl ads_txt first, or list ad systems in the configuration")
        if failed:
            self.stop_message = (f"{len(failed)} of {len(self.entries)} ad systems gave no sellers.json: " + "; ".join(
                f"{e['ad_system']}: {e['error']}" for e in failed[:5]) + ("; ..." if len(failed) > 5 else ""))
        if self.pending:
            self.stop_message = (f"{len(self.pending)} ad systems not reached ({', '.join(self.pending[:5])}); rerun "
                                 "the same command to continue. " + (self.stop_message or ""))
        self._write_manifest("complete" if complete else "failed", utc_now(), self.earlier)

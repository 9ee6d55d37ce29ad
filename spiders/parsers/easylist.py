"""EasyList (Adblock Plus filter syntax) read into a compact matcher: which CSS selectors mark ad slots on a
page, and which request hosts are ad servers.

Implements the parts of the Adblock Plus filter syntax (help.adblockplus.org/hc/en-us/articles/360062733293,
"How to write filters") that say *where ads are*, not how to block them:

- Element hiding: ``##selector`` (generic), ``a.com,~b.a.com##selector`` (domain-specific, ``~`` excludes),
  and ``#@#selector`` exceptions (with domains: off on those sites; without: off everywhere). Extended
  syntaxes (``#?#``, ``#$#``, ``#+js``) are counted and skipped: Chromium's ``querySelectorAll`` cannot run them.
- Ad-server rules: ``||host^`` with optional ``$options``, the form EasyList uses for whole ad-serving hosts.
  ``$third-party`` and ``$domain=a.com|~b.com`` are honoured; a rule whose only type is ``popup`` is kept but
  never matches a request (it describes pop-up windows). ``@@||host^`` exceptions remove a host. Rules with a
  path or wildcard (``||host/ads/``, ``/banner*``) match URLs, not hosts, and are counted only.

Comments (``!``) and the ``[Adblock Plus 2.0]`` header are skipped. The parser is a pure function of the text;
``load`` reads a file. An organisation table (webXray's org_domains.json: a list of
``{"organization", "domains": [...]}``) optionally names each ad-server host's owner.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# ||host^ with optional $options: the host-level ad-server form. A host is letters, digits, '-', '.'.
_HOST_RULE = re.compile(r"^(@@)?\|\|([a-z0-9.-]+\.[a-z0-9-]+|\d+\.\d+\.\d+\.\d+)\^?(?:\$(.*))?$", re.IGNORECASE)
_EXTENDED_MARKERS = ("#?#", "#$#", "#@$#", "#@?#", "#+js(")
_RESOURCE_TYPES = {"script", "image", "stylesheet", "object", "xmlhttprequest", "subdocument", "ping", "media",
                   "font", "websocket", "webrtc", "other", "popup", "document", "object-subrequest"}


class EasyListError(ValueError):
    """The text is not an Adblock Plus filter list."""


@dataclass(frozen=True)
class HostRule:
    """One ``||host^$options`` rule."""

    host: str
    third_party_only: bool = False
    include_domains: tuple[str, ...] = ()  # $domain= sites the rule is limited to
    exclude_domains: tuple[str, ...] = ()  # $domain=~ sites it never applies on
    popup_only: bool = False
    raw: str = ""


def _domain_within(host: str, domain: str) -> bool:
    """Whether ``host`` is ``domain`` or under it; "" (an exclusions-only rule's site list) holds every host."""
    return domain == "" or host == domain or host.endswith("." + domain)


def _split_domains(text: str, separator: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    include, exclude = [], []
    for part in text.split(separator):
        part = part.strip().lower()
        if part.startswith("~"):
            exclude.append(part[1:])
        elif part:
            include.append(part)
    return tuple(include), tuple(exclude)


def _site_of(host: str) -> str:
    """Two labels of a host: close enough to tell first from third party without the Public Suffix List."""
    return ".".join(host.split(".")[-2:])


@dataclass
class EasyList:
    """The matcher: generic and per-site hiding selectors, their exceptions, and ad-server host rules."""

    generic_selectors: set[str] = field(default_factory=set)
    site_selectors: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = field(default_factory=dict)
    generic_exceptions: set[str] = field(default_factory=set)
    site_exceptions: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    host_rules: dict[str, list[HostRule]] = field(default_factory=dict)
    host_exceptions: set[str] = field(default_factory=set)
    counts: Counter = field(default_factory=Counter)
    version: str | None = None
    owners: dict[str, str] = field(default_factory=dict)  # domain -> organisation

    # ---- element hiding
    def selectors_for(self, page_host: str) -> list[str]:
        """Every hiding selector that applies on ``page_host``, exceptions removed, in a stable order."""
        page_host = page_host.lower()
        chosen = set(self.generic_selectors)
        for selector, entries in self.site_selectors.items():
            for include, exclude in entries:
                if any(d and _domain_within(page_host, d) for d in exclude):
                    continue
                if any(_domain_within(page_host, d) for d in include):
                    chosen.add(selector)
        chosen -= self.generic_exceptions
        for selector, domain_lists in self.site_exceptions.items():
            if selector in chosen and any(_domain_within(page_host, d) for ds in domain_lists for d in ds):
                chosen.discard(selector)
        return sorted(chosen)

    # ---- ad servers
    def ad_server(self, request_host: str, page_host: str | None = None) -> str | None:
        """The ad-server rule host that ``request_host`` falls under on ``page_host``, or None."""
        labels = request_host.lower().rstrip(".").split(".")
        page_host = (page_host or "").lower()
        for start in range(len(labels) - 1):
            candidate = ".".join(labels[start:])
            if candidate in self.host_exceptions:
                return None
            for rule in self.host_rules.get(candidate, ()):
                if rule.popup_only:
                    continue
                if rule.third_party_only and page_host and _site_of(page_host) == _site_of(request_host.lower()):
                    continue
                if page_host and any(_domain_within(page_host, d) for d in rule.exclude_domains):
                    continue
                if rule.include_domains and not any(_domain_within(page_host, d) for d in rule.include_domains):
                    continue
                return candidate
        return None

    def owner_of(self, host: str) -> str | None:
        labels = host.lower().split(".")
        for start in range(len(labels) - 1):
            owner = self.owners.get(".".join(labels[start:]))
            if owner:
                return owner
        return None

    def summary(self) -> dict:
        return {"version": self.version, **dict(sorted(self.counts.items())),
                "ad_server_hosts": len(self.host_rules), "owner_domains": len(self.owners)}


def _parse_host_rule(line: str, match: re.Match, easylist: EasyList) -> None:
    exception, host, options = match.group(1), match.group(2).lower(), match.group(3) or ""
    if exception:
        if not options:
            easylist.host_exceptions.add(host)
            easylist.counts["ad_server_exceptions"] += 1
        else:
            easylist.counts["ad_server_exceptions_with_options"] += 1  # narrow exceptions: not host-wide
        return
    third_party, include, exclude, types = False, (), (), set()
    for option in filter(None, (part.strip().lower() for part in options.split(","))):
        if option in ("third-party", "3p"):
            third_party = True
        elif option.startswith("domain="):
            include, exclude = _split_domains(option[len("domain="):], "|")
        elif option.lstrip("~") in _RESOURCE_TYPES and not option.startswith("~"):
            types.add(option)
    rule = HostRule(host, third_party, include, exclude, popup_only=types == {"popup"}, raw=line)
    easylist.host_rules.setdefault(host, []).append(rule)
    easylist.counts["ad_server_rules"] += 1


def parse(text: str) -> EasyList:
    """Read an Adblock Plus filter list's text into an :class:`EasyList`."""
    lines = text.splitlines()
    if not lines or not (lines[0].startswith("[Adblock") or any(line.startswith("##") for line in lines[:5000])):
        raise EasyListError("this is not an Adblock Plus filter list (no '[Adblock Plus' header and no '##' "
                            "rules): give the path or URL of easylist.txt, e.g. https://easylist.to/easylist/easylist.txt")
    easylist = EasyList()
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("["):
            continue
        if line.startswith("!"):
            if line.startswith("! Version:"):
                easylist.version = line.split(":", 1)[1].strip()
            continue
        if any(marker in line for marker in _EXTENDED_MARKERS):
            easylist.counts["extended_rules_skipped"] += 1
            continue
        if "#@#" in line:
            domains, selector = line.split("#@#", 1)
            if domains:
                easylist.site_exceptions.setdefault(selector, []).append(_split_domains(domains, ",")[0])
            else:
                easylist.generic_exceptions.add(selector)
            easylist.counts["hiding_exceptions"] += 1
            continue
        if "##" in line:
            domains, selector = line.split("##", 1)
            if domains:
                include, exclude = _split_domains(domains, ",")
                if include:
                    easylist.site_selectors.setdefault(selector, []).append((include, exclude))
                else:  # only exclusions: everywhere except those sites
                    easylist.site_selectors.setdefault(selector, []).append((("",), exclude))
                easylist.counts["hiding_site_rules"] += 1
            else:
                easylist.generic_selectors.add(selector)
                easylist.counts["hiding_generic_rules"] += 1
            continue
        match = _HOST_RULE.match(line)
        if match:
            _parse_host_rule(line, match, easylist)
        else:
            easylist.counts["url_rules_not_host_level"] += 1
    return easylist


def load_owners(path: str | Path) -> dict[str, str]:
    """webXray's org_domains.json as {domain: organisation}."""
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise EasyListError(f"cannot read the ad-system owner table {path}: {error}; give the path of "
                            "webXray's org_domains.json or leave the setting empty") from error
    owners: dict[str, str] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("organization"):
            for domain in entry.get("domains") or []:
                owners.setdefault(str(domain).lower(), entry["organization"])
    return owners


def load(path: str | Path, owners_path: str | Path | None = None) -> EasyList:
    """An :class:`EasyList` from a file (UTF-8), with the owner table when given."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise EasyListError(f"cannot read the EasyList file {path}: {error}; download "
                            "https://easylist.to/easylist/easylist.txt or point EASYLIST_URL at a copy") from error
    easylist = parse(text)
    if owners_path:
        easylist.owners = load_owners(owners_path)
    return easylist


def parse_file(path: Path) -> Iterator[dict]:
    """``adtrail parse easylist FILE``: one summary line (rule counts), then one line per ad-server host rule."""
    parsed = load(path)
    yield {"rule_kind": "summary", "source_url": Path(path).resolve().as_uri(), **parsed.summary()}
    for host, rules in sorted(parsed.host_rules.items()):
        for rule in rules:
            yield {"rule_kind": "ad_server", "host": host, "third_party_only": rule.third_party_only,
                   "include_domains": list(rule.include_domains), "exclude_domains": list(rule.exclude_domains),
                   "popup_only": rule.popup_only, "rule": rule.raw}

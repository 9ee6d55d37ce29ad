"""Advertisers across platforms: one organisation's Meta page, Google advertiser id, TikTok business id, Snap
organisation, LinkedIn company page and "paid for by" lines resolved into one entity (DESIGN.md "Scores,
entities and evidence"). Every snapshot is resolved as it completes (commands/snapshot.py); ``adtrail
entities`` resolves again after a review or an override file.

The rule:

- **Identifiers are proof** and merge automatically: the same platform id, the same registration number
  (Google's Public_IDs_List "EIN ID 46-3931666", a CNPJ, ...: scheme and number, punctuation ignored), the
  same verified domain (case and a leading "www." ignored), the same LinkedIn company page (its link's
  /company/<name> part); and identifiers seen on one record (a Google advertiser and its registration
  numbers) belong together. A TikTok business id from the advertiser query and the same id on TikTok ads
  are one identifier.
- **Names are not proof**: two entities whose names match (analysis/normalise.py's skeleton equal, one name
  extending the other word for word, or differing by a few letters) become a candidate with its reason and
  a confidence below 1, merged only once confirmed (``adtrail entities review --confirm ID`` or an override).
  A rejected candidate is not proposed again. The name rule is analysis/entity_names.py.
- **Roles stay apart**: a "paid for by" line (Meta, Snap, TikTok, LinkedIn, the Meta report's disclaimer)
  is its own identifier per platform and role (payer, beneficiary); paying for a page's ads never merges the
  payer into the page, and names are matched only within a role (advertiser names with advertiser names,
  payers with payers).
- **The user's overrides** (``entity_overrides.csv``: ``action,identifier_a,identifier_b,note``) win:
  ``merge`` joins two identifiers; ``split`` takes identifier_a (and identifier_b when given) out of whatever
  joined it automatically or by a confirmed candidate; ``confirm`` and ``reject`` decide a name match.
  Identifiers are written as ``adtrail entities review`` prints them, e.g. ``meta_page_id:1234``,
  ``registration_number:EIN:463931666``, ``linkedin_company:acme-corp``, ``paid_for_by:meta:payer:friends of x``.
- **Countries**: each identifier keeps the countries it was seen in (the advertiser's country where a
  source states it, else the countries its ads reached); an entity has all of its identifiers'.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb

from analysis.entity_names import name_candidates, name_match  # noqa: F401 (name_match is imported from here too)
from analysis.normalise import fold
from warehouse import entities as store

ID_KINDS = ("meta_page_id", "google_advertiser_id", "tiktok_business_id", "snap_organisation", "linkedin_company",
            "registration_number", "verified_domain", "paid_for_by")
ACTIONS = ("merge", "split", "confirm", "reject")
_DECISION = {"confirm": "confirmed", "reject": "rejected"}
OVERRIDE_HEADER = ["action", "identifier_a", "identifier_b", "note"]
_ROLE_ORDER = {"advertiser": 0, "beneficiary": 1, "payer": 2, "agency": 3}
# "EIN:46-3931666", "EIN ID 46-3931666", "CNPJ 12.345.678/0001-90": a scheme, then the number
_REGISTRATION = re.compile(r"^([A-Za-z]+)(?:\s+ID)?\s*[:\s]\s*(\S.*)$")
# a LinkedIn page link: https://www.linkedin.com/company/acme-corp/ (showcase and school pages alike)
_LINKEDIN_PAGE = re.compile(r"^(?:https?://)?(?:[a-z]+\.)?linkedin\.com/(company|showcase|school)/([^/?#]+)",
                            re.IGNORECASE)


class OverrideError(ValueError):
    """An override file that cannot be read as entity overrides."""


def identifier_key(id_kind: str, value: str, platform: str, role: str) -> str:
    """What is compared: platform ids as given; registration numbers as SCHEME:DIGITS; domains lower case
    without "www."; Snap organisations and "paid for by" lines (names) folded, the latter per platform and role."""
    value = value.strip()
    if id_kind == "registration_number":
        match = _REGISTRATION.match(value)
        scheme, number = (match.group(1), match.group(2)) if match else ("", value)
        return f"registration_number:{scheme.upper()}:{re.sub(r'[^0-9A-Za-z]', '', number).upper()}"
    if id_kind == "verified_domain":
        domain = re.sub(r"^(https?://)?(www\.)?", "", value.lower()).rstrip("/")
        return f"verified_domain:{domain}"
    if id_kind == "snap_organisation":
        return f"snap_organisation:{fold(value)}"
    if id_kind == "linkedin_company":
        page = _LINKEDIN_PAGE.match(value)
        if page:  # a company page's link; "company" pages keep the bare name as reviewers see it
            kind, name = page.group(1).lower(), urllib.parse.unquote(page.group(2)).lower()
            return f"linkedin_company:{name}" if kind == "company" else f"linkedin_company:{kind}/{name}"
        return f"linkedin_company:name:{fold(value)}"  # no page link: the advertiser's name stands in
    if id_kind == "paid_for_by":
        return f"paid_for_by:{platform}:{role}:{fold(value)}"
    return f"{id_kind}:{value}"


class _Components:
    """Union-find over identifier keys."""

    def __init__(self, keys):
        self.parent = {key: key for key in keys}

    def find(self, key: str) -> str:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, first: str, second: str) -> None:
        if first in self.parent and second in self.parent:
            roots = sorted((self.find(first), self.find(second)))
            self.parent[roots[1]] = roots[0]


@dataclass(frozen=True)
class Resolution:
    snapshot_id: int
    entities: int
    identifiers: int
    open_candidates: int
    seconds: float  # wall time of the resolution

    @property
    def message(self) -> str:
        return (f"entities of snapshot {self.snapshot_id}: {self.identifiers} identifiers in {self.entities} "
                f"entities ({self.seconds:.2f} s); {self.open_candidates} name matches await review "
                "(adtrail entities review)")


def resolve(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> Resolution:
    """Resolve the snapshot's identifiers into entities, record name-match candidates, apply decisions.
    Idempotent: a second run over the same snapshot and decisions writes the same rows."""
    started = time.perf_counter()
    seen = {}  # (key, platform, role) -> observation
    countries = defaultdict(set)  # (key, platform, role) -> where it was seen
    by_record = defaultdict(set)
    for row in store.observed_identifiers(con, snapshot_id):
        if not row["value"] or not row["value"].strip():
            continue
        key = identifier_key(row["id_kind"], row["value"], row["platform"], row["role"])
        seen.setdefault((key, row["platform"], row["role"]), row | {"key": key})
        if row["country"]:
            countries[key, row["platform"], row["role"]].add(row["country"])
        by_record[row["record_key"]].add(key)
    keys = {key for key, _, _ in seen}
    split = {key for pair in store.overrides(con, "split") for key in pair if key}
    components = _Components(keys)
    joined_by = {}
    for record_keys in by_record.values():
        ordered = sorted(record_keys - split)
        for key in ordered[1:]:
            components.join(ordered[0], key)
    for first, second in store.candidate_pairs(con, "confirmed"):
        if first not in split and second not in split:
            components.join(first, second)
            joined_by.setdefault(first, "confirmed_candidate")
            joined_by.setdefault(second, "confirmed_candidate")
    for first, second in store.overrides(con, "merge"):
        components.join(first, second)
        joined_by[first] = joined_by[second] = "override"

    members = defaultdict(list)
    for (key, platform, role), row in seen.items():
        members[components.find(key)].append(row | {"countries": sorted(countries[key, platform, role]) or None})
    entity_rows, identifier_rows, names = [], [], {}
    for root, rows in sorted(members.items()):
        entity_id = "E" + hashlib.sha256(root.encode("utf-8")).hexdigest()[:16]
        rows.sort(key=lambda r: (_ROLE_ORDER[r["role"]], r["id_kind"] == "registration_number", r["key"]))
        display = next((r["name"] for r in rows if r["name"]), None)
        entity_countries = sorted({country for r in rows for country in r["countries"] or ()}) or None
        entity_rows.append((entity_id, display, sorted({r["platform"] for r in rows}),
                            sorted({r["role"] for r in rows}, key=_ROLE_ORDER.get), len(rows), entity_countries))
        identifier_rows += [(entity_id, r["key"], r["platform"], r["id_kind"], r["value"], r["role"], r["name"],
                             joined_by.get(r["key"], "identifier"), r["countries"]) for r in rows]
        names[root] = [(r["key"], r["name"], r["role"]) for r in rows
                       if r["name"] and r["id_kind"] not in ("registration_number", "verified_domain")]
    store.replace_entities(con, snapshot_id, entity_rows, identifier_rows)
    store.record_candidates(con, snapshot_id, name_candidates(names))
    return Resolution(snapshot_id, len(entity_rows), len(identifier_rows), len(store.candidates(con, "candidate")),
                      time.perf_counter() - started)


def read_overrides(path: Path) -> list[tuple]:
    """An ``entity_overrides.csv``: rows (row_number, action, identifier_a, identifier_b, note)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise OverrideError(f"{path}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise OverrideError(f"{path}: not UTF-8 text; save it as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if header[:3] != OVERRIDE_HEADER[:3]:
        raise OverrideError(f"{path}: the header must be {','.join(OVERRIDE_HEADER)} (note optional), "
                            f"found {','.join(header) or 'nothing'}")
    rows = []
    for number, cells in enumerate(reader, start=1):
        if not any(cell.strip() for cell in cells):
            continue
        cells = [cell.strip() for cell in cells] + [""] * 4
        action, first, second, note = cells[0].lower(), cells[1], cells[2] or None, cells[3] or None
        where = f"{path}, data row {number}"
        if action not in ACTIONS:
            raise OverrideError(f"{where}: action {cells[0]!r} is none of {', '.join(ACTIONS)}")
        for identifier in filter(None, (first, second)):
            if identifier.split(":", 1)[0] not in ID_KINDS or ":" not in identifier:
                raise OverrideError(f"{where}: {identifier!r} is not an identifier such as meta_page_id:1234 "
                                    f"(kinds: {', '.join(ID_KINDS)}); copy it from adtrail entities review")
        if not first or (action != "split" and not second):
            raise OverrideError(f"{where}: {action} needs identifier_a" + ("" if action == "split" else
                                                                           " and identifier_b"))
        rows.append((number, action, first, second, note))
    return rows


def import_overrides(con: duckdb.DuckDBPyConnection, path: str | Path) -> int:
    """Store an override file's rows and record its confirm/reject decisions; returns the rows added (0 when
    the same file was imported before). Nothing is stored when any row is wrong."""
    path = Path(path)
    rows = read_overrides(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    con.execute("BEGIN TRANSACTION")
    try:
        added = store.store_overrides(con, path.name, digest, rows)
        if added:
            for _, action, first, second, _ in rows:
                if action in ("confirm", "reject"):
                    store.decide_pair(con, first, second, _DECISION[action], f"override:{path.name}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return added

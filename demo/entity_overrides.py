"""The demo investigator's ``entity_overrides.csv``: which accounts on different platforms the demo world
knows to be one organisation, written in the documented format (``action,identifier_a,identifier_b,note``)
and imported by the function ``adtrail entities import-overrides`` uses (analysis.entities.import_overrides).

Why a file and not an identifier: the accounts the demo shares across platforms are joined in the real
sources by nothing a platform publishes on both sides. Meta's ``ads_archive`` gives a page id and "paid for
by" lines; Google's bundle a Google advertiser id and, in ``Public_IDs_List``, registration numbers (the
real file has them for US committees, none for India); TikTok a business id; LinkedIn a company page; Snap an
organisation's name. No source the warehouse loads carries a verified domain or a registration number beside
a Meta page, a TikTok business or a LinkedIn page, so an honest demo cannot let the automatic merge join them.
What joins them is what an investigator would write after checking: this file, each row saying the demo's
world is its only evidence. Name matches stay candidates for review (``adtrail entities review``).

The pairs: every Google advertiser that is a Meta demo page (demo.google_world's ``meta_page_id``), and the
organisations on TikTok, LinkedIn and Snap (demo.organisations) with their Meta page. The file is the same
every week (the worlds keep their accounts), so later weeks find it imported before and change nothing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from analysis.entities import OVERRIDE_HEADER, identifier_key, import_overrides
from demo.google_world import generate_google_world
from demo.linkedin_pages import company_slug
from demo.organisations import cross_platform_organisations
from demo.tiktok_world import generate_tiktok_world

FILE_NAME = "entity_overrides.csv"
NOTE = "adtrail demo world's own knowledge (generated, not real): {what}"


def _advertiser(id_kind: str, value: str, platform: str) -> str:
    return identifier_key(id_kind, value, platform, "advertiser")


def known_pairs(meta_world) -> list[tuple[str, str, str]]:
    """(identifier_a, identifier_b, note) of each account the demo worlds know to be a Meta page's
    organisation, as ``adtrail entities review`` prints identifiers."""
    pairs = []
    for advertiser in sorted(generate_google_world(meta_world.week, meta_world.seed).advertisers.values(),
                             key=lambda a: a.advertiser_id):
        if advertiser.meta_page_id:
            pairs.append((_advertiser("google_advertiser_id", advertiser.advertiser_id, "google"),
                          _advertiser("meta_page_id", advertiser.meta_page_id, "meta"),
                          NOTE.format(what=f"Google advertiser {advertiser.name} is this Meta page")))
    for business in generate_tiktok_world(meta_world).advertisers:
        if business.meta_page_id:
            pairs.append((_advertiser("tiktok_business_id", str(business.business_id), "tiktok"),
                          _advertiser("meta_page_id", business.meta_page_id, "meta"),
                          NOTE.format(what=f"TikTok business {business.name} is this Meta page")))
    for country, page in cross_platform_organisations(meta_world.seed).items():
        company = f"https://www.linkedin.com/company/{company_slug(page.name)}"
        pairs.append((_advertiser("linkedin_company", company, "linkedin"),
                       _advertiser("meta_page_id", page.page_id, "meta"),
                       NOTE.format(what=f"LinkedIn company page of {page.name} is this Meta page")))
        if country == "NG":  # demo.snap_world: Nigeria is Snap's one demo country
            pairs.append((_advertiser("snap_organisation", page.name, "snap"),
                          _advertiser("meta_page_id", page.page_id, "meta"),
                          NOTE.format(what=f"Snap organisation {page.name} is this Meta page")))
    return pairs


def write_overrides(meta_world, folder: Path) -> Path:
    """``folder``/entity_overrides.csv with a ``merge`` row per known pair; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(OVERRIDE_HEADER)
        writer.writerows(("merge", *pair) for pair in known_pairs(meta_world))
    return path


@dataclass(frozen=True)
class OverrideImport:
    """What importing the file did, told like the snapshot's other imports (message, already_loaded)."""

    path: Path
    rows_added: int

    @property
    def already_loaded(self) -> bool:
        return self.rows_added == 0

    @property
    def message(self) -> str:
        if self.already_loaded:
            return f"entity overrides: {self.path.name} imported before; unchanged"
        return (f"entity overrides: {self.rows_added} rows of {self.path.name} stored (the demo's known pairs; "
                "adtrail entities import-overrides does the same with yours)")


def import_demo_overrides(con, path: Path) -> OverrideImport:
    """Store the file's rows as ``adtrail entities import-overrides`` does; the snapshot's resolution, which
    runs after the imports, applies them."""
    return OverrideImport(path, import_overrides(con, path))

"""The demo's advertisers across platforms: the organisations it puts on TikTok, LinkedIn and Snap stay the
same from week to week, and its entity_overrides.csv names exactly the identifiers those platforms' files
carry (read back through the project's own parsers), as a file ``adtrail entities import-overrides``
accepts. The demo run itself is tested in tests/test_entities_snapshot.py (slow)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from analysis.entities import identifier_key, read_overrides
from demo.entity_overrides import import_demo_overrides, write_overrides
from demo.google_world import generate_google_world
from demo.linkedin_pages import write_linkedin_pages
from demo.organisations import cross_platform_organisations
from demo.snap_world import generate_snap_file
from demo.tiktok_world import generate_tiktok_world
from demo.world import generate_world
from spiders.linkedin_saved_pages import read_saved_pages
from warehouse import db


@pytest.fixture(scope="module")
def world():
    return generate_world(1)


@pytest.fixture
def overrides(world, tmp_path):
    return read_overrides(write_overrides(world, tmp_path))


def test_the_file_is_merges_the_demo_knows_and_says_so(overrides):
    assert {action for _, action, _, _, _ in overrides} == {"merge"}
    assert all(note.startswith("adtrail demo world's own knowledge (generated, not real): ")
               for _, _, _, _, note in overrides)
    kinds = {first.split(":", 1)[0] for _, _, first, _, _ in overrides}
    assert kinds == {"google_advertiser_id", "tiktok_business_id", "linkedin_company", "snap_organisation"}
    assert all(second.startswith("meta_page_id:") for _, _, _, second, _ in overrides)


def test_every_identifier_is_one_the_platforms_files_carry(world, overrides, tmp_path):
    named = {first for _, _, first, _, _ in overrides}
    pages = {second.split(":", 1)[1] for _, _, _, second, _ in overrides}
    assert pages <= set(world.pages)
    google = {identifier_key("google_advertiser_id", advertiser.advertiser_id, "google", "advertiser")
              for advertiser in generate_google_world(1).advertisers.values()}
    tiktok = {identifier_key("tiktok_business_id", str(entry["advertiser"]["business_id"]), "tiktok", "advertiser")
              for entry in generate_tiktok_world(world).ads}
    items, _ = read_saved_pages(write_linkedin_pages(world, tmp_path / "linkedin"))
    linkedin = {identifier_key("linkedin_company", item["advertiser_url"], "linkedin", "advertiser")
                for item in items}
    snap_rows = csv.DictReader(io.StringIO(generate_snap_file(world.as_of, world.countries).csv_text))
    snap = {identifier_key("snap_organisation", row["OrganizationName"], "snap", "advertiser") for row in snap_rows}
    for kind, published in (("google_advertiser_id", google), ("tiktok_business_id", tiktok),
                            ("linkedin_company", linkedin), ("snap_organisation", snap)):
        wanted = {identifier for identifier in named if identifier.startswith(f"{kind}:")}
        assert wanted and wanted <= published, kind
    # each cross-platform organisation: its TikTok business and LinkedIn page are merged with its own page
    for organisation in cross_platform_organisations().values():
        partners = {first.split(":", 1)[0] for _, _, first, second, _ in overrides
                    if second == f"meta_page_id:{organisation.page_id}"}
        assert {"tiktok_business_id", "linkedin_company"} <= partners


def test_organisations_keep_their_accounts_when_their_page_is_renamed(tmp_path):
    first, later = generate_world(1), generate_world(8)
    renamed = [page.page_id for page in cross_platform_organisations().values()
               if later.pages[page.page_id].name != page.name]
    assert renamed  # the demo world renames one of them by week 8: the case this guards
    tiktok = {(a.business_id, a.name, a.meta_page_id) for a in generate_tiktok_world(first).advertisers}
    assert {(a.business_id, a.name, a.meta_page_id) for a in generate_tiktok_world(later).advertisers} == tiktok
    assert (write_overrides(first, tmp_path / "1").read_bytes()
            == write_overrides(later, tmp_path / "8").read_bytes())
    snap = generate_snap_file(dt.date(2026, 3, 2), ["NG"]).csv_text
    assert cross_platform_organisations()["NG"].name in snap


def test_the_import_stores_the_file_once(world, tmp_path):
    path = write_overrides(world, tmp_path / "downloads")
    con = db.connect(tmp_path / "adtrail.duckdb")
    try:
        first = import_demo_overrides(con, path)
        again = import_demo_overrides(con, path)
        stored = con.execute("SELECT count(*), count(DISTINCT file_name) FROM entity_override").fetchone()
    finally:
        con.close()
    assert not first.already_loaded and first.rows_added == len(read_overrides(path))
    assert again.already_loaded and "imported before" in again.message
    assert stored == (first.rows_added, 1)

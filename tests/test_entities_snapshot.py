"""Entities resolve as every snapshot completes (adtrail load, snapshot, demo), without `adtrail entities`:
TikTok business ids (ads and the advertiser query) and LinkedIn company pages join the Meta pages, Google ids,
Snap organisations and "paid for by" lines; roles stay apart; reviews and overrides survive later snapshots
and still win; a rerun is idempotent, and a failed resolution leaves the snapshot for the rerun to finish."""

from __future__ import annotations

import hashlib
import json

import duckdb
import pytest

import cli
from spiders.items import empty_item
from tests.crawl_factory import CLOCK_START, iso, meta_ad_item, write_crawl
from warehouse import db
from warehouse.publish import open_published

LINKEDIN_PAGE = "https://www.linkedin.com/company/parti-exemple"


def provenance(kind: str, source: str, crawl_id: str, number: int, **fields) -> dict:
    item = empty_item(kind)
    item.update(item_kind=kind, source=source, crawl_id=crawl_id, source_url=f"https://example.test/{kind}/{number}",
                fetched_at=iso(CLOCK_START), page_number=1,
                body_sha256=hashlib.sha256(f"{crawl_id} {number}".encode()).hexdigest(), **fields)
    return item


def tiktok_ad(crawl_id: str, ad_id: str, business_id: str, name: str, paid_for_by: str, reach: dict) -> dict:
    return provenance("tiktok_ad", "tiktok_commercial_content", crawl_id, int(ad_id), platform="tiktok", ad_id=ad_id,
                      ad_key=ad_id, endpoint="ad_query", first_shown_date="2026-01-02", last_shown_date="2026-01-04",
                      status="active", advertiser_business_id=business_id, advertiser_business_name=name,
                      paid_for_by=paid_for_by, unique_users_seen_by_country=reach, query_country="FR")


def tiktok_advertiser(crawl_id: str, business_id: str, name: str, country: str, number: int) -> dict:
    return provenance("tiktok_advertiser", "tiktok_commercial_content", crawl_id, number, platform="tiktok",
                      business_id=business_id, advertiser_key=f"{business_id}:{country}", business_name=name,
                      country_code=country, record={"business_id": business_id, "business_name": name,
                                                    "country_code": country})


def linkedin_ad(crawl_id: str, ad_id: str, name: str, page_url: str | None, payer: str | None) -> dict:
    return provenance("linkedin_ad", "linkedin_ad_library", crawl_id, int(ad_id), platform="linkedin", ad_id=ad_id,
                      ad_key=ad_id, page_kind="detail", detail_url=f"https://www.linkedin.com/ad-library/detail/{ad_id}",
                      advertiser_name=name, advertiser_url=page_url, payer=payer,
                      impressions_by_country=[{"country": "Belgium", "country_code": "BE", "share_text": "100%",
                                               "share_low": 100, "share_high": 100}])


def add_items_file(crawl_dir, name: str, kind: str, items: list[dict]) -> None:
    """A second items file in a crawl folder, as the TikTok spider writes ads and advertisers side by side."""
    text = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items).encode("utf-8")
    (crawl_dir / name).write_bytes(text)
    manifest = json.loads((crawl_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"].append({"path": name, "kind": "items", "item_kind": kind, "rows": len(items),
                              "sha256": hashlib.sha256(text).hexdigest(), "size": len(text)})
    (crawl_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def write_week(root, week: int) -> list:
    """One week's crawls of one organisation, "Parti Exemple": a Meta page, a TikTok business (ads and the
    advertiser query, two countries), a LinkedIn company page (two ads, and a card without the page link),
    each with its own "paid for by"; and a near name on Meta."""
    tag = f"w{week}"
    meta = write_crawl(root / tag / "meta", [
        meta_ad_item(f"{week}001", crawl_id=f"meta-{tag}", page_id="1001", page_name="Parti Exemple",
                     bylines="Parti Exemple ASBL", query_country="BE"),
        meta_ad_item(f"{week}002", crawl_id=f"meta-{tag}", page_id="1002", page_name="Parti Exemple Jeunes",
                     bylines=None)], crawl_id=f"meta-{tag}")
    tiktok = write_crawl(root / tag / "tiktok", [
        tiktok_ad(f"tiktok-{tag}", f"{week}101", "7001", "Parti Exemple", "Parti Exemple ASBL", {"FR": "12K"}),
        tiktok_ad(f"tiktok-{tag}", f"{week}102", "7001", "Parti Exemple", "Parti Exemple ASBL", {"BE": "1K-10K"})],
        item_kind="tiktok_ad", source="tiktok_commercial_content", platform="tiktok", crawl_id=f"tiktok-{tag}",
        scope={"countries": ["FR", "BE"]})
    add_items_file(tiktok, "advertisers.jsonl", "tiktok_advertiser", [
        tiktok_advertiser(f"tiktok-{tag}", "7001", "Parti Exemple", "FR", 1),
        tiktok_advertiser(f"tiktok-{tag}", "7001", "Parti Exemple", "BE", 2)])
    linkedin = write_crawl(root / tag / "linkedin", [
        linkedin_ad(f"linkedin-{tag}", f"{week}201", "Parti Exemple", LINKEDIN_PAGE + "?trk=ad_library", "Parti Exemple ASBL"),
        linkedin_ad(f"linkedin-{tag}", f"{week}202", "Parti Exemple", LINKEDIN_PAGE + "/", None),
        linkedin_ad(f"linkedin-{tag}", f"{week}203", "Parti Exemple", None, None)],
        item_kind="linkedin_ad", source="linkedin_ad_library", platform="linkedin", crawl_id=f"linkedin-{tag}",
        scope={"import": "saved pages"})
    return [meta, tiktok, linkedin]


def load(db_path, crawl_dirs, as_of: str) -> int:
    return cli.main(["load", "--db", str(db_path), "--as-of", as_of, *map(str, crawl_dirs)])


def published_rows(db_path, sql: str, params=()) -> list[tuple]:
    reader = open_published(db_path)
    try:
        return reader.execute(sql, list(params)).fetchall()
    finally:
        reader.close()


def entity_of(db_path, snapshot_id: int, key: str) -> str:
    rows = published_rows(db_path, "SELECT DISTINCT entity_id FROM entity_identifier WHERE snapshot_id = ? "
                                   "AND identifier_key = ?", [snapshot_id, key])
    assert len(rows) == 1, key
    return rows[0][0]


@pytest.fixture
def loaded(tmp_path):
    db_path = tmp_path / "adtrail.duckdb"
    assert load(db_path, write_week(tmp_path / "crawls", 1), "2026-01-05") == 0
    return db_path


def test_a_completed_snapshot_holds_its_entities_without_adtrail_entities(loaded):
    identifiers = dict(published_rows(loaded, "SELECT identifier_key, countries FROM entity_identifier "
                                              "WHERE snapshot_id = 1"))
    # TikTok: the business id of the ads and of the advertiser query is one identifier, seen in both countries
    assert identifiers["tiktok_business_id:7001"] == ["BE", "FR"]
    # LinkedIn: the page link with and without tracking or a slash is one company; the card without a link
    # is known by its name only
    assert {key for key in identifiers if key.startswith("linkedin_company:")} == {
        "linkedin_company:parti-exemple", "linkedin_company:name:parti exemple"}
    assert identifiers["linkedin_company:parti-exemple"] == ["BE"]
    assert {"meta_page_id:1001", "paid_for_by:meta:payer:parti exemple asbl",
            "paid_for_by:tiktok:payer:parti exemple asbl", "paid_for_by:linkedin:payer:parti exemple asbl"} <= set(identifiers)
    platforms = {row[0] for row in published_rows(loaded, "SELECT unnest(platforms) FROM entity WHERE snapshot_id = 1")}
    assert platforms == {"meta", "tiktok", "linkedin"}


def test_roles_stay_apart_and_names_across_platforms_stay_candidates(loaded):
    page, business, company = (entity_of(loaded, 1, key) for key in (
        "meta_page_id:1001", "tiktok_business_id:7001", "linkedin_company:parti-exemple"))
    assert len({page, business, company}) == 3  # one name on three platforms: no identifier joins them
    for platform, advertiser in (("meta", page), ("tiktok", business), ("linkedin", company)):
        assert entity_of(loaded, 1, f"paid_for_by:{platform}:payer:parti exemple asbl") != advertiser
    pairs = {tuple(row) for row in published_rows(
        loaded, "SELECT identifier_a, identifier_b FROM entity_candidate WHERE status = 'candidate'")}
    assert ("meta_page_id:1001", "tiktok_business_id:7001") in pairs
    assert ("linkedin_company:parti-exemple", "meta_page_id:1001") in pairs
    assert ("linkedin_company:name:parti exemple", "linkedin_company:parti-exemple") in pairs
    assert ("meta_page_id:1001", "meta_page_id:1002") in pairs  # "Parti Exemple Jeunes": a near name
    # names match within a role: payers with payers across platforms, never a page with its payer's line
    assert ("paid_for_by:meta:payer:parti exemple asbl", "paid_for_by:tiktok:payer:parti exemple asbl") in pairs
    assert [pair for pair in pairs if (pair[0].startswith("paid_for_by:")) != (pair[1].startswith("paid_for_by:"))] == []


def test_reviews_and_overrides_survive_the_next_snapshot_and_win(loaded, tmp_path, capsys):
    con = db.connect(loaded)
    tiktok_pair = con.execute("SELECT candidate_id FROM entity_candidate WHERE identifier_a = 'meta_page_id:1001' "
                              "AND identifier_b = 'tiktok_business_id:7001'").fetchone()[0]
    con.close()
    assert cli.main(["entities", "review", "--db", str(loaded), "--confirm", str(tiktok_pair)]) == 0
    overrides = tmp_path / "entity_overrides.csv"
    overrides.write_text("action,identifier_a,identifier_b,note\n"
                         "merge,linkedin_company:parti-exemple,meta_page_id:1001,the party's company page\n"
                         "reject,meta_page_id:1001,meta_page_id:1002,the youth wing is its own organisation\n",
                         encoding="utf-8")
    assert cli.main(["entities", "import-overrides", "--db", str(loaded), str(overrides)]) == 0
    capsys.readouterr()

    assert load(loaded, write_week(tmp_path / "crawls", 2), "2026-01-12") == 0  # snapshot 2: no entities command
    assert "entities of snapshot 2" in capsys.readouterr().err
    party = entity_of(loaded, 2, "meta_page_id:1001")
    assert entity_of(loaded, 2, "tiktok_business_id:7001") == party  # the confirmed review
    assert entity_of(loaded, 2, "linkedin_company:parti-exemple") == party  # the override
    assert entity_of(loaded, 2, "meta_page_id:1002") != party  # the rejection
    assert entity_of(loaded, 2, "paid_for_by:tiktok:payer:parti exemple asbl") != party  # a payer stays a payer
    platforms, countries = published_rows(loaded, "SELECT platforms, countries FROM entity WHERE snapshot_id = 2 "
                                                  "AND entity_id = ?", [party])[0]
    assert platforms == ["linkedin", "meta", "tiktok"] and countries == ["BE", "FR"]
    joined = dict(published_rows(loaded, "SELECT identifier_key, joined_by FROM entity_identifier WHERE "
                                         "snapshot_id = 2 AND entity_id = ?", [party]))
    assert joined["tiktok_business_id:7001"] == "confirmed_candidate"
    assert joined["linkedin_company:parti-exemple"] == "override"
    # split wins over the confirmed review, from the next snapshot on
    split = tmp_path / "split.csv"
    split.write_text("action,identifier_a,identifier_b\nsplit,tiktok_business_id:7001,\n", encoding="utf-8")
    assert cli.main(["entities", "import-overrides", "--db", str(loaded), str(split)]) == 0
    assert load(loaded, write_week(tmp_path / "crawls", 3), "2026-01-19") == 0
    assert entity_of(loaded, 3, "tiktok_business_id:7001") != entity_of(loaded, 3, "meta_page_id:1001")


def test_a_rerun_changes_nothing(loaded, tmp_path, capsys):
    def snapshot_entities():
        return (published_rows(loaded, "SELECT * FROM entity_identifier ORDER BY ALL"),
                published_rows(loaded, "SELECT * FROM entity_candidate ORDER BY ALL"))

    before = snapshot_entities()
    assert load(loaded, write_week(tmp_path / "crawls", 1), "2026-01-05") == 0  # the same crawls again
    assert "nothing new to load" in capsys.readouterr().err
    assert snapshot_entities() == before
    from analysis.entities import resolve

    con = db.connect(loaded)
    try:
        resolve(con, 1)
        assert con.execute("SELECT * FROM entity_identifier ORDER BY ALL").fetchall() == before[0]
        assert con.execute("SELECT * FROM entity_candidate ORDER BY ALL").fetchall() == before[1]
    finally:
        con.close()


def test_a_failed_resolution_leaves_the_snapshot_for_the_rerun(tmp_path, monkeypatch, capsys):
    import analysis.entities

    db_path = tmp_path / "adtrail.duckdb"
    crawls = write_week(tmp_path / "crawls", 1)
    real_resolve = analysis.entities.resolve

    def broken(con, snapshot_id):
        raise duckdb.IOException("disk full while writing entities")

    monkeypatch.setattr(analysis.entities, "resolve", broken)
    with pytest.raises(duckdb.IOException):
        load(db_path, crawls, "2026-01-05")
    con = duckdb.connect(str(db_path), read_only=True)
    assert con.execute("SELECT status FROM snapshot").fetchall() == [("running",)]
    assert con.execute("SELECT count(*) FROM raw_tiktok_advertiser").fetchone()[0] == 2  # the load is kept
    con.close()
    monkeypatch.setattr(analysis.entities, "resolve", real_resolve)
    assert load(db_path, crawls, "2026-01-05") == 0  # the rerun resumes snapshot 1 and completes it
    assert published_rows(db_path, "SELECT status FROM snapshot") == [("complete",)]
    assert entity_of(db_path, 1, "tiktok_business_id:7001")


def run_demo(tmp_path, db_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    run = subprocess.run([sys.executable, str(root / "cli.py"), "demo", "--no-app", "--db", str(db_path)],
                         cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(root)), capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stderr


def platforms_of(db_path, snapshot_id: int, key: str) -> set[str]:
    rows = published_rows(db_path, "SELECT e.platforms FROM entity AS e JOIN entity_identifier AS i "
                                   "USING (snapshot_id, entity_id) WHERE snapshot_id = ? AND i.identifier_key = ?",
                          [snapshot_id, key])
    assert len(rows) == 1, key
    return set(rows[0][0])


@pytest.mark.slow
def test_demo_snapshot_holds_entities_across_platforms(tmp_path):
    from demo.organisations import cross_platform_organisations
    from warehouse.queries import run_query

    db_path = tmp_path / "demo" / "adtrail.duckdb"
    log = run_demo(tmp_path, db_path)
    assert "entities of snapshot 1" in log and "rows of entity_overrides.csv stored" in log
    platforms = {row[0] for row in published_rows(db_path, "SELECT DISTINCT platform FROM entity_identifier")}
    assert {"meta", "google", "tiktok", "linkedin", "snap"} <= platforms

    # The demo's entity_overrides.csv (the pairs its worlds know) joins each organisation's accounts with no
    # review: the advertisers page's query lists them first, every account joined by the override
    organisations = cross_platform_organisations()
    reader = open_published(db_path)
    try:
        page = run_query(reader, "entities", snapshot_id=1, search=None, platforms=None)
        notes = {row[0] for row in reader.execute("SELECT note FROM entity_override").fetchall()}
    finally:
        reader.close()
    assert notes and all(note.startswith("adtrail demo world's own knowledge (generated, not real)") for note in notes)
    spanning = page.filter(page["platform_count"] >= 3)
    assert page["platform_count"][0] >= 3
    assert set(spanning["display_name"]) == {organisation.name for organisation in organisations.values()}
    advertisers = spanning.filter(spanning["role"] == "advertiser")
    assert set(advertisers["joined_by"]) == {"override"}
    assert platforms_of(db_path, 1, f"meta_page_id:{organisations['IN'].page_id}") == {
        "google", "linkedin", "meta", "tiktok"}  # the Indian organisation is a Google advertiser too
    assert platforms_of(db_path, 1, f"meta_page_id:{organisations['NG'].page_id}") == {
        "linkedin", "meta", "snap", "tiktok"}
    assert len(set(page.filter(page["platform_count"] == 2)["entity_id"])) >= 10  # Google advertisers and pages

    # Names are still no proof: another page of the same name and the "paid for by" lines await review
    name = organisations["IN"].name
    open_matches = published_rows(db_path, """
        SELECT c.candidate_id, a.role, a.platform, b.platform FROM entity_candidate AS c
        JOIN entity_identifier AS a ON a.snapshot_id = 1 AND a.identifier_key = c.identifier_a
        JOIN entity_identifier AS b ON b.snapshot_id = 1 AND b.identifier_key = c.identifier_b
        WHERE c.name_a = ? AND c.name_b = ? AND c.status = 'candidate' AND a.entity_id <> b.entity_id""",
                                  [name, name])
    assert any(role == "advertiser" for _, role, _, _ in open_matches)  # a second "Varanasi Nagrik Samiti" page
    payer_matches = [row[0] for row in open_matches if row[1] == "payer" and row[2] != row[3]]
    assert len(payer_matches) >= 2
    payer = f"paid_for_by:meta:payer:{name.lower()}"
    assert platforms_of(db_path, 1, payer) == {"meta"}
    confirm = [argument for candidate_id in payer_matches for argument in ("--confirm", str(candidate_id))]
    assert cli.main(["entities", "review", "--db", str(db_path), *confirm]) == 0
    assert platforms_of(db_path, 1, payer) == {"linkedin", "meta", "tiktok"}

    # The next week: the same file, imported before, changes nothing; its merges and the review still hold
    log = run_demo(tmp_path, db_path)
    assert "entity_overrides.csv imported before; unchanged" in log and "entities of snapshot 2" in log
    assert published_rows(db_path, "SELECT count(DISTINCT file_sha256) FROM entity_override") == [(1,)]
    assert platforms_of(db_path, 2, f"meta_page_id:{organisations['IN'].page_id}") == {
        "google", "linkedin", "meta", "tiktok"}
    assert platforms_of(db_path, 2, payer) == {"linkedin", "meta", "tiktok"}

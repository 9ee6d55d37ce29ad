"""sellers_json crawl folders into the warehouse: the real files loaded row for row, the broken one and a
failed fetch recorded with their errors, the same crawl twice changing nothing, a changed file refused, and
the supply-chain views (ads.txt records against sellers.json, seller-id pooling) on rows written here."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from warehouse.crawl_folder import CrawlFolderError
from warehouse.db import connect
from warehouse.load import load_crawl
from warehouse.snapshots import begin_or_resume, complete

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
SELLERS = REALDATA / "sellers_json"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sellers_json"
needs_realdata = pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata")


def write_crawl(folder: Path, files: dict[str, Path], failures: dict[str, str] = {}, crawl_id="sj-1"):
    """A crawl folder as spiders/sellers_json.py writes it: bulk/<ad system>/sellers.json per file."""
    entries = []
    for ad_system, source in files.items():
        target = folder / "bulk" / ad_system / "sellers.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        body = target.read_bytes()
        entries.append({"path": f"bulk/{ad_system}/sellers.json", "kind": "bulk", "ad_system": ad_system,
                        "sha256": hashlib.sha256(body).hexdigest(), "size": len(body), "etag": None,
                        "last_modified": None, "source_url": f"https://{ad_system}/sellers.json",
                        "fetched_at": "2026-01-05T06:00:00+00:00", "not_modified": False})
    for ad_system, error in failures.items():
        entries.append({"kind": "fetch_error", "ad_system": ad_system, "source_url": f"https://{ad_system}/sellers.json",
                        "fetched_at": "2026-01-05T06:00:00+00:00", "finish_reason": "http_404", "error": error})
    scope = {"ad_systems": sorted([*files, *failures])}
    manifest = {"format": "adtrail-crawl/1", "crawl_id": crawl_id, "source": "sellers_json", "platform": "monetisation",
                "scope": scope, "scope_hash": hashlib.sha256(json.dumps(scope).encode()).hexdigest(),
                "started_at": "2026-01-05T06:00:00+00:00", "finished_at": "2026-01-05T06:01:00+00:00",
                "status": "complete", "finish_reason": "finished", "error": None, "cursor": None,
                "counts": {"bulk_files": len(files)}, "files": entries, "code_version": "adtrail test"}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.fixture()
def con(tmp_path):
    connection = connect(tmp_path / "w.duckdb")
    yield connection
    connection.close()


@needs_realdata
def test_real_files_load_row_for_row_and_errors_are_kept(con, tmp_path):
    crawl = write_crawl(tmp_path / "crawl", {
        "admaru.com": SELLERS / "admaru.com_sellers.json", "alumax.ai": SELLERS / "alumax.ai_sellers.json",
        "vandelay-media.com": SELLERS / "vandelay-media.com_sellers_2024-12_invalid.json",
        "html.example": FIXTURES / "html_wrapped.json"}, {"gone.example": "HEAD answered HTTP 404"})
    snapshot = begin_or_resume(con, "2026-01-05", "test")
    result = load_crawl(con, snapshot, crawl)
    assert (result.sellers, result.files, result.files_with_errors) == (54, 5, 3)
    files = {row[0]: row[1:] for row in con.execute(
        "SELECT ad_system_domain, status, error_kind, sellers_count, version, contact_email FROM raw_sellers_json_file"
    ).fetchall()}
    assert files["admaru.com"] == ("ok", None, 45, "1.0", "contact@admaru.com")
    assert files["alumax.ai"] == ("ok", None, 9, "1.0", "adops@alumax.ai")
    assert files["vandelay-media.com"][:3] == ("error", "invalid_json", 0)
    assert files["html.example"][:2] == ("error", "html")
    assert files["gone.example"][:2] == ("error", "fetch")
    error = con.execute("SELECT error FROM raw_sellers_json_file WHERE ad_system_domain = 'vandelay-media.com'").fetchone()[0]
    assert "line 6, column 1" in error
    pandora = con.execute("SELECT domain, domain_given, problems, file_sha256 FROM raw_sellers_json_seller "
                          "WHERE ad_system_domain = 'admaru.com' AND seller_id = '700003'").fetchone()
    assert pandora[:3] == ("pandora.tv", "Pandora.tv ", ["domain_whitespace"])
    assert pandora[3] == hashlib.sha256((SELLERS / "admaru.com_sellers.json").read_bytes()).hexdigest()
    assert con.execute("SELECT count(*) FROM raw_sellers_json_seller WHERE ad_system_domain = 'alumax.ai' "
                       "AND NOT is_confidential").fetchone()[0] == 9
    assert con.execute("SELECT status, items_loaded FROM snapshot_source WHERE source = 'sellers_json'").fetchone() == (
        "complete", 54)


@needs_realdata
def test_same_crawl_twice_changes_nothing(con, tmp_path):
    crawl = write_crawl(tmp_path / "crawl", {"alumax.ai": SELLERS / "alumax.ai_sellers.json"})
    snapshot = begin_or_resume(con, "2026-01-05", "test")
    first = load_crawl(con, snapshot, crawl)
    before = con.execute("SELECT * EXCLUDE (loaded_at) FROM raw_sellers_json_seller ORDER BY seller_index").fetchall()
    second = load_crawl(con, snapshot, crawl)
    assert not first.already_loaded and second.already_loaded
    assert con.execute("SELECT * EXCLUDE (loaded_at) FROM raw_sellers_json_seller ORDER BY seller_index").fetchall() == before
    complete(con, snapshot)
    later = begin_or_resume(con, "2026-01-12", "test")
    assert load_crawl(con, later, crawl).already_loaded
    assert con.execute("SELECT count(*) FROM raw_sellers_json_seller").fetchone()[0] == 9


@needs_realdata
def test_a_changed_file_is_refused_and_nothing_loads(con, tmp_path):
    crawl = write_crawl(tmp_path / "crawl", {"alumax.ai": SELLERS / "alumax.ai_sellers.json"})
    (crawl / "bulk" / "alumax.ai" / "sellers.json").write_bytes(b'{"sellers": []}')
    snapshot = begin_or_resume(con, "2026-01-05", "test")
    with pytest.raises(CrawlFolderError, match="changed since the crawl wrote it"):
        load_crawl(con, snapshot, crawl)
    assert con.execute("SELECT count(*) FROM raw_sellers_json_file").fetchone()[0] == 0


def _ads_txt(con, snapshot, rows, owner=None):
    for number, (domain, root, ad_system, seller, relationship) in enumerate(rows, 1):
        con.execute("INSERT INTO raw_ads_txt_record (snapshot_id, source, line_key, domain, root_domain, file_kind, "
                    "line_number, ad_system_domain, ad_system_canonical, seller_account_id, relationship, "
                    "is_placeholder, loaded_at) VALUES (?, 'ads_txt', ?, ?, ?, 'ads.txt', ?, ?, ?, ?, ?, false, now())",
                    [snapshot, f"{domain}/ads.txt#{number}", domain, root, number, ad_system, ad_system, seller,
                     relationship])
    for domain, value in (owner or {}).items():
        con.execute("INSERT INTO raw_ads_txt_variable (snapshot_id, source, line_key, domain, root_domain, file_kind, "
                    "line_number, name, value, loaded_at) VALUES (?, 'ads_txt', ?, ?, ?, 'ads.txt', 99, 'OWNERDOMAIN', "
                    "?, now())", [snapshot, f"{domain}/ads.txt#99", domain, domain, value])


def test_supply_chain_checks_and_pooling(con, tmp_path):
    crawl = write_crawl(tmp_path / "crawl", {"example-ads.com": FIXTURES / "messy.json"})
    snapshot = begin_or_resume(con, "2026-01-05", "test")
    load_crawl(con, snapshot, crawl)
    _ads_txt(con, snapshot, [
        ("www.example.com", "example.com", "example-ads.com", "12345678901234567890", "DIRECT"),  # ok
        ("news.example.org", "example.org", "example-ads.com", "00042", "RESELLER"),  # BOTH: type agrees
        ("shop.example.net", "example.net", "example-ads.com", "x1", "DIRECT"),  # INTERMEDIARY as DIRECT
        ("cafe-media.fr", "cafe-media.fr", "example-ads.com", "nope", "DIRECT"),  # not listed
        ("other.org", "other.org", "unknown-ads.com", "1", "DIRECT"),  # no sellers.json
        ("owned.org", "owned.org", "example-ads.com", "00042", "DIRECT"),  # BOTH, confidential, no domain
        ("blog.example.com", "example.com", "example-ads.com", "abc=", "DIRECT"),  # RESELLER type: mismatch
        ("sister.org", "sister.org", "example-ads.com", "12345678901234567890", "DIRECT"),  # domain differs
        ("group-b.org", "group-b.org", "example-ads.com", "x1", "DIRECT"),
        ("group-c.org", "group-c.org", "example-ads.com", "x1", "DIRECT"),
    ], owner={"group-c.org": "group-b.org"})
    complete(con, snapshot)
    checks = dict(con.execute('SELECT domain, "check" FROM ads_txt_sellers_json_check').fetchall())
    assert checks == {
        "www.example.com": "ok", "news.example.org": "ok", "shop.example.net": "type_mismatch",
        "cafe-media.fr": "seller_missing", "other.org": "no_sellers_json", "owned.org": "confidential",
        "blog.example.com": "type_mismatch", "sister.org": "domain_mismatch",
        "group-b.org": "type_mismatch", "group-c.org": "type_mismatch"}
    pooled = con.execute("SELECT seller_id, owners, domains, seller_type FROM ads_txt_seller_id_pooling "
                         "ORDER BY seller_id").fetchall()
    # x1: three sites, two owners (group-c.org declares group-b.org its owner); 1234...: two unrelated sites
    assert pooled == [("12345678901234567890", 2, ["example.com", "sister.org"], "PUBLISHER"),
                      ("x1", 2, ["example.net", "group-b.org", "group-c.org"], "INTERMEDIARY")]

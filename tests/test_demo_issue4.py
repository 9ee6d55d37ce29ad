"""The demo covers issue 4's sources: TikTok ads from the local Commercial Content API server, Meta Ad Library
Report zips and saved LinkedIn Ad Library pages, each parsed by the project's own parsers, and one demo run's
snapshot holds every demo source, complete."""

from __future__ import annotations

import json
import os
import urllib.request

import duckdb
import pytest

from demo.linkedin_pages import write_linkedin_pages
from demo.meta_report_files import REPORT_COUNTRIES, generate_meta_reports
from demo.run import demo_sources
from demo.tiktok_server import AD_QUERY_PATH, DEMO_CLIENT_KEY, DEMO_CLIENT_SECRET, TOKEN_PATH, TikTokDemoServer
from demo.tiktok_world import TIKTOK_COUNTRIES, generate_tiktok_world
from demo.world import generate_world
from spiders.linkedin_saved_pages import read_saved_pages
from spiders.parsers import meta_report, tiktok
from spiders.secrets import Redactor


@pytest.fixture(scope="module")
def world():
    return generate_world(1)


def test_meta_report_zips_parse_with_buckets_and_bom(world, tmp_path):
    paths = generate_meta_reports(world, tmp_path)
    assert sorted(path.name.split("_")[2] for path in paths) == sorted(REPORT_COUNTRIES)
    for path in paths:
        rows = list(meta_report.parse_file(path))
        kinds = {row["report_kind"] for row in rows}
        assert kinds == {"advertisers", "locations"}
        assert any(row["amount_below_threshold"] for row in rows)  # "≤100" kept as the bucket
        assert all(row["amount_spent_low"] is not None for row in rows)
        advertisers = [row for row in rows if row["report_kind"] == "advertisers"]
        assert {row["page_id"] for row in advertisers} <= set(world.pages)
    import zipfile

    with zipfile.ZipFile(paths[0]) as archive:
        member = next(name for name in archive.namelist() if name.endswith("_advertisers.csv"))
        assert archive.read(member).startswith(b"\xef\xbb\xbf")


def test_linkedin_pages_parse_as_cards_and_details(world, tmp_path):
    items, refused = read_saved_pages(write_linkedin_pages(world, tmp_path))
    assert refused == {}
    assert {item["page_kind"] for item in items} == {"search_card", "detail"}
    names = {page.name for page in world.pages.values()}
    assert {item["advertiser_name"] for item in items} <= names  # the same organisations as on Meta
    assert any(item["targeting"] for item in items)  # the EU ad's block


def _post(url, data, headers):
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_tiktok_server_pages_by_search_id_and_refuses_unknown_tokens(world):
    tiktok_world = generate_tiktok_world(world)
    meta_names = {page.name for page in world.pages.values()}
    assert any(advertiser.name in meta_names for advertiser in tiktok_world.advertisers)
    with TikTokDemoServer(tiktok_world) as server:
        status, body = _post(server.url + TOKEN_PATH, b"client_key=x&client_secret=y&grant_type=client_credentials",
                             {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 401
        form = f"client_key={DEMO_CLIENT_KEY}&client_secret={DEMO_CLIENT_SECRET}&grant_type=client_credentials"
        status, body = _post(server.url + TOKEN_PATH, form.encode(), {})
        token = json.loads(body)["access_token"]
        query = {"filters": {"country_code": TIKTOK_COUNTRIES[0], "ad_published_date_range": {
            "min": "20250901", "max": world.as_of.strftime("%Y%m%d")}}, "max_count": 50}
        status, _ = _post(server.url + AD_QUERY_PATH, json.dumps(query).encode(), {"Authorization": "Bearer nope"})
        assert status == 401
        seen, pages = [], 0
        while True:
            status, body = _post(server.url + AD_QUERY_PATH, json.dumps(query).encode(),
                                 {"Authorization": f"Bearer {token}"})
            assert status == 200
            page = tiktok.parse_ad_page(body, provenance={"source": "tiktok_commercial_content"},
                                        redactor=Redactor([]), query_country=TIKTOK_COUNTRIES[0])
            seen += [item["ad_key"] for item in page.items]
            pages += 1
            if not page.has_more:
                break
            query["search_id"] = page.search_id
    expected = tiktok_world.ads_for(TIKTOK_COUNTRIES[0], "20250901", world.as_of.strftime("%Y%m%d"))
    assert pages >= 2 and sorted(seen) == sorted(str(entry["ad"]["id"]) for entry in expected)


@pytest.mark.slow
def test_one_demo_run_holds_every_source(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    db_path = tmp_path / "demo" / "adtrail.duckdb"
    env = dict(os.environ, PYTHONPATH=str(root))
    run = subprocess.run([sys.executable, str(root / "cli.py"), "demo", "--no-app", "--db", str(db_path)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        sources = dict(con.execute("SELECT source, status FROM snapshot_source WHERE snapshot_id = 1").fetchall())
        platforms = {row[0] for row in con.execute("SELECT DISTINCT platform FROM core_ad").fetchall()}
        tiktok_rows = con.execute("SELECT count(*) FROM raw_tiktok_ad").fetchone()[0]
        report_rows = con.execute("SELECT count(*) FROM raw_meta_ad_report").fetchone()[0]
    finally:
        con.close()
    expected = set(demo_sources()) | {"meta_ad_report", "linkedin_ad_library"}
    assert sources == dict.fromkeys(expected, "complete")
    assert {"meta", "google", "snap", "tiktok", "linkedin"} <= platforms
    assert tiktok_rows > 0 and report_rows > 0
    leaked = [path for path in tmp_path.rglob("*") if path.is_file() and not path.name.endswith(".gz")
              and DEMO_CLIENT_SECRET.encode() in path.read_bytes()]
    assert leaked == []

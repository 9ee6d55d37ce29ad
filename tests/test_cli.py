"""The `adtrail` command as a user runs it: a child process, its output and its exit code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
needs_realdata = pytest.mark.skipif(not REALDATA.exists(), reason="needs ../shared/realdata beside the project")
FIXTURE_CRAWLS = ROOT / "tests" / "fixtures" / "crawls"


def adtrail(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    child_env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    child_env.pop("ADTRAIL_CONFIG", None)
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], cwd=cwd, env=child_env,
                          capture_output=True, text=True, timeout=300)


@needs_realdata
@pytest.mark.parametrize(
    ("name", "lines"),
    [
        ("guardian_ukelection_full_day_run_FacebookAds_2019113T112323_1.json", 1000),
        ("guardian_ukelection_full_day_run_FacebookAds_2019113T112323_2.json", 863),
        ("guardian_ukelection_full_day_run_FacebookAds_2019113T112323_3.json", 0),
        ("guardian_ukelection_test_run_FacebookAds_2024518T105227_1.json", 2),
    ],
)
def test_parse_prints_one_json_line_per_ad(tmp_path, name, lines):
    result = adtrail("parse", "meta-ads-archive", str(REALDATA / "meta" / name), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    items = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(items) == lines
    assert all(item["item_kind"] == "meta_ad" for item in items)
    assert "access_token=REDACTED" not in result.stdout or "v19" not in name


def test_parse_takes_a_bare_list_of_records(tmp_path):
    records = [{"id": "1", "page_name": "Jatiya Party", "currency": "BDT",
                "spend": {"lower_bound": "100", "upper_bound": "199"}},
               {"id": "2", "page_name": "PT", "currency": "BRL", "spend": {"lower_bound": "1000000"}}]
    path = tmp_path / "records.json"
    path.write_text(json.dumps(records))
    result = adtrail("parse", "meta-ads-archive", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    items = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(i["ad_id"], i["spend_lower"], i["spend_upper"], i["spend_open_ended"]) for i in items] == [
        ("1", 100, 199, False), ("2", 1000000, None, True)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"data": [{"id": "1"', "not valid JSON"),
        ("<html><body>Error</body></html>", "not valid JSON"),
    ],
)
def test_parse_bad_file_says_what_and_exits_2(tmp_path, body, message):
    path = tmp_path / "page.json"
    path.write_text(body)
    result = adtrail("parse", "meta-ads-archive", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert str(path) in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


def test_parse_unknown_kind_lists_kinds(tmp_path):
    result = adtrail("parse", "meta-ad-archive", "x.json", cwd=tmp_path)
    assert result.returncode == 2
    assert "kinds: " in result.stderr and "meta-ads-archive" in result.stderr


def test_load_twice_changes_nothing_and_publishes(tmp_path):
    db = tmp_path / "w.duckdb"
    crawl = FIXTURE_CRAWLS / "meta_bd_w1"
    first = adtrail("load", str(crawl), "--db", str(db), "--as-of", "2026-01-12", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    shutil.copyfile(db, tmp_path / "before.duckdb")
    second = adtrail("load", str(crawl), "--db", str(db), "--as-of", "2026-01-19", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "already in complete snapshot 1" in second.stderr
    assert "the warehouse is unchanged" in second.stderr
    con = duckdb.connect()
    con.execute(f"ATTACH '{db}' AS after_load (READ_ONLY)")
    con.execute(f"ATTACH '{tmp_path / 'before.duckdb'}' AS before_load (READ_ONLY)")
    tables = [row[0] for row in con.sql(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'after_load'").fetchall()]
    assert "raw_meta_ads_archive" in tables and "snapshot" in tables
    for table in tables:
        for left, right in (("after_load", "before_load"), ("before_load", "after_load")):
            differing = con.sql(f"SELECT count(*) FROM (FROM {left}.{table} EXCEPT ALL FROM {right}.{table})")
            assert differing.fetchall() == [(0,)], table
    con.close()
    assert (tmp_path / "published" / "current").exists()


def test_load_of_a_folder_without_manifest_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    result = adtrail("load", str(tmp_path / "empty"), "--db", str(tmp_path / "w.duckdb"), cwd=tmp_path)
    assert result.returncode != 0
    assert "manifest" in result.stderr and "Traceback" not in result.stderr


def test_crawl_unknown_source_names_the_known_ones(tmp_path):
    result = adtrail("crawl", "meta_ad_archive", cwd=tmp_path)
    assert result.returncode == 2
    assert "known sources: " in result.stderr and "meta_ads_archive" in result.stderr


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_app_command_serves_the_published_copy_on_localhost(tmp_path):
    import time
    import urllib.request

    db = tmp_path / "w.duckdb"
    loaded = adtrail("load", str(FIXTURE_CRAWLS / "meta_bd_w1"), "--db", str(db), cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("ADTRAIL_CONFIG", None)
    app = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "app", "--db", str(db), "--port", str(port)],
                           cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and app.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    health = response.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert health == "ok", app.poll()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert response.status == 200
    finally:
        app.terminate()
        output = app.communicate(timeout=30)[0]
    assert f"http://127.0.0.1:{port}/" in output


def test_snapshot_crawls_see_the_warehouse_chosen_by_db(tmp_path, monkeypatch):
    """A crawl that reads the warehouse (the Transparency Center's advertisers from the Google bundle) is
    told which one by ADTRAIL_DB, whatever --db chose, not the configured default."""
    from commands import snapshot
    from config import load_config

    config_file = tmp_path / "adtrail.toml"
    config_file.write_text(f'[warehouse]\ncrawl_dir = "{(tmp_path / "crawls").as_posix()}"\n'
                           '[sources.fx_ecb]\nenabled = true\n', encoding="utf-8")
    seen = []

    def crawl_source(config, source, crawl_dir, *, env=None):
        seen.append(env["ADTRAIL_DB"])
        raise SystemExit("stop after the first crawl")

    monkeypatch.setattr(snapshot, "crawl_source", crawl_source)
    monkeypatch.setenv("ADTRAIL_DB", str(tmp_path / "elsewhere.duckdb"))
    chosen = tmp_path / "chosen" / "adtrail.duckdb"
    with pytest.raises(SystemExit):
        snapshot.run_snapshot(load_config(config_file), chosen, __import__("datetime").date(2026, 1, 5),
                              sources=["fx_ecb"])
    assert seen == [str(chosen.resolve())]

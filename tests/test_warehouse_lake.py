"""The Parquet lake: ``adtrail export`` and ``adtrail rebuild`` (warehouse/lake.py, warehouse/lake_rebuild.py).

The original warehouse is built only through the loaders: four weekly Meta crawls from
``tests.crawl_factory`` (week 3's crawl failed: a failed source in a complete snapshot), Google bundles
from ``tests/fixtures/google_bundle`` in weeks 1 and 2 and a failed Google crawl in week 3, and exchange
rates with the FX rule. The rebuilt warehouse must equal it table by table, with EXCEPT ALL both ways.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from pathlib import Path

import duckdb
import pytest

import cli
from analysis.fx import install_fx_rule
from tests.crawl_factory import CLOCK_START, fixture_items, iso, scope_hash, write_crawl
from warehouse import db, fx, lake, load, load_google, snapshots
from warehouse.lock import WarehouseLock

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOOGLE_BUNDLES = {1: FIXTURES / "google_bundle" / "current", 2: FIXTURES / "google_bundle" / "older"}
RATE_FILES = (FIXTURES / "fx" / "user-rates.csv", FIXTURES / "fx" / "eurofxref-hist-sample.csv")
GOOGLE_MIGRATION = 50  # 050_google.sql: the raw_google_* tables


def write_google_crawl(crawl_dir: Path, week: int, *, failed: bool = False) -> Path:
    """A google_political_bundle crawl folder: the fixture CSVs zipped as the bundle, or a failed crawl."""
    fetched_at = CLOCK_START + dt.timedelta(weeks=week - 1)
    scope = {"bundle": "google-political-ads-transparency-bundle.zip"}
    files = []
    if not failed:
        bundle = crawl_dir / "bulk" / "google-political-ads-transparency-bundle.zip"
        bundle.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
            for csv_file in sorted(GOOGLE_BUNDLES[week].glob("*.csv")):
                archive.write(csv_file, csv_file.name)
        data = bundle.read_bytes()
        files.append({"path": "bulk/" + bundle.name, "kind": "bulk", "sha256": hashlib.sha256(data).hexdigest(),
                      "size": len(data), "fetched_at": iso(fetched_at),
                      "source_url": "https://storage.googleapis.com/political-csv/" + bundle.name})
    crawl_dir.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format": "adtrail-crawl/1", "crawl_id": f"google_w{week}", "source": "google_political_bundle",
        "platform": "google", "scope": scope, "scope_hash": scope_hash(scope), "started_at": iso(fetched_at),
        "finished_at": iso(fetched_at), "status": "failed" if failed else "complete",
        "finish_reason": "retries_exhausted" if failed else "finished",
        "error": "Google served an HTML page instead of the bundle zip; crawl again later" if failed else None,
        "cursor": None, "counts": {"files": len(files)}, "files": files, "code_version": "tests",
    }
    (crawl_dir / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return crawl_dir


def load_week(db_path: Path, root: Path, week: int, *, upto: int | None = None) -> int:
    """Load week ``week``'s crawls into a new snapshot and complete it, as the CLI does; returns its id.
    Weeks 1 to 3 carry a Google bundle (week 3's crawl failed, as did its Meta crawl)."""
    failed = week == 3
    meta = write_crawl(root / "crawls" / f"meta_w{week}", fixture_items(week), crawl_id=f"meta_bd_w{week}",
                       started_at=CLOCK_START + dt.timedelta(weeks=week - 1),
                       status="failed" if failed else "complete",
                       finish_reason="token_expired" if failed else "finished",
                       error="The Meta access token expired; set META_ACCESS_TOKEN and rerun" if failed else None)
    with WarehouseLock(db_path):
        con = db.connect(db_path, upto=upto)
        try:
            install_fx_rule(con)
            if week == 1:
                for rate_file in RATE_FILES:
                    fx.import_rates_file(con, rate_file)
            snapshot_id = snapshots.begin_or_resume(con, CLOCK_START.date() + dt.timedelta(weeks=week - 1), "tests")
            load.load_crawl(con, snapshot_id, meta)
            if week in (1, 2, 3) and db.schema_version(con) >= GOOGLE_MIGRATION:
                google = write_google_crawl(root / "crawls" / f"google_w{week}", week, failed=failed)
                load_google.load_google_crawl(con, snapshot_id, google)
            snapshots.complete(con, snapshot_id)
        finally:
            con.close()
    return snapshot_id


def build_original(root: Path, weeks=(1, 2, 3, 4)) -> Path:
    """A warehouse with one complete snapshot per week."""
    db_path = root / "data" / "adtrail.duckdb"
    for week in weeks:
        load_week(db_path, root, week)
    return db_path


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    return build_original(tmp_path_factory.mktemp("lake-original"))


def relations(con) -> list[str]:
    """Every table and view of the main schema."""
    return [name for (name,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()]


def differences(original: Path, rebuilt: Path) -> dict[str, tuple[int, int]]:
    """{relation: (rows only in the original, rows only in the rebuilt)} for every relation that differs."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"ATTACH '{original}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{rebuilt}' AS b (READ_ONLY)")
    names_a = [n for (n,) in con.execute("SELECT table_name FROM information_schema.tables WHERE "
                                         "table_catalog = 'a' AND table_schema = 'main'").fetchall()]
    names_b = [n for (n,) in con.execute("SELECT table_name FROM information_schema.tables WHERE "
                                         "table_catalog = 'b' AND table_schema = 'main'").fetchall()]
    assert sorted(names_a) == sorted(names_b)
    diff = {}
    for name in names_a:
        only_a = con.execute(f"SELECT count(*) FROM (FROM a.{name} EXCEPT ALL FROM b.{name})").fetchone()[0]
        only_b = con.execute(f"SELECT count(*) FROM (FROM b.{name} EXCEPT ALL FROM a.{name})").fetchone()[0]
        if only_a or only_b:
            diff[name] = (only_a, only_b)
    con.close()
    return diff


def lake_files(lake_dir: Path) -> dict[str, str]:
    return {str(p.relative_to(lake_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(lake_dir.rglob("*.parquet"))}


def test_export_then_rebuild_equals_the_original_table_by_table(original, tmp_path, capsys):
    lake_dir = tmp_path / "lake"
    assert cli.main(["export", "--db", str(original), "--lake", str(lake_dir)]) == 0
    assert "exported snapshot(s) 1, 2, 3, 4" in capsys.readouterr().err
    rebuilt = tmp_path / "rebuilt" / "adtrail.duckdb"
    assert cli.main(["rebuild", "--lake", str(lake_dir), "--db", str(rebuilt)]) == 0
    assert "rebuilt" in capsys.readouterr().err

    check = duckdb.connect(str(rebuilt), read_only=True)
    counts = {name: check.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in relations(check)}
    check.close()
    # the comparison means something: every layer of the original is filled
    for table in ("snapshot", "snapshot_source", "raw_meta_ads_archive", "raw_google_creative_stats",
                  "raw_google_advertiser_geo_spend", "core_ad", "core_ad_payer", "core_ad_country_reach",
                  "google_spend_observation", "google_spend_amount", "fx_rate", "fx_rule", "mart_ad"):
        assert counts[table] > 0, table
    assert differences(original, rebuilt) == {}


def test_rebuilt_warehouse_takes_the_next_snapshot(original, tmp_path):
    lake_dir = tmp_path / "lake"
    lake.export_warehouse(original, lake_dir)
    from warehouse.lake_rebuild import rebuild_warehouse
    rebuilt = tmp_path / "rebuilt.duckdb"
    rebuild_warehouse(lake_dir, rebuilt)
    con = db.connect(rebuilt)
    try:
        assert con.execute("SELECT status, count(*) FROM snapshot_source GROUP BY 1 ORDER BY 1").fetchall() == [
            ("complete", 5), ("failed", 2)]
        assert snapshots.begin_or_resume(con, "2026-02-02", "tests") == 5
    finally:
        con.close()


def test_exporting_again_replaces_never_duplicates(original, tmp_path):
    lake_dir = tmp_path / "lake"
    first = lake.export_warehouse(original, lake_dir)
    files = lake_files(lake_dir)
    again = lake.export_warehouse(original, lake_dir)
    assert again.rows == first.rows
    assert sorted(lake_files(lake_dir)) == sorted(files)
    only_two = lake.export_warehouse(original, lake_dir, snapshot_id=2)
    assert only_two.snapshot_ids == [2]
    assert sorted(lake_files(lake_dir)) == sorted(files)
    con = duckdb.connect(str(original), read_only=True)
    for table in ("raw_meta_ads_archive", "raw_google_creative_stats", "snapshot_source", "snapshot"):
        in_lake = con.execute(f"SELECT snapshot_id, count(*) FROM "
                              f"{lake.read_partitions(lake.partition_files(lake_dir, table, [1, 2, 3, 4]))} GROUP BY 1 ORDER BY 1").fetchall()
        in_warehouse = con.execute(f"SELECT snapshot_id, count(*) FROM {table} GROUP BY 1 ORDER BY 1").fetchall()
        assert in_lake == in_warehouse, table
    con.close()
    # the partitions name the snapshot's date and id
    assert (lake_dir / "raw_meta_ads_archive" / "snapshot_date=2026-01-12" / "snapshot_id=2").is_dir()
    assert (lake_dir / "reference" / "fx_rate" / "data_0.parquet").is_file()


def test_export_of_one_snapshot_and_refusals(original, tmp_path, capsys):
    lake_dir = tmp_path / "lake"
    assert cli.main(["export", "--db", str(original), "--lake", str(lake_dir), "--snapshot", "3"]) == 0
    assert lake.exported_snapshots(lake_dir) == {3: "2026-01-19"}
    assert cli.main(["export", "--db", str(original), "--lake", str(lake_dir), "--snapshot", "9"]) == 1
    assert "snapshot 9 does not exist" in capsys.readouterr().err
    assert cli.main(["export", "--db", str(tmp_path / "none.duckdb"), "--lake", str(lake_dir)]) == 1
    assert "no warehouse there" in capsys.readouterr().err


def test_a_running_snapshot_is_not_exported(tmp_path):
    db_path = build_original(tmp_path, weeks=(1,))
    with WarehouseLock(db_path):
        con = db.connect(db_path)
        snapshot_id = snapshots.begin_or_resume(con, "2026-01-12", "tests")
        load.load_crawl(con, snapshot_id, write_crawl(tmp_path / "crawls" / "w2", fixture_items(2), crawl_id="w2"))
        con.close()
    result = lake.export_warehouse(db_path, tmp_path / "lake")
    assert result.snapshot_ids == [1]
    with pytest.raises(lake.LakeError, match="snapshot 2 is running"):
        lake.export_warehouse(db_path, tmp_path / "lake", snapshot_id=2)


def test_rebuild_refuses_a_warehouse_holding_data(original, tmp_path, capsys):
    lake_dir = tmp_path / "lake"
    lake.export_warehouse(original, lake_dir)
    before = original.read_bytes()
    assert cli.main(["rebuild", "--lake", str(lake_dir), "--db", str(original)]) == 1
    message = capsys.readouterr().err
    assert "holding data" in message and "new path" in message
    assert original.read_bytes() == before
    assert cli.main(["rebuild", "--lake", str(tmp_path / "empty"), "--db", str(tmp_path / "new.duckdb")]) == 1
    assert "holds no exported snapshot" in capsys.readouterr().err
    assert not (tmp_path / "new.duckdb").exists()


def test_rebuild_ignores_an_unfinished_export_and_refuses_a_damaged_lake(original, tmp_path):
    from warehouse.lake_rebuild import rebuild_warehouse

    lake_dir = tmp_path / "lake"
    lake.export_warehouse(original, lake_dir)
    # an export killed before its snapshot partition was written: snapshot 4 is not in the lake
    for folder in (lake_dir / "snapshot").glob("snapshot_date=*/snapshot_id=4"):
        for file in folder.iterdir():
            file.unlink()
    result = rebuild_warehouse(lake_dir, tmp_path / "three.duckdb")
    assert result.snapshot_ids == [1, 2, 3]
    # a raw partition lost: the rebuild says so and leaves no warehouse behind
    for folder in (lake_dir / "raw_meta_ads_archive").glob("snapshot_date=*/snapshot_id=2"):
        for file in folder.iterdir():
            file.unlink()
    target = tmp_path / "damaged.duckdb"
    with pytest.raises(lake.LakeError, match="raw_meta_ads_archive of snapshot 2: 0 rows, exported 6"):
        rebuild_warehouse(lake_dir, target)
    assert not target.exists()
    assert [p.name for p in tmp_path.glob("damaged.duckdb*")] == ["damaged.duckdb.lock"]  # the lock stays, by design


def test_rebuild_refuses_a_lake_from_another_schema(original, tmp_path):
    from warehouse.lake_rebuild import rebuild_warehouse

    lake_dir = tmp_path / "lake"
    lake.export_warehouse(original, lake_dir, snapshot_id=1)
    partition = next((lake_dir / "schema_version").glob("snapshot_date=*/snapshot_id=1"))
    con = duckdb.connect()
    changed = partition / "data_0.parquet"
    con.execute(f"COPY (SELECT * REPLACE (CASE WHEN version = 10 THEN repeat('0', 64) ELSE sha256 END AS sha256) "
                f"FROM read_parquet('{changed}')) TO '{partition / 'edited.parquet'}' (FORMAT parquet)")
    con.close()
    changed.unlink()
    with pytest.raises(lake.LakeError, match="differs from this adtrail's 010_raw.sql"):
        rebuild_warehouse(lake_dir, tmp_path / "other.duckdb")


def test_snapshots_exported_by_an_older_schema_rebuild_through_the_migrations(tmp_path):
    """Snapshot 1 was loaded and exported before Google's migration; the warehouse was then upgraded and
    snapshot 2 (with Google) exported alone. The lake holds both versions; the rebuild replays them."""
    db_path = tmp_path / "data" / "adtrail.duckdb"
    lake_dir = tmp_path / "lake"
    load_week(db_path, tmp_path, 1, upto=GOOGLE_MIGRATION - 1)
    lake.export_warehouse(db_path, lake_dir)
    load_week(db_path, tmp_path, 2)  # connect migrates the warehouse first
    lake.export_warehouse(db_path, lake_dir, snapshot_id=2)
    con = duckdb.connect()
    exported = dict(con.execute(
        f"SELECT snapshot_id, max(version) FROM "
        f"{lake.read_partitions(lake.partition_files(lake_dir, 'schema_version', [1, 2]))} GROUP BY 1").fetchall())
    con.close()
    latest = max(m.version for m in db.available_migrations())
    before_google = max(m.version for m in db.available_migrations() if m.version < GOOGLE_MIGRATION)
    assert exported == {1: before_google, 2: latest}
    assert not list((lake_dir / "raw_google_creative_stats").glob("*/snapshot_id=1"))

    from warehouse.lake_rebuild import rebuild_warehouse
    rebuilt = tmp_path / "rebuilt.duckdb"
    rebuild_warehouse(lake_dir, rebuilt)
    assert differences(db_path, rebuilt) == {}

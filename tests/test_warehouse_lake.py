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
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

import cli
from analysis.entities import resolve as resolve_entities
from analysis.fx import install_fx_rule
from tests.crawl_factory import CLOCK_START, fixture_items, iso, scope_hash, write_crawl
from warehouse import db, fx, lake, load, load_google, snapshots
from warehouse.lock import WarehouseLock

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOOGLE_BUNDLES = {1: FIXTURES / "google_bundle" / "current", 2: FIXTURES / "google_bundle" / "older"}
RATE_FILES = (FIXTURES / "fx" / "user-rates.csv", FIXTURES / "fx" / "eurofxref-hist-sample.csv")
META_COUNTRY_MIGRATION = 65  # 065_meta_country.sql: query_country, core_ad_country_query


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


def load_week(db_path: Path, root: Path, week: int) -> int:
    """Load week ``week``'s crawls into a new snapshot and complete it, as the CLI does; returns its id.
    Weeks 1 to 3 carry a Google bundle (week 3's crawl failed, as did its Meta crawl)."""
    failed = week == 3
    meta = write_crawl(root / "crawls" / f"meta_w{week}", fixture_items(week), crawl_id=f"meta_bd_w{week}",
                       started_at=CLOCK_START + dt.timedelta(weeks=week - 1),
                       status="failed" if failed else "complete",
                       finish_reason="token_expired" if failed else "finished",
                       error="The Meta access token expired; set META_ACCESS_TOKEN and rerun" if failed else None)
    with WarehouseLock(db_path):
        con = db.connect(db_path)
        try:
            install_fx_rule(con)
            if week == 1:
                for rate_file in RATE_FILES:
                    fx.import_rates_file(con, rate_file)
            snapshot_id = snapshots.begin_or_resume(con, CLOCK_START.date() + dt.timedelta(weeks=week - 1), "tests")
            load.load_crawl(con, snapshot_id, meta)
            if week in (1, 2, 3):
                google = write_google_crawl(root / "crawls" / f"google_w{week}", week, failed=failed)
                load_google.load_google_crawl(con, snapshot_id, google)
            snapshots.complete(con, snapshot_id)
            resolve_entities(con, snapshot_id)  # analysis results per snapshot: restored as exported
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
                  "google_spend_observation", "google_spend_amount", "fx_rate", "fx_rule", "mart_ad",
                  "entity", "entity_identifier", "entity_candidate"):
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


def export_as_of_version(lake_dir: Path, snapshot_id: int, version: int) -> None:
    """Make a snapshot's partitions what an adtrail at migration ``version`` would have exported: its
    migration list cut there, tables made later left out, columns added later dropped. (The loader of
    today cannot load into an older schema, so an old export is made by taking today's apart.)"""
    old = duckdb.connect()
    db.migrate(old, upto=version)
    columns = {table: [c for (c,) in old.execute(f"SELECT column_name FROM duckdb_columns() WHERE table_name = "
                                                  f"'{table}' AND column_name <> 'snapshot_id' ORDER BY column_index")
                       .fetchall()] for (table,) in old.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    keep = {"schema_version": f"WHERE version <= {version}",
            "table_rows": f"WHERE table_name IN ({', '.join(repr(t) for t in columns)})"}
    for folder in lake_dir.glob(f"*/snapshot_date=*/snapshot_id={snapshot_id}"):
        table = folder.parent.parent.name
        if table not in columns and table not in keep:
            shutil.rmtree(folder)
            continue
        for file in folder.glob("*.parquet"):
            rewritten = file.with_name("old_" + file.name)
            select = f"SELECT * FROM read_parquet('{file}') {keep[table]}" if table in keep else \
                f"SELECT {', '.join(columns[table])} FROM read_parquet('{file}')"
            old.execute(f"COPY ({select}) TO '{rewritten}' (FORMAT parquet)")
            file.unlink()
    old.close()


def test_a_snapshot_exported_by_an_older_schema_rebuilds_through_the_migrations(original, tmp_path):
    """Snapshot 1 in the lake as exported before migration 065 (no query_country, no core_ad_country_query);
    the others as of today. The rebuild migrates to 064's version, restores snapshot 1, migrates on, restores
    the rest, and rebuilds core: all equal to the original but what the old export did not hold."""
    lake_dir = tmp_path / "lake"
    lake.export_warehouse(original, lake_dir)
    before = max(m.version for m in db.available_migrations() if m.version < META_COUNTRY_MIGRATION)
    export_as_of_version(lake_dir, 1, before)
    from warehouse.lake_rebuild import rebuild_warehouse
    rebuilt = tmp_path / "rebuilt.duckdb"
    rebuild_warehouse(lake_dir, rebuilt)

    con = duckdb.connect()
    con.execute(f"ATTACH '{original}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{rebuilt}' AS b (READ_ONLY)")
    def only(first, second, table, columns="*", where="true"):
        return con.execute(f"SELECT count(*) FROM (SELECT {columns} FROM {first}.{table} WHERE {where} EXCEPT ALL "
                           f"SELECT {columns} FROM {second}.{table} WHERE {where})").fetchone()[0]
    differing = {name for name, _ in differences(original, rebuilt).items()}
    # and the views that read core_ad_country_query (migrations 115, 145), and snapshot 1's entities
    # (migration 110: an adtrail before 065 had none to export)
    assert differing == {"raw_meta_ads_archive", "core_ad_country_query", "ad_country_known",
                         "mart_disclosure_coverage", "meta_ad_country_share", "entity", "entity_identifier"}
    # snapshot 1's raw rows: all there, without the column the old schema lacked
    for first, second in (("a", "b"), ("b", "a")):
        assert only(first, second, "raw_meta_ads_archive", "* EXCLUDE (query_country)") == 0
        assert only(first, second, "raw_meta_ads_archive", where="snapshot_id <> 1") == 0
        for table in ("core_ad_country_query", "entity", "entity_identifier"):
            assert only(first, second, table, where="snapshot_id <> 1") == 0
    assert con.execute("SELECT count(*) FROM b.raw_meta_ads_archive WHERE snapshot_id = 1 "
                       "AND query_country IS NOT NULL").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM a.core_ad_country_query WHERE snapshot_id = 1").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM b.core_ad_country_query WHERE snapshot_id = 1").fetchone()[0] == 0
    assert con.execute("SELECT max(version) FROM b.schema_version").fetchone()[0] == max(
        m.version for m in db.available_migrations())
    con.close()


def test_a_source_without_a_builder_gets_its_derived_rows_as_exported(original, tmp_path, monkeypatch):
    """When no builder here remakes a source's core (its loader derives it inside the load), the rebuild
    restores what was exported for it, says so, and the warehouse is still whole."""
    from warehouse import lake_derived, lake_rebuild

    lake_dir = tmp_path / "lake"
    lake.export_warehouse(original, lake_dir)
    builders = lake_derived.builders()
    monkeypatch.setattr(lake_derived, "builders",
                        lambda: {t: b for t, b in builders.items() if b is not lake_derived.rebuild_google})
    result = lake_rebuild.rebuild_warehouse(lake_dir, tmp_path / "rebuilt.duckdb")
    assert result.restored_as_exported == ["google_political_bundle (snapshot 1)",
                                           "google_political_bundle (snapshot 2)"]
    assert "restored as exported" in result.message
    assert differences(original, tmp_path / "rebuilt.duckdb") == {}

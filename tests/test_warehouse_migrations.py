"""Migrations: versions recorded, an older warehouse upgraded with its data, raw columns == FIELDS."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from spiders.items import FIELDS, RAW_TABLE
from warehouse import db
from warehouse.db import MigrationError


def _type_name(con: duckdb.DuckDBPyConnection, sql_type: str) -> str:
    """DuckDB's own name of a type as FIELDS writes it (TIMESTAMPTZ -> TIMESTAMP WITH TIME ZONE)."""
    return con.execute(f"SELECT typeof(CAST(NULL AS {sql_type}))").fetchall()[0][0]


def test_connect_creates_folder_and_records_every_migration(tmp_path):
    path = tmp_path / "nested" / "dir" / "adtrail.duckdb"
    con = db.connect(path)
    applied = db.applied_migrations(con)
    shipped = db.available_migrations()
    assert path.is_file()
    assert sorted(applied) == [m.version for m in shipped]
    assert {v: name for v, (name, _) in applied.items()} == {m.version: m.name for m in shipped}
    assert {1, 10, 20, 30} <= set(applied)
    assert db.schema_version(con) == max(m.version for m in shipped)
    assert db.migrate(con) == []  # nothing left to apply
    con.close()


@pytest.mark.parametrize("kind", sorted(RAW_TABLE))
def test_raw_columns_are_exactly_the_item_fields(tmp_path, kind):
    con = db.connect(tmp_path / "w.duckdb")
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [RAW_TABLE[kind]],
    ).fetchall()
    assert columns[0] == ("snapshot_id", "BIGINT")
    assert ("loaded_at", "TIMESTAMP WITH TIME ZONE") in columns
    # Fields added by a later migration (ALTER TABLE ADD COLUMN) come after loaded_at; the loader inserts
    # by name, so only the order of the item fields among themselves matters.
    item_columns = [column for column in columns[1:] if column[0] != "loaded_at"]
    assert [name for name, _ in item_columns] == list(FIELDS[kind])
    assert dict(item_columns) == {name: _type_name(con, sql_type) for name, sql_type in FIELDS[kind].items()}
    con.close()


def test_older_warehouse_is_upgraded_with_its_data(tmp_path):
    path = tmp_path / "old.duckdb"
    con = db.connect(path, upto=10)  # a warehouse made before core and marts existed
    assert sorted(db.applied_migrations(con)) == [1, 10]
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'core_ad'").fetchall() == [(0,)]
    con.execute("INSERT INTO snapshot (as_of, status, code_version) VALUES ('2025-12-29', 'complete', 'v0')")
    con.execute(
        "INSERT INTO raw_meta_ads_archive (snapshot_id, item_kind, source, ad_key, ad_id, page_name, "
        "ad_creative_bodies, fetched_at, loaded_at) VALUES (1, 'meta_ad', 'meta_ads_archive', '77', '77', "
        "'Prothom Page', ['প্রথম বিজ্ঞাপন'], '2025-12-29T06:00:00+00:00', now())"
    )
    con.close()

    con = db.connect(path)  # the newer adtrail opens it
    assert sorted(db.applied_migrations(con)) == [m.version for m in db.available_migrations()]
    assert con.execute("SELECT snapshot_id, as_of::VARCHAR, status FROM snapshot").fetchall() == [(1, "2025-12-29", "complete")]
    assert con.execute(
        "SELECT ad_key, page_name, ad_creative_bodies, fetched_at::VARCHAR FROM raw_meta_ads_archive"
    ).fetchall() == [("77", "Prothom Page", ["প্রথম বিজ্ঞাপন"], "2025-12-29 06:00:00+00")]
    # the new layers work on top of the old data; the sequence continues after the old snapshot
    assert con.execute("SELECT count(*) FROM mart_snapshot").fetchall() == [(1,)]
    assert con.execute(
        "INSERT INTO snapshot (as_of) VALUES ('2026-01-05') RETURNING snapshot_id"
    ).fetchall() == [(2,)]
    con.close()


def test_a_migration_edited_after_it_was_applied_is_refused(tmp_path, monkeypatch):
    migrations = tmp_path / "migrations"
    shutil.copytree(db.MIGRATIONS_DIR, migrations)
    monkeypatch.setattr(db, "MIGRATIONS_DIR", migrations)
    path = tmp_path / "w.duckdb"
    db.connect(path).close()
    raw = migrations / "010_raw.sql"
    raw.write_text(raw.read_text(encoding="utf-8") + "\n-- edited\n", encoding="utf-8")
    with pytest.raises(MigrationError, match="010_raw.sql was changed after it was applied"):
        db.connect(path)


def test_a_warehouse_from_a_newer_adtrail_is_refused(tmp_path, monkeypatch):
    migrations = tmp_path / "migrations"
    shutil.copytree(db.MIGRATIONS_DIR, migrations)
    (migrations / "990_future.sql").write_text("CREATE TABLE future_thing (x INTEGER);\n", encoding="utf-8")
    monkeypatch.setattr(db, "MIGRATIONS_DIR", migrations)
    path = tmp_path / "w.duckdb"
    db.connect(path).close()
    (migrations / "990_future.sql").unlink()
    with pytest.raises(MigrationError, match="made by a newer adtrail"):
        db.connect(path)


def test_a_failing_migration_applies_nothing(tmp_path, monkeypatch):
    migrations = tmp_path / "migrations"
    shutil.copytree(db.MIGRATIONS_DIR, migrations)
    (migrations / "991_broken.sql").write_text(
        "CREATE TABLE half_done (x INTEGER);\nCREATE TABLE broken (x NO_SUCH_TYPE);\n", encoding="utf-8"
    )
    monkeypatch.setattr(db, "MIGRATIONS_DIR", migrations)
    path = tmp_path / "w.duckdb"
    with pytest.raises(MigrationError, match="991_broken.sql failed, nothing of it was applied"):
        db.connect(path)
    con = duckdb.connect(str(path))
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'half_done'").fetchall() == [(0,)]
    assert 991 not in {row[0] for row in con.execute("SELECT version FROM schema_version").fetchall()}
    con.close()


def test_db_path_comes_from_argument_then_environment_then_default(tmp_path, monkeypatch):
    monkeypatch.delenv("ADTRAIL_DB", raising=False)
    assert db.resolve_db_path() == db.DEFAULT_DB_PATH == db.DEFAULT_DB_PATH.__class__("data/adtrail.duckdb")
    monkeypatch.setenv("ADTRAIL_DB", str(tmp_path / "from_env.duckdb"))
    assert db.resolve_db_path() == tmp_path / "from_env.duckdb"
    assert db.resolve_db_path(tmp_path / "arg.duckdb") == tmp_path / "arg.duckdb"
    con = db.connect()
    assert db.database_path(con) == tmp_path / "from_env.duckdb"
    con.close()

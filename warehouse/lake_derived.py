"""The derived tables of a warehouse rebuilt from the lake (``warehouse.lake_rebuild``): what the loaders
derive from raw, made again by their own builders, per (snapshot, source).

``warehouse.core.build_core`` per item kind; Google's spend amounts, observations and core rows from its
raw tables, as ``warehouse.load_google`` makes them while loading a bundle. A source whose raw tables have
no builder here (its loader derives core inside its load, Snap's for now) gets its derived rows back as
the lake holds them, and so do the snapshot tables no loader writes (analysis results: entities).
"""

from __future__ import annotations

from pathlib import Path

from spiders.items import RAW_TABLE
from spiders.parsers import google_bundle
from warehouse import lake
from warehouse.core import CORE_BUILDERS, CORE_TABLES, ITEM_LINE_TABLES, build_core, delete_core
from warehouse.lake import read_partitions


def rebuilt_tables() -> tuple[str, ...]:
    """The tables the loaders' builders write from raw (core, Google's observations); the lake's other
    derived tables (analysis results such as entities) are restored as exported."""
    from warehouse.load_google import GOOGLE_TABLES

    derived_by_google = tuple(t for t in GOOGLE_TABLES if not t.startswith("raw_"))
    return tuple(t for t in (*CORE_TABLES, *derived_by_google) if t not in ITEM_LINE_TABLES)


def rebuild_derived(con, lake_dir: Path, snapshot_ids: list[int]) -> list[str]:
    """Core (and Google's observations) for every (snapshot, source), by the raw tables holding its rows;
    the other derived tables as exported.

    A source whose raw tables have no builder here (its loader derives core inside its load) gets its
    derived rows back as exported instead; returns those, as "source (snapshot N)".
    """
    catalog = lake.read_catalog(con)
    rebuilt = [t for t in rebuilt_tables() if t in catalog.derived]
    for table in catalog.derived:
        files = lake.partition_files(lake_dir, table, snapshot_ids)
        if table not in rebuilt and files:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * EXCLUDE (snapshot_date) FROM {read_partitions(files)}")
    found = builders()
    holding = " UNION ALL ".join(
        f"SELECT DISTINCT snapshot_id, source, '{table}' AS table_name FROM {table}" for table in catalog.raw)
    pairs: dict[tuple[int, str], set[str]] = {}
    for snapshot_id, source, table in con.execute(holding + " ORDER BY ALL").fetchall():
        pairs.setdefault((snapshot_id, source), set()).add(table)
    restored = []
    for (snapshot_id, source), tables in sorted(pairs.items()):
        if any(t not in found for t in tables):
            for table in rebuilt:
                files = lake.partition_files(lake_dir, table, [snapshot_id])
                if files:
                    con.execute(f"INSERT INTO {table} BY NAME SELECT * EXCLUDE (snapshot_date) FROM "
                                f"{read_partitions(files)} WHERE source = $source", {"source": source})
            restored.append(f"{source} (snapshot {snapshot_id})")
            continue
        # the core tables made from item lines were restored from the lake, like raw: kept
        delete_core(con, snapshot_id, source, tables=tuple(t for t in CORE_TABLES if t not in ITEM_LINE_TABLES))
        for build in dict.fromkeys(found[t] for t in sorted(tables)):
            build(con, snapshot_id, source)
    return restored


def builders() -> dict:
    """raw table -> function(con, snapshot_id, source) rebuilding what the loader derived from it."""
    by_table = {}
    for kind, table in RAW_TABLE.items():
        if kind in CORE_BUILDERS:
            by_table[table] = lambda con, snapshot_id, source, kind=kind: build_core(con, kind, snapshot_id, source)
    for kind in (*google_bundle.KINDS, google_bundle.OTHER):
        by_table[kind.table] = rebuild_google
    return by_table


def rebuild_google(con, snapshot_id: int, source: str) -> None:
    """Google's spend amounts, observations and core rows from its raw tables, as load_google_file makes them.

    The loader derives them member by member while staging each CSV; here the members are known from the raw
    rows themselves (member and file_kind are on every row).
    """
    from warehouse import load_google

    provenance = {"snapshot_id": snapshot_id, "source": source}
    tables = sorted({kind.table for kind in google_bundle.KINDS if kind.grain})
    members = con.execute(" UNION ".join(
        f"SELECT member, file_kind FROM {table} WHERE snapshot_id = $sid AND source = $source" for table in tables)
        + " ORDER BY ALL", {"sid": snapshot_id, "source": source}).fetchall()
    result = load_google.GoogleLoadResult(snapshot_id, source)
    for member_name, file_kind in members:
        member = google_bundle.Member(member_name, google_bundle.KIND_BY_NAME[file_kind], header=[])
        load_google._insert_amounts(con, member, provenance, result)
    load_google._insert_observations(con, provenance)
    con.execute("INSERT INTO core_ad BY NAME SELECT * FROM google_core_ad(?, ?)", [snapshot_id, source])
    con.execute("INSERT INTO core_ad_country_reach BY NAME SELECT * FROM google_core_ad_country(?, ?)",
                [snapshot_id, source])

"""Seeded core rows for analysis tests: a real migrated warehouse, a complete snapshot, core_ad rows of any
platform with only the fields a test names (the rest NULL, as a source that does not disclose them)."""

from __future__ import annotations

import json

from warehouse import db, snapshots

SOURCES = {"meta": "meta_ads_archive", "google": "google_political_bundle", "snap": "snap_political",
           "tiktok": "tiktok_commercial_content"}


def warehouse(path, as_of: str = "2024-01-31"):
    """A migrated warehouse with one running snapshot: (connection, snapshot_id)."""
    con = db.connect(path)
    return con, snapshots.begin_or_resume(con, as_of, "tests")


def complete(con, snapshot_id: int) -> None:
    for source in {row[0] for row in con.execute(
            "SELECT DISTINCT source FROM core_ad WHERE snapshot_id = ?", [snapshot_id]).fetchall()}:
        con.execute("INSERT INTO snapshot_source (snapshot_id, source, crawl_id, manifest_sha256, status, "
                    "items_loaded) VALUES (?, ?, 'seed', 'seed', 'complete', 0) ON CONFLICT DO NOTHING",
                    [snapshot_id, source])
    snapshots.complete(con, snapshot_id)


def ad(con, snapshot_id: int, platform: str, ad_key: str, *, countries: dict | None = None,
       payers: list[tuple] = (), platform_fields: dict | None = None, **fields) -> None:
    """One core_ad row; ``countries`` {ISO2: reach or None} fills core_ad_country_reach, ``payers``
    [(payer, beneficiary)] core_ad_payer."""
    row = {"snapshot_id": snapshot_id, "platform": platform, "ad_key": ad_key, "ad_id": ad_key,
           "key_is_synthetic": False, "spend_basis": "disclosed", "source": SOURCES[platform],
           "platform_fields": json.dumps(platform_fields or {}), **fields}
    names = ", ".join(row)
    con.execute(f"INSERT INTO core_ad ({names}) VALUES ({', '.join('?' for _ in row)})", list(row.values()))
    for country, reach in (countries or {}).items():
        con.execute("INSERT INTO core_ad_country_reach (snapshot_id, platform, ad_key, country, reach, source) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [snapshot_id, platform, ad_key, country, reach, SOURCES[platform]])
    for payer, beneficiary in payers:
        con.execute("INSERT INTO core_ad_payer (snapshot_id, platform, ad_key, payer_name, beneficiary_name, "
                    "is_current, payer_origin, source) VALUES (?, ?, ?, ?, ?, true, 'bylines', ?)",
                    [snapshot_id, platform, ad_key, payer, beneficiary, SOURCES[platform]])


def google_advertiser(con, snapshot_id: int, advertiser_id: str, name: str, public_ids: str | None) -> None:
    """A row of Google's advertiser-stats CSV as the bundle loader stores it."""
    con.execute("INSERT INTO raw_google_advertiser_stats (snapshot_id, source, file_sha256, member, file_kind, "
                "row_number, advertiser_id, advertiser_name, public_ids_list, loaded_at) VALUES "
                "(?, 'google_political_bundle', 'seed', 'google-political-ads-advertiser-stats.csv', "
                "'advertiser_stats', (SELECT count(*) + 1 FROM raw_google_advertiser_stats), ?, ?, ?, now())",
                [snapshot_id, advertiser_id, name, public_ids])

"""Entity tables in the warehouse (migrations ``110_entities.sql``, ``140_entities_all_platforms.sql``): reading the identifiers a snapshot
holds, writing one snapshot's entities, keeping name-match candidates and the user's overrides.

Only SQL and row shuffling: which identifiers belong together is decided in ``analysis/entities.py``.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from warehouse.db import fetch_one

# Rows go in as one Arrow table per statement (read by DuckDB's replacement scan under the local name):
# a statement per row made resolution the slowest step of a snapshot's completion.
_TEXT, _TEXTS = pa.string(), pa.list_(pa.string())
_ENTITY = pa.schema([("entity_id", _TEXT), ("display_name", _TEXT), ("platforms", _TEXTS), ("roles", _TEXTS),
                     ("identifiers", pa.int32()), ("countries", _TEXTS)])
_IDENTIFIER = pa.schema([("entity_id", _TEXT), ("identifier_key", _TEXT), ("platform", _TEXT), ("id_kind", _TEXT),
                         ("value", _TEXT), ("role", _TEXT), ("name", _TEXT), ("joined_by", _TEXT),
                         ("countries", _TEXTS)])
_CANDIDATE = pa.schema([("identifier_a", _TEXT), ("identifier_b", _TEXT), ("name_a", _TEXT), ("name_b", _TEXT),
                        ("reason", _TEXT), ("confidence", pa.float64())])


def _arrow(schema: pa.Schema, rows: list[tuple]) -> pa.Table:
    return pa.Table.from_pylist([dict(zip(schema.names, row)) for row in rows], schema=schema)


def observed_identifiers(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> list[dict]:
    """Every identifier the snapshot holds with the record it was seen on (``entity_identifier_observed``)."""
    relation = con.execute(
        "SELECT record_key, platform, id_kind, value, role, name, seen_in, country "
        "FROM entity_identifier_observed(?) ORDER BY record_key, id_kind, value, role, name, seen_in, country",
        [snapshot_id])
    columns = [column[0] for column in relation.description]
    return [dict(zip(columns, row)) for row in relation.fetchall()]


def replace_entities(con: duckdb.DuckDBPyConnection, snapshot_id: int, entities: list[tuple],
                     identifiers: list[tuple]) -> None:
    """Replace the snapshot's entities: ``entities`` rows (entity_id, display_name, platforms, roles,
    identifiers, countries), ``identifiers`` rows (entity_id, identifier_key, platform, id_kind, value, role,
    name, joined_by, countries). One transaction: readers never see half a resolution."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM entity_identifier WHERE snapshot_id = ?", [snapshot_id])
        con.execute("DELETE FROM entity WHERE snapshot_id = ?", [snapshot_id])
        entity_rows = _arrow(_ENTITY, entities)  # noqa: F841 (read by name below)
        identifier_rows = _arrow(_IDENTIFIER, identifiers)  # noqa: F841
        con.execute("INSERT INTO entity BY NAME SELECT ? AS snapshot_id, * FROM entity_rows", [snapshot_id])
        con.execute("INSERT INTO entity_identifier BY NAME SELECT ? AS snapshot_id, * FROM identifier_rows",
                    [snapshot_id])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def record_candidates(con: duckdb.DuckDBPyConnection, snapshot_id: int, candidates: list[tuple]) -> None:
    """Add or refresh name-match candidates (identifier_a, identifier_b, name_a, name_b, reason, confidence);
    a decision already taken (confirmed, rejected) is kept."""
    if not candidates:
        return
    candidate_rows = _arrow(_CANDIDATE, candidates)  # noqa: F841 (read by name below)
    con.execute("""
        INSERT INTO entity_candidate (identifier_a, identifier_b, name_a, name_b, reason, confidence,
                                      first_snapshot_id, last_snapshot_id)
        SELECT identifier_a, identifier_b, name_a, name_b, reason, confidence, $snapshot_id, $snapshot_id
        FROM candidate_rows ORDER BY identifier_a, identifier_b
        ON CONFLICT (identifier_a, identifier_b) DO UPDATE SET
            name_a = excluded.name_a, name_b = excluded.name_b, reason = excluded.reason,
            confidence = excluded.confidence, last_snapshot_id = excluded.last_snapshot_id""",
                {"snapshot_id": snapshot_id})


def candidate_pairs(con: duckdb.DuckDBPyConnection, status: str) -> list[tuple[str, str]]:
    return con.execute("SELECT identifier_a, identifier_b FROM entity_candidate WHERE status = ? "
                       "ORDER BY candidate_id", [status]).fetchall()


def candidates(con: duckdb.DuckDBPyConnection, status: str | None = "candidate") -> list[dict]:
    relation = con.execute(
        "SELECT candidate_id, identifier_a, name_a, identifier_b, name_b, reason, confidence, status, "
        "decided_by FROM entity_candidate WHERE $status IS NULL OR status = $status "
        "ORDER BY confidence DESC, candidate_id", {"status": status})
    columns = [column[0] for column in relation.description]
    return [dict(zip(columns, row)) for row in relation.fetchall()]


def decide_candidate(con: duckdb.DuckDBPyConnection, candidate_id: int, status: str, decided_by: str) -> bool:
    """Record a decision on a candidate; False when there is no candidate with that id."""
    row = fetch_one(con, "UPDATE entity_candidate SET status = ?, decided_at = now(), decided_by = ? "
                         "WHERE candidate_id = ? RETURNING candidate_id", [status, decided_by, candidate_id])
    return row is not None


def decide_pair(con: duckdb.DuckDBPyConnection, identifier_a: str, identifier_b: str, status: str,
                decided_by: str) -> None:
    """Record a decision on two identifiers, adding them as a candidate when no name match proposed them."""
    first, second = sorted((identifier_a, identifier_b))
    con.execute("""
        INSERT INTO entity_candidate (identifier_a, identifier_b, reason, confidence, status, decided_at, decided_by)
        VALUES ($a, $b, 'named in an override file', 0.5, $status, now(), $by)
        ON CONFLICT (identifier_a, identifier_b) DO UPDATE SET
            status = excluded.status, decided_at = excluded.decided_at, decided_by = excluded.decided_by""",
                {"a": first, "b": second, "status": status, "by": decided_by})


def store_overrides(con: duckdb.DuckDBPyConnection, file_name: str, file_sha256: str, rows: list[tuple]) -> int:
    """Keep an override file's rows (row_number, action, identifier_a, identifier_b, note); a file imported
    before adds nothing. Returns the rows added."""
    before = fetch_one(con, "SELECT count(*) FROM entity_override WHERE file_sha256 = ?", [file_sha256])[0]
    if before:
        return 0
    con.executemany(
        "INSERT INTO entity_override (row_number, action, identifier_a, identifier_b, note, file_name, file_sha256) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", [(*row, file_name, file_sha256) for row in rows])
    return len(rows)


def overrides(con: duckdb.DuckDBPyConnection, action: str) -> list[tuple[str, str | None]]:
    return con.execute("SELECT identifier_a, identifier_b FROM entity_override WHERE action = ? "
                       "ORDER BY override_id", [action]).fetchall()

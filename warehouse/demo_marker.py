"""The demo's mark on a warehouse: the label that says its figures were made up by ``adtrail demo``.

The mark is a row of ``warehouse_label`` (migration 060_explorer.sql) in the warehouse file itself, so the
published copies (file copies), the Parquet lake (a reference table) and a rebuilt warehouse all carry it,
wherever the file is moved. The demo marks its warehouse before it loads anything; the app shows its demo
banner by the mark, never by the file's path. Nothing removes the mark: a warehouse that held invented
figures keeps saying so.
"""

from __future__ import annotations

import duckdb

from warehouse.queries import run_query

DEMO_LABEL = "demo"


def mark_demo(con: duckdb.DuckDBPyConnection) -> None:
    """Mark the (migrated, writable) warehouse as the demo's; marking it again changes nothing."""
    con.execute(
        "INSERT INTO warehouse_label (key, value) VALUES (?, 'true') ON CONFLICT (key) DO NOTHING",
        [DEMO_LABEL],
    )


def labels(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every label of the warehouse (or a published copy), by the named query ``warehouse_labels``."""
    return {row["key"]: row["value"] for row in run_query(con, "warehouse_labels").to_dicts()}


def is_demo(con: duckdb.DuckDBPyConnection) -> bool:
    """True when ``mark_demo`` marked this warehouse (or the one it is a published copy of)."""
    return labels(con).get(DEMO_LABEL) == "true"

"""Named queries: the SQL files in ``warehouse/queries/`` that the app and reports run.

A query is ``queries/<name>.sql``, read-only SQL over the marts with DuckDB named parameters
(``$snapshot_id``). ``run_query`` binds exactly the parameters the file uses (``None`` is a value: the
queries treat it as "any"), so no caller ever formats values into SQL.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl

QUERIES_DIR = Path(__file__).resolve().parent / "queries"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# $name outside string literals and comments
_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")
_NOT_CODE = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.S)


class QueryError(ValueError):
    """Unknown query, or parameters that do not match what the query uses."""


def query_names() -> list[str]:
    return sorted(p.stem for p in QUERIES_DIR.glob("*.sql"))


def query_sql(name: str) -> str:
    if not _NAME.match(name) or not (QUERIES_DIR / f"{name}.sql").is_file():
        raise QueryError(f"no named query {name!r}; known: {', '.join(query_names())}")
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def query_parameters(name: str) -> set[str]:
    """The parameters the query uses."""
    return set(_PARAMETER.findall(_NOT_CODE.sub(" ", query_sql(name))))


def run_query(con: duckdb.DuckDBPyConnection, name: str, /, **params) -> pl.DataFrame:
    """Run the named query with bound parameters; returns its rows as a polars DataFrame."""
    needed = query_parameters(name)
    missing = needed - params.keys()
    unknown = params.keys() - needed
    if missing or unknown:
        raise QueryError(
            f"query {name!r} takes parameters {sorted(needed)}; missing {sorted(missing)}, unknown {sorted(unknown)}"
        )
    return con.sql(query_sql(name), params=params).pl()

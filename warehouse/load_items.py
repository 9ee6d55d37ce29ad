"""Items files → raw rows of one kind: the checks, one row per item key, the facts of every line.

The items files are parsed twice, not three or four times:

1. the line scan reads only the few columns every line is judged by (source, kind, key, the fields that
   order a key's lines, and the columns ``ITEM_LINE_BUILDERS`` need) into a temporary table: the contract
   checks count from it, the keys a resumed crawl wrote more than once are found in it, and the facts of
   every line (an ad returned by the queries of three countries) are built from it;
2. the insert reads every column once and writes the raw rows as it parses them. The check for an
   unredacted access token runs inside it, since only it holds the URL and JSON fields as text: a line
   that fails stops the insert (DuckDB's ``error()``), the transaction is rolled back and the full check
   scan runs to count what is wrong for the message.

One row per key: when no key repeats, every line is inserted as it streams by (no window over the whole
file, the cost that made the loader twice as slow as DuckDB's own ``read_json``). A repeated key keeps its
latest line (fetched_at, then page number, then body hash, newest first), chosen in the small line table and
matched in the insert; when two lines of a key tie on all three, the insert falls back to a window over every
line, whose last tiebreak is the content, so loading the same file twice keeps the same row.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext

import duckdb

from spiders.items import FIELDS, RAW_TABLE
from warehouse.core import ITEM_LINE_BUILDERS, ITEM_LINE_COLUMNS
from warehouse.crawl_folder import SECRET_IN_URL, CrawlFolderError, CrawlManifest, item_file_problem
from warehouse.db import fetch_one

# The field that identifies an item within a source: one raw row per (snapshot, source, key).
ITEM_KEY_FIELD: dict[str, str] = {
    "meta_ad": "ad_key",
    "youtube_signal": "signal_key",
    "ads_txt_record": "line_key",
    "ads_txt_variable": "line_key",
    "ads_txt_rejected_line": "line_key",
    "ads_txt_fetch": "fetch_key",
    "linkedin_ad": "ad_key",
    "tiktok_ad": "ad_key",
    "tiktok_commercial_content": "content_key",
    "tiktok_advertiser": "advertiser_key",
    "google_creative": "ad_key",
    "page_render": "render_key",
    "page_ad_slot": "slot_key",
    "page_ad_request": "request_key",
    "page_bid": "bid_key",
}

READ_ITEMS = "read_json($files, columns = $columns, format = 'newline_delimited')"
# The fields that order a key's lines, newest first (a resumed crawl appends lines it had written).
_ORDER_FIELDS = ("fetched_at", "page_number", "body_sha256")
_ORDER_BY = "fetched_at DESC NULLS LAST, page_number DESC NULLS LAST, body_sha256 DESC NULLS LAST"
# A credential parameter whose value does not start with REDACTED (what the spiders write): a superset of
# the lines the exact test (SECRET_IN_URL: a value of 20 characters or more, REDACTED nowhere in it) flags.
# Each pattern starts with a literal, which RE2 finds as fast as a substring search, so the common line (its
# tokens all redacted) costs about nothing; the exact test runs only where one of these matches.
_NOT_REDACTED = "(?:[^R]|R[^E]|RE[^D]|RED[^A]|REDA[^C]|REDAC[^T]|REDACT[^E]|REDACTE[^D])"
_MAYBE_SECRET = tuple(name + _NOT_REDACTED for name in ("_token=", "client_secret=", "appsecret_proof="))
_SECRET_FOUND = "adtrail: an item carries an access token"


def _files(manifest: CrawlManifest, kind: str) -> list[str]:
    return [str(f.path) for f in manifest.item_files if f.item_kind == kind]


def _secret_fields(kind: str) -> list[str]:
    """The fields a token could hide in: URLs and JSON (a raw record holds the URLs it was fetched with)."""
    return [name for name, type_ in FIELDS[kind].items() if name.endswith("_url") or type_ == "JSON"]


def verify_in_thread(manifest: CrawlManifest) -> tuple[threading.Thread, list[str]]:
    """Hash the items files against the manifest in a thread, beside DuckDB's parse; once the thread is
    joined, the list holds what is wrong with each file that differs."""
    problems: list[str] = []

    def work():
        problems.extend(filter(None, map(item_file_problem, manifest.item_files)))

    thread = threading.Thread(target=work, name="items-sha256", daemon=True)
    thread.start()
    return thread, problems


def scan_lines(con: duckdb.DuckDBPyConnection, manifest: CrawlManifest, kind: str) -> int:
    """Read the columns every line is judged by into ``item_lines`` and check them; returns the lines read."""
    key = ITEM_KEY_FIELD[kind]
    names = dict.fromkeys(("source", "item_kind", key, *_ORDER_FIELDS, *ITEM_LINE_COLUMNS.get(kind, ())))
    columns = {name: FIELDS[kind][name] for name in names}
    con.execute("DROP TABLE IF EXISTS item_lines")
    try:
        con.execute(f"CREATE TEMP TABLE item_lines AS SELECT * FROM {READ_ITEMS}",
                    {"files": _files(manifest, kind), "columns": columns})
    except duckdb.Error as exc:
        raise _not_json_lines(manifest, kind, exc) from exc
    lines, wrong_source, wrong_kind, no_key = fetch_one(con, f"""
        SELECT count(*), count(*) FILTER (WHERE source IS DISTINCT FROM $source),
            count(*) FILTER (WHERE item_kind IS DISTINCT FROM $kind), count(*) FILTER (WHERE {key} IS NULL)
        FROM item_lines""", {"source": manifest.source, "kind": kind})
    problems = []
    if wrong_source:
        problems.append(f"{wrong_source} items name another source than the manifest's {manifest.source!r}")
    if wrong_kind:
        problems.append(f"{wrong_kind} items are not of kind {kind!r}")
    if no_key:
        problems.append(f"{no_key} items have no {key}")
    if problems:
        raise _refused(manifest, problems)
    return lines


def build_line_facts(con: duckdb.DuckDBPyConnection, kind: str, snapshot_id: int) -> None:
    """The kind's rows taken from every line (``ITEM_LINE_BUILDERS``), from the line table."""
    for statement in ITEM_LINE_BUILDERS.get(kind, ()):
        con.execute(statement.format(lines="item_lines"), {"snapshot_id": snapshot_id})


def insert_raw(con: duckdb.DuckDBPyConnection, manifest: CrawlManifest, kind: str, snapshot_id: int,
               step=None) -> int:
    """Insert one row per item key into the kind's raw table (after ``scan_lines``); returns the rows."""
    step = step or (lambda name: nullcontext())
    table, key = RAW_TABLE[kind], ITEM_KEY_FIELD[kind]
    with step(f"latest line of each repeated key ({kind})"):
        tied = _choose_latest_lines(con, key)
    params = {"files": _files(manifest, kind), "columns": FIELDS[kind], "snapshot_id": snapshot_id,
              "secret": SECRET_IN_URL}
    if tied:
        tiebreak = ", md5(CAST(record AS VARCHAR)) DESC" if "record" in FIELDS[kind] else ""
        keep = f"QUALIFY row_number() OVER (PARTITION BY source, {key} ORDER BY {_ORDER_BY}{tiebreak}) = 1"
        join = ""
    else:
        # a key not repeated has no row in latest_lines; a repeated one keeps the line equal to its latest
        keep = "WHERE latest.key IS NULL OR (" + " AND ".join(
            f"items.{name} IS NOT DISTINCT FROM latest.{name}" for name in _ORDER_FIELDS) + ")"
        join = f"LEFT JOIN latest_lines AS latest ON latest.key = items.{key}"
    sql = f"""
        INSERT INTO {table} BY NAME
        SELECT $snapshot_id AS snapshot_id, now() AS loaded_at, items.*
        FROM (SELECT * FROM {READ_ITEMS} WHERE {_secret_guard(kind)}) AS items
        {join}
        {keep}
    """
    with step(f"raw insert ({kind}: read_json, one row per key, token check)"):
        try:
            con.execute(sql, params)
        except duckdb.Error as exc:
            if _SECRET_FOUND in str(exc):
                raise SecretFound(kind) from exc
            raise _not_json_lines(manifest, kind, exc) from exc
    return fetch_one(con, f"SELECT count(*) FROM {table} WHERE snapshot_id = ? AND source = ?",
                     [snapshot_id, manifest.source])[0]


def drop_line_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Free the line tables once every kind is in (a temporary table lives as long as the connection)."""
    con.execute("DROP TABLE IF EXISTS item_lines")
    con.execute("DROP TABLE IF EXISTS latest_lines")


def _choose_latest_lines(con: duckdb.DuckDBPyConnection, key: str) -> bool:
    """Fill ``latest_lines`` with the latest line of each key that occurs more than once; True when two lines
    of a key tie for latest (the insert then decides by a window over everything)."""
    con.execute("DROP TABLE IF EXISTS latest_lines")
    con.execute(f"""
        CREATE TEMP TABLE latest_lines AS
        WITH repeated AS (
            SELECT {key} AS key, {", ".join(_ORDER_FIELDS)},
                row_number() OVER (PARTITION BY {key} ORDER BY {_ORDER_BY}) AS rank,
                count(*) OVER (PARTITION BY {key}, {", ".join(_ORDER_FIELDS)}) AS same_order
            FROM item_lines
            WHERE {key} IN (SELECT {key} FROM item_lines GROUP BY {key} HAVING count(*) > 1)
        )
        SELECT * EXCLUDE (rank) FROM repeated WHERE rank = 1
    """)
    return fetch_one(con, "SELECT count(*) FROM latest_lines WHERE same_order > 1")[0] > 0


def _secret_guard(kind: str) -> str:
    """A WHERE condition true for every line, that stops the statement at a line carrying a token."""
    fields = _secret_fields(kind)
    if not fields:
        return "true"
    maybe = " OR ".join(f"regexp_matches(CAST({field} AS VARCHAR), '{pattern}')"
                        for field in fields for pattern in _MAYBE_SECRET)
    exact = " OR ".join(
        f"len(list_filter(regexp_extract_all(CAST({field} AS VARCHAR), $secret, 1), "
        "lambda v: length(v) >= 20 AND NOT contains(upper(v), 'REDACTED'))) > 0" for field in fields)
    return f"coalesce(CASE WHEN ({maybe}) AND ({exact}) THEN error('{_SECRET_FOUND}') END, true)"


class SecretFound(Exception):
    """The insert met a line with an access token: the caller rolls back and counts them (``count_secrets``)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def count_secrets(con: duckdb.DuckDBPyConnection, manifest: CrawlManifest, kind: str) -> CrawlFolderError:
    """After the insert stopped at a token: count the lines that carry one, for the message."""
    fields = _secret_fields(kind)
    text = " || ' ' || ".join(f"coalesce(CAST({name} AS VARCHAR), '')" for name in fields)
    found = fetch_one(con, f"""
        SELECT count(*) FILTER (WHERE len(list_filter(regexp_extract_all({text}, $secret, 1),
            lambda v: length(v) >= 20 AND NOT contains(upper(v), 'REDACTED'))) > 0)
        FROM {READ_ITEMS}""", {"files": _files(manifest, kind), "columns": FIELDS[kind], "secret": SECRET_IN_URL})[0]
    return _refused(manifest, [f"{found} items carry an access token (the folder was not redacted)"])


def _refused(manifest: CrawlManifest, problems: list[str]) -> CrawlFolderError:
    return CrawlFolderError(f"{manifest.crawl_dir}: " + "; ".join(problems)
                            + ". Nothing was loaded: crawl again with the current spiders")


def _not_json_lines(manifest: CrawlManifest, kind: str, exc: Exception) -> CrawlFolderError:
    return CrawlFolderError(
        f"{manifest.crawl_dir}: the {kind} items are not valid JSON lines of the crawl contract ({exc}). "
        "Nothing was loaded: run the crawl again, or report the spider that wrote it")

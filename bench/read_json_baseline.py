"""The baseline of the load benchmark: DuckDB's own ``read_json`` of an items file into a table.

Run in its own process by ``bench.load_vs_read_json``: a new DuckDB file, one ``CREATE TABLE AS`` reading
the JSON lines with the raw table's columns and types (``spiders.items.FIELDS``, as the loader declares
them), DuckDB's default threads and memory limit. Prints the rows as JSON on stdout.

``python -m bench.read_json_baseline ITEMS_JSONL NEW_DB``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

from spiders.items import FIELDS


def main(argv: list[str]) -> int:
    items_file, db_file = Path(argv[0]), Path(argv[1])
    if db_file.exists():
        print(f"{db_file} exists: the baseline writes a new DuckDB file", file=sys.stderr)
        return 2
    con = duckdb.connect(str(db_file))
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    con.execute("CREATE TABLE items AS SELECT * FROM read_json($file, columns = $columns, format = 'newline_delimited')",
                {"file": str(items_file), "columns": FIELDS["meta_ad"]})
    rows = con.execute("SELECT count(*) FROM items").fetchall()[0][0]
    con.close()
    print(json.dumps({"rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

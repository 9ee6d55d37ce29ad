"""A prototype of a faster ``load_crawl``, measured beside the real one (it does not replace it).

The real loader (``warehouse.load``) parses the items file twice: a check scan (every line of the
manifest's source and kind, with a key, and no unredacted access token in any URL or JSON field), then the
insert keeping one row per ad. The check scan is a fifth of the load, and two thirds of it is the secrets
scan, which needs the JSON columns materialized as text, as the insert does anyway. This prototype parses
once: the same checks run inside the insert, on each line as it streams by, and stop it with DuckDB's
``error()`` at the first line that fails (so the message names that line's problem instead of counting
them all); the secrets regex runs only on lines holding a credential parameter with a value of 20
characters or more (what the check flags is a subset of those). Lines read come from the manifest
(``rows``, vouched for by the sha256 of the file), which the file is hashed against in a thread while DuckDB
parses it (hashlib releases the GIL). Then the same core statements, snapshot_source, commit, complete
and publish.

Measured and dropped: inserting every line, then deleting the repeated ones with a window over the sort
columns and ``rowid`` only (to avoid the full-row window's memory) made the commit about 45 s slower at a
million ads, as DuckDB rewrote the row groups it had already written.

Prints the steps' times as JSON, like ``bench.profile_load``. ``python -m bench.load_proposal CRAWL_DIR NEW_DB``
"""

from __future__ import annotations

import hashlib
import sys
import threading
from pathlib import Path

from analysis.fx import install_fx_rule
from bench.profile_load import StepClock
from spiders.items import FIELDS, RAW_TABLE
from warehouse import db, load, publish, snapshots
from warehouse.core import CORE_BUILDERS, ITEM_LINE_BUILDERS, delete_core
from warehouse.crawl_folder import SECRET_IN_URL, CrawlFolderError, read_manifest
from warehouse.lock import WarehouseLock


def _hash_in_thread(manifest) -> tuple[threading.Thread, dict]:
    found: dict = {}

    def work():
        for item_file in manifest.item_files:
            digest, size = hashlib.sha256(), 0
            with item_file.path.open("rb") as stream:
                while chunk := stream.read(1 << 22):
                    digest.update(chunk)
                    size += len(chunk)
            found[item_file.path] = (size == item_file.size and digest.hexdigest() == item_file.sha256)

    thread = threading.Thread(target=work, name="sha256")
    thread.start()
    return thread, found


# A credential parameter with a value long enough to be flagged: the cheap test before the exact one.
_LONG_CREDENTIAL = r"""(?:access_token|client_secret|appsecret_proof|fb_exchange_token)=[^&#"'\s]{20,}"""


def _insert_checked(con, manifest, kind: str, snapshot_id: int, step) -> None:
    table, key = RAW_TABLE[kind], load.ITEM_KEY_FIELD[kind]
    url_fields = [n for n, t in FIELDS[kind].items() if n.endswith("_url") or t == "JSON"]
    url_text = " || ' ' || ".join(f"coalesce(CAST({n} AS VARCHAR), '')" for n in url_fields)
    tiebreak = ", md5(CAST(record AS VARCHAR)) DESC" if "record" in FIELDS[kind] else ""
    sql = f"""
        INSERT INTO {table} BY NAME
        SELECT $snapshot_id AS snapshot_id, now() AS loaded_at, *
        FROM {load._READ_ITEMS}
        WHERE coalesce(CASE
            WHEN source IS DISTINCT FROM $source THEN error($where || ': an item names source ' || coalesce(source, 'none')
                || ', not the manifest''s ' || $source || '. Nothing was loaded: crawl again with the current spiders')
            WHEN item_kind IS DISTINCT FROM $kind THEN error($where || ': an item is not of kind ' || $kind
                || '. Nothing was loaded: crawl again with the current spiders')
            WHEN {key} IS NULL THEN error($where || ': an item has no {key}. Nothing was loaded: crawl again')
            WHEN regexp_matches({url_text}, $long_credential) AND len(list_filter(
                    regexp_extract_all({url_text}, $secret, 1),
                    lambda v: length(v) >= 20 AND NOT contains(upper(v), 'REDACTED'))) > 0
                THEN error($where || ': an item carries an access token (the folder was not redacted). Nothing was '
                           || 'loaded: crawl again with the current spiders')
        END, true)
        QUALIFY row_number() OVER (
            PARTITION BY source, {key}
            ORDER BY fetched_at DESC NULLS LAST, page_number DESC NULLS LAST,
                     body_sha256 DESC NULLS LAST{tiebreak}
        ) = 1
    """
    params = {"files": [str(f.path) for f in manifest.item_files if f.item_kind == kind], "columns": FIELDS[kind],
              "snapshot_id": snapshot_id, "source": manifest.source, "kind": kind, "secret": SECRET_IN_URL,
              "long_credential": _LONG_CREDENTIAL, "where": str(manifest.crawl_dir)}
    with step(f"raw insert with the checks inline ({kind})"):
        con.execute(sql, params)
    for number, statement in enumerate(ITEM_LINE_BUILDERS.get(kind, ()), 1):
        table = statement.split("INSERT INTO", 1)[1].split()[0]
        with step(f"every line again ({table}), as the loader"):
            con.execute(statement.format(items=load._READ_ITEMS),
                        {**load._read_json_params(manifest, kind), "snapshot_id": snapshot_id})


def profile(crawl_dir: Path, db_path: Path, step: StepClock | None = None) -> None:
    step = step or StepClock()

    with WarehouseLock(db_path):
        with step("connect, migrate, FX rule, begin, manifest"):
            con = db.connect(db_path)
            install_fx_rule(con)
            snapshot_id = snapshots.begin_or_resume(con, "2026-01-05", "bench")
            manifest = read_manifest(crawl_dir)
        hashing, hashed = _hash_in_thread(manifest)
        con.begin()
        for kind in manifest.item_kinds:
            delete_core(con, snapshot_id, manifest.source)
            _insert_checked(con, manifest, kind, snapshot_id, step)
            for number, statement in enumerate(CORE_BUILDERS[kind], 1):
                with step(f"core statement {number}"):
                    con.execute(statement, {"snapshot_id": snapshot_id, "source": manifest.source})
        with step("wait for sha256 (ran beside the insert)"):
            hashing.join()
            if not all(hashed.values()):
                con.rollback()
                raise CrawlFolderError(f"{crawl_dir}: an items file differs from its manifest")
        with step("snapshot_source, commit, complete"):
            load._record_source(con, manifest, snapshot_id, "complete", 0)
            con.commit()
            snapshots.complete(con, snapshot_id)
        with step("publish (checkpoint, copy, fsync)"):
            publish.publish(con, snapshot_id)


def main(argv: list[str]) -> int:
    clock = StepClock()
    profile(Path(argv[0]), Path(argv[1]), clock)
    print(clock.report())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

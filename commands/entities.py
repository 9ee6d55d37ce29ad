"""Advertisers across platforms: review name-match candidates, import a user's overrides."""

from __future__ import annotations

from pathlib import Path

from commands.common import EXIT_OK, UserError, progress
from config import load_config


def _resolve_and_publish(con, snapshot_id: int | None) -> list[dict]:
    """Resolve entities of the snapshot (default: the latest complete one), republish (closes con); returns
    the name matches awaiting a decision."""
    from analysis.entities import resolve
    from warehouse import entities as store, publish, snapshots

    try:
        latest = snapshots.latest_complete(con)
        if (snapshot_id or latest) is None:
            raise UserError("no complete snapshot yet: load one first (adtrail load, adtrail snapshot)")
        progress(resolve(con, snapshot_id or latest).message)
        open_candidates = store.candidates(con, "candidate")
    except BaseException:
        con.close()
        raise
    publish.publish(con, latest)  # closes con
    return open_candidates


def command_entities_review(args) -> int:
    """Record decisions on name-match candidates, resolve entities again and list the open candidates."""
    from warehouse import db, entities as store
    from warehouse.lock import WarehouseLock

    db_path = Path(args.db) if args.db else load_config(args.config).db_path
    with WarehouseLock(db_path):
        con = db.connect(db_path)
        decisions = [(i, "confirmed") for i in args.confirm or []] + [(i, "rejected") for i in args.reject or []]
        for candidate_id, status in decisions:
            if not store.decide_candidate(con, candidate_id, status, "review"):
                con.close()
                raise UserError(f"no entity candidate {candidate_id}: run adtrail entities review to list them")
            progress(f"candidate {candidate_id} {status}")
        open_candidates = _resolve_and_publish(con, args.snapshot)
    print("candidate_id\tconfidence\tidentifier_a\tidentifier_b\treason")
    for row in open_candidates:
        print(f"{row['candidate_id']}\t{row['confidence']:.2f}\t{row['identifier_a']}\t{row['identifier_b']}\t"
              f"{row['reason']}")
    return EXIT_OK


def command_entities_import_overrides(args) -> int:
    """Store the user's entity_overrides.csv, resolve entities again, republish."""
    from analysis.entities import OverrideError, import_overrides
    from warehouse import db
    from warehouse.lock import WarehouseLock

    db_path = Path(args.db) if args.db else load_config(args.config).db_path
    with WarehouseLock(db_path):
        con = db.connect(db_path)
        try:
            added = import_overrides(con, args.file)
        except OverrideError as error:
            con.close()
            raise UserError(f"{error}; nothing of the file was stored") from None
        progress(f"{args.file}: {added} overrides stored" if added else f"{args.file}: imported before, unchanged")
        _resolve_and_publish(con, None)
    return EXIT_OK

"""From a clean clone, with ../shared out of reach: the README's set-up and the demo, twice.

This is what a new user does first, so it runs the README's own commands in a fresh clone of the
committed project (uncommitted changes are not in it), in a folder that has no ``shared/`` beside it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import urllib.parse
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

pytestmark = pytest.mark.slow


def readme_commands() -> tuple[str, str]:
    """The two set-up commands the README opens with: the demo's, then the tests'."""
    block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    lines = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert len(lines) == 2, lines
    return lines[0], lines[1]


def run(command: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADTRAIL_", "META_", "PYTEST"))}
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=1500)


def test_readme_opens_with_demo_then_tests():
    demo, tests = readme_commands()
    assert demo.startswith("bash .ci/setup && ") and "adtrail demo" in demo
    assert tests.startswith("bash .ci/setup && ") and "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci, ".ci/run must call the README's test command"


def test_clean_clone_setup_and_demo_twice(tmp_path):
    from demo.run import DEMO_TOKEN

    clone = tmp_path / "checkout" / "adtrail"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    assert not (clone.parent / "shared").exists()
    demo_command, _ = readme_commands()
    first = run(demo_command, clone)
    assert first.returncode == 0, first.stderr[-3000:]
    second = run(demo_command, clone)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "demo week 1" in first.stderr and "demo week 2" in second.stderr
    assert "DEMO DATA" in second.stdout and "changes since the previous snapshot" in second.stdout

    data = clone / "data" / "demo"
    con = duckdb.connect(str(data / "adtrail.duckdb"), read_only=True)
    try:
        snapshots = con.sql("SELECT snapshot_id, as_of FROM snapshot WHERE status = 'complete' "
                            "ORDER BY snapshot_id").fetchall()
        assert len(snapshots) == 2
        assert snapshots[1][1] - snapshots[0][1] == dt.timedelta(weeks=1)
        # every ad once per snapshot
        dupes = con.sql("SELECT count(*) - count(DISTINCT (snapshot_id, ad_key)) FROM core_ad").fetchall()
        assert dupes == [(0,)]
        assert_secret_in_no_table(con, DEMO_TOKEN)
        # the app's demo banner reads this mark
        assert con.sql("SELECT value FROM warehouse_label WHERE key = 'demo'").fetchall() == [("true",)]
    finally:
        con.close()
    # the user's own warehouse is never touched by the demo
    assert not (clone / "data" / "adtrail.duckdb").exists()
    assert_secret_in_no_file(data, DEMO_TOKEN)


def secret_forms(secret: str) -> set[bytes]:
    forms = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret),
             urllib.parse.quote(secret, safe="").lower()}
    return {form.encode() for form in forms}


def assert_secret_in_no_file(folder: Path, secret: str) -> None:
    forms = secret_forms(secret)
    checked = 0
    for path in folder.rglob("*"):
        if path.is_file():
            body = path.read_bytes()
            if path.suffix == ".gz":
                import gzip

                body = gzip.decompress(body)
            assert not any(form in body for form in forms), path
            checked += 1
    assert checked > 5


def assert_secret_in_no_table(con, secret: str) -> None:
    """Every text-like column of every table, searched for the secret's distinctive part."""
    needle = secret.split("|")[-1]
    columns = con.sql("SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal "
                      "AND schema_name = 'main' AND (data_type LIKE 'VARCHAR%' OR data_type = 'JSON')").fetchall()
    assert columns
    for table, column in columns:
        found = con.execute(f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS VARCHAR) LIKE ?',
                            [f"%{needle}%"]).fetchall()
        assert found == [(0,)], f"{table}.{column}"

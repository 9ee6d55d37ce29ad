"""The README documents every command, setting, environment variable and table (Datasette's habit)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from cli import build_parser
from config import DEFAULTS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def subcommands(parser: argparse.ArgumentParser, prefix: str = "") -> list[str]:
    names = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                names.append(f"{prefix}{name}")
                names += subcommands(child, f"{prefix}{name} ")
    return names


def setting_keys(values: dict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in values.items():
        if isinstance(value, dict):
            keys += setting_keys(value, f"{prefix}{key}.")
        else:
            keys.append(f"{prefix}{key}")
    return keys


@pytest.mark.parametrize("command", subcommands(build_parser()))
def test_every_command_is_documented(command):
    assert f"`adtrail {command}" in README


@pytest.mark.parametrize("key", setting_keys(DEFAULTS))
def test_every_setting_is_documented(key):
    assert f"`{key}`" in README


def environment_variables() -> set[str]:
    names = set()
    for path in [*ROOT.glob("*.py"), *ROOT.glob("spiders/**/*.py"), *ROOT.glob("warehouse/**/*.py"),
                 *ROOT.glob("analysis/**/*.py"), *ROOT.glob("demo/**/*.py"), *ROOT.glob("app_pages/**/*.py"),
                 ROOT / ".ci" / "setup"]:
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r"environ(?:\.get)?[\(\[]\s*\"([A-Z][A-Z0-9_]+)\"", text))
        names |= set(re.findall(r"getenv\(\s*\"([A-Z][A-Z0-9_]+)\"", text))
        names |= set(re.findall(r"\$\{?(ADTRAIL_[A-Z_]+)", text))
    from spiders.secrets import SECRET_ENV_VARS

    return names | set(SECRET_ENV_VARS)


def test_environment_variables_found():
    assert {"ADTRAIL_DB", "ADTRAIL_CONFIG", "META_ACCESS_TOKEN"} <= environment_variables()


@pytest.mark.parametrize("variable", sorted(environment_variables()))
def test_every_environment_variable_is_documented(variable):
    assert f"`{variable}`" in README


def warehouse_relations(tmp_path_factory) -> list[str]:
    from warehouse import db

    con = db.connect(tmp_path_factory.mktemp("readme") / "w.duckdb")
    try:
        return [row[0] for row in con.sql(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal UNION ALL "
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'").fetchall()]
    finally:
        con.close()


def test_every_table_and_view_is_documented(tmp_path_factory):
    relations = warehouse_relations(tmp_path_factory)
    assert "core_ad" in relations
    documented_patterns = [p[:-1] for p in re.findall(r"`([a-z_]+_\*)`", README)]
    missing = [name for name in relations
               if f"`{name}`" not in README and not any(name.startswith(p) for p in documented_patterns)]
    assert missing == []

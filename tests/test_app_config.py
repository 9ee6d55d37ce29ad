"""The app's Streamlit settings (.streamlit/config.toml, read from the project root where the app starts):
it listens on this machine only, sends no usage statistics, never opens a browser by itself, and its
router imports without Streamlit running."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_streamlit_listens_on_localhost_only_without_usage_statistics():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["headless"] is True
    assert config["browser"]["gatherUsageStats"] is False
    assert config["browser"]["serverAddress"] == "127.0.0.1"


def test_every_setting_is_one_streamlit_knows():
    from streamlit import config as streamlit_config

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    known = set(streamlit_config._config_options_template)
    assert {f"{section}.{key}" for section, values in config.items() for key in values} <= known


def test_the_app_holds_no_sql():
    """Pages run named queries (warehouse/queries/*.sql) through the reader; they never execute SQL."""
    for source in [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]:
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"\.(execute|executemany|sql|query_df)\(|duckdb\.connect\(", text), source.name
        assert not re.search(r"\bSELECT\b[^\n]*\bFROM\b", text), source.name

"""The configuration file: defaults, overrides, and clear errors for bad files."""

import pytest

from config import DEFAULTS, ConfigError, load_config


def test_defaults_when_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ADTRAIL_CONFIG", raising=False)
    monkeypatch.delenv("ADTRAIL_DB", raising=False)
    config = load_config()
    assert config.path is None
    assert str(config.db_path) == DEFAULTS["warehouse"]["db"]
    assert config.enabled_sources() == [name for name, source in DEFAULTS["sources"].items() if source["enabled"]]
    assert {"meta_ads_archive", "google_political_bundle"} <= set(config.enabled_sources())


def test_file_overrides_and_env_wins_for_db(tmp_path, monkeypatch):
    path = tmp_path / "adtrail.toml"
    path.write_text('[warehouse]\ndb = "w.duckdb"\n[sources.meta_ads_archive]\ncountries = ["KE"]\n'
                    "page_limit = 50\n[crawl]\nbackoff_base_seconds = 1\nprocesses = 0\n")
    monkeypatch.delenv("ADTRAIL_DB", raising=False)
    config = load_config(path)
    assert str(config.db_path) == "w.duckdb"
    assert config.scope("meta_ads_archive")["countries"] == ["KE"]
    settings = config.spider_settings("meta_ads_archive")
    assert settings["META_PAGE_LIMIT"] == "50"
    assert settings["ADTRAIL_BACKOFF_BASE_SECONDS"] == "1"
    assert config.spider_settings("ads_txt")["ADTRAIL_CRAWL_PROCESSES"] == "0"  # one per CPU
    monkeypatch.setenv("ADTRAIL_DB", "other.duckdb")
    assert str(config.db_path) == "other.duckdb"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[warehouse]\ndbb = 'x'\n", "unknown setting warehouse.dbb"),
        ("[sources.meta_ads_archive]\ncountries = 'BD'\n", "countries must be a list"),
        ("[warehouse\n", "not valid TOML"),
    ],
)
def test_bad_files_name_the_key(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_unknown_source_lists_known_ones():
    with pytest.raises(ConfigError, match="known sources: .*meta_ads_archive"):
        load_config(None).source("meta_ad_archive")

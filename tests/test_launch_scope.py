"""A crawl's scope reaches its child process whole, however long: the ads.txt scope of a monitoring list is
thousands of domains, longer than one command-line argument may be (Linux: 128 KiB), so spiders/launch.py
passes it in a file (``spiders.run --scope-file``)."""

from __future__ import annotations

import json

import pytest

from spiders import run
from spiders.launch import EXIT_STOPPED, run_crawl

MANY_DOMAINS = [f"regional-news-site-number-{index}.example.com" for index in range(6000)]


def test_a_scope_longer_than_one_argument_reaches_the_spider(tmp_path):
    scope = {"domains": MANY_DOMAINS, "app_store_urls": ["ftp://store.example/app"]}
    assert len(json.dumps(scope)) > 128 * 1024
    # The last key is wrong on purpose: the spider's own scope check answers, so the whole scope was read
    # by the child, and nothing is fetched.
    outcome = run_crawl("ads_txt", tmp_path / "crawl", scope=scope, settings={})
    assert outcome.returncode == EXIT_STOPPED
    assert "the scope cannot be crawled: app_store_urls must be a list of http(s)" in outcome.error


def test_a_scope_file_is_read_and_its_faults_are_named(tmp_path, capsys):
    scope_file = tmp_path / "scope.json"
    scope_file.write_text("{\"domains\": [\"a.example\"", encoding="utf-8")  # cut short
    assert run.main(["ads_txt", "--out", str(tmp_path / "crawl"), "--scope-file", str(scope_file)]) == EXIT_STOPPED
    assert f"--scope-file {scope_file} is not valid JSON" in capsys.readouterr().err
    scope_file.write_text("[\"a.example\"]", encoding="utf-8")
    assert run.main(["ads_txt", "--out", str(tmp_path / "crawl"), "--scope-file", str(scope_file)]) == EXIT_STOPPED
    assert "must hold a JSON object" in capsys.readouterr().err
    missing = tmp_path / "no-such-scope.json"
    assert run.main(["ads_txt", "--out", str(tmp_path / "crawl"), "--scope-file", str(missing)]) == EXIT_STOPPED
    assert f"--scope-file {missing} cannot be read" in capsys.readouterr().err
    assert not (tmp_path / "crawl").exists()  # nothing started


def test_scope_json_and_scope_file_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as stop:
        run.parse_args(["ads_txt", "--out", "x", "--scope-json", "{}", "--scope-file", "s.json"])
    assert stop.value.code == 2 and "not allowed with argument" in capsys.readouterr().err

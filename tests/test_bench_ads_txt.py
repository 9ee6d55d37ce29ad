"""The ads.txt crawl benchmark at small scale: the generated sites are real ads.txt and robots.txt files that
adtrail's parser and the baselines read alike, and the runner's four clients (the real spider, the
sequential crawler, the asyncio client, the plainest Scrapy spider) each fetch every allowed file, honour robots.txt, and report their
peak memory from the operating system. No timing or throughput ratio is asserted (a busy machine must not
fail the tests)."""

from urllib.robotparser import RobotFileParser

import pytest

from bench import ads_txt_clients as clients
from bench import ads_txt_crawl as bench
from bench import ads_txt_site as site
from spiders.parsers.ads_txt import parse_ads_txt
from spiders.public_suffix import root_domain


def test_generated_files_parse_cleanly_with_adtrails_parser_and_the_baselines_count_alike():
    for index in range(60):
        body = site.ads_txt(index)
        parsed = parse_ads_txt(body.encode(), domain=site.domain(index))
        assert len(parsed.records) == site.records(index) == clients.count_records(body)
        assert parsed.rejected == [] and parsed.contacts == [f"adops@{site.domain(index)}"]
        assert 45 <= len(body.splitlines()) <= 55
        assert root_domain(site.domain(index)) == site.domain(index)


def test_robots_txt_disallows_ads_txt_on_some_sites_only():
    verdicts = {}
    for index in (0, 1, site.DISALLOW_EVERY // 2):
        parser = RobotFileParser()
        parser.parse(site.robots_txt(index).splitlines())
        verdicts[index] = parser.can_fetch(clients.USER_AGENT, f"http://{site.domain(index)}/ads.txt")
    assert verdicts == {0: True, 1: True, site.DISALLOW_EVERY // 2: False}


def test_runner_crawls_with_every_client_and_checks_them(tmp_path):
    report = bench.benchmark(60, sample=12, delay=0.1, concurrency=16, work=tmp_path,
                             settings=dict(bench.ADTRAIL_SETTINGS), processes=2)
    want = bench.expected(list(range(60)))
    assert want["disallowed"] == 1 and want["fetched"] == 59
    runs = report["runs"]
    for name in ("asyncio", "scrapy", "scrapy x2", "adtrail", "adtrail x2"):
        assert {key: runs[name][key] for key in want} == want
    assert runs["sequential"]["sites"] == 12 and runs["sequential"]["errors"] == 0
    assert runs["adtrail"]["status"] == runs["adtrail x2"]["status"] == "complete"
    for run in runs.values():
        assert run["peak_rss_mib"] > 0 and run["sites_per_second"] > 0 and run["max_in_flight"] >= 1
    text = bench.format_report(report)
    assert "after a fixed 100 ms" in text and "sample of 12 sites" in text
    assert "ADTRAIL_FSYNC_EACH_PAGE=False" in text and "adtrail vs asyncio" in text
    assert "adtrail vs a plain Scrapy spider" in text and report["vs_plain_scrapy"] > 0
    assert "2 plain Scrapy spiders at once" in text and report["split_scrapy_vs_asyncio"] > 0
    assert "adtrail split across 2 processes" in text and report["split_adtrail"]["vs_asyncio"] > 0
    assert not list(tmp_path.glob("ads-txt-*"))  # the crawl folder is removed unless --keep


def test_a_client_that_skips_robots_txt_is_caught():
    stats = {"robots_txt": 10, "ads_txt": 10, "ads_before_robots": 0, "ads_txt_disallowed": 1, "unknown_host": 0}
    result = {"sites": 10, "fetched": 10, "disallowed": 0, "records": 0, "errors": 0}
    with pytest.raises(SystemExit, match="benchmark results are wrong for careless"):
        bench.check("careless", result, stats, {**result, "fetched": 9, "disallowed": 1})

"""The ads.txt benchmark's plain Scrapy clients: a Scrapy spider with Scrapy's defaults doing the same work, to
measure what Scrapy itself costs a site on this machine (run as ``python -m bench.ads_txt_clients scrapy ...``).

It asks each site's ``/ads.txt`` with Scrapy's defaults and nothing of adtrail: robots.txt read first by
Scrapy's own RobotsTxtMiddleware, one request at a time per host, AutoThrottle on, and the same concurrency
and start delay the bench gives adtrail. It parses nothing beyond the baselines' minimal record count and
writes nothing (no items, no archive, no manifest), so the gap between it and the asyncio client is Scrapy's
own cost a site, and the gap between adtrail and it is what adtrail adds (the IAB parser, the items, the WARC
archive, the redaction, the resume record).

``crawl_in_processes`` splits the sites between several such spiders, each in its own process, run at once:
how far a crawl split across processes could go on this machine's cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import scrapy
from scrapy.crawler import CrawlerProcess

from bench.ads_txt_clients import USER_AGENT, count_records


class PlainAdsTxtSpider(scrapy.Spider):
    name = "plain_ads_txt"

    def __init__(self, hosts: list[str], port: int, tally: dict, **kwargs):
        super().__init__(**kwargs)
        self.hosts, self.port, self.tally = hosts, port, tally

    async def start(self):
        for host in self.hosts:
            yield scrapy.Request(f"http://{host}:{self.port}/ads.txt", callback=self.parse, errback=self.failed,
                                 dont_filter=True, meta={"dont_redirect": True})

    def parse(self, response):
        self.tally["sites"] += 1
        if response.status == 200 and response.headers.get(b"Content-Type", b"").startswith(b"text/plain"):
            self.tally["fetched"] += 1
            self.tally["records"] += count_records(response.text)
        else:
            self.tally["errors"] += 1

    def failed(self, failure):
        self.tally["sites"] += 1
        # RobotsTxtMiddleware refuses a disallowed request with IgnoreRequest; anything else is an error
        self.tally["disallowed" if failure.check(scrapy.exceptions.IgnoreRequest) else "errors"] += 1


def crawl(hosts: list[str], port: int, settings: dict[str, str], tally: dict) -> dict:
    """Crawl ``hosts`` in this process; ``settings`` are the bench's adtrail throughput settings (those Scrapy
    knows) and the resolver that maps every host to 127.0.0.1."""
    known = ("CONCURRENT_REQUESTS", "AUTOTHROTTLE_START_DELAY", "DOWNLOAD_DELAY", "TWISTED_DNS_RESOLVER")
    process = CrawlerProcess({
        "ROBOTSTXT_OBEY": True, "USER_AGENT": USER_AGENT, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "AUTOTHROTTLE_ENABLED": True, "RETRY_ENABLED": False, "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING", **{name: value for name, value in settings.items() if name in known}})
    process.crawl(PlainAdsTxtSpider, hosts=hosts, port=port, tally=tally)
    process.start()
    return tally


def crawl_in_processes(hosts: list[str], port: int, settings: dict[str, str], processes: int, tally: dict) -> dict:
    """``processes`` plain spiders at once, every ``processes``-th site each, each in its own
    ``python -m bench.ads_txt_clients scrapy`` process; their tallies summed. (The runner's ``wait4`` counts
    the CPU and peak memory of these children as the caller's.)"""
    with tempfile.TemporaryDirectory(prefix="plain-scrapy-") as folder:
        children = []
        for index in range(processes):
            hosts_file = Path(folder) / f"hosts-{index}.txt"
            hosts_file.write_text("\n".join(hosts[index::processes]) + "\n", encoding="utf-8")
            children.append(subprocess.Popen(
                [sys.executable, "-m", "bench.ads_txt_clients", "scrapy", str(hosts_file), str(port),
                 json.dumps({"settings": settings})], stdout=subprocess.PIPE))
        for child in children:
            output, _ = child.communicate()
            if child.returncode != 0:
                raise SystemExit(f"a plain Scrapy process failed (exit {child.returncode})")
            for key, value in json.loads(output).items():
                tally[key] += value
    return tally

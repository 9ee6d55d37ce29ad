"""The four clients of the ads.txt benchmark, each run as ``python -m bench.ads_txt_clients VARIANT ...`` in
its own process by bench/ads_txt_crawl.py. Every client reads each site's robots.txt first and fetches
``/ads.txt`` only where it allows; all speak plain HTTP to the one local server, naming the site in the Host
header (the spider through a resolver that maps every host to 127.0.0.1).

- ``sequential``: one site after another with ``requests`` (a new connection per request, as distinct hosts
  need), ``urllib.robotparser`` for robots.txt, records counted by a minimal line split.
- ``asyncio``: the same work with asyncio streams and a small raw HTTP/1.1 client, at most ``--concurrency``
  sites at once (one keep-alive connection per site for its two requests).
- ``scrapy``: a plain Scrapy spider doing the same (bench/ads_txt_plain_scrapy.py), with Scrapy's defaults and
  the throughput settings the bench gives adtrail; with ``{"processes": K}``, K of them at once, each in its
  own process on every K-th site.
- ``adtrail``: the real spider, ``spiders.run.main(["ads_txt", "--out", ..., "--scope-json", ..., "--set",
  ...])`` in this process (the scope of 10,000 domains is longer than one command-line argument may be, so
  it is read from a file here and passed in-process to the same entry point ``adtrail`` starts).

The baselines print ``{"sites", "fetched", "disallowed", "records", "errors"}`` as JSON; the adtrail child
prints nothing (the runner reads its crawl folder afterwards, outside the measured process).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from urllib.robotparser import RobotFileParser

USER_AGENT = "adtrail-bench/1"


def count_records(text: str) -> int:
    """Records of an ads.txt body, minimally: a line with at least three comma fields once comments are cut."""
    return sum(1 for line in text.splitlines() if len(line.split("#", 1)[0].split(",")) >= 3)


def _allowed(robots_body: str | None, host: str) -> bool:
    parser = RobotFileParser()
    parser.parse((robots_body or "").splitlines())  # a missing robots.txt allows everything
    return parser.can_fetch(USER_AGENT, f"http://{host}/ads.txt")


def _tally() -> dict:
    return {"sites": 0, "fetched": 0, "disallowed": 0, "records": 0, "errors": 0}


def sequential(hosts: list[str], port: int) -> dict:
    import requests

    tally = _tally()

    def get(host: str, path: str):
        return requests.get(f"http://127.0.0.1:{port}{path}", headers={"Host": host, "User-Agent": USER_AGENT},
                            timeout=30, allow_redirects=False)

    for host in hosts:
        tally["sites"] += 1
        robots = get(host, "/robots.txt")
        if not _allowed(robots.text if robots.status_code == 200 else None, host):
            tally["disallowed"] += 1
            continue
        answer = get(host, "/ads.txt")
        if answer.status_code == 200 and answer.headers.get("Content-Type", "").startswith("text/plain"):
            tally["fetched"] += 1
            tally["records"] += count_records(answer.text)
        else:
            tally["errors"] += 1
    return tally


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str):
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {USER_AGENT}\r\nAccept: text/plain\r\n\r\n"
                 .encode())
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip()
               for name, _, value in (line.partition(":") for line in head[1:] if line)}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return int(head[0].split(" ")[1]), headers, body


async def _asyncio_crawl(hosts: list[str], port: int, concurrency: int) -> dict:
    tally = _tally()
    limit = asyncio.Semaphore(concurrency)

    async def site(host: str) -> None:
        async with limit:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                status, _, body = await _get(reader, writer, host, "/robots.txt")
                if not _allowed(body.decode("utf-8", "replace") if status == 200 else None, host):
                    tally["disallowed"] += 1
                    return
                status, headers, body = await _get(reader, writer, host, "/ads.txt")
                if status == 200 and headers.get("content-type", "").startswith("text/plain"):
                    tally["fetched"] += 1
                    tally["records"] += count_records(body.decode("utf-8", "replace"))
                else:
                    tally["errors"] += 1
            except (OSError, asyncio.IncompleteReadError):
                tally["errors"] += 1
            finally:
                tally["sites"] += 1
                writer.close()

    await asyncio.gather(*(site(host) for host in hosts))
    return tally


def adtrail(hosts: list[str], port: int, out: str, settings: dict[str, str]) -> int:
    from spiders import run

    argv = ["ads_txt", "--out", out, "--scope-json", json.dumps({"domains": hosts})]
    for name, value in settings.items():
        argv += ["--set", f"{name}={value}"]
    return run.main(argv)


def main(argv: list[str] | None = None) -> int:
    """``VARIANT HOSTS_FILE PORT [JSON_OPTIONS]``: HOSTS_FILE holds one host a line."""
    variant, hosts_file, port, *rest = argv if argv is not None else sys.argv[1:]
    hosts = Path(hosts_file).read_text(encoding="utf-8").split()
    options = json.loads(rest[0]) if rest else {}
    if variant == "adtrail":
        return adtrail(hosts, int(port), options["out"], options["settings"])
    if variant == "sequential":
        result = sequential(hosts, int(port))
    elif variant == "asyncio":
        result = asyncio.run(_asyncio_crawl(hosts, int(port), int(options.get("concurrency", 256))))
    elif variant == "scrapy" and int(options.get("processes", 1)) > 1:
        from bench.ads_txt_plain_scrapy import crawl_in_processes

        result = crawl_in_processes(hosts, int(port), options["settings"], int(options["processes"]), _tally())
    elif variant == "scrapy":
        from bench.ads_txt_plain_scrapy import crawl

        result = crawl(hosts, int(port), options["settings"], _tally())
    else:
        raise SystemExit(f"unknown variant {variant!r}: sequential, asyncio, scrapy or adtrail")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

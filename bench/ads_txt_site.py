"""The ads.txt benchmark's web: N generated sites on one local server that routes by Host header and answers
every request (robots.txt, ads.txt, anything else) after a fixed delay.

- ``domain(i)``, ``domains(n)``: deterministic root domains under several public suffixes (``.com``,
  ``.co.uk``, ``.com.br``, ...), so the spider's Public Suffix List step sees real shapes.
- ``robots_txt(i)``: every ``DISALLOW_EVERY``-th site disallows ``/ads.txt`` (a client that skips the robots.txt
  check fetches it, and the server's counts show it); the others disallow other paths only.
- ``ads_txt(i)``: about 50 lines shaped like real files: comment header, CONTACT, OWNERDOMAIN, a
  MANAGERDOMAIN on some, DIRECT and RESELLER records of real ad systems with their certification ids,
  trailing comments, a CRLF file now and then. ``records(i)`` is how many records it holds.
- ``python -m bench.ads_txt_site --domains N --delay 0.1``: the server, in its own process (asyncio, raw
  HTTP/1.1 with keep-alive, 127.0.0.1, port 0; the port is printed on the first line of stdout).
  ``GET /__bench_stats`` (no delay) answers the request counts since the last ``?reset=1`` as JSON,
  including ``ads_before_robots``: ads.txt asked for a host whose robots.txt was not asked first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

SUFFIXES = ("com", "co.uk", "de", "com.br", "net", "org", "fr", "in", "com.au", "it")
WORDS = ("dailyglobe", "morningpost", "citynews", "sportzone", "techwire", "recipebox", "autoworld", "travelnow",
         "healthline", "moneydesk", "gamerhub", "weatherlive")
DISALLOW_EVERY = 50
# (ad system, seller id pattern, relationship, certification authority id): real systems, made-up accounts
SYSTEMS = (("google.com", "pub-{n:016d}", "DIRECT", "f08c47fec0942fa0"),
           ("google.com", "pub-{n:016d}", "RESELLER", "f08c47fec0942fa0"),
           ("appnexus.com", "{n}", "RESELLER", "f5ab79cb980f11d1"),
           ("rubiconproject.com", "{n}", "RESELLER", "0bfd66d529a55807"),
           ("openx.com", "5{n:08d}", "RESELLER", "6a698e2ec38604c6"),
           ("pubmatic.com", "{n}", "DIRECT", "5d62403b186f2ace"),
           ("indexexchange.com", "{n}", "RESELLER", "50b1c356f2c5c8fc"),
           ("triplelift.com", "{n}", "DIRECT", "6c33edb13117fd86"),
           ("sharethrough.com", "Zx{n}Kq", "RESELLER", "d53b998a7bd4ecd2"),
           ("criteo.com", "B-0{n}", "DIRECT", "9fac4a4a87c2a44f"),
           ("smartadserver.com", "{n}", "RESELLER", ""),
           ("amazon-adsystem.com", "{n}", "DIRECT", ""))


def domain(index: int) -> str:
    return f"{WORDS[index % len(WORDS)]}-{index}.{SUFFIXES[index % len(SUFFIXES)]}"


def domains(count: int) -> list[str]:
    return [domain(index) for index in range(count)]


def robots_disallows_ads_txt(index: int) -> bool:
    return index % DISALLOW_EVERY == DISALLOW_EVERY // 2


def robots_txt(index: int) -> str:
    if robots_disallows_ads_txt(index):
        return "User-agent: *\nDisallow: /ads.txt\nDisallow: /private/\n"
    return (f"User-agent: *\nDisallow: /search\nDisallow: /private/\n\nUser-agent: BadBot\nDisallow: /\n\n"
            f"Sitemap: https://{domain(index)}/sitemap.xml\n")


def records(index: int) -> int:
    return 42 + index % 5


def ads_txt(index: int) -> str:
    site = domain(index)
    lines = [f"# ads.txt file for {site}", "# Updated weekly by the ad operations team", "",
             f"CONTACT=adops@{site}", f"OWNERDOMAIN={site}"]
    if index % 3 == 0:
        lines.append("MANAGERDOMAIN=bench-manager.com")
    lines.append("")
    for number in range(records(index)):
        system, seller, relationship, authority = SYSTEMS[(index + number) % len(SYSTEMS)]
        line = f"{system}, {seller.format(n=1000 + index * 7 + number)}, {relationship}"
        line += f", {authority}" if authority else ""
        if number % 11 == 5:
            line += "  # video and display"
        lines.append(line)
    lines.append("# end of file")
    return ("\r\n" if index % 7 == 0 else "\n").join(lines) + "\n"


class Site:
    """Routes by Host header; counts what was asked."""

    def __init__(self, count: int):
        self.index = {domain(i): i for i in range(count)}
        self.reset()

    def reset(self) -> None:
        self.counts = {"requests": 0, "robots_txt": 0, "ads_txt": 0, "ads_txt_disallowed": 0, "other": 0,
                       "unknown_host": 0, "ads_before_robots": 0, "max_in_flight": 0}
        self.in_flight = 0
        self.robots_asked: set[str] = set()
        self.cpu_at_reset = time.process_time()

    def answer(self, host: str, path: str) -> tuple[int, str, bytes]:
        self.counts["requests"] += 1
        index = self.index.get(host)
        if index is None:
            self.counts["unknown_host"] += 1
            return 404, "text/html", b"<html>no such site</html>"
        if path == "/robots.txt":
            self.counts["robots_txt"] += 1
            self.robots_asked.add(host)
            return 200, "text/plain; charset=utf-8", robots_txt(index).encode()
        if path == "/ads.txt":
            self.counts["ads_txt"] += 1
            self.counts["ads_before_robots"] += host not in self.robots_asked
            self.counts["ads_txt_disallowed"] += robots_disallows_ads_txt(index)
            return 200, "text/plain; charset=utf-8", ads_txt(index).encode()
        self.counts["other"] += 1
        return 404, "text/html", b"<html>not found</html>"

    def stats(self) -> dict:
        return {**self.counts, "server_cpu_seconds": round(time.process_time() - self.cpu_at_reset, 2)}


def _response(status: int, content_type: str, body: bytes) -> bytes:
    reason = {200: "OK", 404: "Not Found"}[status]
    return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            "Server: adtrail-bench\r\n\r\n").encode() + body


async def serve(count: int, delay: float) -> None:
    site = Site(count)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                target = head[0].split(" ")[1]
                headers = {name.strip().lower(): value.strip()
                           for name, _, value in (line.partition(":") for line in head[1:] if line)}
                if target.startswith("/__bench_stats"):
                    body = json.dumps(site.stats()).encode()
                    if target.endswith("reset=1"):
                        site.reset()
                    writer.write(_response(200, "application/json", body))
                else:
                    site.in_flight += 1  # requests waiting out their delay: how much the client overlaps
                    site.counts["max_in_flight"] = max(site.counts["max_in_flight"], site.in_flight)
                    await asyncio.sleep(delay)
                    site.in_flight -= 1  # every site answers after the same fixed delay
                    host = headers.get("host", "").rsplit(":", 1)[0].lower()
                    writer.write(_response(*site.answer(host, target.split("?")[0])))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass  # the client hung up (or sent no request line): nothing to answer
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the ads.txt benchmark's local server")
    parser.add_argument("--domains", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds before every answer (default 0.1)")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.domains, args.delay))
    return 0


if __name__ == "__main__":
    sys.exit(main())

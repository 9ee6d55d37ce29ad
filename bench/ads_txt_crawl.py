"""Benchmark: the ads_txt spider's throughput against a plain sequential crawler and a minimal asyncio client
(issue 5, Must show), on one local server that answers every request after a fixed delay.

The server (bench/ads_txt_site.py, its own process) serves N generated sites, routed by Host header; every
answer, robots.txt and ads.txt alike, comes after ``--delay`` (default 100 ms). Each client runs in its own
process (bench/ads_txt_clients.py), one after the other, and must read every site's robots.txt before its
ads.txt and skip the sites whose robots.txt disallows it (the server's counts prove it):

- sequential: ``requests``, one site after another. At 2 requests x 100 ms a site, 10,000 sites would take
  over half an hour, so it crawls an evenly spread sample (``--sequential-sample``, default 300) and its
  rate, in sites per second, stands for it (the per-site work is the same whatever the count);
- asyncio: asyncio streams, at most ``--concurrency`` (default 256) sites at once, all N sites;
- scrapy: a plain Scrapy spider doing the same (bench/ads_txt_plain_scrapy.py: Scrapy's defaults, its
  robots.txt middleware, one request at a time per host, AutoThrottle, the settings below; no parser, items
  or archive), all N sites: what Scrapy itself costs, against which adtrail's own cost is measured; and
  ``scrapy xK``, K such spiders at once (default: one per CPU), each in its own process on every K-th site,
  the ceiling of a crawl split across processes on this machine;
- adtrail: the real spider (``spiders.run``: robots.txt obeyed, one request at a time per host, AutoThrottle
  on, items, WARC archive and manifest written), all N sites, with the throughput settings in ``ADTRAIL_SETTINGS``;
  and ``adtrail xK``, the same crawl split across K processes (``ADTRAIL_CRAWL_PROCESSES``, spiders/split_crawl.py).

Wall time is measured around each child; CPU time and peak memory (``ru_maxrss``) come from ``os.wait4``.
Every result is checked (sites, records, robots.txt honoured) before the table is printed. Targets:
adtrail >= 10x the sequential crawler's sites per second, >= 0.5x the asyncio client's.

    python -m bench.ads_txt_crawl                      # 10,000 sites
    python -m bench.ads_txt_crawl --domains 50 --sequential-sample 10     # small scale (tests/test_bench_ads_txt.py)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import ads_txt_site as site

ROOT = Path(__file__).resolve().parents[1]
TARGET_VS_SEQUENTIAL, TARGET_VS_ASYNCIO = 10.0, 0.5
# The spider's own defaults are for the open web (64 requests at once, AutoThrottle starting at 1 s between a
# host's requests, an fsync per finished site). For the bench, where every site is one local server: more sites
# at once, no start delay, a flush per site with the fsync at the end; still one request at a time per host,
# robots.txt read first, AutoThrottle on.
ADTRAIL_SETTINGS = {"CONCURRENT_REQUESTS": "512", "AUTOTHROTTLE_START_DELAY": "0", "DOWNLOAD_DELAY": "0",
                    "ADTRAIL_FSYNC_EACH_PAGE": "False"}


def _env() -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    for name in ("ADTRAIL_DB", "ADTRAIL_CONFIG"):
        env.pop(name, None)
    return env


def run_child(variant: str, argv: list[str], work: Path, client: str | None = None) -> dict:
    """``python -m bench.ads_txt_clients argv…`` in its own process: wall, CPU (wait4), peak RSS, its stdout."""
    log = work / f"{variant.replace(' ', '-')}.log"
    with open(log, "wb") as stderr, tempfile.TemporaryFile() as stdout:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "bench.ads_txt_clients", client or variant, *argv], cwd=work,
                                 env=_env(), stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(child.pid, 0)  # the rusage of this child alone
        seconds = time.perf_counter() - started
        stdout.seek(0)
        output = stdout.read().decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{variant} failed (exit {os.waitstatus_to_exitcode(status)}); its log: {log}\n"
                         + log.read_text(errors="replace")[-2000:])
    return {"wall_seconds": round(seconds, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "output": output}  # ru_maxrss: KiB on Linux


def server_stats(port: int, reset: bool = True) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__bench_stats{'?reset=1' if reset else ''}",
                                timeout=30) as answer:
        return json.load(answer)


def expected(indices: list[int]) -> dict:
    disallowed = sum(site.robots_disallows_ads_txt(i) for i in indices)
    return {"sites": len(indices), "fetched": len(indices) - disallowed, "disallowed": disallowed,
            "records": sum(site.records(i) for i in indices if not site.robots_disallows_ads_txt(i)), "errors": 0}


def adtrail_result(crawl_dir: Path) -> dict:
    """What the spider left in its crawl folder, in the baselines' terms."""
    manifest = json.loads((crawl_dir / "manifest.json").read_text(encoding="utf-8"))
    rows: dict[str, int] = {}
    for entry in manifest["files"]:
        if entry["kind"] == "items":
            rows[entry["item_kind"]] = rows.get(entry["item_kind"], 0) + entry["rows"]
    statuses: dict[str, int] = {}
    robots_errors = 0
    fetch_files = [entry["path"] for entry in manifest["files"] if entry.get("item_kind") == "ads_txt_fetch"]
    for path in fetch_files:  # items.jsonl, or one per part when the crawl is split across processes
        with open(crawl_dir / path, encoding="utf-8") as fetches:
            for line in fetches:
                fetch = json.loads(line)
                statuses[fetch["status"]] = statuses.get(fetch["status"], 0) + 1
                robots_errors += fetch["status"] == "error" and "robots.txt" in (fetch["error"] or "")
    crawl_seconds = (dt.datetime.fromisoformat(manifest["finished_at"])
                     - dt.datetime.fromisoformat(manifest["started_at"])).total_seconds()
    return {"sites": sum(statuses.values()), "fetched": statuses.get("found", 0), "disallowed": robots_errors,
            "records": rows.get("ads_txt_record", 0),
            "errors": sum(statuses.values()) - statuses.get("found", 0) - robots_errors,
            "status": manifest["status"], "crawl_seconds": round(crawl_seconds, 2)}


def check(variant: str, result: dict, stats: dict, want: dict) -> None:
    found = {key: result[key] for key in want}
    problems = [f"made {found}, expected {want}"] if found != want else []
    if stats["robots_txt"] != want["sites"] or stats["ads_txt"] != want["fetched"]:
        problems.append(f"the server saw {stats['robots_txt']} robots.txt and {stats['ads_txt']} ads.txt requests, "
                        f"expected {want['sites']} and {want['fetched']}")
    if stats["ads_before_robots"] or stats["ads_txt_disallowed"] or stats["unknown_host"]:
        problems.append(f"robots.txt not honoured or wrong hosts asked: {stats}")
    if problems:
        raise SystemExit(f"benchmark results are wrong for {variant}: " + "; ".join(problems))


def benchmark(domains: int, *, sample: int, delay: float, concurrency: int, work: Path,
              settings: dict[str, str], keep: bool = False, processes: int | None = None) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="ads-txt-", dir=work))
    step = max(1, domains // max(1, sample))
    samples = {"sequential": list(range(0, domains, step))[:sample], "asyncio": list(range(domains)),
               "scrapy": list(range(domains)), "adtrail": list(range(domains))}
    processes = processes or os.cpu_count() or 1
    if processes > 1:  # split across processes: the plain spider (a split crawl's ceiling here) and adtrail
        samples[f"scrapy x{processes}"] = samples[f"adtrail x{processes}"] = list(range(domains))
    server = subprocess.Popen([sys.executable, "-m", "bench.ads_txt_site", "--domains", str(domains),
                               "--delay", str(delay)], env=_env(), stdout=subprocess.PIPE)
    report = {"domains": domains, "delay_seconds": delay, "cpus": os.cpu_count(), "concurrency": concurrency,
              "adtrail_settings": settings, "runs": {}}
    try:
        port = int(server.stdout.readline())
        adtrail_settings = {"TWISTED_DNS_RESOLVER": "demo.site_server.LoopbackResolver",
                            "ADS_TXT_URL_TEMPLATE": "http://{host}:{port}/{file}",
                            "ADS_TXT_PORTS": json.dumps({"http": port, "https": port}), **settings}
        for variant in samples:
            indices = samples[variant]
            client = variant.split(" ")[0]
            hosts_file = run_dir / f"{client}-hosts.txt"
            hosts_file.write_text("\n".join(site.domain(i) for i in indices) + "\n", encoding="utf-8")
            options = {"concurrency": concurrency}
            if client == "adtrail":
                options = {"out": str(run_dir / variant.replace(" ", "-")),
                           "settings": {**adtrail_settings, "ADTRAIL_CRAWL_PROCESSES": str(processes)}
                           if variant != "adtrail" else adtrail_settings}
            elif client == "scrapy":
                options = {"settings": adtrail_settings, "processes": processes if variant != "scrapy" else 1}
            server_stats(port)  # reset the counts
            child = run_child(variant, [str(hosts_file), str(port), json.dumps(options)], run_dir, client)
            stats = server_stats(port)
            result = (adtrail_result(run_dir / variant.replace(" ", "-")) if client == "adtrail"
                      else json.loads(child.pop("output")))
            child.pop("output", None)
            check(variant, result, stats, expected(indices))
            report["runs"][variant] = {**result, **child, "server_cpu_seconds": stats["server_cpu_seconds"],
                                       "max_in_flight": stats["max_in_flight"],
                                       # requests x delay / wall: how many were waiting at the server on average
                                       "mean_in_flight": round(stats["requests"] * delay / child["wall_seconds"], 1),
                                       "sites_per_second": round(len(indices) / child["wall_seconds"], 1)}
    finally:
        server.terminate()
        server.wait()
        if not keep:
            shutil.rmtree(run_dir, ignore_errors=True)
    rates = {name: run["sites_per_second"] for name, run in report["runs"].items()}
    report["vs_sequential"] = round(rates["adtrail"] / rates["sequential"], 2)
    report["vs_asyncio"] = round(rates["adtrail"] / rates["asyncio"], 3)
    report["vs_plain_scrapy"] = round(rates["adtrail"] / rates["scrapy"], 2)
    report["plain_scrapy_vs_asyncio"] = round(rates["scrapy"] / rates["asyncio"], 3)
    split = rates.get(f"scrapy x{processes}")
    report["split_scrapy_vs_asyncio"] = round(split / rates["asyncio"], 3) if split else None
    split = rates.get(f"adtrail x{processes}")
    report["split_adtrail"] = {"processes": processes, "vs_sequential": round(split / rates["sequential"], 2),
                               "vs_asyncio": round(split / rates["asyncio"], 3)} if split else None
    return report


def format_report(report: dict) -> str:
    runs = report["runs"]
    lines = [f"ads.txt crawl: {report['domains']:,} sites on one 127.0.0.1 server that answers EVERY request "
             f"(robots.txt and ads.txt) after a fixed {report['delay_seconds'] * 1000:.0f} ms; plain HTTP; "
             f"{report['cpus']} CPUs; each client in its own process, robots.txt checked by all",
             f"sequential: measured on a sample of {runs['sequential']['sites']:,} sites spread over the "
             f"{report['domains']:,}; its sites/s is extrapolated to the whole list (the per-site work is the same)",
             f"asyncio: at most {report['concurrency']} sites at once; adtrail settings passed: "
             + ", ".join(f"{k}={v}" for k, v in report["adtrail_settings"].items()), "",
             f"| {'client':<10} | {'sites':>7} | {'records':>9} | {'wall s':>8} | {'CPU s':>7} | {'peak MiB':>8} | "
             f"{'sites/s':>8} | {'server CPU s':>12} | {'in flight mean/max':>18} |",
             f"|{'-' * 12}|{'-' * 8}:|{'-' * 10}:|{'-' * 9}:|{'-' * 8}:|{'-' * 9}:|{'-' * 9}:|{'-' * 13}:|{'-' * 19}:|"]
    for name, run in runs.items():
        lines.append(f"| {name:<10} | {run['sites']:>7,} | {run['records']:>9,} | {run['wall_seconds']:>8.2f} | "
                     f"{run['cpu_seconds']:>7.2f} | {run['peak_rss_mib']:>8.1f} | {run['sites_per_second']:>8.1f} | "
                     f"{run['server_cpu_seconds']:>12.2f} | {run['mean_in_flight']:>9.1f} / {run['max_in_flight']:>6} |")
    sequential_all = report["domains"] / runs["sequential"]["sites_per_second"]
    lines += ["", f"sequential at {report['domains']:,} sites, extrapolated: {sequential_all / 60:.1f} minutes",
              f"adtrail's crawl alone (manifest started_at..finished_at, no process start-up): "
              f"{runs['adtrail']['crawl_seconds']:.2f} s",
              f"adtrail vs sequential: {report['vs_sequential']:.1f}x sites/s (target >= {TARGET_VS_SEQUENTIAL:.0f}x: "
              f"{'met' if report['vs_sequential'] >= TARGET_VS_SEQUENTIAL else 'MISSED'})",
              f"adtrail vs asyncio: {report['vs_asyncio']:.2f}x sites/s (target >= {TARGET_VS_ASYNCIO}x: "
              f"{'met' if report['vs_asyncio'] >= TARGET_VS_ASYNCIO else 'MISSED'})",
              f"adtrail vs a plain Scrapy spider (Scrapy's defaults, no parser, items or archive): "
              f"{report['vs_plain_scrapy']:.2f}x sites/s; that spider vs asyncio: "
              f"{report['plain_scrapy_vs_asyncio']:.2f}x"]
    if report["split_adtrail"]:
        split = report["split_adtrail"]
        lines.append(f"adtrail split across {split['processes']} processes (ADTRAIL_CRAWL_PROCESSES): "
                     f"{split['vs_sequential']:.1f}x the sequential crawler, {split['vs_asyncio']:.2f}x asyncio "
                     f"(target >= {TARGET_VS_ASYNCIO}x: {'met' if split['vs_asyncio'] >= TARGET_VS_ASYNCIO else 'MISSED'})")
    if report["split_scrapy_vs_asyncio"] is not None:
        lines.append(f"{report['cpus']} plain Scrapy spiders at once, each in its own process on its share of the "
                     f"sites, vs asyncio: {report['split_scrapy_vs_asyncio']:.2f}x (the most a crawl split across "
                     f"processes could reach on these {report['cpus']} CPUs)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ads_txt_crawl", description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=10_000, help="sites served and crawled (default 10,000)")
    parser.add_argument("--sequential-sample", type=int, default=300, help="sites the sequential crawler does")
    parser.add_argument("--delay", type=float, default=0.1, help="server delay before every answer, seconds")
    parser.add_argument("--concurrency", type=int, default=256, help="asyncio client: sites at once")
    parser.add_argument("--processes", type=int, help="processes of the split runs, plain Scrapy and adtrail "
                        "(default: the number of CPUs; 1 skips those runs)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="another adtrail setting for the spider (repeatable; added to the bench's own)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "adtrail-bench-ads-txt")
    parser.add_argument("--keep", action="store_true", help="keep the crawl folder and logs")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)
    settings = dict(ADTRAIL_SETTINGS)
    settings.update(item.split("=", 1) for item in args.set)
    report = benchmark(args.domains, sample=args.sequential_sample, delay=args.delay, concurrency=args.concurrency,
                       work=args.work, settings=settings, keep=args.keep, processes=args.processes)
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

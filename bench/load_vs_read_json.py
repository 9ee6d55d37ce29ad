"""Benchmark: ``adtrail load`` end to end against DuckDB's own ``read_json`` of the same items file.

Makes (or reuses) a crawl folder of N Meta-like ads (``bench.make_items``), reads it once so both variants
start from the page cache, then runs each variant in its own child process, one after the other:

- baseline: ``python -m bench.read_json_baseline`` (``CREATE TABLE AS SELECT * FROM read_json(...)`` into a
  new DuckDB file, with the raw table's columns);
- ``adtrail load``: ``python -m cli load CRAWL_DIR --db NEW_DB --as-of 2026-01-05``, the real command into a
  new warehouse (migrate, checks, raw, core, snapshot, publish).

Wall time is measured around each child; peak memory is the child's ``ru_maxrss`` from the operating
system (``os.wait4``), never Python's tracer. Both results are checked (rows read, rows kept) before the
table is printed. ``--profile`` adds a child (``bench.profile_load``) that times the loader's steps.
rows as ``adtrail load``.

    python -m bench.load_vs_read_json                      # 1,000,000 ads
    python -m bench.load_vs_read_json --items 20000        # small scale
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from bench.make_items import bench_crawl

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 2.0


@dataclass
class Child:
    """One child process as the operating system saw it."""

    seconds: float  # wall clock around the child
    cpu_seconds: float  # user + system time of the child (all its threads)
    peak_rss_mib: float  # ru_maxrss
    output: str  # its stdout


@dataclass
class Run:
    """A variant over all rounds: median times, the highest peak memory."""

    variant: str
    seconds: float
    cpu_seconds: float
    peak_rss_mib: float
    rows: int
    rounds: list[float]  # wall seconds of each round


def run_child(variant: str, argv: list[str], work: Path) -> Child:
    """Run ``python argv…`` in ``work``; its stderr goes to a log there, shown if it fails."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("ADTRAIL_DB", None)
    env.pop("ADTRAIL_CONFIG", None)
    log = work / f"{variant.replace(' ', '_')}.log"
    with open(log, "wb") as stderr, tempfile.TemporaryFile() as stdout:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, *argv], cwd=work, env=env, stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(child.pid, 0)  # the rusage of this child alone
        seconds = time.perf_counter() - started
        stdout.seek(0)
        output = stdout.read().decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{variant} failed (exit {os.waitstatus_to_exitcode(status)}); its log: {log}\n"
                         + log.read_text(errors="replace")[-2000:])
    # ru_maxrss is in KiB on Linux
    return Child(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output)


def warm(path: Path) -> None:
    """Read the file once so neither variant pays for the disk."""
    with open(path, "rb") as stream:
        while stream.read(1 << 24):
            pass


def _summary(variant: str, children: list[Child], rows: int) -> Run:
    return Run(variant, statistics.median(c.seconds for c in children),
               statistics.median(c.cpu_seconds for c in children), max(c.peak_rss_mib for c in children), rows,
               [round(c.seconds, 2) for c in children])


def benchmark(items: int, work: Path, *, repeat: int = 1, profile: bool = False, keep: bool = False) -> dict:
    """Run the variants ``repeat`` times, interleaved (the machine's other load hits each alike), then the
    profile; returns the report as a dict. Every round's rows are checked."""
    work.mkdir(parents=True, exist_ok=True)
    crawl_dir = bench_crawl(work / "crawls", items)
    entry = json.loads((crawl_dir / "manifest.json").read_text())["files"][0]
    items_file = crawl_dir / entry["path"]
    run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=work))
    warm(items_file)
    variants = {
        "DuckDB read_json (baseline)": lambda out: ["-m", "bench.read_json_baseline", str(items_file), str(out)],
        "adtrail load": lambda out: ["-m", "cli", "load", str(crawl_dir), "--db", str(out), "--as-of", "2026-01-05"],
    }
    expected = {"DuckDB read_json (baseline)": entry["rows"]}
    children: dict[str, list[Child]] = {name: [] for name in variants}
    report: dict = {"items": items, "lines": entry["rows"], "file_bytes": entry["size"], "cpus": os.cpu_count(),
                    "duckdb": duckdb.__version__, "crawl_dir": str(crawl_dir), "run_dir": str(run_dir),
                    "repeat": repeat, "target_ratio": TARGET_RATIO}
    for round_number in range(1, repeat + 1):
        for name, argv in variants.items():
            out = run_dir / f"round-{round_number}" / name.split()[0].lower() / "adtrail.duckdb"
            out.parent.mkdir(parents=True)
            children[name].append(run_child(name, argv(out), out.parent))
            rows = json.loads(children[name][-1].output)["rows"] if name in expected else _raw_rows(out)
            if rows != expected.get(name, items):
                raise SystemExit(f"benchmark results are wrong: {name} made {rows} rows, expected "
                                 f"{expected.get(name, items)} (round {round_number})")
        if not keep:
            shutil.rmtree(run_dir / f"round-{round_number}")
    runs = [_summary(name, found, expected.get(name, items)) for name, found in children.items()]
    report["runs"] = [asdict(run) for run in runs]
    report["ratio"] = runs[1].seconds / runs[0].seconds
    report["cpu_ratio"] = runs[1].cpu_seconds / runs[0].cpu_seconds
    report["memory_ratio"] = runs[1].peak_rss_mib / runs[0].peak_rss_mib
    if profile:
        out = run_dir / "profile-steps" / "adtrail.duckdb"
        out.parent.mkdir(parents=True)
        child = run_child("profile", ["-m", "bench.profile_load", str(crawl_dir), str(out)], out.parent)
        report["profile"] = {**json.loads(child.output), "peak_rss_mib": child.peak_rss_mib}
    if not keep:
        shutil.rmtree(run_dir)
    return report


def _raw_rows(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM raw_meta_ads_archive").fetchall()[0][0]
    finally:
        con.close()


def format_report(report: dict) -> str:
    runs = report["runs"]
    base = runs[0]
    rounds = f"median of {report['repeat']} interleaved rounds" if report["repeat"] > 1 else "one round"
    lines = [
        f"adtrail load vs DuckDB read_json: {report['items']:,} ads, {report['lines']:,} lines, "
        f"{report['file_bytes'] / 2**30:.2f} GiB; {report['cpus']} CPUs; DuckDB {report['duckdb']}; {rounds}",
        "",
        f"| {'variant':<28} | {'wall s':>8} | {'CPU s':>8} | {'peak RSS MiB':>12} | {'rows':>11} | "
        f"{'wall ratio':>10} | {'CPU ratio':>9} |",
        f"|{'-' * 30}|{'-' * 9}:|{'-' * 9}:|{'-' * 13}:|{'-' * 12}:|{'-' * 11}:|{'-' * 10}:|",
    ]
    for run in runs:
        lines.append(f"| {run['variant']:<28} | {run['seconds']:>8.2f} | {run['cpu_seconds']:>8.2f} | "
                     f"{run['peak_rss_mib']:>12.0f} | {run['rows']:>11,} | {run['seconds'] / base['seconds']:>10.2f} | "
                     f"{run['cpu_seconds'] / base['cpu_seconds']:>9.2f} |")
    verdict = "met" if report["ratio"] <= report["target_ratio"] else "MISSED"
    lines += ["", f"target: adtrail load within {report['target_ratio']:.0f}x of read_json: {verdict} "
                  f"({report['ratio']:.2f}x wall time, {report['cpu_ratio']:.2f}x CPU time, "
                  f"{report['memory_ratio']:.2f}x peak memory)"]
    for key, title in (("profile", "where adtrail load's time goes"),):
        if key in report:
            total, total_cpu = report[key]["total"], report[key]["total_cpu"]
            lines += ["", f"{title}, timed in one process: {total:.2f} s wall, {total_cpu:.2f} s CPU in all:", "",
                      f"| {'step':<52} | {'wall s':>8} | {'CPU s':>8} | {'CPU share':>9} |",
                      f"|{'-' * 54}|{'-' * 9}:|{'-' * 9}:|{'-' * 10}:|"]
            for name, seconds, cpu in report[key]["steps"]:
                lines.append(f"| {name:<52} | {seconds:>8.2f} | {cpu:>8.2f} | {cpu / total_cpu:>9.1%} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000, help="distinct ads (default 1,000,000)")
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "adtrail-bench"),
                        help="working folder: the generated crawl (kept and reused) and each run's files")
    parser.add_argument("--keep", action="store_true", help="keep the run's warehouses (deleted by default)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the variants, interleaved (default 1)")
    parser.add_argument("--profile", action="store_true", help="also time the loader's steps")
    parser.add_argument("--json", help="also write the report as JSON to this file")
    args = parser.parse_args(argv)
    report = benchmark(args.items, Path(args.work), repeat=args.repeat, profile=args.profile, keep=args.keep)
    print(format_report(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

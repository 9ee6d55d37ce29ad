"""Benchmark: the streaming sellers.json parser against ``json.load`` of the same file (issue 5, Must show).

Writes a sellers.json of N sellers (default 1,200,000, about Google's size), shaped like real files: string
and numeric seller ids, domains in mixed case (some with a scheme or trailing space), the three seller
types in several cases, is_confidential as 0, 1, "1" and true, a few comments. Reads it once so both
variants start from the page cache, then runs each variant in its own child process, one after the other:

- ``json.load``: the whole document into Python objects, then a count of the sellers;
- streaming: ``spiders.parsers.sellers_json.read_sellers_json`` over 1 MiB chunks, every seller normalised
  (what the loader does before writing it out), counted.

Wall time is measured around each child; peak memory is the child's ``ru_maxrss`` from the operating system
(``os.wait4``). Both children must report N sellers. The target: streaming peak memory under a quarter of
``json.load``'s.

    python -m bench.sellers_json_stream                   # 1,200,000 sellers
    python -m bench.sellers_json_stream --sellers 20000   # small scale (tests/test_bench_smoke.py)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MEMORY_SHARE = 0.25
TYPES = ("PUBLISHER", "PUBLISHER", "publisher", "INTERMEDIARY", "Intermediary", "BOTH")
CONFIDENTIAL = ("0", "0", "0", "1", '"1"', "true", "false")


def write_sellers_json(path: Path, sellers: int) -> int:
    """A deterministic sellers.json of ``sellers`` entries; returns its size in bytes."""
    with open(path, "w", encoding="utf-8") as out:
        out.write('{\n  "contact_email": "sellers@bench-exchange.example",\n  "contact_address": "1 Bench Way",\n'
                  '  "version": 1.0,\n  "identifiers": [{"name": "TAG-ID", "value": "0123456789abcdef"}],\n'
                  '  "sellers": [\n')
        for number in range(sellers):
            seller_id = str(100000 + number) if number % 3 else f'"pub-{number:016d}"'
            domain = f"Site{number}.Example.com" if number % 50 else f"https://site{number}.example.com/ "
            entry = (f'    {{"seller_id": {seller_id}, "name": "Seller {number} Média", "domain": "{domain}", '
                     f'"seller_type": "{TYPES[number % len(TYPES)]}", '
                     f'"is_confidential": {CONFIDENTIAL[number % len(CONFIDENTIAL)]}')
            if number % 97 == 0:
                entry += ', "comment": "managed by\\tthe network", "is_passthrough": 1'
            out.write(entry + ("}\n" if number == sellers - 1 else "},\n"))
        out.write("  ]\n}\n")
    return path.stat().st_size


def child_json_load(path: Path) -> dict:
    with open(path, encoding="utf-8") as stream:
        document = json.load(stream)
    return {"sellers": len(document["sellers"])}


def child_streaming(path: Path) -> dict:
    from spiders.parsers.sellers_json import file_chunks, read_sellers_json

    sellers = 0
    facts = {}
    for record in read_sellers_json(file_chunks(path)):
        if record["record"] == "seller":
            sellers += 1
        else:
            facts = record
    return {"sellers": sellers, "status": facts.get("status"), "version": facts.get("version")}


def run_child(variant: str, path: Path) -> dict:
    """One variant in its own process: wall seconds, CPU seconds and peak RSS (MiB) from wait4."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "bench.sellers_json_stream", "--child", variant, str(path)],
                             stdout=subprocess.PIPE, env=env)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)  # the rusage of this child alone
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stdout.close()
    if child.returncode != 0:
        raise SystemExit(f"{variant} failed (exit {child.returncode})")
    return {**json.loads(output), "variant": variant, "wall_seconds": round(seconds, 2),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mib": round(usage.ru_maxrss / 1024, 1)}  # ru_maxrss is in KiB on Linux


def run(sellers: int, work: Path) -> dict:
    path = work / f"sellers-{sellers}.json"
    size = write_sellers_json(path, sellers)
    with open(path, "rb") as stream:  # into the page cache, so neither child pays for the disk
        while stream.read(1 << 24):
            pass
    loaded = run_child("json_load", path)
    streamed = run_child("streaming", path)
    for result in (loaded, streamed):
        if result["sellers"] != sellers:
            raise SystemExit(f"{result['variant']} read {result['sellers']} sellers, not {sellers}")
    share = streamed["peak_rss_mib"] / loaded["peak_rss_mib"]
    return {"sellers": sellers, "file_mib": round(size / (1 << 20), 1), "json_load": loaded, "streaming": streamed,
            "memory_share": round(share, 3), "memory_target_met": share < TARGET_MEMORY_SHARE,
            "time_ratio": round(streamed["wall_seconds"] / max(loaded["wall_seconds"], 1e-9), 2)}


def report(result: dict) -> str:
    lines = [f"sellers.json of {result['sellers']:,} sellers, {result['file_mib']} MiB; each variant in its own "
             "process, peak RSS from wait4",
             f"{'variant':<12} {'wall s':>8} {'cpu s':>8} {'peak MiB':>10}"]
    for name in ("json_load", "streaming"):
        row = result[name]
        lines.append(f"{name:<12} {row['wall_seconds']:>8} {row['cpu_seconds']:>8} {row['peak_rss_mib']:>10}")
    lines.append(f"streaming peak memory / json.load's = {result['memory_share']} (target < {TARGET_MEMORY_SHARE}: "
                 f"{'met' if result['memory_target_met'] else 'NOT met'}); streaming wall time / json.load's = "
                 f"{result['time_ratio']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sellers_json_stream", description=__doc__.split("\n")[0])
    parser.add_argument("--sellers", type=int, default=1_200_000)
    parser.add_argument("--work", type=Path, help="folder for the generated file (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the result as JSON here")
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        variant, path = args.child
        result = {"json_load": child_json_load, "streaming": child_streaming}[variant](Path(path))
        print(json.dumps(result))
        return 0
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        result = run(args.sellers, args.work)
    else:
        with tempfile.TemporaryDirectory(prefix="adtrail-bench-sellers-") as work:
            result = run(args.sellers, Path(work))
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

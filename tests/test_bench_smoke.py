"""The load benchmark at small scale: it runs its children, checks their results and prints its report.

No timing is asserted (a busy machine must not fail the tests); what is asserted is that the benchmark
measured what it says: both children ran, read the lines and kept the distinct ads, and reported their
peak memory from the operating system.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.make_items import REPEAT_SHARE, bench_crawl, meta_items
from spiders.items import FIELDS
from warehouse.crawl_folder import read_manifest, verify_item_files

ROOT = Path(__file__).resolve().parents[1]


def test_generated_items_follow_the_contract(tmp_path):
    crawl_dir = bench_crawl(tmp_path, 2000)
    manifest = read_manifest(crawl_dir)
    verify_item_files(manifest)  # sha256 and size as recorded
    lines = (crawl_dir / "items.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2000 + int(2000 * REPEAT_SHARE)
    items = [json.loads(line) for line in lines]
    assert all(list(item) == list(FIELDS["meta_ad"]) for item in items)
    assert len({item["ad_key"] for item in items}) == 2000
    assert any(item["key_is_synthetic"] for item in items) and any(item["spend_upper"] is None for item in items)
    # deterministic: the same seed makes the same items
    assert list(meta_items(50, seed=7)) == list(meta_items(50, seed=7))
    assert bench_crawl(tmp_path, 2000) == crawl_dir  # reused, not written again


@pytest.mark.slow
def test_benchmark_at_small_scale_prints_its_report(tmp_path):
    report_file = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.load_vs_read_json", "--items", "20000", "--work", str(tmp_path),
         "--profile", "--json", str(report_file)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "adtrail load vs DuckDB read_json: 20,000 ads, 20,100 lines" in out
    assert "| DuckDB read_json (baseline)" in out and "| adtrail load" in out
    assert "target: adtrail load within 2x of read_json:" in out
    assert "| raw insert (meta_ad: read_json, one row per key, token check)" in out
    report = json.loads(report_file.read_text())
    baseline, loaded = report["runs"]
    assert (baseline["rows"], loaded["rows"]) == (20100, 20000)
    assert all(run["peak_rss_mib"] > 0 and run["cpu_seconds"] > 0 for run in report["runs"])
    assert report["ratio"] == pytest.approx(loaded["seconds"] / baseline["seconds"])
    assert {name for name, _, _ in report["profile"]["steps"]} >= {
        "line scan and checks (meta_ad)", "wait for the items files' sha256", "commit", "core statement 1 (core_ad)"}
    assert not Path(report["run_dir"]).exists()  # the run's warehouses are removed unless --keep

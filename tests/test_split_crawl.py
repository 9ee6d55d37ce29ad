"""An ads_txt crawl split across processes (ADTRAIL_CRAWL_PROCESSES, spiders/split_crawl.py) is the same crawl:
the same items and the same warehouse rows as in one process, in the parts' folders under one manifest, and
a rerun continues each part. The local world is tests/test_spider_ads_txt.py's (Host-routing HTTP and HTTPS
server, loopback resolver, local certificate authority, redirects, SUBDOMAIN and partner hops)."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from bench import ads_txt_site as site
from commands.snapshot import load_and_publish
from demo.site_server import LocalCertificateAuthority, SiteServer
from spiders.ads_txt import AdsTxtSpider
from spiders.launch import EXIT_STOPPED, run_crawl
from spiders.manifest import CrawlFolder
from spiders.sellers_json_ad_systems import declared_ad_systems
from spiders.split_crawl import combine
from tests.test_spider_ads_txt import HOSTS, ROUTES, SCOPE

# differ between any two crawls of the same world (page_number: the order in which fetches ended)
RUN_SPECIFIC = ("crawl_id", "fetched_at", "page_number")
ROOT = Path(__file__).resolve().parents[1]


def crawl(server: SiteServer, ca: LocalCertificateAuthority, out: Path, processes: int):
    return run_crawl("ads_txt", out, scope=SCOPE, settings={
        "TWISTED_DNS_RESOLVER": "demo.site_server.LoopbackResolver",
        "ADS_TXT_URL_TEMPLATE": "{scheme}://{host}:{port}/{file}",
        "ADS_TXT_PORTS": json.dumps({"http": server.http_port, "https": server.https_port}),
        "ADTRAIL_TLS_CA_FILE": str(ca.ca_file), "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_TIMEOUT": "20",
        "ADTRAIL_CRAWL_PROCESSES": str(processes)})


def items(folder: Path) -> dict[str, list[str]]:
    """Every item the manifest names, by kind, without what differs between runs, sorted."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    kinds: dict[str, list[str]] = {}
    for entry in manifest["files"]:
        if entry["kind"] != "items":
            continue
        for line in (folder / entry["path"]).read_text(encoding="utf-8").splitlines():
            item = {key: value for key, value in json.loads(line).items() if key not in RUN_SPECIFIC}
            kinds.setdefault(entry["item_kind"], []).append(json.dumps(item, sort_keys=True))
    return {kind: sorted(lines) for kind, lines in kinds.items()}


def lines(folder: Path) -> dict[str, int]:
    return {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in folder.glob("items*.jsonl")}


def ads_requests(server: SiteServer) -> list[tuple[str, str]]:
    return sorted((host, path) for _, host, path in server.requests if path.endswith("ads.txt"))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("split")
    ca = LocalCertificateAuthority(folder / "ca", HOSTS)
    with SiteServer(ROUTES, ca) as server:
        yield server, ca, folder


def test_split_scope_puts_every_site_in_one_part_the_same_way_every_time():
    scope = {"domains": [f"site{n}.example" for n in range(50)], "app_domains": ["one.app", "two.app"],
             "app_store_urls": ["https://store.example/app/1"]}
    parts = AdsTxtSpider.split_scope(scope, 3)
    assert parts == AdsTxtSpider.split_scope(scope, 3)
    for key, values in scope.items():
        assert sorted(value for part in parts for value in part.get(key, [])) == sorted(values)
    assert all(len(part["domains"]) >= 5 for part in parts)  # a hash, not one part taking everything
    assert AdsTxtSpider.split_scope({"domains": ["only.example"], "app_domains": [], "app_store_urls": []},
                                    4).count({}) == 3


def test_a_split_crawl_makes_the_same_items_and_rows_as_one_process(world):
    server, ca, folder = world
    whole = crawl(server, ca, folder / "whole", 1)
    assert whole.complete, whole.error
    asked_whole = ads_requests(server)
    del server.requests[:]
    split = crawl(server, ca, folder / "split", 2)
    assert split.complete, split.error
    assert ads_requests(server) == asked_whole  # each file asked as often as unsplit (no partner shared here)

    manifest = split.manifest
    assert manifest["split"]["processes"] == 2
    assert [part["status"] for part in manifest["split"]["parts"]] == ["complete", "complete"]
    assert sum(part["targets"] for part in manifest["split"]["parts"]) == len(SCOPE["domains"]) + 1
    assert all(entry["path"].startswith(("parts/1-of-2/", "parts/2-of-2/")) for entry in manifest["files"])
    assert any(entry["kind"] == "warc" for entry in manifest["files"])
    for name in ("pages", "items"):
        assert manifest["counts"][name] == whole.manifest["counts"][name]
    assert items(folder / "split") == items(folder / "whole")
    # the sellers.json crawl reads the ad systems the records declare from the parts too
    declared = {name: declared_ad_systems(folder / name) for name in ("whole", "split")}
    assert declared["split"].sites == declared["whole"].sites and declared["whole"].sites

    # loaded as any crawl: the same rows in the warehouse
    rows = {}
    for name in ("whole", "split"):
        load_and_publish(folder / f"{name}.duckdb", [folder / name], dt.date(2026, 12, 1))
        with duckdb.connect(str(folder / f"{name}.duckdb"), read_only=True) as con:
            rows[name] = {table: con.execute(
                f"SELECT * EXCLUDE (crawl_id, fetched_at, page_number, loaded_at) FROM {table} ORDER BY ALL").fetchall()
                for table in ("raw_ads_txt_record", "raw_ads_txt_variable", "raw_ads_txt_fetch")}
            rows[name]["edges"] = con.execute("SELECT * EXCLUDE (fetched_at) FROM monetisation_edge "
                                              "ORDER BY ALL").fetchall()
    assert rows["split"] == rows["whole"] and rows["whole"]["raw_ads_txt_record"]


def test_a_rerun_continues_each_part_and_the_number_of_processes_is_kept(world, tmp_path):
    server, ca, _ = world
    out = tmp_path / "crawl"
    first = crawl(server, ca, out, 2)
    assert first.complete, first.error
    part_one = lines(out / "parts" / "1-of-2")

    # As if the second part was killed after its first site: only that one is recorded done there.
    done = out / "parts" / "2-of-2" / "state" / "targets-done.jsonl"
    header, *entries = done.read_text(encoding="utf-8").splitlines()
    assert len(entries) >= 2
    done.write_text(header + "\n" + entries[0] + "\n", encoding="utf-8")
    del server.requests[:]
    resumed = crawl(server, ca, out, 2)
    assert resumed.complete, resumed.error
    assert ads_requests(server)  # the second part's unfinished sites were asked again ...
    assert lines(out / "parts" / "1-of-2") == part_one  # ... and the first part asked and wrote nothing
    assert len(done.read_text(encoding="utf-8").splitlines()) == 1 + len(entries)
    assert resumed.manifest["counts"]["items"] > first.manifest["counts"]["items"]  # appended; the loader keeps one

    for processes, started in ((1, "split into 2 processes"), (3, "split into 2 processes")):
        refused = crawl(server, ca, out, processes)
        assert refused.returncode == EXIT_STOPPED
        assert started in refused.error and "ADTRAIL_CRAWL_PROCESSES=2" in refused.error
    unsplit = tmp_path / "unsplit"
    assert crawl(server, ca, unsplit, 1).complete
    refused = crawl(server, ca, unsplit, 2)
    assert "run in one process" in refused.error and "ADTRAIL_CRAWL_PROCESSES=1" in refused.error


def test_the_combined_manifest_names_each_failed_or_missing_part(tmp_path):
    folder = CrawlFolder(tmp_path / "crawl")
    scopes = [{"domains": ["a.example"]}, {}, {"domains": ["b.example", "c.example"]}, {"domains": ["d.example"]}]
    part = {"format": "adtrail-crawl/1", "code_version": "adtrail test", "cursor": None,
            "counts": {"pages": 1, "items": 3, "http_429": 0},
            "files": [{"path": "items.jsonl", "kind": "items", "item_kind": "ads_txt_fetch", "sha256": "0" * 64,
                       "size": 10, "rows": 1}]}
    CrawlFolder(folder.root / "parts" / "1-of-4").write_manifest({**part, "status": "complete", "error": None})
    CrawlFolder(folder.root / "parts" / "3-of-4").write_manifest(
        {**part, "status": "failed", "finish_reason": "shutdown", "error": "the crawl ended before its end"})
    head = {"crawl_id": "ads_txt-x", "source": "ads_txt"}
    running = combine(head, folder, scopes, running=True)
    assert running["status"] == "running" and running["error"] is None
    ended = combine(head, folder, scopes, running=False)
    assert ended["status"] == "failed" and ended["finish_reason"] == "shutdown"
    assert "part 3-of-4: the crawl ended before its end" in ended["error"]
    assert "part 4-of-4 did not start" in ended["error"] and "rerun the same command" in ended["error"]
    assert ended["counts"]["pages"] == 2 and ended["counts"]["items"] == 6
    assert [entry["path"] for entry in ended["files"]] == ["parts/1-of-4/items.jsonl", "parts/3-of-4/items.jsonl"]
    assert [p["status"] for p in ended["split"]["parts"]] == ["complete", "empty", "failed", "not started"]
    (folder.root / "parts" / "4-of-4").mkdir()
    (folder.root / "parts" / "4-of-4" / "manifest.json").write_text("{\"format\": ", encoding="utf-8")
    ended = combine(head, folder, scopes, running=False)
    assert ended["split"]["parts"][3]["status"] == "unreadable" and ended["status"] == "failed"
    assert "part 4-of-4: " in ended["error"] and "is not valid JSON" in ended["error"]


def _part_processes(crawl_dir: Path) -> list[int]:
    """Pids of the ``spiders.run`` processes crawling a part of ``crawl_dir``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue  # ended meanwhile
        if b"spiders.run" in words and any(str(crawl_dir / "parts").encode() in word for word in words):
            found.append(int(cmdline.parent.name))
    return found


def test_a_killed_split_crawl_ends_its_parts_and_a_rerun_completes_it(tmp_path):
    """SIGKILL to the crawl's own process: its parts stop (PR_SET_PDEATHSIG), nothing keeps writing into the
    folder, and the same command continues and completes every site. The bench's server: 2,000 generated
    sites, each answer after 100 ms; two requests at a time until the kill, so the parts are far from done
    then (about 100 s of work each) and a part that outlived its crawl would still be running 15 s later."""
    sites = 2000
    server = subprocess.Popen([sys.executable, "-m", "bench.ads_txt_site", "--domains", str(sites)],
                              stdout=subprocess.PIPE, cwd=ROOT)
    try:
        port = int(server.stdout.readline())
        scope_file = tmp_path / "scope.json"
        scope_file.write_text(json.dumps({"domains": site.domains(sites)}), encoding="utf-8")
        command = [sys.executable, "-m", "spiders.run", "ads_txt", "--out", str(tmp_path / "crawl"),
                   "--scope-file", str(scope_file)]
        for name, value in {"TWISTED_DNS_RESOLVER": "demo.site_server.LoopbackResolver",
                            "ADS_TXT_URL_TEMPLATE": "http://{host}:{port}/{file}",
                            "ADS_TXT_PORTS": json.dumps({"http": port, "https": port}),
                            "CONCURRENT_REQUESTS": "2", "AUTOTHROTTLE_ENABLED": "False",
                            "ADTRAIL_CRAWL_PROCESSES": "2"}.items():
            command += ["--set", f"{name}={value}"]
        crawl = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)
        done = [tmp_path / "crawl" / "parts" / name / "state" / "targets-done.jsonl" for name in ("1-of-2", "2-of-2")]
        deadline = time.monotonic() + 120
        while not all(path.exists() and len(path.read_bytes().splitlines()) > 5 for path in done):
            assert time.monotonic() < deadline and crawl.poll() is None, "the parts never got going"
            time.sleep(0.2)
        assert len(_part_processes(tmp_path / "crawl")) == 2
        crawl.send_signal(signal.SIGKILL)
        crawl.wait()
        deadline = time.monotonic() + 15  # Scrapy's graceful stop: the requests in flight, then the manifest
        while _part_processes(tmp_path / "crawl"):
            assert time.monotonic() < deadline, "a part kept running after its crawl was killed"
            time.sleep(0.2)
        assert json.loads((tmp_path / "crawl" / "manifest.json").read_text())["status"] == "running"

        parts = [json.loads((path.parent.parent / "manifest.json").read_text()) for path in done]
        assert [part["status"] for part in parts] == ["failed", "failed"]  # stopped and saved, not cut off
        # the same crawl, with more requests at once to finish sooner (settings may change, the scope not)
        rerun = subprocess.run([*command, "--set", "CONCURRENT_REQUESTS=128"], cwd=ROOT, stderr=subprocess.PIPE,
                               text=True)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
    finally:
        server.terminate()
        server.wait()
    manifest = json.loads((tmp_path / "crawl" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["split"]["processes"] == 2
    fetched = {json.loads(line)["domain"] for kind, lines in items(tmp_path / "crawl").items()
               if kind == "ads_txt_fetch" for line in lines}
    assert fetched == set(site.domains(sites))

"""A crawl of many sites split across processes: ``ADTRAIL_CRAWL_PROCESSES`` (configuration ``crawl.processes``).

Scrapy runs a crawl on one core, and a crawl of thousands of sites with a request or two each (ads_txt) is
bound by that core's CPU, not by the network (bench/README.md, "ads.txt crawl"). A spider that can split its
scope by site (``split_scope``) is run as that many crawls at once, each a child ``python -m spiders.run`` on
its share of the sites, in its own folder under the crawl folder (``parts/1-of-2/``, ...):

- every site is in exactly one part, and always in the same one for the same number of parts, so a rerun
  continues each part from its own record of finished sites; a folder split one way is not continued
  another way (the message says which number to use);
- the parts share the crawl id, and ``CONCURRENT_REQUESTS`` is divided between them, so the crawl as a
  whole asks no more at once than unsplit; one request at a time per host still holds, since a site and its
  robots.txt belong to one part (a partner's file that two parts' sites point to is fetched by each);
- the crawl folder's own ``manifest.json`` is the parts' manifests combined: their items and WARC files
  (paths inside ``parts/``), their counts summed, ``complete`` only when every part is, and each failed part's
  error named. It is written before the parts start and again when they end, so the loader, ``adtrail
  snapshot`` and the sellers.json crawl read a split crawl as any other.

A part that stops or crashes leaves the others' work in place; the combined manifest says ``failed`` and a
rerun continues. The parts end with this process (``PR_SET_PDEATHSIG``), so a killed crawl leaves no child
writing into folders a rerun will use.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from spiders.manifest import MANIFEST_FORMAT, STANDARD_COUNTS, CrawlFolder, CrawlFolderError, utc_now

PARTS = "parts"
SETTING = "ADTRAIL_CRAWL_PROCESSES"
_PR_SET_PDEATHSIG = 1


def processes_wanted(spider_class, settings) -> int:
    """How many processes the crawl runs in: 1 unless the spider splits by site; 0 means one per CPU."""
    if not hasattr(spider_class, "split_scope"):
        return 1
    wanted = settings.getint(SETTING, 1)
    return max(1, wanted if wanted > 0 else os.cpu_count() or 1)


def part_name(index: int, parts: int) -> str:
    return f"{index + 1}-of-{parts}"


def check_parts_fit(folder: CrawlFolder, parts: int) -> None:
    """A crawl folder is continued only with the number of processes it was started with: each site's part,
    and so its record of finished sites, follows from that number."""
    earlier = folder.read_manifest()
    if earlier is None:
        return
    was = (earlier.get("split") or {}).get("processes", 1)
    if was != parts:
        started = f"split into {was} processes" if was > 1 else "run in one process"
        raise CrawlFolderError(f"{folder.root} holds a crawl {started}; rerun it with {SETTING}={was} "
                               f"(crawl.processes = {was}) to continue it, or use a new crawl folder")


def _end_with_parent() -> None:
    """In the child, before it runs: SIGTERM when the parent dies (Linux), so Scrapy stops and saves."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (AttributeError, OSError):
        pass  # not Linux: a killed parent leaves its parts to finish on their own


def run_split(*, spider_class, scope: dict, safe_scope: dict, scope_sha256: str, crawl_id: str,
              folder: CrawlFolder, overrides: list[str], settings, parts: int) -> dict:
    """Run the parts at once, each to its end; write and return the combined manifest."""
    scopes = spider_class.split_scope(scope, parts)
    concurrent = max(1, -(-settings.getint("CONCURRENT_REQUESTS", 16) // parts))  # divided, rounded up
    head = {"format": MANIFEST_FORMAT, "crawl_id": crawl_id, "source": spider_class.name,
            "platform": getattr(spider_class, "platform", None), "scope": safe_scope, "scope_hash": scope_sha256,
            "started_at": (folder.read_manifest() or {}).get("started_at") or utc_now()}
    folder.write_manifest(combine(head, folder, scopes, running=True))
    children = []
    with tempfile.TemporaryDirectory(prefix="adtrail-parts-") as scope_files:
        for index, part_scope in enumerate(scopes):
            if not part_scope:
                continue  # no site fell in this part
            scope_file = Path(scope_files) / f"{index}.json"
            scope_file.write_text(json.dumps(part_scope), encoding="utf-8")
            command = [sys.executable, "-m", "spiders.run", spider_class.name, "--crawl-id", crawl_id,
                       "--out", str(folder.root / PARTS / part_name(index, parts)), "--scope-file", str(scope_file)]
            for override in [*overrides, f"{SETTING}=1", f"CONCURRENT_REQUESTS={concurrent}"]:
                command += ["--set", override]
            # stderr is ours: each part's progress lines and its last word reach the user as they come
            children.append(subprocess.Popen(command, stdin=subprocess.DEVNULL, preexec_fn=_end_with_parent))
        try:
            for child in children:
                child.wait()
        except KeyboardInterrupt:  # the parts got the interrupt too: they stop and save; wait for them
            for child in children:
                child.wait()
    manifest = combine(head, folder, scopes, running=False)
    folder.write_manifest(manifest)
    return manifest


def combine(head: dict, folder: CrawlFolder, scopes: list[dict], *, running: bool) -> dict:
    """The crawl folder's manifest made of its parts' manifests (a part not yet started counts as unfinished)."""
    parts = len(scopes)
    counts = {name: 0 for name in STANDARD_COUNTS}
    files, errors, cursors, reasons, summary = [], [], [], [], []
    code_version = None
    for index, part_scope in enumerate(scopes):
        name = part_name(index, parts)
        if not part_scope:
            summary.append({"part": name, "targets": 0, "status": "empty"})
            continue
        part_folder = CrawlFolder(folder.root / PARTS / name)
        try:
            manifest = part_folder.read_manifest()
        except CrawlFolderError as error:  # not JSON: changed by hand or by another program
            manifest, unreadable = None, str(error)
        else:
            unreadable = None
        status = "unreadable" if unreadable else (manifest or {}).get("status", "not started")
        summary.append({"part": name, "targets": sum(map(len, part_scope.values())), "status": status})
        if manifest is None:
            errors.append(f"part {name}: {unreadable}" if unreadable else
                          f"part {name} did not start; see {part_folder.log}")
            reasons.append("part_unreadable" if unreadable else "part_not_started")
            continue
        code_version = code_version or manifest.get("code_version")
        for key, value in (manifest.get("counts") or {}).items():
            if isinstance(value, int):
                counts[key] = counts.get(key, 0) + value
        files += [{**entry, "path": f"{PARTS}/{name}/{entry['path']}"} for entry in manifest.get("files") or []]
        if manifest.get("cursor"):
            cursors.append(manifest["cursor"])
        if status != "complete":
            reasons.append(manifest.get("finish_reason") or "unfinished")
            errors.append(f"part {name}: " + (manifest.get("error") or
                                               f"ended {status}; see {part_folder.log}"))
        elif manifest.get("error"):  # complete, with items that failed one by one
            errors.append(f"part {name}: {manifest['error']}")
    complete = not running and not reasons
    error = None
    if errors:
        error = "; ".join(errors)
        if not complete:
            error += ". The parts' work is kept: rerun the same command to continue"
    return {**head, "finished_at": None if running else utc_now(),
            "status": "running" if running else ("complete" if complete else "failed"),
            "finish_reason": None if running else (reasons[0] if reasons else "finished"),
            "error": None if running else error, "cursor": cursors[0] if cursors else None,
            "counts": counts, "files": files, "code_version": code_version,
            "split": {"processes": parts, "parts": summary}}

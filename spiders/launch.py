"""Start one crawl in a child process and read what it left in its crawl folder.

Scrapy's reactor cannot be restarted inside one process, and the command line must not import Scrapy,
so every crawl runs as ``python -m spiders.run`` in a child process. This module only builds that
command and reads the manifest afterwards; it imports nothing from Scrapy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Exit codes of spiders.run: 0 complete, 3 stopped with an error the manifest explains, other: a crash.
EXIT_COMPLETE = 0
EXIT_STOPPED = 3


@dataclass
class CrawlOutcome:
    source: str
    crawl_dir: Path
    returncode: int
    manifest: dict | None
    stderr_tail: str = ""

    @property
    def complete(self) -> bool:
        return self.returncode == EXIT_COMPLETE and bool(self.manifest) and self.manifest["status"] == "complete"

    @property
    def error(self) -> str | None:
        if self.manifest and self.manifest.get("error"):
            return self.manifest["error"]
        if self.returncode == EXIT_STOPPED:
            return self.stderr_tail or f"the {self.source} crawl could not start; see {self.crawl_dir / 'crawl.log'}"
        if self.returncode not in (EXIT_COMPLETE, EXIT_STOPPED):
            return (f"the {self.source} crawl crashed (exit code {self.returncode}); see "
                    f"{self.crawl_dir / 'crawl.log'}, then rerun: it continues from its saved cursor")
        return None


def read_manifest(crawl_dir: Path) -> dict | None:
    try:
        return json.loads((Path(crawl_dir) / "manifest.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def run_crawl(source: str, crawl_dir: Path, *, scope: dict, settings: dict[str, str],
              crawl_id: str | None = None, env: dict[str, str] | None = None) -> CrawlOutcome:
    """Run one crawl to its end; its progress lines pass through to our stderr."""
    # The scope goes in a file: thousands of ads.txt domains are longer than one command-line argument may be.
    with tempfile.TemporaryDirectory(prefix="adtrail-scope-") as folder:
        scope_file = Path(folder) / "scope.json"
        scope_file.write_text(json.dumps(scope), encoding="utf-8")
        return _run_child(source, crawl_dir, scope_file, settings, crawl_id, env)


def _run_child(source: str, crawl_dir: Path, scope_file: Path, settings: dict[str, str], crawl_id: str | None,
               env: dict[str, str] | None) -> CrawlOutcome:
    command = [sys.executable, "-m", "spiders.run", source, "--out", str(crawl_dir), "--scope-file", str(scope_file)]
    if crawl_id:
        command += ["--crawl-id", crawl_id]
    for name, value in settings.items():
        command += ["--set", f"{name}={value}"]
    project_root = Path(__file__).resolve().parents[1]
    child_env = dict(os.environ if env is None else env)
    child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(project_root), child_env.get("PYTHONPATH")]))
    # stderr passes through line by line (progress), and its last lines are kept for the error message.
    tail: list[str] = []
    with subprocess.Popen(command, env=child_env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, errors="replace") as child:
        for line in child.stderr:
            sys.stderr.write(line)
            tail = (tail + [line.rstrip()])[-3:]
    return CrawlOutcome(source, Path(crawl_dir), child.returncode, read_manifest(crawl_dir), "\n".join(tail))

"""Runs one crawl in this (child) process: ``python -m spiders.run SPIDER --out CRAWL_DIR ...``.

    python -m spiders.run meta_ads_archive --out CRAWL_DIR [--crawl-id ID] [--scope-json JSON | --scope-file F]
                          [--set NAME=VALUE ...]

Scrapy's reactor cannot restart inside one process, so ``adtrail`` starts each crawl as a child process
(spiders/launch.py) with this module. The crawl folder is created if needed; a folder that already holds
a crawl of the same source and scope is continued from its saved cursors. ``--scope-json`` is the spider's
scope (for meta_ads_archive: countries, ad_type, ad_active_status, delivery_date_min/max, search_terms,
search_page_ids), or ``--scope-file`` a file holding it (a scope of thousands of ads.txt domains is longer
than one command-line argument may be; spiders/launch.py always passes a file); ``--set`` overrides a setting of spiders/settings.py (e.g. ``META_PAGE_LIMIT=100``).

Progress lines (pages, items) go to stderr; the log goes to CRAWL_DIR/crawl.log; both are redacted.
Exit codes: 0 the manifest says complete; 3 the crawl stopped with an error (printed to stderr, saying
what to do; the manifest holds it too when the crawl started); 1 a crash (a redacted traceback on stderr).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import traceback
import uuid
from pathlib import Path

EXIT_COMPLETE, EXIT_CRASH, EXIT_STOPPED = 0, 1, 3

# Settings the crawl folder decides; --set cannot move them elsewhere.
FOLDER_SETTINGS = ("ADTRAIL_CRAWL_DIR", "ADTRAIL_CRAWL_ID", "HTTPCACHE_DIR", "JOBDIR", "LOG_FILE",
                   "LOG_INSTALL_ROOT_HANDLER")


class Stopped(Exception):
    """The crawl cannot start or continue; the message is for the user."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m spiders.run", description="Run one adtrail crawl.")
    parser.add_argument("spider", help="spider name, e.g. meta_ads_archive")
    parser.add_argument("--out", required=True, help="crawl folder (created; continued when it holds this crawl)")
    parser.add_argument("--crawl-id", help="id of the crawl (default: the folder's, or a new one)")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--scope-json", default="{}", help="the spider's scope as a JSON object")
    scope.add_argument("--scope-file", type=Path, help="a file holding the spider's scope as a JSON object")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="overrides",
                        help="override a Scrapy or adtrail setting (repeatable)")
    return parser.parse_args(argv)


def _settings(overrides: list[str]):
    from scrapy.settings import Settings

    from spiders.secrets import SECRET_ENV_VARS

    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    for override in overrides:
        name, equals, value = override.partition("=")
        if not equals or not name.strip():
            raise Stopped(f"--set {override!r}: write NAME=VALUE, e.g. --set META_PAGE_LIMIT=100")
        if name.strip() in SECRET_ENV_VARS:
            # A setting is logged and visible in the process list; a secret is read from the environment only.
            raise Stopped(f"--set {name}: secrets are read only from the environment; export {name} instead")
        if name.strip() in FOLDER_SETTINGS:
            raise Stopped(f"--set {name}: this setting follows from --out and cannot be set")
        settings.set(name.strip(), value, priority="cmdline")
    return settings


def _logging(folder, settings, redactor) -> None:
    """crawl.log gets everything at LOG_LEVEL, stderr the progress lines; all of it redacted."""
    from scrapy.utils.log import _get_formatter

    from spiders import logging_redaction

    log_file = logging.FileHandler(folder.log, mode="a", encoding="utf-8")
    log_file.setLevel(settings.get("LOG_LEVEL"))
    log_file.setFormatter(_get_formatter(log_file, settings))
    root = logging.getLogger()
    root.setLevel(logging.NOTSET)
    root.addHandler(log_file)
    to_stderr = logging.StreamHandler(sys.stderr)
    to_stderr.setFormatter(logging.Formatter("%(message)s"))
    progress = logging.getLogger("adtrail.progress")
    progress.setLevel(logging.INFO)
    progress.addHandler(to_stderr)
    logging_redaction.install(redactor, log_file, to_stderr)


def run(args: argparse.Namespace, redactor) -> int:
    from scrapy.spiderloader import SpiderLoader

    from spiders import split_crawl
    from spiders.base import ScopeError
    from spiders.manifest import CrawlFolder, CrawlFolderError, check_folder_fits, scope_hash

    settings = _settings(args.overrides)
    try:
        spider_class = SpiderLoader.from_settings(settings).load(args.spider)
    except KeyError:
        raise Stopped(f"unknown spider {args.spider!r}; `scrapy list` names the spiders") from None
    option, text = "--scope-json", args.scope_json
    if args.scope_file is not None:
        option = f"--scope-file {args.scope_file}"
        try:
            text = args.scope_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise Stopped(f"{option} cannot be read ({error}); give a UTF-8 file holding a JSON object") from None
    try:
        raw_scope = json.loads(text)
    except json.JSONDecodeError as error:
        raise Stopped(f"{option} is not valid JSON ({error}); give a JSON object") from None
    if not isinstance(raw_scope, dict):
        raise Stopped(f"{option} must hold a JSON object, e.g. '{{\"countries\": [\"BR\"]}}'")
    try:
        scope = spider_class.normalise_scope(raw_scope)
    except ScopeError as error:
        raise Stopped(f"the scope cannot be crawled: {error}") from None
    folder = CrawlFolder(Path(args.out).resolve())
    try:
        earlier = check_folder_fits(folder, source=spider_class.name, crawl_id=args.crawl_id,
                                    scope_sha256=scope_hash(spider_class.manifest_scope(scope, settings)))
    except CrawlFolderError as error:
        raise Stopped(str(error)) from None
    crawl_id = args.crawl_id or (earlier or {}).get("crawl_id") or (
        f"{spider_class.name}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}")
    parts = split_crawl.processes_wanted(spider_class, settings)
    try:
        split_crawl.check_parts_fit(folder, parts)
    except CrawlFolderError as error:
        raise Stopped(str(error)) from None

    folder.root.mkdir(parents=True, exist_ok=True)
    if parts > 1:
        safe_scope = spider_class.manifest_scope(scope, settings)
        manifest = split_crawl.run_split(spider_class=spider_class, scope=scope, safe_scope=safe_scope,
                                         scope_sha256=scope_hash(safe_scope), crawl_id=crawl_id, folder=folder,
                                         overrides=args.overrides, settings=settings, parts=parts)
    else:
        manifest = _run_here(spider_class, scope, settings, folder, crawl_id, redactor)
    counts = manifest["counts"]
    in_parts = f" ({parts} processes)" if parts > 1 else ""
    if manifest["status"] == "complete":
        sys.stderr.write(f"{spider_class.name}: complete: {counts['pages']} pages, {counts['items']} items "
                         f"in {folder.root}{in_parts}\n")
        return EXIT_COMPLETE
    sys.stderr.write(redactor.redact_text(
        f"{spider_class.name}: stopped ({manifest['finish_reason']}) after {counts['pages']} pages, "
        f"{counts['items']} items{in_parts}: {manifest['error']}\n"))
    return EXIT_STOPPED


def _run_here(spider_class, scope: dict, settings, folder, crawl_id: str, redactor) -> dict:
    """The crawl in this process; its final manifest."""
    from scrapy.crawler import CrawlerProcess

    from spiders.logging_redaction import install

    for name, value in (("ADTRAIL_CRAWL_DIR", str(folder.root)), ("ADTRAIL_CRAWL_ID", crawl_id),
                        ("HTTPCACHE_DIR", str(folder.httpcache)), ("JOBDIR", str(folder.jobdir)),
                        ("LOG_FILE", None), ("LOG_INSTALL_ROOT_HANDLER", False)):
        settings.set(name, value, priority="cmdline")
    _logging(folder, settings, redactor)
    process = CrawlerProcess(settings)
    install(redactor)  # again, in case Scrapy's set-up added a handler
    process.crawl(spider_class, scope=scope)
    process.start()

    manifest = folder.read_manifest()
    if manifest is None or manifest.get("status") == "running":
        raise RuntimeError(f"the crawl ended without writing its final manifest; see {folder.log}")
    return manifest


def main(argv: list[str] | None = None) -> int:
    from spiders.secrets import Redactor, secrets_from_env

    args = parse_args(argv)
    redactor = Redactor(secrets_from_env())
    try:
        return run(args, redactor)
    except Stopped as stop:
        sys.stderr.write(redactor.redact_text(f"{args.spider}: not started: {stop}\n"))
        return EXIT_STOPPED
    except Exception:
        sys.stderr.write(redactor.redact_text(traceback.format_exc()))
        sys.stderr.write(f"{args.spider}: the crawl crashed; the traceback above and {args.out}/crawl.log say "
                         "where. The pages fetched so far are kept: rerun the same command to continue.\n")
        return EXIT_CRASH


if __name__ == "__main__":
    sys.exit(main())

"""Load an exchange-rate crawl (``fx_ecb``, ``fx_worldbank``) into the warehouse: its bulk file's rates
into ``fx_rate`` (warehouse/fx.py), and the crawl into ``snapshot_source``.

Rates are not per snapshot: ``fx_rate`` keeps every rate ever loaded, and a rate already held is not added
again, so the same file twice changes nothing. The rates and the snapshot_source row are written in two
transactions (``load_rates`` owns its own); a kill between them leaves rates that a rerun finds already
held, and the rerun then records the source. A failed crawl (an HTML page instead of the zip, a damaged
file) loads no rates, removes none, and is recorded as failed with the crawl's own error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from warehouse import fx
from warehouse.bulk_guard import (failed_crawl_error, one_transaction, record_snapshot_source, require_running,
                                  snapshot_holding)
from warehouse.crawl_folder import CrawlFolderError, read_manifest
from warehouse.load_google import GoogleLoadError, bundle_file_entry

# Crawled source -> warehouse.fx kind of its file.
FX_SOURCES = {"fx_ecb": "ecb", "fx_worldbank": "worldbank"}


@dataclass(frozen=True)
class FxCrawlLoadResult:
    snapshot_id: int
    source: str
    status: str  # complete | failed
    error: str | None = None
    rates: int = 0  # rates in the file
    added: int = 0  # rates new to the warehouse
    already_loaded: bool = False

    @property
    def items_loaded(self) -> int:
        return self.rates

    @property
    def message(self) -> str:
        if self.already_loaded:
            return f"{self.source}: already loaded into snapshot {self.snapshot_id}; nothing changed"
        if self.status != "complete":
            return f"{self.source}: failed: {self.error} (rates loaded before are kept)"
        return f"{self.source}: {self.rates} rates, {self.added} new"


def load_fx_crawl(con, snapshot_id: int, crawl_dir: str | Path, *, accept_unfinished: bool = False
                  ) -> FxCrawlLoadResult:
    """Load an fx_ecb / fx_worldbank crawl folder into a running snapshot (same rules as load_crawl)."""
    manifest = read_manifest(crawl_dir)
    if manifest.source not in FX_SOURCES:
        raise CrawlFolderError(f"{manifest.crawl_dir}: source {manifest.source!r} is not an exchange-rate source "
                               f"({', '.join(FX_SOURCES)})")
    held = snapshot_holding(con, snapshot_id, manifest, accept_unfinished=accept_unfinished)
    if held is not None:
        return FxCrawlLoadResult(held, manifest.source, "complete", already_loaded=True)
    require_running(con, snapshot_id)
    try:
        entry = bundle_file_entry(manifest) if manifest.status == "complete" else None
    except GoogleLoadError as error:  # the file on disk is not the one the crawl recorded
        raise CrawlFolderError(str(error)) from None
    if entry is None:
        result = FxCrawlLoadResult(snapshot_id, manifest.source, "failed",
                                   error=failed_crawl_error(manifest, "rate file"))
    else:
        try:
            loaded = fx.import_rates_file(con, entry["path"], kind=FX_SOURCES[manifest.source],
                                          source_url=entry.get("source_url"))
        except ValueError as error:
            raise CrawlFolderError(f"{entry['path']}: {error}. No rates were loaded") from None
        result = FxCrawlLoadResult(snapshot_id, manifest.source, "complete", rates=loaded.rates, added=loaded.added)
    # its own transaction: import_rates_file committed the rates (a rerun finds them held)
    with one_transaction(con):
        record_snapshot_source(con, snapshot_id, manifest, status=result.status, error=result.error,
                               items_loaded=result.items_loaded,
                               counts={"rates": result.rates, "rates_added": result.added})
    return result

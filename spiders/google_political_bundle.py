"""Google's political ads transparency bundle: one zip of CSVs, refreshed by Google about daily.

A bulk-file source (spiders/bulk.py): the zip is streamed to ``bulk/`` in the crawl folder, skipped when
unchanged (ETag / Last-Modified) and resumed when cut (Range). The warehouse reads it with DuckDB
(warehouse/load_google.py through spiders/parsers/google_bundle.py); ``adtrail parse google-bundle`` reads
the zip or any of its CSVs the same way.

Setting ``GOOGLE_BUNDLE_URL``: the real public URL by default (the bucket Google's own BigQuery pipeline
copies from), a mirror or a local test server otherwise. Legal card: the bundle is a public download of
Google's Transparency Report, no login, no API key; the report's data may be reused with attribution.
"""

from __future__ import annotations

from pathlib import Path

from spiders.bulk import BulkFileSpider
from spiders.parsers.google_bundle import ITEM_KIND, SOURCE
from spiders.parsers.zip_csvs import csv_zip_problem

DEFAULT_URL = "https://storage.googleapis.com/political-csv/google-political-ads-transparency-bundle.zip"


class GooglePoliticalBundleSpider(BulkFileSpider):
    name = SOURCE
    platform = "google"
    item_kind = ITEM_KIND
    file_name = "google-political-ads-transparency-bundle.zip"
    url_setting = "GOOGLE_BUNDLE_URL"
    default_url = DEFAULT_URL
    magic = b"PK\x03\x04"
    expected = "the bundle zip"

    def check_file(self, path: Path) -> str | None:
        """The zip opens, every member's CRC checks out, and it holds CSVs."""
        return csv_zip_problem(path)

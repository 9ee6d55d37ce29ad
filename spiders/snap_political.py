"""Snap's political ads library: the yearly ``PoliticalAds.zip`` (a CSV of every political ad of that year,
with exact spend and impressions and every targeting column, and Snap's readme), every year from
``first_year`` (2018, Snap's first) to the current year, in one crawl.

A bulk-file source of several files (spiders/bulk_multi.py): each year's zip is streamed to
``bulk/<year>/PoliticalAds.zip``, skipped when unchanged (ETag / Last-Modified: past years rarely change),
resumed with Range when cut, and kept per year in the bulk store. A 404 for a year (the current year before
Snap publishes it) is counted as ``years_not_published``, not a failure. An HTML page instead of the zip, a
damaged zip, or a CSV whose header lacks Snap's columns fails that year only, with the reason in the
manifest (and so in ``snapshot_source.error``); the other years load. The warehouse reads the files in
warehouse/load_snap.py through spiders/parsers/snap_political.py.

Settings: ``SNAP_POLITICAL_URL_TEMPLATE`` (``{year}`` in it; the real public bucket by default, a mirror or
a local server otherwise), ``SNAP_POLITICAL_FIRST_YEAR`` (2018) and ``SNAP_POLITICAL_LAST_YEAR`` (0: the
current year in UTC; the demo sets its own). Legal card: Snap publishes the files for anyone to download
(snap.com/political-ads, "Download the data"), no login and no API key.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

from spiders.bulk_multi import MultiFileBulkSpider
from spiders.parsers.snap_political import REQUIRED, SOURCE, header_key

DEFAULT_URL_TEMPLATE = "https://storage.googleapis.com/ad-manager-political-ads-dump/political/{year}/PoliticalAds.zip"
FIRST_YEAR = 2018  # the first year of Snap's political ads library


def years(settings) -> list[int]:
    """The years a crawl asks for: SNAP_POLITICAL_FIRST_YEAR to SNAP_POLITICAL_LAST_YEAR (0: this year)."""
    first = settings.getint("SNAP_POLITICAL_FIRST_YEAR", FIRST_YEAR) or FIRST_YEAR
    last = settings.getint("SNAP_POLITICAL_LAST_YEAR", 0) or dt.datetime.now(dt.UTC).year
    if first > last:
        raise ValueError(f"SNAP_POLITICAL_FIRST_YEAR ({first}) is after the last year asked for ({last}); set "
                         "sources.snap_political.first_year to a year up to the current one")
    return list(range(first, last + 1))


class SnapPoliticalSpider(MultiFileBulkSpider):
    name = SOURCE
    platform = "snap"
    item_kind = "snap_political"  # no items.jsonl: the files are the data
    file_name = "PoliticalAds.zip"
    url_setting = "SNAP_POLITICAL_URL_TEMPLATE"
    default_url = DEFAULT_URL_TEMPLATE
    magic = b"PK\x03\x04"
    expected = "Snap's PoliticalAds.zip"
    absent_is_normal = True  # a year Snap has not published yet answers 404
    absent_count = "years_not_published"
    file_noun = "years"

    @classmethod
    def manifest_scope(cls, scope: dict, settings) -> dict:
        return {"file": cls.file_name, "years": years(settings)}

    def file_keys(self) -> list[str]:
        return [str(year) for year in self.safe_scope["years"]]

    def url_for(self, key: str) -> str:
        return self.url_template.format(year=key)

    def entry_fields(self, key: str) -> dict:
        return {"year": int(key)}

    def check_file(self, path: Path) -> str | None:
        """The zip opens, every member's CRC checks out, and its CSVs carry Snap's columns."""
        try:
            with zipfile.ZipFile(path) as archive:
                broken = archive.testzip()
                if broken:
                    return f"{broken} inside the zip is damaged (CRC mismatch)"
                members = [n for n in archive.namelist() if n.lower().endswith(".csv")]
                if not members:
                    return f"the zip holds no CSV ({', '.join(archive.namelist()[:5]) or 'nothing'})"
                for member in members:
                    with archive.open(member) as handle:
                        first_line = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="replace").readline()
                    header = next(csv.reader([first_line]), [])
                    missing = [k for k in REQUIRED if k not in {header_key(h) for h in header}]
                    if missing:
                        return (f"{member}'s header ({', '.join(header[:8])}) lacks {', '.join(missing)}: Snap "
                                "changed the format, or this is another file")
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            return f"the download is not a readable zip ({error})"
        return None

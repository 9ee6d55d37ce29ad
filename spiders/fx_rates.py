"""What the two exchange-rate spiders share: a rate file is checked by parsing it whole.

The ``fx_rates`` source of DESIGN.md is two bulk-file spiders (spiders/bulk.py handles one file per
spider): ``fx_ecb`` (spiders/fx_ecb.py) and ``fx_worldbank`` (spiders/fx_worldbank.py). A download that the
rate parser refuses (cut short, another file, a changed format) never replaces the last good file.
"""

from __future__ import annotations

from pathlib import Path
from collections.abc import Callable
from typing import ClassVar

from spiders.bulk import BulkFileSpider

ITEM_KIND = "fx_rate"


class RateFileSpider(BulkFileSpider):
    platform = "reference"
    item_kind = ITEM_KIND
    magic = b"PK\x03\x04"
    parse_rates: ClassVar[Callable[..., list[dict]]]  # the source's parser (spiders/parsers/fx_*.py)

    def check_file(self, path: Path) -> str | None:
        """None when the rate parser reads the whole file, else what it found wrong."""
        try:
            records = self.parse_rates(path.read_bytes())
        except ValueError as error:
            return str(error)
        return None if records else "the file holds no rates"

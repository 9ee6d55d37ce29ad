"""The ECB's euro foreign exchange reference rates, whole history: ``eurofxref-hist.zip`` (one CSV, every
TARGET working day since 1999, units per 1 EUR), refreshed by the ECB each working day around 16:00 CET.

A bulk-file source (spiders/bulk.py): skipped when unchanged, resumed when cut, and checked by parsing it
with spiders/parsers/fx_ecb.py before it replaces the last good file. The warehouse loads it with
warehouse/load_fx.py. Setting ``ECB_FX_URL``: the ECB's own URL by default, a mirror or a local server
otherwise. Legal card: public, no login; the ECB publishes the rates "for information purposes only".
"""

from __future__ import annotations

from spiders.fx_rates import RateFileSpider
from spiders.parsers import fx_ecb


class FxEcbSpider(RateFileSpider):
    name = "fx_ecb"
    parse_rates = staticmethod(fx_ecb.parse)
    file_name = "eurofxref-hist.zip"
    url_setting = "ECB_FX_URL"
    default_url = fx_ecb.HIST_ZIP_URL
    expected = "the ECB's eurofxref-hist.zip"

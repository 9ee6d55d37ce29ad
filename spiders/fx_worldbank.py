"""The World Bank's official exchange rate (WDI indicator PA.NUS.FCRF, LCU per US$, yearly average): the
API's bulk CSV download, a zip of ``API_PA.NUS.FCRF_DS2_en_csv_v2_*.csv`` plus two ``Metadata_*`` CSVs.

It covers the currencies the ECB does not quote (BDT, NGN, KES, PKR, ...). A bulk-file source
(spiders/bulk.py), checked by parsing the zip's ``API_`` member with spiders/parsers/fx_worldbank.py; loaded
by warehouse/load_fx.py. Setting ``WORLDBANK_FX_URL``: the API's download URL by default. Legal card:
public, no key; World Development Indicators are licensed CC BY 4.0.
"""

from __future__ import annotations

from spiders.fx_rates import RateFileSpider
from spiders.parsers import fx_worldbank


class FxWorldBankSpider(RateFileSpider):
    name = "fx_worldbank"
    parse_rates = staticmethod(fx_worldbank.parse)
    file_name = "API_PA.NUS.FCRF_DS2_csv.zip"
    url_setting = "WORLDBANK_FX_URL"
    default_url = fx_worldbank.BULK_URL
    expected = "the World Bank's PA.NUS.FCRF zip"

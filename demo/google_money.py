"""Money as Google's political ads bundle writes it: one amount converted into every currency the release
publishes, each rounded to that currency's step; a creative's spend as a range whose bounds are Google's USD
bucket edges converted the same way.

How Google rounds is documented in warehouse/migrations/050_google.sql (measured on the June 2019 release
in ``../shared/realdata/google``): every amount of a currency is the nearest whole multiple of one step
(USD 100, EUR 50, INR 250, ...), so a week of USD 30 is written USD 0 and INR 2500. Those twelve steps are
the measured ones. The currencies Google added later (NZD, ILS, AUD, TWD, BRL, ARS, ZAR, CLP) have no
public sample, so their steps are chosen here in the same range (worth USD 15 to 80). Exchange rates are
rough figures (units per USD), used only to size the demo's amounts; for INR, BRL and ZAR they are the Meta
demo world's own (demo.world_texts), so both platforms' worlds agree.
"""

from __future__ import annotations

from demo.world_texts import COUNTRIES

# Currency -> (units per USD, rounding step), in the column order of the current release's files
# (the BigQuery copy's schema, GoogleCloudPlatform/public-datasets-pipelines, google_political_ads).
CURRENCIES: dict[str, tuple[float, int]] = {
    "USD": (1.0, 100), "EUR": (0.92, 50), "INR": (COUNTRIES["IN"]["per_usd"], 250), "BGN": (1.8, 25),
    "HRK": (6.93, 100), "CZK": (23.0, 1000), "DKK": (6.87, 500), "HUF": (360.0, 7500), "PLN": (4.0, 100),
    "RON": (4.6, 75), "SEK": (10.5, 750), "GBP": (0.79, 50),
    "NZD": (1.7, 100), "ILS": (3.7, 250), "AUD": (1.55, 50), "TWD": (32.0, 2500),
    "BRL": (COUNTRIES["BR"]["per_usd"], 250), "ARS": (1000.0, 50000), "ZAR": (COUNTRIES["ZA"]["per_usd"], 1000),
    "CLP": (950.0, 50000),
}
# Spend_<ISO> columns of the rounded files (advertiser-stats, -weekly-spend, -geo-spend, geo-spend): the
# BigQuery schema still lists HRK there.
ROUNDED_CURRENCIES = tuple(CURRENCIES)
# Spend_Range_Min/Max_<ISO> of creative-stats: HRK is gone since Croatia adopted the euro (2023).
RANGE_CURRENCIES = tuple(code for code in CURRENCIES if code != "HRK")

# Google's creative spend buckets in USD (the deprecated Spend_USD labels "≤ 100", "100-1k", "1k-50k",
# "50k-100k", "> 100k"); None: open at the top.
USD_SPEND_EDGES = (0, 100, 1_000, 50_000, 100_000, None)
# Google's impression buckets (README.txt): "≤ 10k, 10k–100k, 100k–1M, 1M–10M, > 10M".
IMPRESSION_BUCKETS = ((10_000, "≤ 10k"), (100_000, "10k-100k"), (1_000_000, "100k-1M"),
                      (10_000_000, "1M-10M"), (None, "> 10M"))


def round_to_step(amount: float, step: int) -> int:
    """The nearest whole multiple of ``step`` (halves go up), never below 0."""
    return max(0, int((amount + step / 2) // step) * step)


def convert_rounded(usd: float, currencies=ROUNDED_CURRENCIES) -> list[int]:
    """One true USD amount as Google publishes it: converted into each currency, each rounded on its own."""
    return [round_to_step(usd * CURRENCIES[code][0], CURRENCIES[code][1]) for code in currencies]


def spend_range(usd: float) -> tuple[float, float | None]:
    """The USD bucket (low, high) holding ``usd``; high None when open at the top."""
    edges = USD_SPEND_EDGES
    for low, high in zip(edges, edges[1:]):
        if high is None or usd < high:
            return low, high
    raise AssertionError("unreachable: the last bucket is open")


def convert_range(usd: float, currencies=RANGE_CURRENCIES) -> list[str]:
    """Spend_Range_Min/Max cells for every currency, min then max, the bucket edges converted and rounded;
    an open top is an empty cell."""
    low, high = spend_range(usd)
    cells: list[str] = []
    for code in currencies:
        rate, step = CURRENCIES[code]
        cells.append(str(round_to_step(low * rate, step)))
        cells.append("" if high is None else str(round_to_step(high * rate, step)))
    return cells


def impressions_label(impressions: float) -> str:
    for high, label in IMPRESSION_BUCKETS:
        if high is None or impressions < high:
            return label
    raise AssertionError("unreachable: the last bucket is open")

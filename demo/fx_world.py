"""The demo's exchange rates, written as the two sources publish them: the ECB's ``eurofxref-hist.zip``
(one CSV, ``Date,USD,JPY,...,`` with every currency the ECB ever quoted, ``N/A`` where it quoted none, newest
day first, TARGET working days only) and the World Bank's PA.NUS.FCRF bulk zip (the
``API_PA.NUS.FCRF_DS2_en_csv_v2_*.csv`` with its metadata lines, plus the two ``Metadata_*`` CSVs).

Rates cover the demo's simulated dates, two years before DEMO_START to 60 weeks after it, at 2026-like
levels anchored on the demo world's own units per US dollar (demo/world_texts.py), so converted figures
match the spend the world generated. Deterministic: same seed, same bytes (zip timestamps fixed), so a
second demo run finds the files unchanged. The formats are checked against the real files under
``../shared/realdata/fx`` by tests/test_demo_fx.py.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import zipfile
from dataclasses import dataclass

from demo.world import DEMO_START
from demo.world_texts import COUNTRIES

FIRST_DAY = DEMO_START.replace(year=DEMO_START.year - 2) - dt.timedelta(days=7)  # a rate before the first day
LAST_DAY = DEMO_START + dt.timedelta(weeks=60)
USD_PER_EUR = 1.17
# The ECB history's header, as in the real file: every currency ever quoted, in the ECB's order.
ECB_COLUMNS = ("USD JPY BGN CYP CZK DKK EEK GBP HUF LTL LVL MTL PLN ROL RON SEK SIT SKK CHF ISK NOK HRK RUB TRL "
               "TRY AUD BRL CAD CNY HKD IDR ILS INR KRW MXN MYR NZD PHP SGD THB ZAR").split()
# Quoted now: units per EUR at DEMO_START and the decimals the ECB writes. The demo world's currencies come
# from its own units per USD; the others are 2026-like levels.
_OTHER_PER_EUR = {"JPY": (183.0, 2), "CZK": (24.4, 3), "DKK": (7.4690, 4), "GBP": (0.8700, 5), "HUF": (385.0, 2),
                  "PLN": (4.22, 4), "RON": (5.09, 4), "SEK": (10.9, 4), "CHF": (0.93, 4), "ISK": (144.0, 2),
                  "NOK": (11.7, 4), "TRY": (50.0, 4), "AUD": (1.76, 4), "CAD": (1.61, 4), "CNY": (8.2, 4),
                  "HKD": (9.1, 4), "ILS": (3.75, 4), "KRW": (1690.0, 2), "MYR": (4.75, 4), "NZD": (2.02, 4),
                  "SGD": (1.5, 4), "THB": (37.0, 3)}
_DEMO_DECIMALS = {"BRL": 4, "IDR": 2, "INR": 4, "MXN": 4, "PHP": 3, "ZAR": 4}
BGN_FIXED = "1.9558"  # the lev's central rate; the ECB stopped quoting it when Bulgaria joined the euro
BGN_LAST_DAY = dt.date(2025, 12, 31)
# The World Bank's economies for the demo currencies the ECB does not quote.
WORLDBANK_ECONOMIES = {"BDT": ("Bangladesh", "BGD"), "KES": ("Kenya", "KEN"), "NGN": ("Nigeria", "NGA"),
                       "PKR": ("Pakistan", "PAK")}
WORLDBANK_FILE_ID = "9000001"  # the number the World Bank puts in its file names
WORLDBANK_UPDATED = LAST_DAY.isoformat()
_ZIP_TIME = (2026, 1, 5, 12, 0, 0)
# Where demo/bulk_server.py serves them: the real URLs' paths.
ECB_PATH = "/stats/eurofxref/eurofxref-hist.zip"
WORLDBANK_PATH = "/v2/en/indicator/PA.NUS.FCRF"


@dataclass(frozen=True)
class FxFiles:
    ecb_zip: bytes
    worldbank_zip: bytes
    last_modified: dt.datetime


def demo_per_usd() -> dict[str, float]:
    """Units per US dollar of each demo currency at DEMO_START (the world's own figures)."""
    return {facts["currency"]: float(facts["per_usd"]) for facts in COUNTRIES.values()}


def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (the anonymous algorithm of Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def target_working_day(day: dt.date) -> bool:
    """TARGET2 is closed on weekends, 1 January, Good Friday, Easter Monday, 1 May, 25 and 26 December."""
    if day.weekday() >= 5 or (day.month, day.day) in ((1, 1), (5, 1), (12, 25), (12, 26)):
        return False
    easter = _easter(day.year)
    return day not in (easter - dt.timedelta(days=2), easter + dt.timedelta(days=1))


def _format(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _paths(days: list[dt.date], seed: int) -> dict[str, list[float]]:
    """Per currency, a factor for each day: a slow drift over the period times a mean-reverting walk."""
    rng = random.Random(seed)
    factors = {}
    anchor = days.index(min(days, key=lambda d: abs((d - DEMO_START).days)))
    for currency in ["USD", *sorted(set(_OTHER_PER_EUR) | set(_DEMO_DECIMALS))]:
        drift = rng.uniform(-0.06, 0.06)  # over the whole period, in log terms
        step = 0.004
        if currency == "DKK":  # the krone is held close to its euro central rate (ERM II)
            drift, step = 0.0, 0.0002
        walk, series = 0.0, []
        for _ in days:
            walk = 0.97 * walk + rng.gauss(0, step)
            series.append(walk)
        factors[currency] = [math.exp(drift * (i - anchor) / len(days) + w - series[anchor])
                             for i, w in enumerate(series)]
    return factors


def ecb_history_csv(seed: int = 7) -> str:
    """The ECB history CSV for the demo period, newest day first."""
    days = [FIRST_DAY + dt.timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
    days = [day for day in days if target_working_day(day)]
    factors = _paths(days, seed)
    per_usd = demo_per_usd()
    lines = ["Date," + ",".join(ECB_COLUMNS) + ","]
    for index in reversed(range(len(days))):
        usd_per_eur = USD_PER_EUR * factors["USD"][index]
        cells = []
        for currency in ECB_COLUMNS:
            if currency == "USD":
                cells.append(_format(usd_per_eur, 4))
            elif currency in _DEMO_DECIMALS:  # the world's units per USD, times USD per EUR
                cells.append(_format(per_usd[currency] * USD_PER_EUR * factors[currency][index],
                                     _DEMO_DECIMALS[currency]))
            elif currency in _OTHER_PER_EUR:
                level, decimals = _OTHER_PER_EUR[currency]
                cells.append(_format(level * factors[currency][index], decimals))
            elif currency == "BGN" and days[index] <= BGN_LAST_DAY:
                cells.append(BGN_FIXED)
            else:
                cells.append("N/A")
        lines.append(days[index].isoformat() + "," + ",".join(cells) + ",")
    return "\n".join(lines) + "\n"


def worldbank_csv(seed: int = 11) -> str:
    """The PA.NUS.FCRF bulk CSV with the demo's economies: yearly averages up to the demo's last year."""
    rng = random.Random(seed)
    years = list(range(1960, LAST_DAY.year))  # a year's average is published after the year
    per_usd = demo_per_usd()
    head = ["Country Name", "Country Code", "Indicator Name", "Indicator Code", *map(str, years)]
    lines = ['"Data Source","World Development Indicators",', "",
             f'"Last Updated Date","{WORLDBANK_UPDATED}",', "",
             ",".join(f'"{cell}"' for cell in head) + ","]
    for currency, (name, economy) in sorted(WORLDBANK_ECONOMIES.items(), key=lambda item: item[1][0]):
        cells = [name, economy, "Official exchange rate (LCU per US$, period average)", "PA.NUS.FCRF"]
        for year in years:
            if year < FIRST_DAY.year:
                cells.append("")  # the demo's file starts with the demo's period
                continue
            # a currency that weakens a few percent a year, anchored on the world's figure for 2026
            level = per_usd[currency] * (1 + rng.uniform(0.02, 0.08)) ** (year - DEMO_START.year)
            cells.append(repr(round(level * rng.uniform(0.99, 1.01), 10)))
        lines.append(",".join(f'"{cell}"' for cell in cells) + ",")
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


def _zip(members: list[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members:
            archive.writestr(zipfile.ZipInfo(name, date_time=_ZIP_TIME), text.encode("utf-8"),
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def generate_fx_files() -> FxFiles:
    """Both zips, the same bytes on every call."""
    stem = f"API_PA.NUS.FCRF_DS2_en_csv_v2_{WORLDBANK_FILE_ID}.csv"
    economies = "\r\n".join(f'"{economy}","","","","{name}",' for name, economy in WORLDBANK_ECONOMIES.values())
    worldbank = _zip([
        (f"Metadata_Indicator_{stem}", '\ufeff"INDICATOR_CODE","INDICATOR_NAME","SOURCE_NOTE","SOURCE_ORGANIZATION",'
         '\r\n"PA.NUS.FCRF","Official exchange rate (LCU per US$, period average)","Demo data (generated, not '
         'real).","adtrail demo",\r\n'),
        (stem, worldbank_csv()),
        (f"Metadata_Country_{stem}", '\ufeff"Country Code","Region","IncomeGroup","SpecialNotes","TableName",\r\n'
         + economies + "\r\n"),
    ])
    return FxFiles(ecb_zip=_zip([("eurofxref-hist.csv", ecb_history_csv())]), worldbank_zip=worldbank,
                   last_modified=dt.datetime(*_ZIP_TIME, tzinfo=dt.UTC))

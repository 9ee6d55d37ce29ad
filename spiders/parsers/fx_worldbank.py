"""The World Bank's official exchange rate, WDI indicator PA.NUS.FCRF: the bulk CSV in, yearly rates out.

Source: World Bank, World Development Indicators, "Official exchange rate (LCU per US$, period average)"
(https://data.worldbank.org/indicator/PA.NUS.FCRF; bulk file
https://api.worldbank.org/v2/en/indicator/PA.NUS.FCRF?downloadformat=csv, ``API_PA.NUS.FCRF_DS2_en_csv_v2_*.csv``).
The zip served there (the CSV plus ``Metadata_*`` CSVs) is read as it comes: its ``API_`` member is parsed.
It covers currencies the ECB does not quote (BDT, NGN, KES, PKR, EGP, ...), as yearly averages of the
IMF's International Financial Statistics official rate.

The file: UTF-8 with a BOM; four metadata lines (``"Data Source"``, blank, ``"Last Updated Date"``, blank);
then ``"Country Name","Country Code","Indicator Name","Indicator Code","1960",...,"2022",`` with one row
per economy (countries and aggregates such as "Euro area"), years as columns, an empty cell for no rate.

Rates are per economy in its local currency unit (LCU), so the ISO 4217 code is read from
``LCU_BY_ECONOMY``: mostly today's currency (the World Bank restates most redenominations, e.g. Ghana's
1960 figure is in today's cedis), but with the breaks the series really has (the euro adopters before
their switch, dollarised Ecuador and El Salvador, Zimbabwe, Zambia before 1972, Laos before 1980).

``rate_date`` is 1 January of the year: with "the latest rate on or before the amount's date", a date in
2022 then takes the 2022 average (the average of the period that contains it), never the year before.
``precision`` is ``"yearly_average"``. Where several economies share a currency (the euro, the CFA francs,
the US dollar, ...) every economy's figure is kept, and ``reference`` marks the one the conversion uses
(``REFERENCE_ECONOMY``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

SOURCE = "worldbank"
INDICATOR = "PA.NUS.FCRF"
BULK_URL = "https://api.worldbank.org/v2/en/indicator/PA.NUS.FCRF?downloadformat=csv"
_DOWNLOAD_AGAIN = f"download it again from {BULK_URL} (the API_PA.NUS.FCRF_*.csv inside the zip)"
_HEADER = ["Country Name", "Country Code", "Indicator Name", "Indicator Code"]
_RATE = re.compile(r"\d+(\.\d+)?([eE][-+]?\d+)?")
_MAX_CSV_BYTES = 50_000_000  # the indicator's CSV is about 200 kB; refuse a zip that would unpack to far more

# ISO 3166 alpha-3 (World Bank codes: XKX Kosovo, EMU euro area, CHI Channel Islands) -> ISO 4217 code of the
# LCU the series is written in, "CODE" or "OLD,NEW@first year of NEW". Checked against the 2023-09-15
# release (Croatia still in kuna there: 2022 = 7.16). Economies the file leaves empty need no entry.
_LCU_TABLE = """
ABW=AWG AFG=AFA,AFN@2002 AGO=AOA ALB=ALL AND=EUR ARE=AED ARG=ARS ARM=AMD ASM=USD ATG=XCD AUS=AUD AUT=ATS,EUR@1999
AZE=AZN BDI=BIF BEL=BEF,EUR@1999 BEN=XOF BFA=XOF BGD=BDT BGR=BGN BHR=BHD BHS=BSD BIH=BAM BLR=BYN BLZ=BZD
BMU=BMD BOL=BOB BRA=BRL BRB=BBD BRN=BND BTN=BTN BWA=BWP CAF=XAF CAN=CAD CHE=CHF CHL=CLP CHN=CNY CIV=XOF
CMR=XAF COD=CDF COG=XAF COL=COP COM=KMF CPV=CVE CRI=CRC CUB=CUP CUW=ANG CYM=KYD CYP=CYP,EUR@2008 CZE=CZK
DEU=DEM,EUR@1999 DJI=DJF DMA=XCD DNK=DKK DOM=DOP DZA=DZD ECU=ECS,USD@2000 EGY=EGP EMU=EUR ERI=ERN
ESP=ESP,EUR@1999 EST=EEK,EUR@2011 ETH=ETB FIN=FIM,EUR@1999 FJI=FJD FRA=FRF,EUR@1999 FRO=DKK FSM=USD GAB=XAF
GBR=GBP GEO=GEL GHA=GHS GIB=GIP GIN=GNF GMB=GMD GNB=XOF GNQ=XAF GRC=GRD,EUR@2001 GRD=XCD GRL=DKK GTM=GTQ
GUM=USD GUY=GYD HKG=HKD HND=HNL HRV=HRK HTI=HTG HUN=HUF IDN=IDR IMN=GBP IND=INR IRL=IEP,EUR@1999 IRN=IRR
IRQ=IQD ISL=ISK ISR=ILS ITA=ITL,EUR@1999 JAM=JMD JOR=JOD JPN=JPY KAZ=KZT KEN=KES KGZ=KGS KHM=KHR KIR=AUD
KNA=XCD KOR=KRW KWT=KWD LAO=LAJ,LAK@1980 LBN=LBP LBR=LRD LBY=LYD LCA=XCD LIE=CHF LKA=LKR LSO=LSL
LTU=LTL,EUR@2015 LUX=LUF,EUR@1999 LVA=LVL,EUR@2014 MAC=MOP MAR=MAD MCO=EUR MDA=MDL MDG=MGA MDV=MVR MEX=MXN
MHL=USD MKD=MKD MLI=XOF MLT=MTL,EUR@2008 MMR=MMK MNE=EUR MNG=MNT MNP=USD MOZ=MZN MRT=MRU MUS=MUR MWI=MWK
MYS=MYR NAM=NAD NCL=XPF NER=XOF NGA=NGN NIC=NIO NLD=NLG,EUR@1999 NOR=NOK NPL=NPR NRU=AUD NZL=NZD OMN=OMR
PAK=PKR PAN=PAB PER=PEN PHL=PHP PLW=USD PNG=PGK POL=PLN PRI=USD PRT=PTE,EUR@1999 PRY=PYG PYF=XPF QAT=QAR
ROU=RON RUS=RUB RWA=RWF SAU=SAR SDN=SDG SEN=XOF SGP=SGD SLB=SBD SLE=SLE SLV=SVC,USD@2001 SMR=ITL,EUR@1999
SOM=SOS SRB=RSD SSD=SSP STP=STN SUR=SRD SVK=SKK,EUR@2009 SVN=SIT,EUR@2007 SWE=SEK SWZ=SZL SXM=ANG SYC=SCR
SYR=SYP TCA=USD TCD=XAF TGO=XOF THA=THB TJK=TJS TKM=TMM TLS=USD TON=TOP TTO=TTD TUN=TND TUR=TRY TUV=AUD
TZA=TZS UGA=UGX UKR=UAH URY=UYU USA=USD UZB=UZS VCT=XCD VEN=VEF VIR=USD VNM=VND VUT=VUV WSM=WST XKX=EUR
YEM=YER ZAF=ZAR ZMB=ZMK,ZMW@1972 ZWE=ZWN,ZWL@2009
"""
# Notes on the breaks, from the figures themselves: Zimbabwe's up to 2008 are in the 2006 dollar (ZWN:
# 2006 = 164.5, the average of 101 thousand old dollars for seven months and 250 new ones for five);
# Zambia's 1960-1971 are 0.714 old kwacha (ZMK), from 1972 today's kwacha; Laos's before 1980 are in the kip
# replaced 100:1 in 1979; Turkmenistan's (1994-2001) in the manat replaced 5000:1 in 2009 (TMM);
# Venezuela's (to 2017) in the bolivar fuerte (VEF), not today's VES; Afghanistan's before 2002 in the
# afghani replaced 1000:1 that year (AFA, the fixed official rate: 1996-2001 = 47.5). Left as the World Bank
# labels them, for want of a code: Cambodia's riel before 1975, Iraq's dinar before 1971 (0.357, then ~2000).


def _read_lcu_table(text: str) -> dict[str, tuple[tuple[int, str], ...]]:
    table = {}
    for entry in text.split():
        economy, spec = entry.split("=")
        periods = []
        for part in spec.split(","):
            code, _, first_year = part.partition("@")
            periods.append((int(first_year) if first_year else 0, code))
        table[economy] = tuple(periods)
    return table


LCU_BY_ECONOMY = _read_lcu_table(_LCU_TABLE)

# For a currency several economies use, the economy whose series stands for it: the area's own row (euro
# area), the issuer (United States), or the seat of the issuing central bank (BCEAO Dakar, BEAC Yaounde,
# ECCB Basseterre, Central Bank of Curacao and Sint Maarten, Reserve Bank of Australia, Bank of England,
# Danmarks Nationalbank, Swiss National Bank, Banca d'Italia; IEOM's XPF: French Polynesia and New
# Caledonia carry identical figures).
REFERENCE_ECONOMY = {
    "EUR": "EMU", "USD": "USA", "XOF": "SEN", "XAF": "CMR", "XCD": "KNA", "ANG": "CUW", "AUD": "AUS",
    "GBP": "GBR", "DKK": "DNK", "CHF": "CHE", "ITL": "ITA", "XPF": "PYF",
}


def currency_of(economy: str, year: int) -> str | None:
    periods = LCU_BY_ECONOMY.get(economy)
    if periods is None:
        return None
    return [code for first_year, code in periods if first_year <= year][-1]


def series_of(economy: str) -> str:
    return f"{INDICATOR}.{economy}"


def _metadata_and_table(text: str) -> tuple[str | None, list[list[str]], int]:
    lines = text.splitlines()
    if not lines or not lines[0].startswith('"Data Source"'):
        raise ValueError(f"line 1 is {lines[0][:60]!r}, not '\"Data Source\",\"World Development Indicators\"': "
                         f"not a World Bank WDI bulk CSV; {_DOWNLOAD_AGAIN}" if lines else
                         f"the file is empty; {_DOWNLOAD_AGAIN}")
    last_updated = None
    for line_number, line in enumerate(lines, start=1):
        cells = next(csv.reader([line])) if line.strip() else []
        if cells[:1] == ["Last Updated Date"] and len(cells) > 1:
            last_updated = cells[1]
        if cells[:1] == ["Country Name"]:
            return last_updated, list(csv.reader(lines[line_number - 1:])), line_number
        if line_number >= 10:
            break
    raise ValueError("the header line (\"Country Name\",\"Country Code\",...) is not within the first lines: "
                     f"the World Bank changed the layout, or the file is not the bulk CSV; {_DOWNLOAD_AGAIN}")


def parse(body: bytes, *, source_url: str | None = None) -> list[dict]:
    """One record per non-empty cell: ``units_per_usd`` of the economy's currency, the year's average."""
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].lower().startswith((b"<!doctype html", b"<html")):
        raise ValueError(f"got an HTML page, not the World Bank CSV: the download was probably redirected to "
                         f"an error page; {_DOWNLOAD_AGAIN}")
    if body.startswith(b"PK"):
        body = data_member(body)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (byte {error.start}); {_DOWNLOAD_AGAIN}") from None
    last_updated, rows, header_line = _metadata_and_table(text)
    header = [cell.strip() for cell in rows[0]]
    while header and header[-1] == "":
        header.pop()
    years = header[4:]
    if header[:4] != _HEADER or not years or not all(re.fullmatch(r"\d{4}", year) for year in years):
        raise ValueError(f"line {header_line}: the header changed: expected {', '.join(_HEADER)} then years, got "
                         f"{', '.join(header[:6])} ...; spiders/parsers/fx_worldbank.py needs updating")
    records, unknown, economies_seen = [], {}, {}
    for line_number, row in enumerate(rows[1:], start=header_line + 1):
        if not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row]
        while len(cells) > len(header) and cells[-1] == "":
            cells.pop()
        if len(cells) != len(header):
            raise ValueError(f"line {line_number}: {len(cells)} cells where the header has {len(header)}; the file "
                             f"may have been cut short: {_DOWNLOAD_AGAIN}")
        name, economy, _, indicator = cells[:4]
        if economy in economies_seen:
            raise ValueError(f"line {line_number}, column Country Code: {economy} again (first on line "
                             f"{economies_seen[economy]}); {_DOWNLOAD_AGAIN}")
        economies_seen[economy] = line_number
        if indicator != INDICATOR:
            raise ValueError(f"line {line_number}, column Indicator Code: {indicator!r}, not {INDICATOR} "
                             f"(official exchange rate); give the PA.NUS.FCRF file")
        for year, rate_text in zip(years, cells[4:], strict=True):
            if rate_text == "":
                continue
            if not _RATE.fullmatch(rate_text) or float(rate_text) <= 0:
                raise ValueError(f"line {line_number}, column {year} ({economy}): {rate_text!r} is not a rate "
                                 f"(expected a positive number, or empty for none); {_DOWNLOAD_AGAIN}")
            currency = currency_of(economy, int(year))
            if currency is None:
                unknown[economy] = name
                continue
            records.append({
                "currency": currency,
                "rate_date": dt.date(int(year), 1, 1).isoformat(),
                "units_per_usd": float(rate_text),
                "base": "USD",
                "source": SOURCE,
                "precision": "yearly_average",
                "series": series_of(economy),
                "rate_text": rate_text,
                "source_url": source_url,
                "economy": economy,
                "economy_name": name,
                "published": last_updated,
            })
    if unknown:
        listed = ", ".join(f"{code} ({name})" for code, name in sorted(unknown.items()))
        raise ValueError(f"rates for economies whose currency adtrail does not know: {listed}; add them to "
                         f"LCU_BY_ECONOMY in spiders/parsers/fx_worldbank.py, or import their rates as a user "
                         f"table (adtrail fx import)")
    _mark_reference(records)
    return records


def data_member_name(names: list[str]) -> str | None:
    """The rates CSV among a bulk zip's members (``API_PA.NUS.FCRF_DS2_*.csv``; the ``Metadata_*`` CSVs
    describe economies and the indicator, and hold no rates)."""
    found = [name for name in names
             if name.rsplit("/", 1)[-1].startswith(f"API_{INDICATOR}_") and name.lower().endswith(".csv")]
    return found[0] if len(found) == 1 else None


def data_member(body: bytes) -> bytes:
    """The rates CSV of the zip the World Bank serves at ``BULK_URL``."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            names = archive.namelist()
            name = data_member_name(names)
            if name is None:
                raise ValueError(f"the zip holds {names}, not one API_{INDICATOR}_DS2_*.csv; {_DOWNLOAD_AGAIN}, "
                                 f"or unzip it and give the API_PA.NUS.FCRF_DS2_*.csv inside")
            if archive.getinfo(name).file_size > _MAX_CSV_BYTES:
                raise ValueError(f"{name} would unpack to {archive.getinfo(name).file_size:,} bytes, far more "
                                 f"than the indicator's CSV (about 200 kB): not the World Bank file; {_DOWNLOAD_AGAIN}")
            return archive.read(name)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise ValueError(f"the zip is damaged or cut short ({error}); {_DOWNLOAD_AGAIN}, or unzip it and give the "
                         "API_PA.NUS.FCRF_DS2_*.csv inside") from None


def _mark_reference(records: list[dict]) -> None:
    """Which economy's figure stands for a currency in a year: its only user, or ``REFERENCE_ECONOMY``."""
    users: dict[tuple[str, str], set[str]] = {}
    for record in records:
        users.setdefault((record["currency"], record["rate_date"]), set()).add(record["economy"])
    for record in records:
        economies = users[(record["currency"], record["rate_date"])]
        record["reference"] = (len(economies) == 1
                               or REFERENCE_ECONOMY.get(record["currency"]) == record["economy"])


def parse_file(path: Path) -> Iterator[dict]:
    """``adtrail parse worldbank-fx FILE``: the records of a local bulk CSV, its ``file://`` URL as source_url."""
    yield from parse(Path(path).read_bytes(), source_url=Path(path).resolve().as_uri())

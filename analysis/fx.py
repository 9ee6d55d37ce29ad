"""The rule that turns an amount in any currency into US dollars, read from ``analysis/assumptions.toml``.

The rule (its ``[fx]`` table): which sources to try for each currency and in what order, how long a daily
rate or a yearly average may stand for a later day, the rule in words, and each source's citation with
the date it was read. ``install_fx_rule`` puts it into the warehouse, where the ``fx_usd_rate_at`` and
``fx_to_usd`` macros (``warehouse/migrations/040_fx.sql``) apply it at query time; ``describe_rate`` says
in words what a converted figure rests on, for showing beside it.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse import fx as warehouse_fx

DEFAULT_ASSUMPTIONS = Path(__file__).resolve().parent / "assumptions.toml"
SOURCES = ("user", "ecb", "worldbank")
PRECISIONS = ("daily", "yearly_average")
_INTERVAL = re.compile(r"\d+ (day|days|month|months|year|years)")
_CURRENCY = re.compile(r"[A-Z]{3}")
_KINDS = {int: "a whole number", dt.date: "a date (2026-12-01)", str: "text", dict: "a table"}
_SOURCE_NAMES = {"ecb": "ECB", "worldbank": "World Bank", "user": "your table"}


@dataclass(frozen=True)
class FxSource:
    name: str
    title: str
    citation: str | None
    read: dt.date | None
    note: str | None


@dataclass(frozen=True)
class FxRule:
    version: int
    date: dt.date
    text: str
    default_order: tuple[str, ...]
    order_by_currency: dict[str, tuple[str, ...]]
    valid_for: dict[str, str]  # precision -> DuckDB interval, e.g. "7 days"
    sources: dict[str, FxSource]

    def source_order(self, currency: str) -> tuple[str, ...]:
        return self.order_by_currency.get(currency, self.default_order)


def _order(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or any(source not in SOURCES for source in value) \
            or len(set(value)) != len(value):
        raise ValueError(f"{where} must be a list of distinct sources from {list(SOURCES)}, got {value!r}")
    return tuple(value)


def read_fx_rule(path: str | Path = DEFAULT_ASSUMPTIONS) -> FxRule:
    """The ``[fx]`` rule of an assumptions file; ``ValueError`` naming the file and key when it is wrong."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML ({error})") from None
    fx = document.get("fx")
    if not isinstance(fx, dict):
        raise ValueError(f"{path}: no [fx] table (the currency conversion rule)")

    def need(key: str, kind: type, where: str = "fx", table: dict | None = None):
        value = (fx if table is None else table).get(key)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
            raise ValueError(f"{path}: {where}.{key} must be {_KINDS[kind]}, got {value!r}")
        return value

    version, date, text = need("version", int), need("date", dt.date), need("rule", str).strip()
    if not text:
        raise ValueError(f"{path}: fx.rule is empty; write the rule in words")
    default_order = _order(fx.get("default_order"), f"{path}: fx.default_order")
    order_by_currency = {}
    for currency, order in need("order", dict).items():
        if not _CURRENCY.fullmatch(currency):
            raise ValueError(f"{path}: fx.order.{currency} is not an ISO 4217 code such as BDT")
        order_by_currency[currency] = _order(order, f"{path}: fx.order.{currency}")
    valid_for = need("valid_for", dict)
    for precision in PRECISIONS:
        if not isinstance(valid_for.get(precision), str) or not _INTERVAL.fullmatch(valid_for[precision]):
            raise ValueError(f"{path}: fx.valid_for.{precision} must be a duration such as \"7 days\" or "
                             f"\"2 years\", got {valid_for.get(precision)!r}")
    if set(valid_for) - set(PRECISIONS):
        raise ValueError(f"{path}: fx.valid_for has unknown precisions {sorted(set(valid_for) - set(PRECISIONS))}")
    sources = {}
    used = set(default_order).union(*order_by_currency.values())
    for name in used:
        table = need("sources", dict).get(name)
        if not isinstance(table, dict):
            raise ValueError(f"{path}: fx.sources.{name} is missing: every source used needs its citation")
        title = need("title", str, f"fx.sources.{name}", table)
        if name != "user":  # a published source is cited: where, and when it was read
            need("citation", str, f"fx.sources.{name}", table)
            need("read", dt.date, f"fx.sources.{name}", table)
        sources[name] = FxSource(name, title, table.get("citation"), table.get("read"), table.get("note"))
    return FxRule(version, date, text, default_order, order_by_currency, dict(valid_for), sources)


def install_fx_rule(con: duckdb.DuckDBPyConnection, rule: FxRule | None = None) -> bool:
    """Put the rule into the warehouse (the default assumptions file when none is given); False if already in."""
    rule = rule or read_fx_rule()
    source_order = [("*", source, rank) for rank, source in enumerate(rule.default_order, start=1)]
    for currency, order in sorted(rule.order_by_currency.items()):
        source_order += [(currency, source, rank) for rank, source in enumerate(order, start=1)]
    citations = [(s.name, s.title, s.citation, s.read, s.note) for s in rule.sources.values()]
    return warehouse_fx.store_fx_rule(con, version=rule.version, rule_date=rule.date, rule_text=rule.text,
                                      source_order=source_order, valid_for=rule.valid_for, citations=citations)


def describe_rate(conversion: dict) -> str:
    """What a USD figure rests on, in words, from a row of ``fx_usd_rate_at`` / ``fx_to_usd``."""
    if conversion.get("usd_per_unit") is None:
        return f"no exchange rate for {conversion.get('currency')} on {conversion.get('amount_date')}: no USD figure"
    if conversion["rate_source"] == "identity":
        return "in US dollars as published"
    source = _SOURCE_NAMES.get(conversion["rate_source"], conversion["rate_source"])
    if conversion["rate_precision"] == "yearly_average":
        kind = f"{source} yearly average rate, {conversion['rate_period']}"
    else:
        kind = f"{source} daily rate of {conversion['rate_period']}"
    via = " via EUR" if conversion["rate_base"] == "EUR" and conversion["currency"] != "EUR" else ""
    return f"{kind}{via} (fx rule v{conversion['fx_rule_version']})"

"""The conversion rule in analysis/assumptions.toml: read, checked, installed, and applied at query time."""

import datetime as dt
from pathlib import Path

import pytest

from analysis import fx as analysis_fx
from warehouse import db
from warehouse import fx as warehouse_fx

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fx"


def test_the_shipped_rule_is_complete_and_cited():
    rule = analysis_fx.read_fx_rule()
    assert rule.version >= 1 and isinstance(rule.date, dt.date)
    assert "on or before" in rule.text and "never 0" in rule.text
    assert rule.default_order == ("user", "ecb", "worldbank")
    assert rule.valid_for == {"daily": "7 days", "yearly_average": "2 years"}
    for name in ("ecb", "worldbank"):
        source = rule.sources[name]
        assert source.citation.startswith("https://") and isinstance(source.read, dt.date)
    assert rule.source_order("BDT") == rule.default_order


def _rule_file(tmp_path, replace: tuple[str, str]) -> Path:
    text = analysis_fx.DEFAULT_ASSUMPTIONS.read_text()
    assert replace[0] in text
    text = text.replace(*replace)
    path = tmp_path / "assumptions.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (("version = 1", 'version = "one"'), "fx.version must be a whole number"),
        (('default_order = ["user", "ecb", "worldbank"]', 'default_order = ["ecb", "imf"]'), "fx.default_order"),
        (('daily = "7 days"', 'daily = "a week"'), "fx.valid_for.daily must be a duration"),
        (("[fx.order]", '[fx.order]\nTaka = ["worldbank"]'), "fx.order.Taka is not an ISO 4217 code"),
        (("citation = \"https://data.worldbank.org", "cite = \"https://data.worldbank.org"),
         "fx.sources.worldbank.citation must be text"),
        (("[fx]", "[fx"), "not valid TOML"),
    ],
)
def test_a_wrong_rule_names_the_key(tmp_path, replace, message):
    with pytest.raises(ValueError) as error:
        analysis_fx.read_fx_rule(_rule_file(tmp_path, replace))
    assert message in str(error.value) and "assumptions.toml" in str(error.value)


def test_a_file_without_the_rule(tmp_path):
    path = tmp_path / "assumptions.toml"
    path.write_text("[revenue_share]\nversion = 1\n")
    with pytest.raises(ValueError, match=r"assumptions\.toml: no \[fx\] table"):
        analysis_fx.read_fx_rule(path)


def test_a_changed_rule_applies_to_history_without_rewriting_rates(tmp_path):
    con = db.connect(tmp_path / "adtrail.duckdb")
    assert analysis_fx.install_fx_rule(con) is True
    assert analysis_fx.install_fx_rule(con) is False  # the same version: nothing to do
    warehouse_fx.import_rates_file(con, FIXTURES / "eurofxref-hist-sample.csv")
    warehouse_fx.import_rates_file(con, FIXTURES / "wdi-fcrf-sample.csv")
    rates = con.execute("SELECT count(*), max(loaded_at)::VARCHAR FROM fx_rate").fetchall()
    (before,) = warehouse_fx.usd_rates_at(con, [("EUR", "2024-01-03")])
    assert (before["rate_source"], before["usd_per_unit"], before["fx_rule_version"]) == ("ecb", 1.0919, 1)

    # version 2 prefers the World Bank for the euro: its 2023 average, 0.925 EUR per USD (the fixture)
    path = _rule_file(tmp_path, ("[fx.order]", '[fx.order]\nEUR = ["worldbank", "ecb"]'))
    path.write_text(path.read_text().replace("version = 1", "version = 2"))
    rule = analysis_fx.read_fx_rule(path)
    assert rule.source_order("EUR") == ("worldbank", "ecb") and rule.source_order("INR") == rule.default_order
    assert analysis_fx.install_fx_rule(con, rule) is True
    (after,) = warehouse_fx.usd_rates_at(con, [("EUR", "2024-01-03")])
    assert (after["rate_source"], after["rate_period"], after["fx_rule_version"]) == (
        "worldbank", "2023 average", 2)
    assert after["usd_per_unit"] == pytest.approx(1 / 0.925)
    (inr,) = warehouse_fx.usd_rates_at(con, [("INR", "2024-01-03")])
    assert inr["rate_source"] == "ecb" and inr["usd_per_unit"] == pytest.approx(1.0919 / 90.8810)
    assert con.execute("SELECT count(*), max(loaded_at)::VARCHAR FROM fx_rate").fetchall() == rates
    citations = dict(con.execute("SELECT source, citation_url FROM fx_rule_citation").fetchall())
    assert citations["worldbank"] == "https://data.worldbank.org/indicator/PA.NUS.FCRF"

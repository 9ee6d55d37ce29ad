"""Legal cards: every configured source and every spider has one, with every field; the defaults they state
match the configuration; docs/sources.md is the rendering of analysis/legal_cards.toml."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
import scrapy

import config
from analysis.legal_cards import FIELDS, load_cards, render_markdown
from spiders import settings

CARDS = load_cards()
DOCS = Path(__file__).resolve().parents[1] / "docs" / "sources.md"


def spider_names() -> set[str]:
    names = set()
    for module_name in settings.SPIDER_MODULES:
        module = importlib.import_module(module_name)
        names |= {cls.name for _, cls in inspect.getmembers(module, inspect.isclass)
                  if issubclass(cls, scrapy.Spider) and cls.__module__ == module_name and getattr(cls, "name", None)}
    return names


@pytest.mark.parametrize("source", sorted(config.DEFAULTS["sources"]))
def test_every_configured_source_has_a_card(source):
    assert source in CARDS, f"add a card for {source} to analysis/legal_cards.toml"


def test_every_spider_has_a_card():
    names = spider_names()
    assert "linkedin_ad_library" in names and "meta_ads_archive" in names
    assert sorted(names - set(CARDS)) == []


@pytest.mark.parametrize("source", sorted(CARDS))
def test_cards_are_complete(source):
    card = CARDS[source]
    assert [name for name in FIELDS if card.get(name) in (None, "", [])] == []
    assert card["default"] in ("on", "off")
    assert isinstance(card["login_needed"], bool)


@pytest.mark.parametrize("source", sorted(set(CARDS) & set(config.DEFAULTS["sources"])))
def test_card_default_matches_the_configuration(source):
    enabled = config.DEFAULTS["sources"][source]["enabled"]
    assert CARDS[source]["default"] == ("on" if enabled else "off")


def test_docs_are_the_rendered_cards():
    assert DOCS.read_text(encoding="utf-8") == render_markdown(CARDS), "run python -m analysis.legal_cards"

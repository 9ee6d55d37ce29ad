"""Sources and data quality (DESIGN.md "Sources", "The app"; issue 4, item 6): one card per source from
``analysis/legal_cards.toml`` (terms read and when, official route, login needed, the stance taken) beside
what happened to that source in the snapshot shown (``snapshot_source`` through the named query
``snapshot_sources``): complete or failed, the error it stopped with, its counts and the scope it asked for.

A source that failed keeps what it fetched, but nothing is inferred from it. Error texts and scopes come
from crawls and sources: they are shown as plain text, never as Markdown or HTML.
"""

from __future__ import annotations

import json

import polars as pl
import streamlit as st

from analysis.legal_cards import load_cards
from app_pages import common

NOT_IN_SNAPSHOT = "not in this snapshot"


def _json_value(value):
    return json.loads(value) if isinstance(value, str) else value


def counts_text(counts) -> str:
    """A crawl's counts as one line: "pages 3 · items 250 · http_429 1" (zero counts left out)."""
    counts = _json_value(counts) or {}
    shown = [f"{name} {value:,}" if isinstance(value, int) else f"{name} {value}"
             for name, value in counts.items() if value not in (0, None, "", [], {})]
    return " · ".join(shown) or "all zero"


def status_table(cards: dict[str, dict], outcomes: dict[str, dict]) -> pl.DataFrame:
    """One row per source: its card's summary and its outcome in the snapshot (sources without a card too)."""
    names = list(cards) + sorted(name for name in outcomes if name not in cards)
    rows = []
    for name in names:
        card, outcome = cards.get(name, {}), outcomes.get(name, {})
        rows.append({
            "Source": name,
            "Title": card.get("title", "(no legal card)"),
            "Default": card.get("default"),
            "Login needed": None if not card else ("yes" if card["login_needed"] else "no"),
            "In this snapshot": outcome.get("source_status", NOT_IN_SNAPSHOT),
            "Items loaded": outcome.get("items_loaded"),
            "Finish reason": outcome.get("finish_reason"),
            "Error": outcome.get("error"),
        })
    return pl.DataFrame(rows, schema={"Source": pl.String, "Title": pl.String, "Default": pl.String,
                                      "Login needed": pl.String, "In this snapshot": pl.String,
                                      "Items loaded": pl.Int64, "Finish reason": pl.String, "Error": pl.String})


def show_card(name: str, card: dict, outcome: dict | None) -> None:
    with st.container(border=True):
        st.subheader(card["title"], anchor=False)
        st.caption(f"Source {name} · {card['default']} by default")
        st.text(f"Terms read: {'; '.join(card['terms_read'])} ({card['terms_read_when']})")
        st.text(f"Official route: {card['official_route']}")
        st.text(f"Login needed: {'yes' if card['login_needed'] else 'no'}: {card['login']}")
        st.text(f"Stance: {card['stance']}")
        show_outcome(outcome)


def show_outcome(outcome: dict | None) -> None:
    if outcome is None:
        st.info("Not in this snapshot: the source was off or not asked for.")
        return
    items = common.plural(outcome["items_loaded"] or 0, "item")
    if outcome["source_status"] == "failed":
        st.error(f"Failed in this snapshot: what it fetched ({items}) is kept, but nothing is inferred from it.")
        st.text(f"Finish reason: {outcome['finish_reason'] or '(none given)'}")
        st.text(f"Error: {outcome['error'] or '(no message)'}")
    else:
        st.success(f"Complete in this snapshot: {items} loaded.")
    st.text(f"Crawl: {outcome['crawl_id']}")
    st.text(f"Counts: {counts_text(outcome['counts'])}")
    if outcome.get("cursor"):
        st.text(f"Next page not yet fetched: {outcome['cursor']}")
    with st.expander("Scope asked for"):
        st.json(_json_value(outcome["scope"]) or {}, expanded=True)


def render() -> None:
    reader = common.published_reader()
    st.title("Sources and data quality")
    snapshot = common.snapshot_picker(reader)
    st.caption(f"{snapshot.label().capitalize()} · legal cards from analysis/legal_cards.toml (none was re-read "
               "online for this version: read the current terms before relying on one) · published copy "
               f"{reader.copy_path.name}")
    common.keep_in_url({"snapshot": str(snapshot.snapshot_id)})
    frame = reader.query("snapshot_sources", snapshot_id=snapshot.snapshot_id)
    outcomes = {row["source"]: row for row in frame.to_dicts()}
    cards = load_cards()
    table = status_table(cards, outcomes)
    statuses = table["In this snapshot"].to_list()
    columns = st.columns(3)
    columns[0].metric("Complete", statuses.count("complete"))
    columns[1].metric("Failed", statuses.count("failed"))
    columns[2].metric("Not in this snapshot", statuses.count(NOT_IN_SNAPSHOT))
    st.dataframe(table, hide_index=True)
    common.download_table(table, "sources", snapshot)
    for name, card in cards.items():
        show_card(name, card, outcomes.get(name))
    for name in sorted(set(outcomes) - set(cards)):
        with st.container(border=True):
            st.subheader(name, anchor=False)
            st.warning("This source has no legal card: add one to analysis/legal_cards.toml.")
            show_outcome(outcomes[name])

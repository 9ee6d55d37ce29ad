"""The legal card of each source (analysis/legal_cards.toml): terms read and when, official route, login, stance.

``load_cards`` reads the file for the Sources page and the docs; ``render_markdown`` writes docs/sources.md
from it, so the two never disagree (tests/test_legal_cards.py holds them together).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

CARDS_FILE = Path(__file__).resolve().with_name("legal_cards.toml")
FIELDS = ("title", "terms_read", "terms_read_when", "official_route", "login_needed", "login", "default", "stance")


def load_cards(path: Path = CARDS_FILE) -> dict[str, dict]:
    """Cards by source name, in the file's order."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


def render_markdown(cards: dict[str, dict]) -> str:
    lines = ["# Sources: legal cards", "",
             "One card per source: which terms were read and when, the official route, whether a login is needed,",
             "and the stance adtrail takes. Generated from `analysis/legal_cards.toml` (`python -m analysis.legal_cards`",
             "rewrites this file). None of these documents was re-read online for this version: read the current",
             "text before relying on a card.", ""]
    for source, card in cards.items():
        lines += [f"## `{source}`: {card['title']}", "",
                  f"- **Terms read:** {'; '.join(card['terms_read'])} ({card['terms_read_when']})",
                  f"- **Official route:** {card['official_route']}",
                  f"- **Login needed:** {'yes' if card['login_needed'] else 'no'}: {card['login']}",
                  f"- **Default:** {card['default']}",
                  f"- **Stance:** {card['stance']}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "docs" / "sources.md"
    target.write_text(render_markdown(load_cards()), encoding="utf-8")

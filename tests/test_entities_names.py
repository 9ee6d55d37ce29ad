"""The name rule at a snapshot's scale: the cheap bounds that skip most pairs never drop a match, names match
only within a role, and a first word shared by very many names compares equal skeletons only."""

from __future__ import annotations

import difflib
import itertools
import random
import re

from analysis.entity_names import _CLOSE_RATIO, _LARGEST_BLOCK, name_candidates
from analysis.normalise import skeleton

WORDS = ["Partido", "Popular", "Alliance", "Party", "Movement", "Nacional", "Foundation", "Dhaka", "Lagos", "Youth",
         "Pаrty", "Allianсe", "Justiça", "Frente", "Forum"]  # two with Cyrillic look-alike letters


def generated_names(count: int, seed: int) -> dict[str, list[tuple[str, str, str]]]:
    """Entities (root -> [(identifier, name, role)]) with names sharing first words, near spellings and
    look-alike letters, two identifiers per entity."""
    chooser = random.Random(seed)
    names: dict[str, list] = {}
    for number in range(count):
        name = " ".join([chooser.choice(WORDS[:3])] + chooser.sample(WORDS, chooser.randint(1, 3)))
        if number % 4 == 0:
            name = name[:-1]  # a letter short
        role = "payer" if number % 5 == 0 else "advertiser"
        names.setdefault(f"root{number // 2}", []).append((f"meta_page_id:{number}", name, role))
    return names


def plain_confidence(first: str, second: str) -> float | None:
    """The rule's confidence in its plainest form (no shortcut): equal skeletons, one extending the other word
    for word, or a difflib similarity of the skeletons of at least 0.88."""
    a, b = skeleton(first), skeleton(second)
    if a == b:
        return 0.9 if first.casefold() == second.casefold() else 0.85
    shorter, longer = sorted((re.findall(r"\w+", a), re.findall(r"\w+", b)), key=len)
    if longer[:len(shorter)] == shorter:
        return round(0.4 + 0.4 * len(" ".join(shorter)) / len(" ".join(longer)), 3)
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    return round(0.8 * ratio, 3) if ratio >= _CLOSE_RATIO else None


def test_candidates_equal_every_pair_compared_in_full():
    names = generated_names(300, seed=4)
    expected = {}
    entries = [(root, key, name, role) for root, rows in names.items() for key, name, role in rows]
    for (root_a, key_a, name_a, role_a), (root_b, key_b, name_b, role_b) in itertools.combinations(entries, 2):
        if root_a == root_b or role_a != role_b or name_a.split()[0] != name_b.split()[0]:
            continue
        confidence = plain_confidence(name_a, name_b)
        if confidence:
            pair = tuple(sorted((root_a, root_b)))
            expected[pair] = max(expected.get(pair, 0), confidence)
    found = {}
    for identifier_a, identifier_b, _, _, _, confidence in name_candidates(names):
        root_a, root_b = (next(root for root, rows in names.items() if any(row[0] == key for row in rows))
                          for key in (identifier_a, identifier_b))
        found[tuple(sorted((root_a, root_b)))] = confidence
    assert len(expected) > 100  # the comparison means something: many pairs, of every kind of match
    assert found == expected


def test_names_match_within_a_role_only():
    names = {"page": [("meta_page_id:1", "Parti Exemple", "advertiser")],
             "payer": [("paid_for_by:meta:payer:parti exemple", "Parti Exemple", "payer")],
             "tiktok_payer": [("paid_for_by:tiktok:payer:parti exemple", "Parti Exemple", "payer")]}
    assert [row[:2] for row in name_candidates(names)] == [
        ("paid_for_by:meta:payer:parti exemple", "paid_for_by:tiktok:payer:parti exemple")]


def test_a_very_common_first_word_compares_equal_skeletons_only():
    names = {f"root{number}": [(f"meta_page_id:{number}", f"Partido Número {number}", "advertiser")]
             for number in range(_LARGEST_BLOCK + 1)}
    names["twin"] = [("google_advertiser_id:AR1", "Partido Número 7", "advertiser")]
    names["near"] = [("google_advertiser_id:AR2", "Partido Númerο 8", "advertiser")]  # Greek omicron: a look-alike
    found = {(row[0], row[1]) for row in name_candidates(names)}
    assert found == {("google_advertiser_id:AR1", "meta_page_id:7"), ("google_advertiser_id:AR2", "meta_page_id:8")}

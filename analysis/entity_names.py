"""Name matches between entities (DESIGN.md "Scores, entities and evidence": names are candidates, never proof).

Two names match when their confusables skeletons (analysis/normalise.py) are equal, when one extends the
other word for word, or when they differ by a few letters (difflib similarity of the skeletons at least
0.88); each match has its reason in words and a confidence below 1. Names are compared among those sharing
a role and a first word; analysis/entities.py records the matches as candidates for review.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict

from analysis.normalise import fold, skeleton

_CLOSE_RATIO = 0.88  # difflib ratio of two skeletons from which names count as "differing by a few letters"
_LARGEST_BLOCK = 400  # names sharing a first word compared pairwise up to this many; beyond, only equal skeletons
_WORD = re.compile(r"\w+")


def name_match(first: str, second: str) -> tuple[str, float] | None:
    """Why two names may be one organisation's, and how confident that is (never 1), or None."""
    return _match(_compared(first), _compared(second))


def _compared(name: str) -> tuple[str, str, list[str]]:
    """A name as compared, worked out once per name: (name, its skeleton, the skeleton's words)."""
    shape = skeleton(name) or ""
    return name, shape, _WORD.findall(shape)


def _match(first_compared: tuple, second_compared: tuple) -> tuple[str, float] | None:
    first, a, words_a = first_compared
    second, b, words_b = second_compared
    if not a or not b:
        return None
    if a == b:
        if fold(first) != fold(second):
            return f"same name once look-alike letters are read as Latin: {first!r} / {second!r}", 0.85
        return f"same name after normalisation: {first!r} / {second!r}", 0.9
    shorter, longer = sorted((words_a, words_b), key=len)
    if shorter and longer[:len(shorter)] == shorter:
        share = len(" ".join(shorter)) / len(" ".join(longer))
        return f"one name extends the other word for word: {first!r} / {second!r}", round(0.4 + 0.4 * share, 3)
    # the similarity is at most 2·min(lengths)/(sum of lengths), and at most quick_ratio: both far cheaper, and
    # most pairs of a snapshot's thousands of names fail them (every snapshot compares them)
    if 2 * min(len(a), len(b)) / (len(a) + len(b)) < _CLOSE_RATIO:
        return None
    matcher = difflib.SequenceMatcher(None, a, b)
    if matcher.quick_ratio() < _CLOSE_RATIO:
        return None
    ratio = matcher.ratio()
    if ratio >= _CLOSE_RATIO:
        return f"names differ by a few letters (similarity {ratio:.2f}): {first!r} / {second!r}", round(0.8 * ratio, 3)
    return None


def name_candidates(names: dict[str, list[tuple[str, str, str]]]) -> list[tuple]:
    """Pairs of entities whose names match: (identifier_a, identifier_b, name_a, name_b, reason, confidence).
    Names are compared within one role: a page and the "paid for by" line of the same name are two roles
    (an organisation paying for its own ads), never a name match to review; an override can still merge them."""
    blocks = defaultdict(list)
    for root, entries in names.items():
        for key, name, role in dict.fromkeys(entries):
            compared = _compared(name)
            if compared[2]:
                blocks[role, compared[2][0]].append((root, key, compared))
    found = {}
    for entries in blocks.values():
        groups = [entries]
        if len(entries) > _LARGEST_BLOCK:  # only equal skeletons: grouped by it, not compared pairwise
            by_skeleton = defaultdict(list)
            for entry in entries:
                by_skeleton[entry[2][1]].append(entry)
            groups = [group for group in by_skeleton.values() if len(group) > 1]
        for group in groups:
            _match_pairs(group, found)
    return list(found.values())


def _match_pairs(entries: list[tuple], found: dict) -> None:
    """Every pair of ``entries`` (root, key, compared name) of two entities whose names match, into ``found``
    keyed by the two roots (the most confident match of the two entities kept)."""
    for i, (root_a, key_a, compared_a) in enumerate(entries):
        for root_b, key_b, compared_b in entries[i + 1:]:
            if root_a == root_b:
                continue
            match = _match(compared_a, compared_b)
            if match is None:
                continue
            (first, first_name), (second, second_name) = sorted(((key_a, compared_a[0]), (key_b, compared_b[0])))
            pair = tuple(sorted((root_a, root_b)))
            best = found.get(pair)
            if best is None or match[1] > best[5]:
                found[pair] = (first, second, first_name, second_name, *match)

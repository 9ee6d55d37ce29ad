"""JSON objects embedded in a web page's scripts, found by their assignment and cut out by a balanced-brace scan.

YouTube's pages carry their data as ``var ytInitialPlayerResponse = {...};`` (also written
``window["ytInitialPlayerResponse"] = {...};`` or ``ytInitialData = {...}``) followed by more script on the
same line. A regular expression over the whole object cannot know where it ends (titles and descriptions hold
``};`` and unbalanced braces inside strings), so the object is scanned character by character: braces and
brackets are counted outside JSON strings, and a string ends at an unescaped quote. The scan also records
where each top-level key starts, so evidence can quote the page at the exact place a key was found.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass


class EmbeddedJsonError(ValueError):
    """An assignment was found but what follows it is not a whole JSON object."""


class ObjectNeverCloses(EmbeddedJsonError):
    """The text ends inside the object: the page was cut short."""


@dataclass(frozen=True)
class EmbeddedObject:
    value: dict
    start: int  # offset of the opening brace in the text
    end: int  # offset just after the closing brace
    top_level_keys: dict[str, int]  # each top-level key -> offset of its opening quote in the text


def _assignment(name: str) -> re.Pattern[str]:
    # `var NAME = {`, `window["NAME"] = {`, `window.NAME = {`, `NAME = {`; never `= window['NAME']` (a read).
    return re.compile(
        r"""(?:\bvar\s+|\blet\s+|\bconst\s+|\bwindow\s*\[\s*["']|\bwindow\.|(?<![\w.$'"]))"""
        + re.escape(name) + r"""(?:["']\s*\])?\s*=\s*(?=\{)"""
    )


def scan_object(text: str, start: int) -> tuple[int, dict[str, int]]:
    """End offset (after the closing brace) of the JSON object opening at ``text[start]``, and the offsets of
    its top-level keys. Raises EmbeddedJsonError when the text runs out before the object closes."""
    if text[start] != "{":
        raise EmbeddedJsonError(f"expected '{{' at offset {start}, found {text[start:start + 20]!r}")
    depth = 0
    keys: dict[str, int] = {}
    index = start
    length = len(text)
    while index < length:
        char = text[index]
        if char == '"':
            string_start = index
            index += 1
            while index < length and text[index] != '"':
                index += 2 if text[index] == "\\" else 1
            if index >= length:
                break
            if depth == 1:
                # A string at depth 1 followed by a colon is a key of the object itself.
                after = index + 1
                while after < length and text[after] in " \t\r\n":
                    after += 1
                if after < length and text[after] == ":":
                    keys.setdefault(json.loads(text[string_start:index + 1]), string_start)
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return index + 1, keys
        index += 1
    raise ObjectNeverCloses(
        f"the object opening at offset {start} never closes (the page ends inside it): the page was probably "
        "cut short; fetch it again"
    )


def find_assigned_object(text: str, name: str) -> EmbeddedObject | None:
    """The first JSON object assigned to ``name`` in ``text``, or None when the page has no such assignment.

    Assignments whose value is not valid JSON (script that merely mentions the name) are skipped; when every
    assignment is broken, EmbeddedJsonError says why."""
    last_error: EmbeddedJsonError | None = None
    for match in _assignment(name).finditer(text):
        brace = match.end()
        try:
            end, keys = scan_object(text, brace)
            value = json.loads(text[brace:end])
        except EmbeddedJsonError as error:
            last_error = error
            continue
        except json.JSONDecodeError as error:
            last_error = EmbeddedJsonError(f"{name} at offset {brace} is not valid JSON ({error.msg})")
            continue
        if isinstance(value, dict):
            return EmbeddedObject(value, brace, end, keys)
    if last_error is not None:
        raise type(last_error)(f"{name}: {last_error}")
    return None


def whole_object(text: str) -> EmbeddedObject:
    """A document that is one JSON object (an API response), with its top-level key offsets."""
    start = len(text) - len(text.lstrip("\ufeff \t\r\n"))
    if start >= len(text) or text[start] != "{":
        raise EmbeddedJsonError(f"not a JSON object: it starts with {text[start:start + 40]!r}")
    end, keys = scan_object(text, start)
    try:
        value = json.loads(text[start:end])
    except json.JSONDecodeError as error:
        raise EmbeddedJsonError(f"not valid JSON ({error.msg} at offset {error.pos})") from None
    if text[end:].strip():
        raise EmbeddedJsonError(f"text follows the JSON object at offset {end}: {text[end:end + 40]!r}")
    return EmbeddedObject(value, start, end, keys)

"""Incremental reading of one large JSON object whose big member is a list, in bounded memory.

Used by spiders/parsers/sellers_json.py: a sellers.json file (Google's has over a million sellers) is one
object with a ``sellers`` list. ``JsonObjectStream`` walks the top-level object token by token and hands
out each member's value whole, except the members named as *streamed*, whose list elements are handed out
one at a time. Each value is decoded by the standard library's C scanner (``json.JSONDecoder.raw_decode``)
on a text buffer that holds the current value and one chunk, never the whole file.

Chunk boundaries fall anywhere (inside a multi-byte UTF-8 character, a string, a number, ``true``): a
value is accepted only when at least one character follows it, or the input has ended, so ``12`` cut as
``1|2`` is never read as ``1``. A value that does not decode is retried with more input until the input
ends or ``MAX_VALUE_CHARS`` are waiting, so a broken file is reported where it breaks (line, column)
without reading the rest of it into memory.

Numbers are kept as their text (``JsonNumber``, a ``str``), so ``1.0`` stays ``"1.0"`` and a 20-digit
seller id is never rounded through a float.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

MAX_VALUE_CHARS = 4 << 20  # a single value (one seller) longer than this is treated as broken input
_WHITESPACE = re.compile(r"[ \t\n\r]*")  # JSON's four whitespace characters (RFC 8259 §2)


class JsonNumber(str):
    """A JSON number kept as the exact text the file wrote."""


class JsonStreamError(ValueError):
    """The input is not the JSON expected; ``where`` is 'line L, column C' and ``offset`` the character."""

    def __init__(self, message: str, *, line: int, column: int, offset: int, found: str):
        self.line, self.column, self.offset, self.found = line, column, offset, found
        self.where = f"line {line}, column {column}"
        super().__init__(f"{message} at {self.where} (found {found!r})")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


# strict=False lets a raw tab or newline inside a string through (RFC 8259 forbids it, real files have it,
# and it harms nothing: the caller strips what it normalises). NaN and Infinity are refused.
_DECODER = json.JSONDecoder(parse_int=JsonNumber, parse_float=JsonNumber, parse_constant=_reject_constant,
                            strict=False)


@dataclass
class Member:
    """One event of the walk: a whole member (``key``, ``value``), or one element of a streamed list
    (``key``, ``value``, ``index``), with the element's exact JSON text in ``text``."""

    key: str
    value: object
    text: str
    index: int | None = None


class JsonObjectStream:
    """Reads one top-level JSON object from byte chunks; see the module docstring."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        # utf-8-sig drops a byte-order mark; an invalid byte becomes U+FFFD and is counted, never fatal.
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self.buffer = ""
        self.pos = 0
        self.eof = False
        self._dropped_chars = 0  # characters removed from the buffer's front so far
        self._dropped_lines = 0  # newlines among them
        self._dropped_column = 0  # characters of the current line among them (a minified file is one line)
        self.replaced_characters = 0  # bytes that were not UTF-8
        self.trailing_commas = 0  # `,]` tolerated in a streamed list

    # ---- input

    def _more(self) -> bool:
        """Append the next chunk to the buffer (dropping what was consumed); False at the end of input."""
        if self.eof:
            return False
        if self.pos:
            newlines = self.buffer.count("\n", 0, self.pos)
            last = self.buffer.rfind("\n", 0, self.pos)
            self._dropped_column = self.pos - last - 1 if newlines else self._dropped_column + self.pos
            self._dropped_lines += newlines
            self._dropped_chars += self.pos
            self.buffer = self.buffer[self.pos:]
            self.pos = 0
        for chunk in self._chunks:
            text = self._decoder.decode(chunk)
            if text:
                self.replaced_characters += text.count("\ufffd")
                self.buffer += text
                return True
        text = self._decoder.decode(b"", final=True)
        self.replaced_characters += text.count("\ufffd")
        self.buffer += text
        self.eof = True
        return bool(text)

    def opening(self, size: int = 200) -> str:
        """The first ``size`` characters of the input (reads them if needed), for telling what a file is."""
        while len(self.buffer) < size and self._dropped_chars == 0 and self._more():
            pass
        return self.buffer[:size] if self._dropped_chars == 0 else ""

    def _peek(self) -> str:
        """The next non-whitespace character ('' at the end of input), without consuming it."""
        while True:
            self.pos = _WHITESPACE.match(self.buffer, self.pos).end()
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more():
                return ""

    def error(self, message: str, at: int | None = None) -> JsonStreamError:
        at = self.pos if at is None else at
        line = self._dropped_lines + self.buffer.count("\n", 0, at) + 1
        last = self.buffer.rfind("\n", 0, at)
        column = at - last if last >= 0 else self._dropped_column + at + 1
        found = self.buffer[at:at + 20] or "the end of the file"
        return JsonStreamError(message, line=line, column=column, offset=self._dropped_chars + at, found=found)

    def _expect(self, allowed: str, what: str) -> str:
        char = self._peek()
        if not char or char not in allowed:
            raise self.error(f"invalid JSON: expected {what}")
        self.pos += 1
        return char

    def _value(self, what: str) -> tuple[object, str]:
        """Decode the value at the cursor whole; returns it and its exact text."""
        if not self._peek():
            raise self.error(f"invalid JSON: the file ends where {what} should be")
        start = self.pos
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, start)
            except ValueError as problem:
                if self.eof or len(self.buffer) - start > MAX_VALUE_CHARS:
                    at = getattr(problem, "pos", start)
                    detail = getattr(problem, "msg", str(problem)).removesuffix(" at")
                    raise self.error(f"invalid JSON in {what}: {detail}", at) from None
            else:
                if end < len(self.buffer) or self.eof:  # a number or literal may continue in the next chunk
                    self.pos = end
                    return value, self.buffer[start:end]
            self._more()
            start = self.pos  # _more moved the buffer's front; the value starts at the cursor still

    # ---- the walk

    def members(self, streamed: frozenset[str] = frozenset()) -> Iterator[Member]:
        """Every member of the top-level object, in file order; lists named in ``streamed`` element by
        element (``index`` set). Raises JsonStreamError where the input stops being that object."""
        self._expect("{", "'{' opening the object")
        if self._peek() == "}":
            self.pos += 1
        else:
            while True:
                if self._peek() != '"':
                    raise self.error("invalid JSON: expected a member name in double quotes")
                key, _ = self._value("a member name")
                self._expect(":", f"':' after the member name {key!r}")
                if key in streamed and self._peek() == "[":
                    self.pos += 1
                    yield from self._elements(key)
                else:
                    value, text = self._value(f"the value of {key!r}")
                    yield Member(key, value, text)
                if self._expect(",}", "',' or '}' after a member") == "}":
                    break
        if self._peek():
            raise self.error("more content after the end of the top-level object")

    def _elements(self, key: str) -> Iterator[Member]:
        index = 0
        if self._peek() == "]":
            self.pos += 1
            return
        while True:
            value, text = self._value(f"element {index} of {key!r}")
            yield Member(key, value, text, index)
            index += 1
            if self._expect(",]", f"',' or ']' after element {index - 1} of {key!r}") == "]":
                return
            if self._peek() == "]":  # `[..., ]`: not JSON, but common; counted, and the list ends here
                self.trailing_commas += 1
                self.pos += 1
                return

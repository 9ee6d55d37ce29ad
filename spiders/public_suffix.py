"""Root (registrable) domains by the Public Suffix List (publicsuffix.org, the list's own matching algorithm).

The list is read offline, never downloaded at run time: by default the copy the installed ``tldextract``
package ships inside its wheel (``tldextract/.tld_set_snapshot``, the PSL ``.dat`` text). To use an updated
list, download ``public_suffix_list.dat`` yourself and point ``ADTRAIL_PUBLIC_SUFFIX_LIST`` at it (or pass
``path=`` to :func:`load_public_suffix_list`). Both the ICANN and the private sections count, as browsers
count them (``github.io`` is a suffix, so ``user.github.io`` is a root domain of its own).

    root_domain("spiele.bild.de")  -> "bild.de"
    root_domain("www.bbc.co.uk")   -> "bbc.co.uk"
    public_suffix("a.b.kawasaki.jp") -> "b.kawasaki.jp"   (wildcard rule *.kawasaki.jp)
"""

from __future__ import annotations

import functools
import os
import pkgutil
from dataclasses import dataclass
from pathlib import Path

ENV_VARIABLE = "ADTRAIL_PUBLIC_SUFFIX_LIST"


class PublicSuffixListError(ValueError):
    """The list could not be read: says which file and what to do."""


@dataclass(frozen=True)
class PublicSuffixList:
    rules: frozenset[str]  # "co.uk", "*.kawasaki.jp" (labels lowercase, IDNs as punycode and as Unicode)
    exceptions: frozenset[str]  # "city.kawasaki.jp" from "!city.kawasaki.jp"
    origin: str  # where the list came from, for messages

    def public_suffix(self, host: str) -> str | None:
        """The longest matching public suffix of ``host``; the last label when no rule matches (PSL's "*")."""
        labels = _labels(host)
        if not labels:
            return None
        # PSL algorithm: an exception rule wins and its suffix is the rule minus its leftmost label; otherwise
        # the longest matching rule; a host matching no rule has the implicit rule "*" (its last label).
        for start in range(len(labels)):
            candidate = ".".join(labels[start:])
            if candidate in self.exceptions:
                return ".".join(labels[start + 1:])
            wildcard = "*." + ".".join(labels[start + 1:]) if start + 1 < len(labels) else None
            if candidate in self.rules or (wildcard is not None and wildcard in self.rules):
                return candidate
        return labels[-1]

    def root_domain(self, host: str) -> str | None:
        """The public suffix plus one label (the registrable domain); None for a bare suffix or no host."""
        labels = _labels(host)
        suffix = self.public_suffix(host)
        if suffix is None:
            return None
        suffix_length = suffix.count(".") + 1
        if len(labels) <= suffix_length:
            return None
        return ".".join(labels[-suffix_length - 1:])

    def is_public_suffix(self, host: str) -> bool:
        return bool(_labels(host)) and self.public_suffix(host) == ".".join(_labels(host))

    def knows_suffix(self, host: str) -> bool:
        """Whether an explicit rule (not only PSL's implicit "*") covers the host's last labels."""
        labels = _labels(host)
        for start in range(len(labels)):
            candidate = ".".join(labels[start:])
            wildcard = "*." + ".".join(labels[start + 1:]) if start + 1 < len(labels) else None
            if candidate in self.rules or candidate in self.exceptions or (wildcard and wildcard in self.rules):
                return True
        return False


def _labels(host: str) -> list[str]:
    host = (host or "").strip().strip(".").lower()
    if not host:
        return []
    return host.split(".")


def parse_list(text: str, *, origin: str) -> PublicSuffixList:
    """Rules from the PSL ``.dat`` text: one rule per line, ``//`` comments, ``!`` exceptions, ``*`` wildcards."""
    rules: set[str] = set()
    exceptions: set[str] = set()
    for line in text.splitlines():
        rule = line.strip().split()[0] if line.strip() else ""
        if not rule or rule.startswith("//"):
            continue
        rule = rule.lower()
        target = exceptions if rule.startswith("!") else rules
        rule = rule.lstrip("!")
        target.add(rule)
        try:  # the list writes IDNs in Unicode; hosts may come as punycode
            target.add(".".join(label if label == "*" else label.encode("idna").decode("ascii")
                                for label in rule.split(".")))
        except UnicodeError:
            pass
    if len(rules) < 1000:
        raise PublicSuffixListError(
            f"{origin}: only {len(rules)} rules: this is not the Public Suffix List; download "
            "https://publicsuffix.org/list/public_suffix_list.dat and point "
            f"{ENV_VARIABLE} at it"
        )
    return PublicSuffixList(frozenset(rules), frozenset(exceptions), origin)


@functools.lru_cache(maxsize=4)
def load_public_suffix_list(path: str | None = None) -> PublicSuffixList:
    """The list at ``path``, else at ``$ADTRAIL_PUBLIC_SUFFIX_LIST``, else tldextract's bundled snapshot."""
    path = path or os.environ.get("ADTRAIL_PUBLIC_SUFFIX_LIST") or None
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise PublicSuffixListError(
                f"cannot read the Public Suffix List {path} ({error.strerror}); fix the path in "
                f"{ENV_VARIABLE} or unset it to use the copy bundled with tldextract"
            ) from None
        return parse_list(text, origin=path)
    data = pkgutil.get_data("tldextract", ".tld_set_snapshot")
    if data is None:
        raise PublicSuffixListError(
            "the installed tldextract has no .tld_set_snapshot; install the pinned tldextract or point "
            f"{ENV_VARIABLE} at a downloaded public_suffix_list.dat"
        )
    return parse_list(data.decode("utf-8"), origin="tldextract/.tld_set_snapshot")


def root_domain(host: str) -> str | None:
    return load_public_suffix_list().root_domain(host)


def public_suffix(host: str) -> str | None:
    return load_public_suffix_list().public_suffix(host)

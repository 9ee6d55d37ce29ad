"""Sidebar and page widgets whose value starts from the URL's query string, for the pages after the
explorer: a value a link names that the snapshot does not offer is reported and left out, never silently
swapped for another. Each widget has a key of its own page (``coverage_country``), while the URL keeps
the short name (``country=``), so pages sharing a name do not share a chosen value. A link's values are
anyone's text: warnings quote them as code, so they are never read as Markdown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from app_pages import common


def quoted(value: str) -> str:
    """A value as a Markdown code span (its own backticks replaced): shown as written, never as Markdown."""
    return "`" + value.replace("`", "'") + "`"


def multiselect(label: str, url_key: str, widget_key: str, options: Sequence[str], *,
                format_func: Callable[[str], str] = str, where=None) -> list[str]:
    """A multiselect started from the URL's repeated ``url_key=``."""
    where = where or st.sidebar
    if widget_key not in st.session_state:
        wanted = common.url_values(url_key)
        unknown = [value for value in wanted if value not in options]
        if unknown:
            st.warning(f"The link's {url_key} filter names values this snapshot does not have; left out: "
                       + ", ".join(map(quoted, unknown)))
        st.session_state[widget_key] = [value for value in wanted if value in options]
    else:  # another snapshot may not offer what was chosen before
        st.session_state[widget_key] = [value for value in st.session_state[widget_key] if value in options]
    return where.multiselect(label, list(options), key=widget_key, format_func=format_func)


def selectbox(label: str, url_key: str, widget_key: str, options: Sequence[str], *,
              format_func: Callable[[str], str] = str, default: str | None = None, where=None) -> str | None:
    """A select box started from the URL's ``url_key=``, else ``default`` (when offered), else the first
    option; None without options."""
    where = where or st.sidebar
    if not options:
        return None
    fallback = default if default in options else options[0]
    if widget_key not in st.session_state:
        wanted = common.url_value(url_key)
        if wanted is not None and wanted not in options:
            st.warning(f"The link's {url_key}={quoted(wanted)} is not in this snapshot; showing "
                       f"{quoted(fallback)} instead.")
        st.session_state[widget_key] = wanted if wanted in options else fallback
    elif st.session_state[widget_key] not in options:
        st.session_state[widget_key] = fallback
    return where.selectbox(label, list(options), key=widget_key, format_func=format_func)


def text_input(label: str, url_key: str, widget_key: str, *, where=None) -> str | None:
    """A text box started from the URL's ``url_key=``; None when empty."""
    where = where or st.sidebar
    common.start_from_url(widget_key, common.url_value(url_key) or "")
    return where.text_input(label, key=widget_key).strip() or None

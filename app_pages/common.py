"""What every page of the app shares: the published snapshot it reads, the demo banner, the snapshot
picker, filters kept in the URL's query string, money shown as ranges, and CSV downloads.

The app reads only published copies (``warehouse.publish.open_published``, DESIGN.md "Readers"): one
cached read-only connection per copy, keyed by the file the ``current`` pointer names. A newly published
snapshot changes that name, so the next rerun opens it without a restart, while a page already running
finishes on the copy it started with. Queries run on a cursor of their own (DuckDB connections are not
shared between Streamlit's threads).

CSV exports follow RFC 4180; a text cell starting with = + - @ (or a tab or carriage return) gets a
leading apostrophe, so a spreadsheet shows it as text instead of running it as a formula (OWASP, "CSV
Injection"). The "Excel" variant is the same CSV with a UTF-8 byte order mark, which Excel needs to read
non-Latin scripts (Bengali, Devanagari) correctly.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import duckdb
import polars as pl
import streamlit as st

from warehouse.db import available_migrations, database_path, resolve_db_path, schema_version
from warehouse.demo_marker import DEMO_LABEL
from warehouse.publish import NothingPublishedError, current_published, open_published
from warehouse.queries import run_query

# Published copies kept open at once: the current one and the ones pages may still be reading.
OPEN_COPIES = 3
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff".encode("utf-8")
_cursor_lock = threading.Lock()


# ---------------------------------------------------------------- the published copy


def _close(connection: duckdb.DuckDBPyConnection) -> None:
    connection.close()


@st.cache_resource(max_entries=OPEN_COPIES, on_release=_close, show_spinner=False)
def _published_connection(copy_name: str, db_path: str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the copy ``current`` names; ``copy_name`` is the cache key only."""
    return open_published(db_path)


@dataclass(frozen=True)
class PublishedReader:
    db_path: Path  # the warehouse file the published copies belong to
    copy_path: Path  # the published copy this reader reads
    connection: duckdb.DuckDBPyConnection

    def query(self, name: str, /, **params) -> pl.DataFrame:
        """Run the named query (warehouse/queries/<name>.sql) on a cursor of this copy."""
        with _cursor_lock:
            cursor = self.connection.cursor()
        try:
            return run_query(cursor, name, **params)
        finally:
            cursor.close()

    def schema_version(self) -> int:
        """The newest migration applied to the warehouse this copy was published from."""
        with _cursor_lock:
            cursor = self.connection.cursor()
        try:
            return schema_version(cursor)
        finally:
            cursor.close()


def stop_page(message: str) -> NoReturn:
    """Show what went wrong and what to do, and end this run of the page."""
    st.error(message)
    st.stop()
    raise RuntimeError(message)  # st.stop() returns only outside a running app (bare Python)


def published_reader() -> PublishedReader:
    """The reader of the current published copy; stops the page with what to do when there is none."""
    db_path = resolve_db_path(None)
    try:
        copy = current_published(db_path)
        if copy is None:
            raise NothingPublishedError(
                f"nothing is published next to {db_path} yet: run adtrail snapshot (or adtrail demo) first, "
                "or point ADTRAIL_DB at a warehouse that has a published snapshot"
            )
        connection = _published_connection(copy.name, str(db_path))
    except NothingPublishedError as error:
        stop_page(f"No published snapshot to show. {error}")
    reader = PublishedReader(db_path, database_path(connection), connection)
    copy_version, app_version = reader.schema_version(), max(m.version for m in available_migrations())
    if copy_version < app_version:
        stop_page(
            f"The published copy {reader.copy_path.name} was made by an older adtrail (schema {copy_version}; this "
            f"app reads schema {app_version}). Publish again with this adtrail: adtrail snapshot (or adtrail load, "
            "adtrail fx import) migrates the warehouse and publishes a new copy."
        )
    return reader


def is_demo(reader: PublishedReader) -> bool:
    """True for a warehouse ``adtrail demo`` made: by the mark in the copy itself (``warehouse_label``,
    written by ``warehouse.demo_marker.mark_demo``), wherever the file lives."""
    labels = reader.query("warehouse_labels")
    return labels.filter(pl.col("key") == DEMO_LABEL)["value"].to_list() == ["true"]


def demo_banner(reader: PublishedReader) -> None:
    if is_demo(reader):
        st.warning(
            "DEMO DATA: generated by adtrail demo, not real ads, advertisers or amounts. "
            "Do not cite these figures.",
            icon=":material/science:",
        )


# ---------------------------------------------------------------- the URL's query string


def url_values(key: str) -> list[str]:
    return [value for value in st.query_params.get_all(key) if value != ""]


def url_value(key: str) -> str | None:
    values = url_values(key)
    return values[0] if values else None


def url_date(key: str) -> dt.date | None:
    value = url_value(key)
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        st.warning(f"The link's {key}= is not a date like 2026-01-31; it is ignored.")
        return None


def start_from_url(widget_key: str, value) -> None:
    """Give a widget its value from the URL the first time this session renders it."""
    if widget_key not in st.session_state:
        st.session_state[widget_key] = value


def keep_in_url(params: dict[str, str | list[str] | None]) -> None:
    """Write the page's state into the query string (empty values left out), so a copied URL reproduces it."""
    kept = {key: value for key, value in params.items() if value not in (None, "", [])}
    if st.query_params.to_dict() != kept or any(isinstance(v, list) for v in kept.values()):
        st.query_params.from_dict(kept)


# ---------------------------------------------------------------- the snapshot


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: int
    as_of: dt.date
    failed_sources: int

    def label(self) -> str:
        return f"snapshot {self.snapshot_id} (as of {self.as_of.isoformat()})"


def snapshot_picker(reader: PublishedReader) -> Snapshot:
    """The snapshot the page shows: from the URL's snapshot=, else the newest; a sidebar select box."""
    rows = reader.query("snapshots").to_dicts()
    if not rows:
        stop_page("The published copy holds no complete snapshot yet: run adtrail snapshot.")
    snapshots = {row["snapshot_id"]: Snapshot(row["snapshot_id"], row["as_of"], row["failed_sources"])
                 for row in rows}
    wanted = url_value("snapshot")
    if "snapshot" not in st.session_state:
        chosen = rows[0]["snapshot_id"]
        if wanted is not None:
            if wanted.isdigit() and int(wanted) in snapshots:
                chosen = int(wanted)
            else:
                st.error(
                    f"The link asks for snapshot {wanted}, which the published copy does not hold (it has "
                    f"{', '.join(str(s) for s in snapshots)}). Showing the newest, snapshot {chosen}."
                )
        st.session_state["snapshot"] = chosen
    elif st.session_state["snapshot"] not in snapshots:  # a new copy no longer holds it
        st.session_state["snapshot"] = rows[0]["snapshot_id"]
    snapshot_id = st.sidebar.selectbox(
        "Snapshot", list(snapshots), key="snapshot", format_func=lambda s: snapshots[s].label().capitalize(),
        help="Each weekly snapshot is kept; a link names its snapshot, so it shows the same figures later.",
    )
    return snapshots[snapshot_id]


# ---------------------------------------------------------------- money


def _number(value, rounding, whole: bool) -> str:
    if whole:
        return f"{rounding(value):,.0f}"
    return f"{rounding(value * 100) / 100:,.2f}"


def range_text(low, high, unit: str | None, *, open_top: bool = False) -> str:
    """A money range for people: "1,100–2,198 BDT", "at least 100,000 BDT" when the top is unknown.

    Whole units once the range reaches 10, cents below. Rounded outwards (low down, high up), so a
    converted range never claims more than it knows. ``open_top``: the top is unknown even if ``high``
    has a value.
    """
    unit = f" {unit}" if unit else " (no currency given)"
    if low is None:
        return "no amount"
    top = None if open_top else high
    whole = max(low, top if top is not None else low) >= 10 or (
        math.floor(low) == low and (top is None or math.ceil(top) == top))
    low_text = _number(low, math.floor, whole)
    if top is None:
        return f"at least {low_text}{unit}"
    high_text = _number(top, math.ceil, whole)
    return f"{low_text}{unit}" if low_text == high_text else f"{low_text}–{high_text}{unit}"


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def rate_text(row: dict) -> str:
    """Which rates a USD figure rests on and their precision: "ecb daily, 2026-01-05 to 2026-01-08"."""
    by_platform = row.get("ads_converted_by_platform") or 0
    platform_note = f"; {plural(by_platform, 'ad')} in USD as the platform converted it" if by_platform else ""
    if not row["usd_rates_used"]:
        return "not loaded"
    if row["usd_rates_used"] == "identity exact":
        return "none needed (amounts in USD)" + platform_note
    first, last = row["usd_rate_period_first"], row["usd_rate_period_last"]
    return f"{row['usd_rates_used']}, {first}" + (f" to {last}" if last != first else "") + platform_note


# ---------------------------------------------------------------- CSV downloads


def neutralise_formula(text: str) -> str:
    """Prefix text a spreadsheet would run as a formula with an apostrophe."""
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, decimal.Decimal)):
        return str(value)  # numbers stay numbers: a negative amount is not a formula
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return neutralise_formula("; ".join("" if item is None else str(item) for item in value))
    return neutralise_formula(str(value))


def csv_bytes(frame: pl.DataFrame, *, excel: bool = False) -> bytes:
    """The table as CSV in UTF-8 (with a byte order mark when ``excel``), formula cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise_formula(name) for name in frame.columns])
    for row in frame.iter_rows():
        writer.writerow([_cell(value) for value in row])
    data = buffer.getvalue().encode("utf-8")
    return UTF8_BOM + data if excel else data


def download_table(frame: pl.DataFrame, table_name: str, snapshot: Snapshot) -> None:
    """Two buttons: the table as CSV, and as CSV for Excel (UTF-8 with BOM)."""
    stem = f"adtrail-{table_name}-snapshot-{snapshot.snapshot_id}"
    row = st.container(horizontal=True)
    row.download_button("Download CSV", csv_bytes(frame), file_name=f"{stem}.csv", mime="text/csv",
                         key=f"csv-{table_name}", on_click="ignore", icon=":material/download:")
    row.download_button("CSV for Excel (UTF-8 with BOM)", csv_bytes(frame, excel=True),
                          file_name=f"{stem}-excel.csv", mime="text/csv", key=f"excel-{table_name}",
                          on_click="ignore", icon=":material/download:")

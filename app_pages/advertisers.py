"""Advertisers across platforms (issue 4, item 8; DESIGN.md "Scores, entities and evidence"): the entities of
the snapshot shown, each organisation with its identifiers per platform and role (a Meta page, a Google
advertiser id, a TikTok business id, a Snap organisation, registration numbers, verified domains, "paid for
by" lines), and the name matches awaiting a person's review, with their reason and confidence.

Read-only: identifiers merge by themselves, name matches merge only when confirmed in the command line
(``adtrail entities review --confirm ID`` / ``--reject ID``) or an overrides file. Names are the platforms'
own, shown as text. The queries are warehouse/queries/entities.sql and entity_candidates.sql; the search
and platform filters live in the URL (q=, platform=).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages import choices, common

PLATFORMS = ("google", "linkedin", "meta", "snap", "tiktok")


def entity_table(identifiers: pl.DataFrame) -> pl.DataFrame:
    entities = identifiers.unique("entity_id", keep="first", maintain_order=True)
    return pl.DataFrame({
        "Entity": entities["entity_id"].to_list(),
        "Name": entities["display_name"].to_list(),
        "Platforms": [", ".join(p) for p in entities["platforms"].to_list()],
        "Roles": [", ".join(r) for r in entities["roles"].to_list()],
        "Identifiers": entities["identifiers"].to_list(),
    }, schema={"Entity": pl.String, "Name": pl.String, "Platforms": pl.String, "Roles": pl.String,
               "Identifiers": pl.Int64})


def identifier_table(identifiers: pl.DataFrame) -> pl.DataFrame:
    return identifiers.select(
        pl.col("entity_id").alias("Entity"), pl.col("display_name").alias("Entity name"),
        pl.col("platform").alias("Platform"), pl.col("id_kind").alias("Identifier kind"),
        pl.col("value").alias("Identifier (as written)"), pl.col("role").alias("Role"),
        pl.col("name").alias("Name shown with it"), pl.col("joined_by").alias("Joined by"))


def candidate_table(candidates: pl.DataFrame) -> pl.DataFrame:
    rows = candidates.to_dicts()
    return pl.DataFrame({
        "Candidate": [row["candidate_id"] for row in rows],
        "Name A": [row["name_a"] for row in rows],
        "Identifier A": [row["identifier_a"] for row in rows],
        "Name B": [row["name_b"] for row in rows],
        "Identifier B": [row["identifier_b"] for row in rows],
        "Reason": [row["reason"] for row in rows],
        "Confidence": [f"{row['confidence']:.2f}" for row in rows],
        "Seen in snapshots": [f"{row['first_snapshot_id']}" if row["first_snapshot_id"] == row["last_snapshot_id"]
                              else f"{row['first_snapshot_id']}–{row['last_snapshot_id']}" for row in rows],
    }, schema={"Candidate": pl.Int64, "Name A": pl.String, "Identifier A": pl.String, "Name B": pl.String,
               "Identifier B": pl.String, "Reason": pl.String, "Confidence": pl.String,
               "Seen in snapshots": pl.String})


def render() -> None:
    reader = common.published_reader()
    st.title("Advertisers across platforms")
    snapshot = common.snapshot_picker(reader)
    search = choices.text_input("Name or identifier contains", "q", "advertisers_q")
    platforms = choices.multiselect("Platform", "platform", "advertisers_platform", PLATFORMS)
    common.keep_in_url({"snapshot": str(snapshot.snapshot_id), "q": search, "platform": platforms})
    st.caption(f"{snapshot.label().capitalize()} · identifiers merge by themselves (the same platform id, "
               "registration number or verified domain); names are not proof · published copy "
               f"{reader.copy_path.name}")
    if search:
        st.text(f"Search: {search}")
    identifiers = reader.query("entities", snapshot_id=snapshot.snapshot_id, search=search,
                               platforms=platforms or None)
    candidates = reader.query("entity_candidates", status="candidate", search=search)
    entities = entity_table(identifiers)
    columns = st.columns(3)
    columns[0].metric("Entities", f"{entities.height:,}")
    across = identifiers.filter(pl.col("platform_count") > 1)["entity_id"].n_unique()
    columns[1].metric("On more than one platform", f"{across:,}")
    columns[2].metric("Name matches awaiting review", f"{candidates.height:,}")

    st.subheader("Organisations", anchor=False)
    if entities.is_empty():
        st.text("No entity in this snapshot matches these filters. Entities are resolved by adtrail entities review.")
    st.dataframe(entities, hide_index=True)
    common.download_table(entities, "entities", snapshot)
    st.subheader("Their identifiers, per platform and role", anchor=False)
    st.caption("A payer or beneficiary (\"paid for by\") is its own identifier: paying for a page's ads never merges "
               "the payer into the page. Joined by: identifier (automatic), confirmed_candidate, override.")
    identifier_rows = identifier_table(identifiers)
    st.dataframe(identifier_rows, hide_index=True)
    common.download_table(identifier_rows, "entity-identifiers", snapshot)

    st.subheader("Name matches awaiting review", anchor=False)
    st.caption("Two names that may be one organisation's, never merged until a person confirms them. Review in "
               "the command line: adtrail entities review --confirm ID (or --reject ID). This page only reads.")
    candidate_rows = candidate_table(candidates)
    st.dataframe(candidate_rows, hide_index=True)
    common.download_table(candidate_rows, "entity-candidates", snapshot)

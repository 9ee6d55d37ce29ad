"""Who pays this site? (issue 5, item 6; DESIGN.md "Money", flows as edges): pick a site, app or channel of
the monetisation graph and see its edges, each with basis and evidence: the seller accounts its ads.txt or
app-ads.txt authorises (disclosed), with the seller's sellers.json entry and the supply-chain check, and what
its pages were seen doing (observed: YouTube ad slots, ad systems a rendered page called, and whatever else
the named query ``who_pays_site`` returns). Then: which sites and apps does one seller account sell
(``sites_of_seller``), with seller-id pooling flagged.

Declared and observed chains, not proven payments. Every text here (domains, seller names, evidence lines)
comes from sources and is shown as text in tables. The picks live in the URL (recipient=, seller=).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from app_pages import choices, common

# Columns of who_pays_site / sites_of_seller the page names itself, in display order; any other column the
# query returns is shown after them under its own name.
EDGE_COLUMNS = {
    "edge": "Edge", "basis": "Basis", "recipient_kind": "Kind", "recipient": "Site, app or channel",
    "recipient_root": "Root domain", "owner_domain": "Owner (OWNERDOMAIN or root)",
    "ad_system_domain": "Ad system", "seller_id": "Seller id", "relationship": "Relationship",
    "seller_name": "Seller (sellers.json) or channel", "seller_type": "Seller type",
    "seller_domain": "Seller domain", "sellers_json_check": "Check", "pooled": "Pooled",
    "bidder": "Bidder", "advertiser_domains": "Advertiser domains", "declared_and_observed": "Declared and observed",
    "evidence": "Evidence", "evidence_url": "Evidence URL", "evidence_table": "Evidence table",
    "evidence_key": "Evidence key", "seller_evidence": "Seller evidence (sellers.json entry)",
    "seller_evidence_url": "Seller evidence URL",
}
HIDDEN = {"snapshot_id"}
SEP = "/"  # seller accounts in the URL: seller=<ad system>/<seller id>


def shown_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """The query's columns under readable names (lists joined), known ones first."""
    known = [c for c in EDGE_COLUMNS if c in frame.columns]
    other = [c for c in frame.columns if c not in EDGE_COLUMNS and c not in HIDDEN]
    return frame.select(
        *[(pl.col(c).list.join(", ") if frame.schema[c] == pl.List(pl.String) else pl.col(c)).alias(EDGE_COLUMNS[c])
          for c in known],
        *[(pl.col(c).list.join(", ") if frame.schema[c] == pl.List(pl.String) else pl.col(c)).alias(c.replace("_", " "))
          for c in other])


def recipient_label(recipients: dict[str, dict]):
    def label(recipient: str) -> str:
        row = recipients[recipient]
        title = f" ({row['channel_title']})" if row["channel_title"] else ""
        return f"{row['recipient_kind']}: {recipient}{title}"
    return label


def show_recipient(snapshot, edges: pl.DataFrame) -> None:
    columns = st.columns(3)
    columns[0].metric("Edges", f"{edges.height:,}")
    columns[1].metric("Disclosed", f"{edges.filter(pl.col('basis') == 'disclosed').height:,}")
    columns[2].metric("Observed", f"{edges.filter(pl.col('basis') == 'observed').height:,}")
    st.caption("Disclosed: what the site declares (ads.txt, app-ads.txt) and the ad system's sellers.json says. "
               "Observed: what its pages carried or called when fetched. Neither proves a payment.")
    table = shown_columns(edges)
    st.dataframe(table, hide_index=True)
    common.download_table(edges, "who-pays", snapshot)


def account_of(edge: dict) -> str:
    return f"{edge['ad_system_domain']}{SEP}{edge['seller_id']}"


def show_seller(reader, snapshot, account: str) -> None:
    ad_system, seller_id = account.split(SEP, 1)
    sites = reader.query("sites_of_seller", snapshot_id=snapshot.snapshot_id, ad_system_domain=ad_system,
                         seller_id=seller_id)
    owners = sites.filter(pl.col("relationship") == "DIRECT")["owner_domain"].n_unique()
    st.metric("Sites and apps with this account", f"{sites['recipient'].n_unique():,}",
              help="Declaring it in ads.txt or app-ads.txt, or seen selling through it on a rendered page.")
    if sites.height and sites["pooled"].any():
        st.warning(f"Seller-id pooling: this account is declared DIRECT by sites of {owners} different owners. "
                   "One seller account for unrelated sites hides who is paid.")
    st.dataframe(shown_columns(sites), hide_index=True)
    common.download_table(sites, "sites-of-seller", snapshot)


def render() -> None:
    reader = common.published_reader()
    st.title("Who pays this site?")
    snapshot = common.snapshot_picker(reader)
    recipients = {row["recipient"]: row for row in
                  reader.query("monetisation_recipients", snapshot_id=snapshot.snapshot_id).to_dicts()}
    accounts = [account_of(row) for row in
                reader.query("monetisation_seller_accounts", snapshot_id=snapshot.snapshot_id).to_dicts()]
    recipient = choices.selectbox("Site, app or channel", "recipient", "who_pays_recipient", list(recipients),
                                  format_func=recipient_label(recipients))
    edges = reader.query("who_pays_site", snapshot_id=snapshot.snapshot_id, recipient=recipient) \
        if recipient is not None else None
    # unless a link names one: the first seller account the chosen site declares
    declared = [account_of(edge) for edge in edges.to_dicts() if edge["seller_id"]] if edges is not None else []
    account = choices.selectbox("Seller account (ad system / seller id)", "seller", "who_pays_seller", accounts,
                                default=next(iter(declared), None))
    common.keep_in_url({"snapshot": str(snapshot.snapshot_id), "recipient": recipient, "seller": account})
    st.caption(f"{snapshot.label().capitalize()} · basis per edge: disclosed or observed · published copy "
               f"{reader.copy_path.name}")
    if recipient is None:
        st.info("This snapshot holds no monetisation graph: crawl ads_txt, sellers_json, youtube_monetisation "
                "or page_placements into a snapshot.")
        return
    st.subheader("Edges of the site, app or channel", anchor=False)
    st.text(recipient_label(recipients)(recipient))
    show_recipient(snapshot, edges)
    st.subheader("Which sites does this seller account sell?", anchor=False)
    if account is None:
        st.text("No seller account is declared in this snapshot's ads.txt files.")
        return
    st.text(f"Seller account: {account}")
    show_seller(reader, snapshot, account)

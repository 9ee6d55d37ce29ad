"""The adtrail app: a router (``st.navigation``) to the pages in ``app_pages/``.

Start it with ``streamlit run app.py`` from the project root (``.streamlit/config.toml`` there keeps it on
127.0.0.1, headless, without usage statistics). It reads the published copy of the warehouse named by
``ADTRAIL_DB`` (default ``data/adtrail.duckdb``) and never writes. Every page carries the demo banner
when the warehouse is the demo's.
"""

import streamlit as st

from app_pages import advertisers, common, completeness, coverage, sources, spend_explorer, who_pays

# No page icon: Streamlit fetches a Material icon for the browser tab from fonts.gstatic.com, and the app
# asks nothing of the internet (tests/browser blocks every request outside 127.0.0.1).
st.set_page_config(page_title="adtrail", layout="wide")
page = st.navigation([
    st.Page(spend_explorer.render, title="Ad spend explorer", url_path="spend", icon="", default=True),
    st.Page(advertisers.render, title="Advertisers across platforms", url_path="advertisers", icon=""),
    st.Page(who_pays.render, title="Who pays this site?", url_path="who-pays", icon=""),
    st.Page(coverage.render, title="Disclosure coverage", url_path="coverage", icon=""),
    st.Page(completeness.render, title="Completeness", url_path="completeness", icon=""),
    st.Page(sources.render, title="Sources and data quality", url_path="sources", icon=""),
])
common.demo_banner(common.published_reader())
page.run()

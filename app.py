"""The adtrail app: a router (``st.navigation``) to the pages in ``app_pages/``.

Start it with ``streamlit run app.py`` from the project root (``.streamlit/config.toml`` there keeps it on
127.0.0.1, headless, without usage statistics). It reads the published copy of the warehouse named by
``ADTRAIL_DB`` (default ``data/adtrail.duckdb``) and never writes. Every page carries the demo banner
when the warehouse is the demo's.
"""

import streamlit as st

from app_pages import common, spend_explorer

st.set_page_config(page_title="adtrail", page_icon=":material/paid:", layout="wide")
page = st.navigation([
    st.Page(spend_explorer.render, title="Ad spend explorer", icon=":material/paid:", url_path="spend",
            default=True),
])
common.demo_banner(common.published_reader())
page.run()

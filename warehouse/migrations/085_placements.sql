-- 085: rendered pages and their advertising (source page_placements; spiders/page_placements.py, spiders/page_ads.py).
--
-- RAW only, one table per item kind, one row per (snapshot, source, key): page_render (one per page: ad systems
-- called, supply chain objects, screenshot), page_ad_slot (an element EasyList's element-hiding rules name, its
-- size, iframe, landing domain read from its link and redirect parameters: ads are never clicked),
-- page_ad_request (a request to an EasyList ad-server host) and page_bid (a header-bidding bid the page exposed
-- through window.pbjs). The columns between snapshot_id and loaded_at are exactly spiders.items.FIELDS[kind],
-- in its order and with its types (tests/test_warehouse_migrations.py holds them together). No core rows
-- (warehouse.core CORE_BUILDERS entries are empty): the monetisation graph of issue 5 reads these tables.

CREATE TABLE raw_page_render (
    snapshot_id BIGINT NOT NULL,
    item_kind VARCHAR,
    source VARCHAR,
    crawl_id VARCHAR,
    source_url VARCHAR,
    fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR,
    page_number INTEGER,
    page_url VARCHAR,
    page_domain VARCHAR,
    vantage_country VARCHAR,
    vantage_egress VARCHAR,
    render_key VARCHAR,
    final_url VARCHAR,
    http_status INTEGER,
    title VARCHAR,
    ad_slots INTEGER,
    ad_requests INTEGER,
    ad_systems VARCHAR[],
    ad_system_owners VARCHAR[],
    bids INTEGER,
    schain JSON,
    screenshot_path VARCHAR,
    dom_sha256 VARCHAR,
    loaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE raw_page_ad_slot (
    snapshot_id BIGINT NOT NULL,
    item_kind VARCHAR,
    source VARCHAR,
    crawl_id VARCHAR,
    source_url VARCHAR,
    fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR,
    page_number INTEGER,
    page_url VARCHAR,
    page_domain VARCHAR,
    vantage_country VARCHAR,
    vantage_egress VARCHAR,
    slot_key VARCHAR,
    slot_index INTEGER,
    selectors VARCHAR[],
    element_id VARCHAR,
    element_class VARCHAR,
    width DOUBLE,
    height DOUBLE,
    iframe_src VARCHAR,
    link_href VARCHAR,
    landing_url VARCHAR,
    landing_domain VARCHAR,
    landing_via VARCHAR,
    screenshot_path VARCHAR,
    loaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE raw_page_ad_request (
    snapshot_id BIGINT NOT NULL,
    item_kind VARCHAR,
    source VARCHAR,
    crawl_id VARCHAR,
    source_url VARCHAR,
    fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR,
    page_number INTEGER,
    page_url VARCHAR,
    page_domain VARCHAR,
    vantage_country VARCHAR,
    vantage_egress VARCHAR,
    request_key VARCHAR,
    request_index INTEGER,
    request_url VARCHAR,
    request_host VARCHAR,
    resource_type VARCHAR,
    ad_system_domain VARCHAR,
    ad_system_owner VARCHAR,
    loaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE raw_page_bid (
    snapshot_id BIGINT NOT NULL,
    item_kind VARCHAR,
    source VARCHAR,
    crawl_id VARCHAR,
    source_url VARCHAR,
    fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR,
    page_number INTEGER,
    page_url VARCHAR,
    page_domain VARCHAR,
    vantage_country VARCHAR,
    vantage_egress VARCHAR,
    bid_key VARCHAR,
    bid_index INTEGER,
    source_call VARCHAR,
    ad_unit_code VARCHAR,
    bidder VARCHAR,
    cpm DOUBLE,
    currency VARCHAR,
    advertiser_domains VARCHAR[],
    creative_id VARCHAR,
    deal_id VARCHAR,
    width INTEGER,
    height INTEGER,
    won BOOLEAN,
    record JSON,
    loaded_at TIMESTAMPTZ NOT NULL
);

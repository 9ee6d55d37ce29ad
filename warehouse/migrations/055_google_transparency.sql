-- 055: Google ad creatives as Google's pages show them (item kind google_creative): the Ads Transparency
-- Center's creative pages (source google_ads_transparency, rendered by Chromium) and the legacy
-- transparency report's ad cards (`adtrail parse google-ad-card`). Parsed by
-- spiders/parsers/google_transparency.py.
--
-- RAW: one row per (snapshot, source, ad_key); ad_key is the creative id (CR…), the bundle's Ad_ID, so a
-- creative joins raw_google_creative_stats on ad_id and the advertiser by Advertiser_ID.
-- The columns between snapshot_id and loaded_at are exactly spiders.items.FIELDS["google_creative"], in its
-- order and with its types (tests/test_warehouse_migrations.py holds them together). A creative whose page
-- never finished loading is a row with status 'failed' and the reason in error; a later crawl that reads it
-- replaces that row (the loader keeps the latest line per key). No core rows (CORE_BUILDERS entry empty).

CREATE TABLE raw_google_creative (
    snapshot_id BIGINT NOT NULL,
    -- provenance (spiders.items.PROVENANCE_FIELDS)
    item_kind VARCHAR,
    source VARCHAR,
    crawl_id VARCHAR,
    source_url VARCHAR,
    fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR,  -- of the rendered page's HTML as stored
    page_number INTEGER,
    -- spiders.items.GOOGLE_CREATIVE_FIELDS
    platform VARCHAR,  -- 'google'
    creative_id VARCHAR,  -- CR…; the bundle's Ad_ID
    ad_key VARCHAR,  -- creative_id
    advertiser_id VARCHAR,  -- AR…
    advertiser_name VARCHAR,
    page_kind VARCHAR,  -- legacy_card | creative_detail
    ad_format VARCHAR,  -- text | image | video
    headline VARCHAR,
    display_url VARCHAR,
    body VARCHAR,
    image_urls VARCHAR[],
    media_urls VARCHAR[],
    dates_text VARCHAR,  -- as written
    first_shown_date DATE,
    last_shown_date DATE,
    days_shown INTEGER,
    regions VARCHAR[],
    impressions_text VARCHAR,  -- legacy cards' bucket as written
    spend_text VARCHAR,  -- legacy cards' bucket as written
    status VARCHAR,  -- ok | failed
    error VARCHAR,
    loaded_at TIMESTAMPTZ NOT NULL
);

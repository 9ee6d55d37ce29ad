-- 101: TikTok's advertiser query (source tiktok_commercial_content, item kind tiktok_advertiser;
-- developers.tiktok.com/doc/commercial-content-api-query-advertisers). One row per (snapshot, source,
-- advertiser_key): a business id and the country TikTok gives for it. The columns between snapshot_id and
-- loaded_at are exactly spiders.items.FIELDS["tiktok_advertiser"]. Raw only: the advertiser graph (entities)
-- joins business ids; no core rows.
CREATE TABLE raw_tiktok_advertiser (
    snapshot_id BIGINT NOT NULL,
    item_kind VARCHAR, source VARCHAR, crawl_id VARCHAR, source_url VARCHAR, fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR, page_number INTEGER,
    platform VARCHAR,
    business_id VARCHAR,
    advertiser_key VARCHAR,  -- business_id:country_code
    business_name VARCHAR,
    country_code VARCHAR,
    search_term_sha256 VARCHAR,  -- the search term that found it, hashed as in the manifest
    record JSON,
    loaded_at TIMESTAMPTZ NOT NULL
);

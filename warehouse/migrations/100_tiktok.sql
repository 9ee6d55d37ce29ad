-- 100: TikTok's Commercial Content API (source tiktok_commercial_content; spiders/parsers/tiktok.py).
-- Raw tables have exactly the item fields of spiders/items.py (tiktok_ad, tiktok_commercial_content).
-- TikTok discloses reach as text buckets ("1K-10K", "10M+"), kept as written and as bounds; it discloses
-- no spend, so core_ad rows of TikTok ads have spend columns NULL (warehouse/core.py).
CREATE TABLE raw_tiktok_ad (
    snapshot_id BIGINT NOT NULL,
    item_kind VARCHAR, source VARCHAR, crawl_id VARCHAR, source_url VARCHAR, fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR, page_number INTEGER,
    platform VARCHAR,
    ad_id VARCHAR,
    ad_key VARCHAR,
    endpoint VARCHAR,  -- ad_query | ad_detail
    first_shown_date DATE,
    last_shown_date DATE,
    status VARCHAR,
    status_statement VARCHAR,  -- TikTok's wording when an ad was removed
    title VARCHAR,
    call_to_action VARCHAR,
    external_url VARCHAR,
    advertising_objective VARCHAR,
    video_urls VARCHAR[],
    image_urls VARCHAR[],
    advertiser_business_id VARCHAR,
    advertiser_business_name VARCHAR,
    paid_for_by VARCHAR,
    advertiser_follower_count BIGINT,
    unique_users_seen_text VARCHAR,  -- as written: "30K", "1K-10K", "10M+"
    unique_users_seen_lower BIGINT,  -- people
    unique_users_seen_upper BIGINT,  -- NULL when the bucket is open at the top
    unique_users_seen_by_country JSON,  -- {"GB": "18K", ...} as written
    targeting JSON,  -- ad_group.targeting_info as TikTok gave it
    targeted_countries VARCHAR[],
    users_targeted_text VARCHAR,
    query_country VARCHAR,
    record JSON,
    loaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE raw_tiktok_commercial_content (
    snapshot_id BIGINT NOT NULL,
    item_kind VARCHAR, source VARCHAR, crawl_id VARCHAR, source_url VARCHAR, fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR, page_number INTEGER,
    platform VARCHAR,
    content_id VARCHAR,
    content_key VARCHAR,
    create_date DATE,
    create_timestamp TIMESTAMPTZ,
    label VARCHAR,  -- TikTok's disclosure label, e.g. "Paid partnership"
    brand_names VARCHAR[],
    creator_username VARCHAR,
    creator_follower_count BIGINT,
    video_urls VARCHAR[],
    query_country VARCHAR,
    record JSON,
    loaded_at TIMESTAMPTZ NOT NULL
);

-- 010: the raw layer: what each source gave, per snapshot, one row per (snapshot, source, item key).
--
-- The columns between snapshot_id and loaded_at are exactly spiders.items.FIELDS["meta_ad"], in its
-- order and with its types (tests/test_warehouse_migrations.py holds them together). A field added to
-- FIELDS needs a new numbered migration (ALTER TABLE ... ADD COLUMN), never an edit of this file.
-- No key constraints: the loader writes each (snapshot, source) in one transaction after deleting it,
-- keeping one row per ad_key (the latest fetched_at), and a test holds count == distinct ad_key.

CREATE TABLE raw_meta_ads_archive (
    snapshot_id BIGINT NOT NULL,
    -- provenance (spiders.items.PROVENANCE_FIELDS)
    item_kind VARCHAR,
    source VARCHAR,
    crawl_id VARCHAR,
    source_url VARCHAR,  -- secrets removed by the spider
    fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR,  -- of the stored, redacted response body (checkable against the WARC)
    page_number INTEGER,
    -- Meta Graph API ads_archive, one ad (spiders.items.META_AD_FIELDS)
    platform VARCHAR,
    api_version VARCHAR,
    ad_id VARCHAR,
    ad_key VARCHAR,
    key_is_synthetic BOOLEAN,
    ad_creation_time VARCHAR,  -- as Meta wrote it: a date or a timestamp; parsed in core
    ad_delivery_start_time VARCHAR,
    ad_delivery_stop_time VARCHAR,
    page_id VARCHAR,
    page_name VARCHAR,
    bylines VARCHAR,
    funding_entity VARCHAR,
    ad_creative_bodies VARCHAR[],
    ad_creative_link_captions VARCHAR[],
    ad_creative_link_descriptions VARCHAR[],
    ad_creative_link_titles VARCHAR[],
    ad_snapshot_url VARCHAR,
    currency VARCHAR,
    spend_lower BIGINT,  -- currency units
    spend_upper BIGINT,  -- NULL when the bucket is open at the top
    spend_open_ended BOOLEAN,
    impressions_lower BIGINT,
    impressions_upper BIGINT,
    impressions_open_ended BOOLEAN,
    audience_size_lower BIGINT,
    audience_size_upper BIGINT,
    audience_size_open_ended BOOLEAN,
    audience_size_field VARCHAR,
    eu_total_reach BIGINT,
    languages VARCHAR[],
    publisher_platforms VARCHAR[],
    target_ages VARCHAR[],
    target_gender VARCHAR,
    target_locations JSON,
    beneficiary_payers JSON,
    demographic_distribution JSON,
    delivery_by_region JSON,
    age_country_gender_reach_breakdown JSON,
    record JSON,
    loaded_at TIMESTAMPTZ NOT NULL
);

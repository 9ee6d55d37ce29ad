-- 080: YouTube monetisation signals (source youtube_monetisation, item kind youtube_signal).
--
-- RAW: one row per (snapshot, source, signal_key): a watch page, a channel page or a player response
-- (video info), with the ad keys its player response carried (playerAds, adPlacements, adSlots,
-- adBreakParams) and an exact quotation of the page for each. The columns between snapshot_id and loaded_at
-- are exactly spiders.items.FIELDS["youtube_signal"], in its order and with its types
-- (tests/test_warehouse_migrations.py holds them together). ad_slots_label is "ad slots present" or
-- "no ad slots observed": what the page carried when fetched; NEITHER proves whether the creator is paid.
-- No core rows yet (warehouse.core CORE_BUILDERS["youtube_signal"] is empty): the monetisation graph of
-- issue 5 reads this table.

CREATE TABLE raw_youtube_signal (
    snapshot_id BIGINT NOT NULL,
    -- provenance (spiders.items.PROVENANCE_FIELDS)
    item_kind VARCHAR,
    source VARCHAR,
    crawl_id VARCHAR,
    source_url VARCHAR,
    fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR,  -- of the stored page body (checkable against the WARC)
    page_number INTEGER,
    -- spiders.items.YOUTUBE_SIGNAL_FIELDS
    platform VARCHAR,  -- 'youtube'
    signal_key VARCHAR,  -- '<page_kind>:<video or channel id>'
    page_kind VARCHAR,  -- watch | channel | video_info
    video_id VARCHAR,
    channel_id VARCHAR,
    channel_title VARCHAR,
    subscribers BIGINT,  -- parsed from subscribers_text; NULL when the text could not be read as a number
    subscribers_text VARCHAR,  -- as the page wrote it, e.g. '749K subscribers'
    views BIGINT,
    category VARCHAR,
    is_live BOOLEAN,  -- a live broadcast, on air or its recording
    is_live_now BOOLEAN,  -- on air when fetched
    playability_status VARCHAR,
    ad_slots_label VARCHAR,  -- 'ad slots present' | 'no ad slots observed'
    ad_signals VARCHAR[],
    evidence VARCHAR,  -- 200 characters of the page from the first ad key found
    evidence_by_signal JSON,  -- {ad key: quotation}
    loaded_at TIMESTAMPTZ NOT NULL
);

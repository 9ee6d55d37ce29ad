-- 105: LinkedIn Ad Library (source linkedin_ad_library, item kind linkedin_ad; spiders/parsers/linkedin_ad_library.py).
--
-- RAW: one row per (snapshot, source, ad_key): an ad read from a search result card or, better, from its
-- detail page (page_kind). The columns between snapshot_id and loaded_at are exactly
-- spiders.items.FIELDS["linkedin_ad"], in its order and with its types. LinkedIn discloses no spend; for ads
-- shown in the EU it discloses total impressions as a range and their split by country as percentages.
--
-- core_ad_country_reach gains the impression share of a country (percent, low and high: LinkedIn writes
-- "<1%" for small shares) and the impressions it implies (share x total range). reach stays NULL for
-- LinkedIn rows: a share of impressions is not a count of people.

CREATE TABLE raw_linkedin_ad (
    snapshot_id BIGINT NOT NULL,
    -- provenance (spiders.items.PROVENANCE_FIELDS)
    item_kind VARCHAR,
    source VARCHAR,
    crawl_id VARCHAR,
    source_url VARCHAR,
    fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR,
    page_number INTEGER,
    -- spiders.items.LINKEDIN_AD_FIELDS
    platform VARCHAR,  -- 'linkedin'
    ad_id VARCHAR,
    ad_key VARCHAR,
    page_kind VARCHAR,  -- search_card | detail
    detail_url VARCHAR,
    advertiser_name VARCHAR,
    advertiser_url VARCHAR,
    posted_as VARCHAR,  -- thought-leader ads: the member whose post is promoted
    payer VARCHAR,  -- "Paid for by"
    ad_format VARCHAR,
    headline VARCHAR,
    body_text VARCHAR,
    call_to_action VARCHAR,
    destination_url VARCHAR,
    ran_text VARCHAR,
    ran_from DATE,
    ran_to DATE,
    restricted_text VARCHAR,
    impressions_text VARCHAR,  -- as written, e.g. '1k-5k'
    impressions_lower BIGINT,
    impressions_upper BIGINT,  -- NULL when open at the top
    impressions_open_ended BOOLEAN,
    impressions_by_country JSON,  -- [{country, country_code, share_text, share_low, share_high}], percent
    targeting JSON,  -- [{parameter, included, excluded}]
    targeting_languages VARCHAR[],
    targeting_locations_included VARCHAR[],
    targeting_locations_excluded VARCHAR[],
    loaded_at TIMESTAMPTZ NOT NULL
);

ALTER TABLE core_ad_country_reach ADD COLUMN impressions_share_low DOUBLE;  -- percent of the ad's impressions
ALTER TABLE core_ad_country_reach ADD COLUMN impressions_share_high DOUBLE;
ALTER TABLE core_ad_country_reach ADD COLUMN impressions_low BIGINT;  -- share_low x total impressions_low
ALTER TABLE core_ad_country_reach ADD COLUMN impressions_high BIGINT;  -- share_high x impressions_high; NULL if open

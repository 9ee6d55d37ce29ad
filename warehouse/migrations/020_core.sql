-- 020: the core layer: one schema for ads of every platform, aligned with the Digital Services Act,
-- Article 39(2) (ad repositories of very large online platforms): (a) content, (b) the person on whose
-- behalf the ad is presented, (c) the person who paid, if different, (d) the period, (e) targeting and its
-- exclusions, (g) reach in total and per Member State; and 39(3) moderation of the ad.
--
-- Core rows are rebuilt from raw for one (snapshot, source) inside the load's transaction
-- (warehouse/core.py). Platform-specific fields travel in platform_fields (JSON).
-- Money keeps its original currency as low / high / estimate (DESIGN.md "Money"); it is never converted
-- here, and spend_basis says whether a platform published it ('disclosed'), it was computed by a written
-- rule ('derived') or estimated with assumptions ('modelled'); figures of different bases are never summed.

CREATE TABLE core_ad (
    snapshot_id BIGINT NOT NULL,
    platform VARCHAR NOT NULL,  -- meta, google, snap, tiktok, linkedin
    ad_key VARCHAR NOT NULL,  -- the platform's ad id, or "synthetic:<sha256>" when it has none
    ad_id VARCHAR,  -- the platform's own id; NULL when the key is synthetic
    key_is_synthetic BOOLEAN NOT NULL,  -- synthetic keys stay out of history comparisons
    -- 39(2)(b): on whose behalf the ad is presented (for Meta: the Facebook page)
    advertiser_id VARCHAR,
    advertiser_name VARCHAR,
    -- 39(2)(c): who paid. For Meta: the current beneficiary_payers pair, else the "paid for by" line
    -- (bylines, or the legacy funding_entity). All pairs are in core_ad_payer.
    payer_name VARCHAR,
    beneficiary_name VARCHAR,
    -- 39(2)(a): content, as the platform gave it (never rendered as HTML)
    content_bodies VARCHAR[],
    content_titles VARCHAR[],
    content_descriptions VARCHAR[],
    content_captions VARCHAR[],
    content_url VARCHAR,  -- the platform's rendering of the ad, secrets removed
    languages VARCHAR[],
    -- 39(2)(d): period. Meta writes dates ("2019-11-03", read as midnight UTC) or timestamps
    -- ("2019-11-03T08:29:55+0000"); a value that parses as neither is NULL here and kept as text in raw.
    created_at TIMESTAMPTZ,
    delivery_start TIMESTAMPTZ,
    delivery_stop TIMESTAMPTZ,  -- NULL while the ad is still delivering
    -- 39(2)(e): targeting, with exclusions kept apart
    targeting_ages VARCHAR[],
    targeting_gender VARCHAR,
    targeting_locations_included JSON,  -- [{"name", "type", ...}]
    targeting_locations_excluded JSON,
    -- 39(2)(g): recipients reached; per Member State in core_ad_country_reach
    reach_total BIGINT,  -- people (Meta: eu_total_reach)
    impressions_low BIGINT,
    impressions_high BIGINT,  -- NULL when the bucket is open at the top
    impressions_open_ended BOOLEAN,
    audience_size_low BIGINT,  -- estimated audience (Meta: estimated_audience_size or potential_reach)
    audience_size_high BIGINT,
    audience_size_open_ended BOOLEAN,
    -- money, in spend_currency units
    spend_currency VARCHAR,  -- ISO 4217 as given; NULL when the source gave none (never guessed)
    spend_low DECIMAL(18, 2),
    spend_high DECIMAL(18, 2),  -- NULL when the bucket is open at the top: show "at least spend_low"
    spend_estimate DECIMAL(18, 2),  -- rule in warehouse/core.py: midpoint of low and high; low when open-ended
    spend_open_ended BOOLEAN,
    spend_basis VARCHAR NOT NULL CHECK (spend_basis IN ('disclosed', 'derived', 'modelled')),
    publisher_platforms VARCHAR[],  -- facebook, instagram, messenger, audience_network, ...
    -- 39(3): moderation. Meta's ads_archive discloses neither, so both are NULL for Meta; an ad no longer
    -- returned is re-checked before it is called removed (DESIGN.md "History").
    moderation_status VARCHAR,
    moderation_reason VARCHAR,
    platform_fields JSON,  -- the rest: demographic_distribution, delivery_by_region, api_version, ...
    -- provenance: any row traces back to the raw response in the crawl's WARC
    source VARCHAR NOT NULL,
    source_url VARCHAR,
    fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR,
    crawl_id VARCHAR
);

-- 39(2)(g): reach per country. Meta: age_country_gender_reach_breakdown, summed over age ranges and
-- genders (male + female + unknown) per country.
CREATE TABLE core_ad_country_reach (
    snapshot_id BIGINT NOT NULL,
    platform VARCHAR NOT NULL,
    ad_key VARCHAR NOT NULL,
    country VARCHAR NOT NULL,  -- ISO 3166-1 alpha-2 as the platform gave it
    reach BIGINT,  -- people
    source VARCHAR NOT NULL
);

-- 39(2)(b)(c): payer and beneficiary pairs. Meta: every beneficiary_payers entry; when there is none, the
-- "paid for by" line as payer (payer_origin says which field it came from). Payer and beneficiary stay
-- separate roles (DESIGN.md "Entities").
CREATE TABLE core_ad_payer (
    snapshot_id BIGINT NOT NULL,
    platform VARCHAR NOT NULL,
    ad_key VARCHAR NOT NULL,
    payer_name VARCHAR,
    beneficiary_name VARCHAR,
    is_current BOOLEAN,  -- the platform's own "current" flag; a "paid for by" line is the current one
    payer_origin VARCHAR NOT NULL,  -- beneficiary_payers, bylines or funding_entity
    source VARCHAR NOT NULL
);

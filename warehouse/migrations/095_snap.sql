-- 095: Snap's political ads library (source snap_political): the yearly CSV zips
-- (storage.googleapis.com/ad-manager-political-ads-dump/political/<year>/PoliticalAds.zip), read by
-- spiders/parsers/snap_political.py and loaded by warehouse/load_snap.py. Field meanings: Snap's readme in
-- each zip (the 2020 one is in ../shared/realdata/snap). Snap discloses exact spend (in the ad account's
-- currency, over the campaign up to the file's date) and exact impressions.
--
-- raw_snap_political: one row per CSV row of every year's file, every column as Snap wrote it (targeting
-- lists are comma-separated text: a radius entry holds ";" inside, so nothing is split here), spend and
-- impressions also as numbers. Columns a year's file has that no rule knows are kept in `extra` (JSON).
CREATE TABLE raw_snap_political (
    snapshot_id BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    crawl_id VARCHAR,
    source_url VARCHAR,
    fetched_at TIMESTAMPTZ,
    file_sha256 VARCHAR NOT NULL,  -- of the downloaded zip (or CSV): check it against the manifest
    member VARCHAR NOT NULL,  -- the CSV (inside the zip)
    file_year INTEGER,  -- the year of the file (URL or name); NULL when neither says
    row_number BIGINT NOT NULL,
    ad_id VARCHAR,  -- ADID
    creative_url VARCHAR,
    currency_code VARCHAR,
    spend_text VARCHAR,
    spend DECIMAL(18, 2),  -- currency units, exact
    impressions_text VARCHAR,
    impressions BIGINT,  -- exact
    start_date VARCHAR,  -- as written: "2018/10/27 14:00:00Z" (UTC)
    end_date VARCHAR,
    organization_name VARCHAR,
    billing_address VARCHAR,
    candidate_ballot_information VARCHAR,
    paying_advertiser_name VARCHAR,  -- the "Paid for by" line
    gender VARCHAR,
    age_bracket VARCHAR,
    country_code VARCHAR,  -- as Snap writes it: "united states"
    country VARCHAR,  -- ISO 3166-1 alpha-2 through analysis/countries.csv; NULL when the table has none
    regions_included VARCHAR,
    regions_excluded VARCHAR,
    electoral_districts_included VARCHAR,
    electoral_districts_excluded VARCHAR,
    radius_targeting_included VARCHAR,  -- "latitude 33.72;longitude -117.79;radius 2.0,..." (radius in km)
    radius_targeting_excluded VARCHAR,
    metros_included VARCHAR,
    metros_excluded VARCHAR,
    postal_codes_included VARCHAR,
    postal_codes_excluded VARCHAR,
    location_categories_included VARCHAR,
    location_categories_excluded VARCHAR,
    interests VARCHAR,
    os_type VARCHAR,
    segments VARCHAR,
    language VARCHAR,
    advanced_demographics VARCHAR,
    targeting_connection_type VARCHAR,
    targeting_carrier VARCHAR,
    creative_properties VARCHAR,
    extra JSON,
    loaded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Core rows of one (snapshot, source): one per ad (the latest year's row when an id repeats). Spend is exact:
-- low = high = estimate, basis disclosed. Location targeting (country, regions, districts, radius, metros,
-- postal codes, location categories) goes to targeting_locations_included / _excluded as
-- [{"type", "value"}]; the other targeting (interests, segments, languages, OS, carrier, connection type,
-- advanced demographics) in platform_fields.targeting.
CREATE MACRO snap_core_ad(p_snapshot_id, p_source) AS TABLE
WITH r AS (
    SELECT * FROM raw_snap_political WHERE snapshot_id = p_snapshot_id AND source = p_source
    QUALIFY row_number() OVER (PARTITION BY ad_id ORDER BY file_year DESC NULLS LAST, member DESC,
                                                      row_number DESC) = 1
)
SELECT
    r.snapshot_id, 'snap' AS platform,
    coalesce(r.ad_id, 'synthetic:' || sha256(concat_ws('|', r.creative_url, r.start_date, r.organization_name)))
        AS ad_key,
    r.ad_id, r.ad_id IS NULL AS key_is_synthetic,
    NULL AS advertiser_id, r.organization_name AS advertiser_name,
    r.paying_advertiser_name AS payer_name, NULL AS beneficiary_name,
    r.creative_url AS content_url,
    CASE WHEN r.language IS NOT NULL THEN list_transform(string_split(r.language, ','), lambda l: trim(l)) END
        AS languages,
    coalesce(TRY_STRPTIME(r.start_date, '%Y/%m/%d %H:%M:%SZ'), TRY_CAST(r.start_date AS TIMESTAMPTZ))
        AS delivery_start,
    coalesce(TRY_STRPTIME(r.end_date, '%Y/%m/%d %H:%M:%SZ'), TRY_CAST(r.end_date AS TIMESTAMPTZ))
        AS delivery_stop,
    CASE WHEN r.age_bracket IS NOT NULL THEN [r.age_bracket] END AS targeting_ages,
    r.gender AS targeting_gender,
    to_json(list_filter([
        {'type': 'country', 'value': coalesce(r.country, r.country_code)},
        {'type': 'regions', 'value': r.regions_included},
        {'type': 'electoral_districts', 'value': r.electoral_districts_included},
        {'type': 'radius', 'value': r.radius_targeting_included},
        {'type': 'metros', 'value': r.metros_included},
        {'type': 'postal_codes', 'value': r.postal_codes_included},
        {'type': 'location_categories', 'value': r.location_categories_included}], lambda t: t.value IS NOT NULL))
        AS targeting_locations_included,
    to_json(list_filter([
        {'type': 'regions', 'value': r.regions_excluded},
        {'type': 'electoral_districts', 'value': r.electoral_districts_excluded},
        {'type': 'radius', 'value': r.radius_targeting_excluded},
        {'type': 'metros', 'value': r.metros_excluded},
        {'type': 'postal_codes', 'value': r.postal_codes_excluded},
        {'type': 'location_categories', 'value': r.location_categories_excluded}], lambda t: t.value IS NOT NULL))
        AS targeting_locations_excluded,
    r.impressions AS impressions_low, r.impressions AS impressions_high, false AS impressions_open_ended,
    r.currency_code AS spend_currency,
    r.spend AS spend_low, r.spend AS spend_high, r.spend AS spend_estimate, false AS spend_open_ended,
    'disclosed' AS spend_basis,
    ['snapchat'] AS publisher_platforms,
    json_object('targeting', json_object('interests', r.interests, 'segments', r.segments,
                                         'languages', r.language, 'os_type', r.os_type,
                                         'carrier', r.targeting_carrier,
                                         'connection_type', r.targeting_connection_type,
                                         'advanced_demographics', r.advanced_demographics),
                'billing_address', r.billing_address, 'candidate_ballot_information', r.candidate_ballot_information,
                'country_code', r.country_code, 'creative_properties', r.creative_properties,
                'file_year', r.file_year, 'member', r.member, 'row_number', r.row_number, 'extra', r.extra)
        AS platform_fields,
    r.source, r.source_url, r.fetched_at, r.file_sha256 AS body_sha256, r.crawl_id
FROM r;

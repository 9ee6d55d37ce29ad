-- 050: Google's political ads transparency bundle (source google_political_bundle).
--
-- RAW: one table per CSV of the bundle, one row per CSV row, exactly as Google wrote it (text stays text:
-- dates and bucket labels are parsed in the observation tables below). Provenance on every row: the
-- snapshot, the source, the crawl, the URL and fetch time of the download, the sha256 of the downloaded
-- file (the zip, or the CSV when a CSV was loaded), the CSV's name inside the zip (member), its kind, and
-- the row's ordinal among the CSV's data rows (row_number, 1-based; a quoted line break does not count).
-- The loader deletes and rewrites one (snapshot, source) in one transaction, so a load is idempotent.
--
-- Currency columns come and go between releases, so amounts are MAPs keyed by ISO 4217 code, filled from
-- whatever Spend_<ISO> columns the header has; a column no rule knows is kept in extra (JSON), so nothing
-- Google adds is lost. spiders/parsers/google_bundle.py knows each file by its name and header.

CREATE TABLE raw_google_advertiser_stats (
    snapshot_id BIGINT NOT NULL, source VARCHAR NOT NULL, crawl_id VARCHAR, source_url VARCHAR,
    fetched_at TIMESTAMPTZ, file_sha256 VARCHAR NOT NULL, member VARCHAR NOT NULL, file_kind VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    advertiser_id VARCHAR,  -- AR..., Google's advertiser id
    advertiser_name VARCHAR,
    public_ids_list VARCHAR,  -- e.g. "EIN ID 46-3931666" or an FEC committee id, as given
    regions VARCHAR,
    elections VARCHAR,
    total_creatives VARCHAR,
    spend MAP(VARCHAR, BIGINT),  -- lifetime spend, currency -> amount as Google rounded it
    extra JSON,
    loaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE raw_google_advertiser_weekly_spend (
    snapshot_id BIGINT NOT NULL, source VARCHAR NOT NULL, crawl_id VARCHAR, source_url VARCHAR,
    fetched_at TIMESTAMPTZ, file_sha256 VARCHAR NOT NULL, member VARCHAR NOT NULL, file_kind VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    advertiser_id VARCHAR,
    advertiser_name VARCHAR,
    election_cycle VARCHAR,  -- deprecated by Google after July 2019
    week_start_date VARCHAR,  -- a Sunday; the week runs Sunday to Saturday
    spend MAP(VARCHAR, BIGINT),
    extra JSON,
    loaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE raw_google_advertiser_geo_spend (
    snapshot_id BIGINT NOT NULL, source VARCHAR NOT NULL, crawl_id VARCHAR, source_url VARCHAR,
    fetched_at TIMESTAMPTZ, file_sha256 VARCHAR NOT NULL, member VARCHAR NOT NULL, file_kind VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    advertiser_id VARCHAR,
    advertiser_name VARCHAR,
    country VARCHAR,  -- ISO 3166-1 alpha-2
    country_subdivision_primary VARCHAR,  -- ISO 3166-2, e.g. US-WI
    spend MAP(VARCHAR, BIGINT),
    extra JSON,
    loaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE raw_google_geo_spend (
    snapshot_id BIGINT NOT NULL, source VARCHAR NOT NULL, crawl_id VARCHAR, source_url VARCHAR,
    fetched_at TIMESTAMPTZ, file_sha256 VARCHAR NOT NULL, member VARCHAR NOT NULL, file_kind VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    country VARCHAR,
    country_subdivision_primary VARCHAR,
    country_subdivision_secondary VARCHAR,  -- a name, e.g. a US congressional district
    spend MAP(VARCHAR, BIGINT),
    extra JSON,
    loaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE raw_google_creative_stats (
    snapshot_id BIGINT NOT NULL, source VARCHAR NOT NULL, crawl_id VARCHAR, source_url VARCHAR,
    fetched_at TIMESTAMPTZ, file_sha256 VARCHAR NOT NULL, member VARCHAR NOT NULL, file_kind VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    ad_id VARCHAR,  -- CR...
    ad_url VARCHAR,
    ad_type VARCHAR,  -- TEXT, IMAGE or VIDEO
    regions VARCHAR,
    advertiser_id VARCHAR,
    advertiser_name VARCHAR,
    date_range_start VARCHAR,
    date_range_end VARCHAR,
    num_of_days VARCHAR,
    ad_campaigns_list VARCHAR,
    impressions VARCHAR,  -- a bucket label: "≤ 10k", "10k-100k", ..., "> 10M"
    first_served_timestamp VARCHAR,
    last_served_timestamp VARCHAR,
    age_targeting VARCHAR,
    gender_targeting VARCHAR,
    geo_targeting_included VARCHAR,
    geo_targeting_excluded VARCHAR,
    spend_range_min MAP(VARCHAR, BIGINT),  -- Spend_Range_Min_<ISO>: lower bound of the spend bucket
    spend_range_max MAP(VARCHAR, BIGINT),  -- Spend_Range_Max_<ISO>: upper bound; NULL value = open top
    spend_buckets MAP(VARCHAR, VARCHAR),  -- the deprecated Spend_<ISO> label, e.g. "1k-50k"
    extra JSON,
    loaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE raw_google_advertiser_declared_stats (
    snapshot_id BIGINT NOT NULL, source VARCHAR NOT NULL, crawl_id VARCHAR, source_url VARCHAR,
    fetched_at TIMESTAMPTZ, file_sha256 VARCHAR NOT NULL, member VARCHAR NOT NULL, file_kind VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    advertiser_id VARCHAR,
    region VARCHAR,  -- ISO 3166-1 (NZ) or 3166-2 (US-CA)
    advertiser_declared_name VARCHAR,  -- California committee name
    advertiser_declared_regulatory_id VARCHAR,
    advertiser_declared_scope VARCHAR,
    advertiser_declared_promoter_name VARCHAR,  -- New Zealand promoter statement
    advertiser_declared_promoter_address VARCHAR,
    extra JSON,
    loaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE raw_google_updated (
    snapshot_id BIGINT NOT NULL, source VARCHAR NOT NULL, crawl_id VARCHAR, source_url VARCHAR,
    fetched_at TIMESTAMPTZ, file_sha256 VARCHAR NOT NULL, member VARCHAR NOT NULL, file_kind VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    report_data_updated VARCHAR,  -- when Google last refreshed the report, as written
    updated_header VARCHAR,  -- "Report_Data_Updated_Date" (UTC date) or "Report_Data_Updated_Time (PT)"
    extra JSON,
    loaded_at TIMESTAMPTZ NOT NULL
);

-- advertiser_id_mapping.csv and creative_id_mapping.csv: an id Google retired and the one that replaced it.
CREATE TABLE raw_google_id_mapping (
    snapshot_id BIGINT NOT NULL, source VARCHAR NOT NULL, crawl_id VARCHAR, source_url VARCHAR,
    fetched_at TIMESTAMPTZ, file_sha256 VARCHAR NOT NULL, member VARCHAR NOT NULL, file_kind VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    mapping_kind VARCHAR,  -- advertiser or creative
    old_id VARCHAR,
    new_id VARCHAR,
    extra JSON,
    loaded_at TIMESTAMPTZ NOT NULL
);

-- Deprecated files of older bundles (campaign-targeting, top-keywords-history) and any CSV Google adds
-- that adtrail does not know yet: every column of the row as a JSON object, nothing dropped.
CREATE TABLE raw_google_other (
    snapshot_id BIGINT NOT NULL, source VARCHAR NOT NULL, crawl_id VARCHAR, source_url VARCHAR,
    fetched_at TIMESTAMPTZ, file_sha256 VARCHAR NOT NULL, member VARCHAR NOT NULL, file_kind VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    record JSON,
    loaded_at TIMESTAMPTZ NOT NULL
);

-- OBSERVATIONS: one per CSV row that carries money (DESIGN.md "Money"), never one per currency. Google gives
-- every amount already converted into each currency it publishes; the advertiser's own currency is not
-- disclosed, so the observation's figure is Google's USD ("the platform's own conversion",
-- usd_conversion = 'platform'), and every currency Google gave, USD included, is in google_spend_amount.
--
-- Rounding (spend_kind 'rounded'): Google's README.txt does not state how amounts are rounded. The files
-- show it: every amount of a currency is a whole multiple of one step (June 2019 release: USD 100, EUR 50,
-- INR 250, BGN 25, HRK 100, CZK 1000, DKK 500, HUF 7500, PLN 100, RON 75, SEK 750, GBP 50; the Wesleyan
-- Media Project also reports USD "in increments of $100"), and to the nearest step: a week of USD 0 carries
-- up to INR 3,500, about USD 49 at Google's own ratio of 70.9 INR per USD. So an amount v with step s
-- stands for the range [v - s/2, v + s/2], never below 0, and v itself is the estimate. The loader takes
-- s as the greatest common divisor of the currency's non-zero amounts in that CSV: every amount is a
-- multiple of the true step, so the GCD is the step or a multiple of it, and the range is never narrower
-- than the truth. A currency whose amounts are all 0 has no measurable step: low 0, high NULL.
-- Ranges (spend_kind 'range', creative-stats Spend_Range_Min/Max) and bucket labels ('bucket', the
-- deprecated creative Spend_USD such as "1k-50k") keep their bounds; the estimate is the midpoint, or the
-- low bound when the top is open ("at least low").

CREATE TABLE google_spend_observation (
    snapshot_id BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    crawl_id VARCHAR,
    file_sha256 VARCHAR NOT NULL,
    member VARCHAR NOT NULL,
    file_kind VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,  -- with (snapshot_id, source, member): the raw row it comes from
    grain VARCHAR NOT NULL CHECK (grain IN ('ad_lifetime', 'advertiser_week', 'advertiser_lifetime',
                                            'advertiser_region_lifetime', 'region_lifetime')),
    advertiser_id VARCHAR,
    advertiser_name VARCHAR,
    ad_id VARCHAR,
    country VARCHAR,
    subdivision_primary VARCHAR,
    subdivision_secondary VARCHAR,
    period_start DATE,  -- week start, or the ad's first day; NULL for lifetime totals
    period_end DATE,  -- week start + 6 days, or the ad's last day; NULL for lifetime totals
    reported_as_of VARCHAR,  -- the bundle's google-political-ads-updated.csv value, when it has one
    spend_basis VARCHAR NOT NULL CHECK (spend_basis IN ('disclosed', 'derived', 'modelled')),
    spend_kind VARCHAR NOT NULL CHECK (spend_kind IN ('rounded', 'range', 'bucket', 'none')),
    usd_low DECIMAL(18, 2),
    usd_high DECIMAL(18, 2),  -- NULL when open at the top, or when the rounding step is unknown
    usd_estimate DECIMAL(18, 2),
    usd_open_ended BOOLEAN,
    usd_rounding_step BIGINT,  -- for spend_kind 'rounded'
    usd_conversion VARCHAR NOT NULL,  -- 'platform': converted to USD by Google, not by adtrail
    impressions_low BIGINT,  -- creative-stats only, from its bucket label
    impressions_high BIGINT,
    impressions_open_ended BOOLEAN,
    currencies INTEGER NOT NULL  -- how many currencies Google gave for this row (rows in google_spend_amount)
);

-- Every currency of an observation, as Google converted and rounded it, keyed by the observation.
CREATE TABLE google_spend_amount (
    snapshot_id BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    member VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    currency VARCHAR NOT NULL,  -- ISO 4217, from the column name
    spend_kind VARCHAR NOT NULL CHECK (spend_kind IN ('rounded', 'range', 'bucket')),
    amount_as_given BIGINT,  -- the rounded amount as Google wrote it ('rounded' only)
    amount_low DECIMAL(18, 2),
    amount_high DECIMAL(18, 2),
    amount_estimate DECIMAL(18, 2),
    open_ended BOOLEAN,
    rounding_step BIGINT,
    bucket_label VARCHAR  -- the label a 'bucket' amount was parsed from
);

-- CORE (migrations/020_core.sql, DSA Article 39): one core_ad row per ad of creative-stats, built by the
-- loader with INSERT INTO core_ad BY NAME SELECT * FROM google_core_ad(snapshot_id, source). The bundle has
-- no ad texts; Google's verified advertiser is the one who paid, so no separate payer is named. The spend is
-- Google's own USD conversion (spend_currency USD, so the marts price it at 1), every other currency Google
-- gave is in platform_fields.spend_other_currencies. Geo targeting stays as Google wrote it: its location
-- names contain commas ("São Paulo, Brazil"), so splitting them would be a guess. Date_Range_End is the last
-- day with an impression so far: the ad may still be running.
CREATE MACRO google_core_ad(p_snapshot_id, p_source) AS TABLE
WITH other_currencies AS (
    SELECT member, row_number,
        json_group_object(currency, json_object('low', amount_low, 'high', amount_high, 'estimate',
                                                amount_estimate, 'open_ended', open_ended)) AS amounts
    FROM google_spend_amount
    WHERE snapshot_id = p_snapshot_id AND source = p_source AND currency <> 'USD'
    GROUP BY ALL
)
SELECT
    r.snapshot_id,
    'google' AS platform,
    coalesce(r.ad_id, 'synthetic:' || sha256(concat_ws('|', r.advertiser_id, r.ad_url, r.date_range_start,
                                                       r.ad_type))) AS ad_key,
    r.ad_id,
    r.ad_id IS NULL AS key_is_synthetic,
    r.advertiser_id,
    r.advertiser_name,
    r.ad_url AS content_url,
    coalesce(TRY_CAST(r.first_served_timestamp AS TIMESTAMPTZ), TRY_CAST(r.date_range_start AS TIMESTAMPTZ))
        AS delivery_start,
    coalesce(TRY_CAST(r.last_served_timestamp AS TIMESTAMPTZ), TRY_CAST(r.date_range_end AS TIMESTAMPTZ))
        AS delivery_stop,
    list_transform(string_split(r.age_targeting, ','), lambda age: trim(age)) AS targeting_ages,
    r.gender_targeting AS targeting_gender,
    CASE WHEN r.geo_targeting_included IS NOT NULL
         THEN to_json([{'name': r.geo_targeting_included}]) END AS targeting_locations_included,
    CASE WHEN r.geo_targeting_excluded IS NOT NULL
         THEN to_json([{'name': r.geo_targeting_excluded}]) END AS targeting_locations_excluded,
    o.impressions_low,
    o.impressions_high,
    o.impressions_open_ended,
    CASE WHEN o.spend_kind <> 'none' THEN 'USD' END AS spend_currency,
    o.usd_low AS spend_low,
    o.usd_high AS spend_high,
    o.usd_estimate AS spend_estimate,
    o.usd_open_ended AS spend_open_ended,
    'disclosed' AS spend_basis,
    json_object('ad_type', r.ad_type, 'regions', r.regions, 'ad_campaigns_list', r.ad_campaigns_list,
                'num_of_days', r.num_of_days, 'impressions_label', r.impressions,
                'spend_conversion', 'platform', 'spend_kind', o.spend_kind,
                'spend_other_currencies', c.amounts, 'member', r.member, 'row_number', r.row_number,
                'extra', r.extra) AS platform_fields,
    r.source,
    r.source_url,
    r.fetched_at,
    r.file_sha256 AS body_sha256,  -- of the downloaded bundle: check it against the manifest's bulk file
    r.crawl_id
FROM raw_google_creative_stats AS r
JOIN google_spend_observation AS o USING (snapshot_id, source, member, row_number)
LEFT JOIN other_currencies AS c USING (member, row_number)
WHERE r.snapshot_id = p_snapshot_id AND r.source = p_source;

-- The countries an ad was verified for or served in (creative-stats Regions, e.g. "US" or "EU, DE"): one
-- row each with the reach unknown (NULL), so Google ads can be filtered by country. "EU" is no country.
CREATE MACRO google_core_ad_country(p_snapshot_id, p_source) AS TABLE
SELECT DISTINCT a.snapshot_id, a.platform, a.ad_key, a.source, upper(trim(t.region)) AS country,
    CAST(NULL AS BIGINT) AS reach
FROM core_ad AS a, unnest(string_split(a.platform_fields->>'regions', ',')) AS t(region)
WHERE a.snapshot_id = p_snapshot_id AND a.source = p_source
    AND regexp_full_match(upper(trim(t.region)), '[A-Z]{2}') AND upper(trim(t.region)) <> 'EU';

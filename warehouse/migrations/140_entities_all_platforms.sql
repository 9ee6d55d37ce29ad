-- 140: advertisers across every platform, resolved with every snapshot (second version of 110_entities.sql).
--
-- Entities are now resolved as each snapshot completes (commands/snapshot.py), not only by `adtrail
-- entities`. Two sources join the identifiers: TikTok business ids from the advertiser query
-- (raw_tiktok_advertiser, migration 101: id, name, the advertiser's country) beside those of TikTok ads, with
-- TikTok's "paid for by" lines as payers; LinkedIn advertisers by their company page (raw_linkedin_ad's
-- advertiser_url through core_ad, migration 105) with LinkedIn's "Paid for by" as payers (core_ad_payer).
-- A LinkedIn advertiser without a page link is known by its name only (like a Snap organisation): it merges
-- with nothing but the same name on LinkedIn, and across platforms it can only be a name-match candidate.
--
-- Every identifier now carries the countries it was seen in: the advertiser's country where the source
-- states it (TikTok's advertiser query, the Meta report's file, Google's advertiser geo spend), else the
-- countries its ads are known to have reached (ad_country_known, migration 115).

-- entity_identifier again, with 'linkedin_company' among the id kinds (a CHECK cannot be altered in DuckDB:
-- the table is rebuilt with its rows) and the countries column.
CREATE TABLE entity_identifier_140 (
    snapshot_id BIGINT NOT NULL,
    entity_id VARCHAR NOT NULL,
    identifier_key VARCHAR NOT NULL,  -- what is compared, e.g. "registration_number:EIN:463931666"
    platform VARCHAR NOT NULL,  -- where it was seen (a registration number seen on two platforms: two rows)
    id_kind VARCHAR NOT NULL CHECK (id_kind IN ('meta_page_id', 'google_advertiser_id', 'tiktok_business_id',
        'snap_organisation', 'linkedin_company', 'registration_number', 'verified_domain', 'paid_for_by')),
    value VARCHAR NOT NULL,  -- as written
    role VARCHAR NOT NULL CHECK (role IN ('advertiser', 'payer', 'beneficiary', 'agency')),
    name VARCHAR,  -- the name shown with it, as written
    joined_by VARCHAR NOT NULL,  -- why it is in this entity: 'identifier', 'confirmed_candidate', 'override'
    countries VARCHAR[],  -- ISO 3166-1 alpha-2 where it was seen (see above); NULL when no source says
    PRIMARY KEY (snapshot_id, identifier_key, platform, role)
);
INSERT INTO entity_identifier_140 BY NAME SELECT * FROM entity_identifier;
DROP TABLE entity_identifier;
ALTER TABLE entity_identifier_140 RENAME TO entity_identifier;

ALTER TABLE entity ADD COLUMN countries VARCHAR[];  -- every country of its identifiers

-- entity_identifier_observed, second version: one row per identifier, record and country (country NULL
-- when no source places it).
CREATE OR REPLACE MACRO entity_identifier_observed(p_snapshot_id) AS TABLE
WITH ad_country AS (
    SELECT platform, ad_key, country FROM ad_country_known WHERE snapshot_id = p_snapshot_id
),
advertiser AS (
    SELECT DISTINCT a.platform,
        CASE a.platform WHEN 'meta' THEN 'meta_page_id' WHEN 'google' THEN 'google_advertiser_id'
                        WHEN 'tiktok' THEN 'tiktok_business_id' WHEN 'snap' THEN 'snap_organisation'
                        WHEN 'linkedin' THEN 'linkedin_company' END AS id_kind,
        -- Snap gives no id, LinkedIn not always a page link: the name stands in (analysis/entities.py keys it
        -- apart from a link)
        CASE WHEN a.platform IN ('snap', 'linkedin') THEN coalesce(a.advertiser_id, a.advertiser_name)
             ELSE a.advertiser_id END AS value,
        a.advertiser_name AS name,
        a.platform_fields->>'registration_number' AS registration_number,
        a.platform_fields->>'verified_domain' AS verified_domain,
        c.country
    FROM core_ad AS a
    LEFT JOIN ad_country AS c ON c.platform = a.platform AND c.ad_key = a.ad_key
    WHERE a.snapshot_id = p_snapshot_id AND a.platform IN ('meta', 'google', 'tiktok', 'snap', 'linkedin')
),
advertiser_record AS (
    SELECT platform || ':' || id_kind || ':' || value AS record_key, * FROM advertiser WHERE value IS NOT NULL
),
google_public_id AS (  -- "EIN ID 46-3931666, FEC ID C00495861": scheme, " ID ", the number
    SELECT s.advertiser_id, s.advertiser_name,
        regexp_extract(trim(part), '^([A-Z][A-Z0-9]*) ID (\S+)$', 1) AS scheme,
        regexp_extract(trim(part), '^([A-Z][A-Z0-9]*) ID (\S+)$', 2) AS number
    FROM raw_google_advertiser_stats AS s, unnest(string_split(s.public_ids_list, ',')) AS t(part)
    WHERE s.snapshot_id = p_snapshot_id AND s.advertiser_id IS NOT NULL
),
google_country AS (
    SELECT DISTINCT advertiser_id, upper(country) AS country FROM raw_google_advertiser_geo_spend
    WHERE snapshot_id = p_snapshot_id AND advertiser_id IS NOT NULL AND country IS NOT NULL
),
-- "paid for by" of ads that have no core_ad_payer row (TikTok's paid_for_by is only in core_ad.payer_name)
ad_payer AS (
    SELECT a.platform, a.payer_name, c.country
    FROM core_ad AS a
    LEFT JOIN ad_country AS c ON c.platform = a.platform AND c.ad_key = a.ad_key
    WHERE a.snapshot_id = p_snapshot_id AND a.payer_name IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM core_ad_payer AS p
        WHERE p.snapshot_id = a.snapshot_id AND p.platform = a.platform AND p.ad_key = a.ad_key)
),
payer_country AS (
    SELECT p.platform, p.payer_name, p.beneficiary_name, c.country
    FROM core_ad_payer AS p
    LEFT JOIN ad_country AS c ON c.platform = p.platform AND c.ad_key = p.ad_key
    WHERE p.snapshot_id = p_snapshot_id
)
SELECT record_key, platform, id_kind, value, 'advertiser' AS role, name, 'core_ad' AS seen_in, country
FROM advertiser_record
UNION
SELECT record_key, platform, 'registration_number', registration_number, 'advertiser', name, 'core_ad', country
FROM advertiser_record WHERE registration_number IS NOT NULL
UNION
SELECT record_key, platform, 'verified_domain', verified_domain, 'advertiser', name, 'core_ad', country
FROM advertiser_record WHERE verified_domain IS NOT NULL
UNION
SELECT 'google:google_advertiser_id:' || s.advertiser_id, 'google', 'google_advertiser_id', s.advertiser_id,
    'advertiser', s.advertiser_name, 'raw_google_advertiser_stats', g.country
FROM raw_google_advertiser_stats AS s LEFT JOIN google_country AS g USING (advertiser_id)
WHERE s.snapshot_id = p_snapshot_id AND s.advertiser_id IS NOT NULL
UNION
SELECT 'google:google_advertiser_id:' || advertiser_id, 'google', 'registration_number', scheme || ':' || number,
    'advertiser', advertiser_name, 'raw_google_advertiser_stats', NULL
FROM google_public_id WHERE scheme <> ''
UNION
SELECT 'meta:meta_page_id:' || page_id, 'meta', 'meta_page_id', page_id, 'advertiser', page_name, 'raw_meta_ad_report',
    upper(country)
FROM raw_meta_ad_report WHERE snapshot_id = p_snapshot_id AND page_id IS NOT NULL
UNION
SELECT 'tiktok:tiktok_business_id:' || business_id, 'tiktok', 'tiktok_business_id', business_id, 'advertiser',
    business_name, 'raw_tiktok_advertiser', upper(nullif(trim(country_code), ''))
FROM raw_tiktok_advertiser WHERE snapshot_id = p_snapshot_id AND business_id IS NOT NULL
UNION
SELECT platform || ':payer:' || payer_name, platform, 'paid_for_by', payer_name, 'payer', payer_name, 'core_ad_payer',
    country
FROM payer_country WHERE payer_name IS NOT NULL
UNION
SELECT platform || ':beneficiary:' || beneficiary_name, platform, 'paid_for_by', beneficiary_name, 'beneficiary',
    beneficiary_name, 'core_ad_payer', country
FROM payer_country WHERE beneficiary_name IS NOT NULL
UNION
SELECT platform || ':payer:' || payer_name, platform, 'paid_for_by', payer_name, 'payer', payer_name, 'core_ad', country
FROM ad_payer
UNION
SELECT 'meta:payer:' || disclaimer, 'meta', 'paid_for_by', disclaimer, 'payer', disclaimer, 'raw_meta_ad_report',
    upper(country)
FROM raw_meta_ad_report
WHERE snapshot_id = p_snapshot_id AND disclaimer IS NOT NULL AND disclaimer <> 'These ads ran without a disclaimer';

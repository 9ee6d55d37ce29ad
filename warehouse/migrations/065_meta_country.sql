-- 065: the country each Meta ad is known to have reached, from the query that returned it.
--
-- The meta_ads_archive spider asks ads_archive once per country (ad_reached_countries=["BD"], then ["BR"],
-- ...), so every ad it returns reached the country of its query. Items record that country
-- (spiders/items.py query_country). An ad that reached three countries arrives in three queries: raw keeps
-- one row per ad key, so the loader writes the countries of ALL the item lines into core_ad_country_query
-- before the one-row-per-key step (warehouse/load.py). The lake carries this table as it carries raw (it
-- cannot be rebuilt from raw's one row).

-- the last item field, as spiders.items.FIELDS["meta_ad"] lists it (after loaded_at: the loader inserts by name)
ALTER TABLE raw_meta_ads_archive ADD COLUMN query_country VARCHAR;

-- One row per (snapshot, source, ad, country asked for): the ad was returned by a query for that country.
CREATE TABLE core_ad_country_query (
    snapshot_id BIGINT NOT NULL,
    platform VARCHAR NOT NULL,
    ad_key VARCHAR NOT NULL,
    country VARCHAR NOT NULL,  -- ISO 3166-1 alpha-2, upper case, as asked (never "ALL")
    source VARCHAR NOT NULL
);

-- explorer_ad_country(snapshot id), second version (first: 060_explorer.sql): the countries an ad is known to
-- have reached, one row per (platform, ad_key, country): the platform's reach per country (Meta: EU ads),
-- the country of a query that returned the ad (core_ad_country_query), or the one country its source's
-- scope asked for (crawls from before query_country: one query for several countries does not say which
-- one an ad reached).
CREATE OR REPLACE MACRO explorer_ad_country(p_snapshot_id) AS TABLE
SELECT platform, ad_key, country
FROM core_ad_country_reach
WHERE snapshot_id = p_snapshot_id
UNION
SELECT platform, ad_key, country
FROM core_ad_country_query
WHERE snapshot_id = p_snapshot_id
UNION
SELECT a.platform, a.ad_key, upper(src.scope->'countries'->>0) AS country
FROM mart_ad AS a
JOIN mart_snapshot_summary AS src ON src.snapshot_id = a.snapshot_id AND src.source = a.source
WHERE a.snapshot_id = p_snapshot_id
    AND json_array_length(src.scope->'countries') = 1
    AND upper(src.scope->'countries'->>0) <> 'ALL';

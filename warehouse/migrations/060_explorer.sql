-- 060: the ad spend explorer's one filter, and labels the warehouse carries about itself.
--
-- explorer_ads is the filter every explorer query (warehouse/queries/explorer_*.sql) selects from, so the
-- ads a total, a week, an advertiser and a region count are the same ads by one definition.
-- warehouse_label marks what a warehouse is (the demo's, for now); published copies are file copies, so
-- they carry it, and the app reads it there instead of guessing from where the file lives.

-- key/value facts about this warehouse file. 'demo' = 'true': made by adtrail demo, its figures invented
-- (written by warehouse.demo_marker.mark_demo before the demo loads anything).
CREATE TABLE warehouse_label (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL,
    labelled_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- explorer_ad_country(snapshot id): the countries an ad is known to have reached, one row per (platform,
-- ad_key, country): the platform's reach per country (Meta: EU ads), or the one country its source's scope
-- asked for (Meta returns only ads that reached the countries asked for; when one query asks for several,
-- it does not say which one an ad reached).
CREATE MACRO explorer_ad_country(p_snapshot_id) AS TABLE
SELECT platform, ad_key, country
FROM core_ad_country_reach
WHERE snapshot_id = p_snapshot_id
UNION
SELECT a.platform, a.ad_key, upper(src.scope->'countries'->>0) AS country
FROM mart_ad AS a
JOIN mart_snapshot_summary AS src ON src.snapshot_id = a.snapshot_id AND src.source = a.source
WHERE a.snapshot_id = p_snapshot_id
    AND json_array_length(src.scope->'countries') = 1
    AND upper(src.scope->'countries'->>0) <> 'ALL';

-- explorer_ads(snapshot id, platforms, countries, advertiser, delivery from, delivery to, late days): the
-- ads of a complete snapshot that the explorer's filters let through, one row per ad, priced in USD.
-- Each filter is NULL for "any": platforms and countries are lists (meta, google, ...; ISO 3166-1
-- alpha-2), advertiser matches an advertiser id exactly or a part of the name (case-insensitive), delivery
-- from / to bound the delivery start date (both days included). late days: how many days before the
-- snapshot's date count as possibly incomplete (platforms report spend late).
-- Only disclosed amounts (published by the platform): figures of other bases are never summed with them.
-- USD by the rule in fx_rule (040_fx.sql, analysis/assumptions.toml): spend_usd_low / spend_usd_high are
-- NULL where no rate is loaded for the currency and date (usd_rate_missing), a gap, never a zero.
CREATE MACRO explorer_ads(p_snapshot_id, p_platforms, p_countries, p_advertiser, p_delivery_from, p_delivery_to,
                          p_late_days) AS TABLE
WITH filtered_ad AS (
    SELECT
        a.snapshot_id, a.as_of, a.platform, a.source, a.source_status, a.ad_key, a.fetched_at,
        coalesce(a.advertiser_id, 'name:' || a.advertiser_name) AS advertiser_key,
        a.advertiser_id, a.advertiser_name, a.delivery_start, a.platform_fields,
        a.spend_currency AS currency, a.spend_low, a.spend_high, a.spend_open_ended, a.spend_basis,
        -- the date an ad's lifetime spend converts to USD at: the day its delivery started
        CAST(a.delivery_start AS DATE) AS amount_date
    FROM mart_ad AS a
    WHERE a.snapshot_id = p_snapshot_id
        AND a.spend_basis = 'disclosed'
        AND (p_platforms IS NULL OR list_contains(p_platforms, a.platform))
        AND (p_countries IS NULL OR EXISTS (
            SELECT 1 FROM explorer_ad_country(p_snapshot_id) AS c
            WHERE c.platform = a.platform AND c.ad_key = a.ad_key AND list_contains(p_countries, c.country)))
        AND (p_advertiser IS NULL OR a.advertiser_id = p_advertiser
            OR strpos(lower(a.advertiser_name), lower(p_advertiser)) > 0)
        AND (p_delivery_from IS NULL OR a.delivery_start >= CAST(p_delivery_from AS DATE))
        AND (p_delivery_to IS NULL OR a.delivery_start < CAST(p_delivery_to AS DATE) + INTERVAL 1 DAY)
)
SELECT
    f.*,
    f.spend_low * r.usd_per_unit AS spend_usd_low,
    f.spend_high * r.usd_per_unit AS spend_usd_high,
    r.usd_per_unit, r.rate_source, r.rate_precision, r.rate_period, r.fx_rule_version,
    f.spend_low IS NOT NULL AND r.usd_per_unit IS NULL AS usd_rate_missing,
    f.delivery_start >= f.as_of - to_days(CAST(p_late_days AS INTEGER)) AS possibly_incomplete
FROM filtered_ad AS f
LEFT JOIN fx_usd_rate_at('filtered_ad') AS r
    ON r.currency = f.currency AND r.amount_date = f.amount_date;

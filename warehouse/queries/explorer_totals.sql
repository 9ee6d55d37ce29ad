-- Ad spend explorer, totals: one row per currency (all_currencies false), and one row for all currencies
-- together (all_currencies true; only its USD figures and counts mean anything across currencies).
-- Original-currency amounts are summed within one currency only. A *_high is NULL when the top is
-- unknown (an open bucket, or an amount without a USD rate): show "at least" the *_low.
-- $late_days: how many days before the snapshot's date count as possibly incomplete.
-- explorer filter: begin (the same block in every explorer_*.sql; tests/test_app_queries.py holds them equal)
-- $snapshot_id: a complete snapshot. Each filter is NULL for "any": $platforms and $countries are lists
-- (meta, google, ...; ISO 3166-1 alpha-2), $advertiser matches an advertiser id exactly or a part of the
-- name (case-insensitive), $delivery_from / $delivery_to bound the delivery start date (both included).
-- Only disclosed amounts (published by the platform): figures of other bases are never summed with them.
WITH
ad_country AS (
    -- Countries an ad is known to have reached: the platform's reach per country (Meta: EU ads), or the
    -- one country its source's scope asked for (Meta returns only ads that reached the countries asked
    -- for; when one query asks for several, it does not say which one an ad reached).
    SELECT platform, ad_key, country
    FROM core_ad_country_reach
    WHERE snapshot_id = $snapshot_id
    UNION
    SELECT a.platform, a.ad_key, upper(src.scope->'countries'->>0) AS country
    FROM mart_ad AS a
    JOIN mart_snapshot_summary AS src ON src.snapshot_id = a.snapshot_id AND src.source = a.source
    WHERE a.snapshot_id = $snapshot_id
        AND json_array_length(src.scope->'countries') = 1
        AND upper(src.scope->'countries'->>0) <> 'ALL'
),
filtered_ad AS (
    SELECT
        a.snapshot_id, a.as_of, a.platform, a.source, a.source_status, a.ad_key, a.fetched_at,
        coalesce(a.advertiser_id, 'name:' || a.advertiser_name) AS advertiser_key,
        a.advertiser_id, a.advertiser_name, a.delivery_start, a.platform_fields,
        a.spend_currency AS currency, a.spend_low, a.spend_high, a.spend_open_ended, a.spend_basis,
        -- the date an ad's lifetime spend converts to USD at: the day its delivery started
        CAST(a.delivery_start AS DATE) AS amount_date
    FROM mart_ad AS a
    WHERE a.snapshot_id = $snapshot_id
        AND a.spend_basis = 'disclosed'
        AND ($platforms IS NULL OR list_contains($platforms, a.platform))
        AND ($countries IS NULL OR EXISTS (
            SELECT 1 FROM ad_country AS c
            WHERE c.platform = a.platform AND c.ad_key = a.ad_key AND list_contains($countries, c.country)))
        AND ($advertiser IS NULL OR a.advertiser_id = $advertiser
            OR strpos(lower(a.advertiser_name), lower($advertiser)) > 0)
        AND ($delivery_from IS NULL OR a.delivery_start >= CAST($delivery_from AS DATE))
        AND ($delivery_to IS NULL OR a.delivery_start < CAST($delivery_to AS DATE) + INTERVAL 1 DAY)
),
priced_ad AS (
    -- USD by the rule in fx_rule (migration 040_fx.sql, analysis/assumptions.toml): NULL where no rate
    -- is loaded for the currency and date, a gap that is counted and shown, never a zero.
    SELECT
        f.*,
        f.spend_low * r.usd_per_unit AS spend_usd_low,
        f.spend_high * r.usd_per_unit AS spend_usd_high,
        r.usd_per_unit, r.rate_source, r.rate_precision, r.rate_period, r.fx_rule_version,
        f.spend_low IS NOT NULL AND r.usd_per_unit IS NULL AS usd_rate_missing,
        -- platforms report spend late: the newest days of a snapshot may still grow
        f.delivery_start >= f.as_of - to_days(CAST($late_days AS INTEGER)) AS possibly_incomplete
    FROM filtered_ad AS f
    LEFT JOIN fx_usd_rate_at('filtered_ad') AS r
        ON r.currency = f.currency AND r.amount_date = f.amount_date
)
-- explorer filter: end
SELECT
    $snapshot_id AS snapshot_id,
    any_value(as_of) AS as_of,
    'disclosed' AS spend_basis,
    grouping(currency) = 1 AS all_currencies,
    CASE WHEN grouping(currency) = 0 THEN currency END AS currency,
    count(*) AS ads,
    count(DISTINCT advertiser_key) AS advertisers,
    count(spend_low) AS ads_with_spend,
    count(*) FILTER (WHERE spend_open_ended) AS open_ended_ads,
    CASE WHEN grouping(currency) = 0 THEN sum(spend_low) END AS spend_low,
    CASE WHEN grouping(currency) = 0 AND count(spend_high) = count(spend_low) THEN sum(spend_high) END AS spend_high,
    sum(spend_usd_low) AS spend_usd_low,
    CASE WHEN count(spend_usd_high) = count(spend_low) THEN sum(spend_usd_high) END AS spend_usd_high,
    count(*) FILTER (WHERE usd_rate_missing) AS ads_without_usd_rate,
    string_agg(DISTINCT currency, ', ' ORDER BY currency) FILTER (WHERE usd_rate_missing)
        AS currencies_without_usd_rate,
    string_agg(DISTINCT rate_source || ' ' || rate_precision, ', ' ORDER BY rate_source || ' ' || rate_precision)
        AS usd_rates_used,
    min(rate_period) AS usd_rate_period_first,
    max(rate_period) AS usd_rate_period_last,
    max(fx_rule_version) AS fx_rule_version,
    -- Google publishes its amounts already in USD, converted by Google (its own rate, not adtrail's)
    count(*) FILTER (WHERE platform_fields->>'spend_conversion' = 'platform') AS ads_converted_by_platform,
    count(*) FILTER (WHERE possibly_incomplete) AS possibly_incomplete_ads,
    count(*) FILTER (WHERE source_status = 'failed') AS ads_from_failed_sources,
    min(delivery_start) AS first_delivery_start,
    max(delivery_start) AS last_delivery_start
FROM priced_ad
GROUP BY GROUPING SETS ((currency), ())
ORDER BY all_currencies DESC, spend_usd_low DESC NULLS LAST, currency NULLS LAST

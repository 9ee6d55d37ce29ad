-- Ad spend explorer, regions, ranked, from two kinds of figure that are never summed together:
-- * Meta: each ad's spend shared out over the regions it was delivered in by the platform's delivery share
--   (delivery_by_region, a fraction per region). The share is disclosed, the product is computed by that
--   rule: spend_basis 'derived'.
-- * Google: each advertiser's lifetime spend per region as Google published it (advertiser-geo-spend, in
--   USD as Google converted and rounded it): spend_basis 'disclosed'. Lifetime totals have no dates, so a
--   delivery date filter leaves them out.
-- One row per (platform, region, currency) and one per (platform, region) for all currencies (USD figures
-- only), regions ranked by $rank_currency ('USD' or an ISO code, as in explorer_advertisers). ads counts
-- Meta ads; advertisers counts the advertisers behind a region's figure.
-- Region names are the platform's (Google: ISO 3166-2, or the country when it gives no subdivision); the
-- same name in two countries is one row unless a country is chosen.
-- $snapshot_id: a complete snapshot; $platforms, $countries, $advertiser, $delivery_from, $delivery_to: the
-- explorer's filters, NULL for "any"; the ads they let through, priced in USD, are explorer_ads (migration
-- 060_explorer.sql), the one filter every explorer query selects from.
WITH
priced_ad AS (
    SELECT *
    FROM explorer_ads($snapshot_id, $platforms, $countries, $advertiser, $delivery_from, $delivery_to, $late_days)
),
region_spend AS (
    SELECT
        p.platform, 'derived' AS spend_basis, entry->>'region' AS region, p.currency, p.advertiser_key,
        p.spend_open_ended, p.usd_rate_missing, TRY_CAST(entry->>'percentage' AS DOUBLE) AS delivery_share,
        p.spend_low, p.spend_high, p.spend_usd_low, p.spend_usd_high
    FROM priced_ad AS p,
        unnest(CAST(json_extract(p.platform_fields, '$.delivery_by_region') AS JSON[])) AS t(entry)
    UNION ALL BY NAME
    SELECT
        'google' AS platform, 'disclosed' AS spend_basis,
        coalesce(o.subdivision_primary, o.country) AS region, 'USD' AS currency,
        coalesce(o.advertiser_id, 'name:' || o.advertiser_name) AS advertiser_key,
        coalesce(o.usd_open_ended, false) OR o.usd_high IS NULL AS spend_open_ended, false AS usd_rate_missing,
        1.0 AS delivery_share, o.usd_low AS spend_low, o.usd_high AS spend_high,
        o.usd_low AS spend_usd_low, o.usd_high AS spend_usd_high
    FROM google_spend_observation AS o
    JOIN mart_snapshot_summary AS src ON src.snapshot_id = o.snapshot_id AND src.source = o.source
    WHERE o.snapshot_id = $snapshot_id
        AND o.grain = 'advertiser_region_lifetime'
        AND o.spend_basis = 'disclosed'
        AND ($platforms IS NULL OR list_contains($platforms, 'google'))
        AND ($countries IS NULL OR list_contains($countries, o.country))
        AND ($advertiser IS NULL OR o.advertiser_id = $advertiser
            OR strpos(lower(o.advertiser_name), lower($advertiser)) > 0)
        AND $delivery_from IS NULL AND $delivery_to IS NULL
),
per_region AS (
    SELECT
        platform,
        spend_basis,
        region,
        grouping(currency) = 1 AS all_currencies,
        CASE WHEN grouping(currency) = 0 THEN currency END AS currency,
        count(*) FILTER (WHERE spend_basis = 'derived') AS ads,
        count(DISTINCT advertiser_key) AS advertisers,
        count(*) FILTER (WHERE spend_open_ended) AS open_ended_ads,
        CASE WHEN grouping(currency) = 0 THEN round(sum(spend_low * delivery_share), 2) END AS spend_low,
        CASE WHEN grouping(currency) = 0 AND count(spend_high * delivery_share) = count(spend_low * delivery_share)
            THEN round(sum(spend_high * delivery_share), 2) END AS spend_high,
        round(sum(spend_usd_low * delivery_share), 2) AS spend_usd_low,
        CASE WHEN count(spend_usd_high * delivery_share) = count(spend_low * delivery_share)
            THEN round(sum(spend_usd_high * delivery_share), 2) END AS spend_usd_high,
        count(*) FILTER (WHERE usd_rate_missing) AS ads_without_usd_rate,
        count(*) FILTER (WHERE delivery_share IS NULL) AS ads_without_share
    FROM region_spend
    WHERE region IS NOT NULL
    GROUP BY GROUPING SETS ((platform, spend_basis, region, currency), (platform, spend_basis, region))
),
ranked AS (
    SELECT
        platform,
        spend_basis,
        region,
        row_number() OVER (ORDER BY rank_amount DESC NULLS LAST, ads DESC, region, platform) AS spend_rank
    FROM (
        SELECT platform, spend_basis, region, ads,
            CASE WHEN $rank_currency = 'USD' THEN spend_usd_low ELSE spend_low END AS rank_amount
        FROM per_region
        WHERE CASE WHEN $rank_currency = 'USD' THEN all_currencies
                   ELSE NOT all_currencies AND currency = $rank_currency END
    )
    QUALIFY spend_rank <= $row_limit
)
SELECT
    $snapshot_id AS snapshot_id,
    r.spend_rank,
    CASE p.spend_basis
        WHEN 'derived' THEN 'delivery share × disclosed ad spend'
        ELSE 'published by the platform per region'
    END AS basis_rule,
    p.*
FROM per_region AS p
JOIN ranked AS r ON r.platform = p.platform AND r.spend_basis = p.spend_basis AND r.region = p.region
ORDER BY r.spend_rank, p.all_currencies DESC, p.currency NULLS LAST

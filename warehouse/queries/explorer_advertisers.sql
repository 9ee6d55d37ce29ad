-- Ad spend explorer, top advertisers: for the $row_limit advertisers with the most spend, one row per
-- currency they spent in (all_currencies false) and one row for all their currencies (all_currencies
-- true: USD figures only). Ranked by $rank_currency: 'USD' ranks by the USD lower bound over all
-- currencies; an ISO code ranks by the lower bound in that currency (advertisers without spend in it are
-- left out). An advertiser is its platform id, or its name when the platform gave no id.
-- $snapshot_id: a complete snapshot; $platforms, $countries, $advertiser, $delivery_from, $delivery_to: the
-- explorer's filters, NULL for "any"; the ads they let through, priced in USD, are explorer_ads (migration
-- 060_explorer.sql), the one filter every explorer query selects from.
WITH
priced_ad AS (
    SELECT *
    FROM explorer_ads($snapshot_id, $platforms, $countries, $advertiser, $delivery_from, $delivery_to, $late_days)
),
per_advertiser AS (
    SELECT
        platform,
        advertiser_key,
        grouping(currency) = 1 AS all_currencies,
        CASE WHEN grouping(currency) = 0 THEN currency END AS currency,
        any_value(advertiser_id) AS advertiser_id,
        arg_max(advertiser_name, fetched_at) AS advertiser_name,
        count(*) AS ads,
        count(spend_low) AS ads_with_spend,
        count(*) FILTER (WHERE spend_open_ended) AS open_ended_ads,
        CASE WHEN grouping(currency) = 0 THEN sum(spend_low) END AS spend_low,
        CASE WHEN grouping(currency) = 0 AND count(spend_high) = count(spend_low) THEN sum(spend_high) END
            AS spend_high,
        sum(spend_usd_low) AS spend_usd_low,
        CASE WHEN count(spend_usd_high) = count(spend_low) THEN sum(spend_usd_high) END AS spend_usd_high,
        count(*) FILTER (WHERE usd_rate_missing) AS ads_without_usd_rate,
        count(*) FILTER (WHERE possibly_incomplete) AS possibly_incomplete_ads
    FROM priced_ad
    GROUP BY GROUPING SETS ((platform, advertiser_key, currency), (platform, advertiser_key))
),
ranked AS (
    SELECT
        platform,
        advertiser_key,
        row_number() OVER (ORDER BY rank_amount DESC NULLS LAST, ads DESC, advertiser_name, advertiser_key)
            AS spend_rank
    FROM (
        SELECT
            platform, advertiser_key, advertiser_name, ads,
            CASE WHEN $rank_currency = 'USD' THEN spend_usd_low ELSE spend_low END AS rank_amount
        FROM per_advertiser
        WHERE CASE WHEN $rank_currency = 'USD' THEN all_currencies
                   ELSE NOT all_currencies AND currency = $rank_currency END
    )
    QUALIFY spend_rank <= $row_limit
)
SELECT
    $snapshot_id AS snapshot_id,
    'disclosed' AS spend_basis,
    r.spend_rank,
    p.*
FROM per_advertiser AS p
JOIN ranked AS r ON r.platform = p.platform AND r.advertiser_key = p.advertiser_key
ORDER BY r.spend_rank, p.all_currencies DESC, p.spend_usd_low DESC NULLS LAST, p.currency NULLS LAST

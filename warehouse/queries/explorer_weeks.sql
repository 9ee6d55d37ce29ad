-- Ad spend explorer, spend over time: ads' lifetime spend by the week their delivery started (ISO weeks,
-- Monday to Sunday, UTC), one row per week and currency (all_currencies false) and one per week for all
-- currencies (all_currencies true: USD figures only). possibly_incomplete marks weeks that reach into the
-- last $late_days days before the snapshot's date: platforms report spend late, so these still grow.
-- $snapshot_id: a complete snapshot; $platforms, $countries, $advertiser, $delivery_from, $delivery_to: the
-- explorer's filters, NULL for "any"; the ads they let through, priced in USD, are explorer_ads (migration
-- 060_explorer.sql), the one filter every explorer query selects from.
WITH
priced_ad AS (
    SELECT *
    FROM explorer_ads($snapshot_id, $platforms, $countries, $advertiser, $delivery_from, $delivery_to, $late_days)
)
SELECT
    $snapshot_id AS snapshot_id,
    'disclosed' AS spend_basis,
    CAST(date_trunc('week', delivery_start) AS DATE) AS week_start,
    grouping(currency) = 1 AS all_currencies,
    CASE WHEN grouping(currency) = 0 THEN currency END AS currency,
    count(*) AS ads,
    count(spend_low) AS ads_with_spend,
    count(*) FILTER (WHERE spend_open_ended) AS open_ended_ads,
    CASE WHEN grouping(currency) = 0 THEN sum(spend_low) END AS spend_low,
    CASE WHEN grouping(currency) = 0 AND count(spend_high) = count(spend_low) THEN sum(spend_high) END AS spend_high,
    sum(spend_usd_low) AS spend_usd_low,
    CASE WHEN count(spend_usd_high) = count(spend_low) THEN sum(spend_usd_high) END AS spend_usd_high,
    count(*) FILTER (WHERE usd_rate_missing) AS ads_without_usd_rate,
    CAST(date_trunc('week', delivery_start) AS DATE) + INTERVAL 7 DAY
        > any_value(as_of) - to_days(CAST($late_days AS INTEGER)) AS possibly_incomplete
FROM priced_ad
WHERE delivery_start IS NOT NULL
GROUP BY GROUPING SETS ((week_start, currency), (week_start))
ORDER BY week_start, all_currencies DESC, currency NULLS LAST

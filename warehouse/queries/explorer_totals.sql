-- Ad spend explorer, totals: one row per currency (all_currencies false), and one row for all currencies
-- together (all_currencies true; only its USD figures and counts mean anything across currencies).
-- Original-currency amounts are summed within one currency only. A *_high is NULL when the top is
-- unknown (an open bucket, or an amount without a USD rate): show "at least" the *_low.
-- $late_days: how many days before the snapshot's date count as possibly incomplete.
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

-- Spend per advertiser in one snapshot, per currency as disclosed (never converted here).
-- $snapshot_id: a complete snapshot; $platform: e.g. 'meta', or NULL for all; $row_limit: rows at most.
-- spend_high_sum is NULL when open_ended_ads > 0: show "at least spend_low_sum".
SELECT
    platform,
    advertiser_id,
    advertiser_name,
    spend_currency,
    spend_basis,
    ads,
    ads_with_spend,
    spend_low_sum,
    spend_high_sum,
    open_ended_ads,
    spend_estimate_sum,
    ads_from_failed_sources
FROM mart_advertiser_spend
WHERE snapshot_id = $snapshot_id
    AND ($platform IS NULL OR platform = $platform)
ORDER BY spend_estimate_sum DESC NULLS LAST, advertiser_name, spend_currency NULLS LAST
LIMIT $row_limit

-- Disclosed spend of one snapshot per currency, in the original currency (never converted here).
-- $snapshot_id: a complete snapshot. spend_high is NULL when any ad's bucket is open at the top: show
-- "at least spend_low". A NULL currency is its own row: the platform gave none, nothing is guessed.
SELECT
    spend_currency AS currency,
    CAST(sum(ads) AS BIGINT) AS ads,
    CAST(sum(spend_low_sum) AS BIGINT) AS spend_low,
    CASE WHEN sum(open_ended_ads) > 0 THEN NULL ELSE CAST(sum(spend_high_sum) AS BIGINT) END AS spend_high,
    CAST(sum(open_ended_ads) AS BIGINT) AS open_ended_ads
FROM mart_advertiser_spend
WHERE snapshot_id = $snapshot_id
GROUP BY spend_currency
ORDER BY ads DESC, currency NULLS LAST

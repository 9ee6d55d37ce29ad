-- The ads of one advertiser in one snapshot, newest delivery first.
-- $snapshot_id: a complete snapshot; $platform; $advertiser_id.
SELECT
    ad_key,
    ad_id,
    advertiser_name,
    payer_name,
    beneficiary_name,
    content_bodies,
    content_titles,
    delivery_start,
    delivery_stop,
    spend_currency,
    spend_low,
    spend_high,
    spend_estimate,
    spend_open_ended,
    spend_basis,
    impressions_low,
    impressions_high,
    reach_total,
    source_status,
    source_url,
    fetched_at
FROM mart_ad
WHERE snapshot_id = $snapshot_id AND platform = $platform AND advertiser_id = $advertiser_id
ORDER BY delivery_start DESC NULLS LAST, ad_key

-- Changes of ads reported by one snapshot (compared with the previous snapshot in which the same source
-- completed with the same scope). $to_snapshot_id: a complete snapshot; $change_kind: one of new_ad,
-- no_longer_returned, spend_grew, reach_grew, text_changed, page_renamed, or NULL for all.
SELECT
    from_snapshot_id,
    from_as_of,
    to_snapshot_id,
    to_as_of,
    source,
    platform,
    change_kind,
    ad_key,
    advertiser_id,
    advertiser_name,
    old_value,
    new_value
FROM mart_ad_changes
WHERE to_snapshot_id = $to_snapshot_id
    AND ($change_kind IS NULL OR change_kind = $change_kind)
ORDER BY change_kind, advertiser_name, ad_key

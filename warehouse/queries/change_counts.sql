-- How many ads changed in each way in one snapshot, against the previous snapshot in which the same
-- source completed with the same scope. $snapshot_id: a complete snapshot.
SELECT change_kind AS change, count(*) AS ads
FROM mart_ad_changes
WHERE to_snapshot_id = $snapshot_id
GROUP BY change_kind
ORDER BY change_kind

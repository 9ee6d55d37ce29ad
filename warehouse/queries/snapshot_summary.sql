-- Each source of one snapshot: how it ended and how many items it gave. $snapshot_id: a complete snapshot.
SELECT source, source_status AS status, finish_reason, error, items_loaded
FROM mart_snapshot_summary
WHERE snapshot_id = $snapshot_id
ORDER BY source

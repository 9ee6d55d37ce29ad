-- What each source of one snapshot asked for and what happened to it (the Sources and data quality page).
-- $snapshot_id: a complete snapshot.
SELECT source, crawl_id, source_status, finish_reason, error, cursor, items_loaded, counts, scope, scope_hash
FROM mart_snapshot_summary
WHERE snapshot_id = $snapshot_id
ORDER BY source

-- The complete snapshots, newest first, with how many sources completed or failed in each.
SELECT
    s.snapshot_id,
    s.as_of,
    s.finished_at,
    s.code_version,
    count(src.source) AS sources,
    count(src.source) FILTER (WHERE src.source_status = 'failed') AS failed_sources,
    CAST(sum(src.items_loaded) AS BIGINT) AS items_loaded
FROM mart_snapshot AS s
LEFT JOIN mart_snapshot_summary AS src ON src.snapshot_id = s.snapshot_id
GROUP BY ALL
ORDER BY s.as_of DESC, s.snapshot_id DESC

-- For each country and platform: which fields are disclosed and since when (mart_disclosure_coverage).
-- $snapshot_id: one complete snapshot; NULL: for each platform, the latest complete snapshot holding it.
WITH chosen AS (
    SELECT platform, max(snapshot_id) AS snapshot_id
    FROM mart_disclosure_coverage
    WHERE $snapshot_id IS NULL OR snapshot_id = $snapshot_id
    GROUP BY platform
),
final AS (
    SELECT c.*
    FROM mart_disclosure_coverage AS c
    JOIN chosen USING (platform, snapshot_id)
)
SELECT * FROM final ORDER BY country, platform;

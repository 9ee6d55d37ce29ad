-- Meta's API-derived spend beside the Ad Library Report's disclosed totals and Google's weekly spend
-- (mart_meta_completeness), per country, advertiser (page) and period. $report_snapshot_id NULL: the latest
-- complete snapshot holding report rows. $country NULL: every country.
WITH final AS (
    SELECT *
    FROM mart_meta_completeness
    WHERE report_snapshot_id = coalesce($report_snapshot_id,
                                        (SELECT max(report_snapshot_id) FROM mart_meta_completeness))
        AND ($country IS NULL OR country = $country)
)
SELECT * FROM final ORDER BY country, period, report_estimate DESC NULLS LAST, page_id;

-- Meta's API-derived spend beside the Ad Library Report's disclosed totals and Google's weekly spend for the
-- report's country (mart_meta_completeness, rule [completeness] v2: Pacific days, delivery_by_region shares,
-- every amount in its currency and in USD at the report's last day), per country, advertiser (page) and
-- period; the columns are listed in warehouse/migrations/145_completeness_v2.sql.
-- $report_snapshot_id NULL: the latest complete snapshot holding report rows. $country NULL: every country.
WITH final AS (
    SELECT *
    FROM mart_meta_completeness
    WHERE report_snapshot_id = coalesce($report_snapshot_id,
                                        (SELECT max(report_snapshot_id) FROM mart_meta_completeness))
        AND ($country IS NULL OR country = $country)
)
SELECT * FROM final
ORDER BY country, period, report_date, report_usd_estimate DESC NULLS LAST, report_estimate DESC NULLS LAST, page_id;

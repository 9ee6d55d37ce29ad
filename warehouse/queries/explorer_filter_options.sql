-- Ad spend explorer, what the filters can offer for one snapshot: one row per (option_kind, option_value)
-- with the number of ads that have it. option_kind: 'platform', 'country' (an ad counts for each country
-- it is known to have reached; option_value NULL counts the ads whose country is not known),
-- 'currency' (NULL: no currency given). first_delivery_start / last_delivery_start bound the date filter.
-- $snapshot_id: a complete snapshot. Only disclosed amounts, as in the explorer's other queries.
WITH
ad AS (
    SELECT platform, ad_key, source, spend_currency, delivery_start
    FROM mart_ad
    WHERE snapshot_id = $snapshot_id AND spend_basis = 'disclosed'
),
ad_country AS (
    -- the same rule as explorer_*.sql's ad_country
    SELECT platform, ad_key, country
    FROM core_ad_country_reach
    WHERE snapshot_id = $snapshot_id
    UNION
    SELECT a.platform, a.ad_key, upper(src.scope->'countries'->>0) AS country
    FROM mart_ad AS a
    JOIN mart_snapshot_summary AS src ON src.snapshot_id = a.snapshot_id AND src.source = a.source
    WHERE a.snapshot_id = $snapshot_id
        AND json_array_length(src.scope->'countries') = 1
        AND upper(src.scope->'countries'->>0) <> 'ALL'
),
options AS (
    SELECT 'platform' AS option_kind, platform AS option_value, count(*) AS ads FROM ad GROUP BY ALL
    UNION ALL
    SELECT 'currency', spend_currency, count(*) FROM ad GROUP BY ALL
    UNION ALL
    SELECT 'country', c.country, count(*)
    FROM ad AS a JOIN ad_country AS c ON c.platform = a.platform AND c.ad_key = a.ad_key
    GROUP BY ALL
    UNION ALL
    SELECT 'country', NULL, count(*)
    FROM ad AS a ANTI JOIN ad_country AS c ON c.platform = a.platform AND c.ad_key = a.ad_key
    HAVING count(*) > 0
)
SELECT
    $snapshot_id AS snapshot_id,
    o.option_kind,
    o.option_value,
    o.ads,
    (SELECT CAST(min(delivery_start) AS DATE) FROM ad) AS first_delivery_start,
    (SELECT CAST(max(delivery_start) AS DATE) FROM ad) AS last_delivery_start
FROM options AS o
ORDER BY o.option_kind, o.ads DESC, o.option_value NULLS LAST

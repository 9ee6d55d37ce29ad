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
    -- the countries the explorer's country filter matches (migrations 060_explorer.sql, 065_meta_country.sql)
    SELECT * FROM explorer_ad_country($snapshot_id)
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

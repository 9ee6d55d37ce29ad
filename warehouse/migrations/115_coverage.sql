-- 115: how much each country is shown (issue 4, items 9 and 10).
--
-- mart_disclosure_coverage: for each complete snapshot, country and platform, which fields the platform
-- disclosed (spend, reach, targeting, payer, content) and since when (the earliest delivery day of an ad
-- with that field).
-- mart_meta_completeness: Meta's API-derived spend beside the Ad Library Report's disclosed totals and
-- Google's weekly spend, with a completeness ratio, by the rule [completeness] of analysis/assumptions.toml.

-- The countries an ad is known to have reached: a per-country reach row, or the country of a query that
-- returned it (Meta's ad_reached_countries). Reach is kept where the platform gave it.
CREATE VIEW ad_country_known AS
SELECT snapshot_id, platform, ad_key, country, max(reach) AS reach, count(reach) > 0 AS has_reach
FROM (
    SELECT snapshot_id, platform, ad_key, country, reach FROM core_ad_country_reach
    UNION ALL
    SELECT snapshot_id, platform, ad_key, country, NULL::BIGINT FROM core_ad_country_query
)
GROUP BY ALL;

-- A field counts as disclosed for an ad when it is non-null and non-empty: spend = spend_low; reach =
-- reach_total, impressions or a per-country reach; targeting = ages, gender or locations (included or
-- excluded); payer = payer_name or a core_ad_payer row; content = texts (bodies, titles, descriptions,
-- captions) or a link to the platform's rendering of the ad. *_since is the earliest delivery day (UTC) of an
-- ad disclosing it; NULL means never. ads_with_* says how many of the ads do.
CREATE VIEW mart_disclosure_coverage AS
WITH payer AS (
    SELECT DISTINCT snapshot_id, platform, ad_key FROM core_ad_payer WHERE payer_name IS NOT NULL
),
flags AS (
    SELECT
        a.snapshot_id, c.country, a.platform, a.ad_key,
        CAST(a.delivery_start AS DATE) AS delivery_day,
        a.spend_low IS NOT NULL AS has_spend,
        a.reach_total IS NOT NULL OR a.impressions_low IS NOT NULL OR c.has_reach AS has_reach,
        len(coalesce(a.targeting_ages, [])) > 0 OR a.targeting_gender IS NOT NULL
            OR coalesce(json_array_length(a.targeting_locations_included), 0) > 0
            OR coalesce(json_array_length(a.targeting_locations_excluded), 0) > 0 AS has_targeting,
        a.payer_name IS NOT NULL OR p.ad_key IS NOT NULL AS has_payer,
        len(coalesce(a.content_bodies, [])) + len(coalesce(a.content_titles, []))
            + len(coalesce(a.content_descriptions, [])) + len(coalesce(a.content_captions, [])) > 0
            OR a.content_url IS NOT NULL AS has_content
    FROM mart_ad AS a
    JOIN ad_country_known AS c USING (snapshot_id, platform, ad_key)
    LEFT JOIN payer AS p USING (snapshot_id, platform, ad_key)
),
final AS (
    SELECT
        snapshot_id, country, platform,
        count(*) AS ads,
        count(*) FILTER (WHERE has_spend) AS ads_with_spend,
        min(delivery_day) FILTER (WHERE has_spend) AS spend_since,
        count(*) FILTER (WHERE has_reach) AS ads_with_reach,
        min(delivery_day) FILTER (WHERE has_reach) AS reach_since,
        count(*) FILTER (WHERE has_targeting) AS ads_with_targeting,
        min(delivery_day) FILTER (WHERE has_targeting) AS targeting_since,
        count(*) FILTER (WHERE has_payer) AS ads_with_payer,
        min(delivery_day) FILTER (WHERE has_payer) AS payer_since,
        count(*) FILTER (WHERE has_content) AS ads_with_content,
        min(delivery_day) FILTER (WHERE has_content) AS content_since
    FROM flags
    GROUP BY snapshot_id, country, platform
)
SELECT * FROM final;

-- Completeness, rule [completeness] version 1 of analysis/assumptions.toml (its words are the reference):
-- each report row of the advertisers file (country, period, page) of a complete snapshot is set beside the
-- Meta ads of that page from the latest complete snapshot holding Meta API ads. An ad's lifetime spend
-- counts toward the report's country and period in the share
--   country_share x overlap_days / delivery_days
-- where delivery_days runs from its delivery start to its stop (or, still running, the day it was fetched),
-- both days included, overlap_days are those of them inside [period_start, report_date] (lifetime: up to
-- report_date), and country_share is its reach there over its reach in all its countries when every country
-- of the ad has a reach figure, else 1 / the number of countries it reached (1 for one country).
-- Only ads in the report's currency are summed (ads_other_currency counts the rest). Google's weekly spend
-- (USD, every country) of the entity's Google advertiser ids is prorated by the same day rule.
CREATE VIEW mart_meta_completeness AS
WITH ads_snapshot AS (
    SELECT max(snapshot_id) AS ads_snapshot_id FROM mart_ad WHERE platform = 'meta' AND source = 'meta_ads_archive'
),
report AS (
    SELECT r.snapshot_id AS report_snapshot_id, r.country, r.period, r.period_start, r.report_date, r.page_id,
        arg_min(r.page_name, r.row_number) AS page_name, r.currency,
        sum(r.amount_spent_low) AS report_low, sum(r.amount_spent_high) AS report_high,
        bool_or(r.amount_below_threshold) AS report_below_threshold
    FROM raw_meta_ad_report AS r
    JOIN mart_snapshot AS s ON s.snapshot_id = r.snapshot_id
    WHERE r.report_kind = 'advertisers' AND r.page_id IS NOT NULL
    GROUP BY ALL
),
country_share AS (
    SELECT snapshot_id, ad_key, country,
        CASE WHEN count(reach) OVER ad = count(*) OVER ad AND sum(reach) OVER ad > 0
             THEN reach / sum(reach) OVER ad ELSE 1.0 / count(*) OVER ad END AS country_share
    FROM ad_country_known
    WHERE platform = 'meta'
    WINDOW ad AS (PARTITION BY snapshot_id, ad_key)
),
ad AS (
    SELECT a.snapshot_id, a.ad_key, a.advertiser_id AS page_id, a.spend_currency, a.spend_low, a.spend_high,
        a.spend_estimate, CAST(a.delivery_start AS DATE) AS first_day,
        CAST(coalesce(a.delivery_stop, a.fetched_at) AS DATE) AS last_day
    FROM mart_ad AS a JOIN ads_snapshot AS s ON a.snapshot_id = s.ads_snapshot_id
    WHERE a.platform = 'meta' AND a.delivery_start IS NOT NULL
),
ad_share AS (
    SELECT rp.report_snapshot_id, rp.country, rp.period, rp.report_date, rp.page_id, a.ad_key,
        a.spend_currency = rp.currency AS same_currency, a.spend_low, a.spend_high, a.spend_estimate,
        cs.country_share * greatest(0, least(a.last_day, rp.report_date)
                                       - greatest(a.first_day, coalesce(rp.period_start, a.first_day)) + 1)
            / (a.last_day - a.first_day + 1) AS share
    FROM report AS rp
    JOIN ad AS a ON a.page_id = rp.page_id
    JOIN country_share AS cs ON cs.snapshot_id = a.snapshot_id AND cs.ad_key = a.ad_key AND cs.country = rp.country
),
api AS (
    SELECT report_snapshot_id, country, period, report_date, page_id,
        count(*) FILTER (WHERE same_currency) AS api_ads,
        count(*) FILTER (WHERE same_currency IS NOT TRUE) AS ads_other_currency,
        sum(spend_low * share) FILTER (WHERE same_currency) AS api_low,
        CASE WHEN count(spend_high) FILTER (WHERE same_currency) = count(*) FILTER (WHERE same_currency)
             THEN sum(spend_high * share) FILTER (WHERE same_currency) END AS api_high,
        sum(spend_estimate * share) FILTER (WHERE same_currency) AS api_estimate
    FROM ad_share WHERE share > 0
    GROUP BY ALL
),
google_advertiser AS (
    SELECT DISTINCT page.value AS page_id, g.value AS google_advertiser_id
    FROM entity_identifier AS page
    JOIN ads_snapshot AS s ON page.snapshot_id = s.ads_snapshot_id
    JOIN entity_identifier AS g ON g.snapshot_id = page.snapshot_id AND g.entity_id = page.entity_id
    WHERE page.id_kind = 'meta_page_id' AND g.id_kind = 'google_advertiser_id'
),
google AS (
    SELECT rp.report_snapshot_id, rp.country, rp.period, rp.report_date, rp.page_id,
        sum(o.usd_low * w.share) AS google_usd_low,
        CASE WHEN count(o.usd_high) = count(*) THEN sum(o.usd_high * w.share) END AS google_usd_high,
        sum(o.usd_estimate * w.share) AS google_usd_estimate
    FROM report AS rp
    JOIN google_advertiser AS ga ON ga.page_id = rp.page_id
    JOIN google_spend_observation AS o
        ON o.advertiser_id = ga.google_advertiser_id AND o.grain = 'advertiser_week'
        AND o.snapshot_id = (SELECT ads_snapshot_id FROM ads_snapshot),
    LATERAL (SELECT greatest(0, least(o.period_end, rp.report_date)
                                - greatest(o.period_start, coalesce(rp.period_start, o.period_start)) + 1)
                    / (o.period_end - o.period_start + 1) AS share) AS w
    WHERE w.share > 0
    GROUP BY ALL
),
final AS (
    SELECT rp.*, s.ads_snapshot_id,
        coalesce(api.api_ads, 0) AS api_ads, coalesce(api.ads_other_currency, 0) AS ads_other_currency,
        round(api.api_low, 2) AS api_low, round(api.api_high, 2) AS api_high,
        round(api.api_estimate, 2) AS api_estimate,
        (rp.report_low + rp.report_high) / 2 AS report_estimate,
        -- estimate over estimate; the range: the least API figure over the most the report allows, and back
        round(api.api_estimate / nullif((rp.report_low + rp.report_high) / 2, 0), 4) AS completeness_ratio,
        round(api.api_low / nullif(rp.report_high, 0), 4) AS completeness_ratio_low,
        round(api.api_high / nullif(rp.report_low, 0), 4) AS completeness_ratio_high,
        round(g.google_usd_low, 2) AS google_usd_low, round(g.google_usd_high, 2) AS google_usd_high,
        round(g.google_usd_estimate, 2) AS google_usd_estimate,
        1 AS completeness_rule_version
    FROM report AS rp
    CROSS JOIN ads_snapshot AS s
    LEFT JOIN api USING (report_snapshot_id, country, period, report_date, page_id)
    LEFT JOIN google AS g USING (report_snapshot_id, country, period, report_date, page_id)
)
SELECT * FROM final;

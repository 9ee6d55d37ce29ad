-- 145: completeness, rule [completeness] version 2 of analysis/assumptions.toml (issue 4, item 10).
--
-- Replaces mart_meta_completeness of 115_coverage.sql (rule version 1): every amount now has a US-dollar
-- figure beside its own currency (040_fx.sql, fx_usd_rate_at: the ASOF rule; no rate = NULL, a gap, never
-- 0), the API's delivery is spread over the report's Pacific days (not UTC days), an ad's spend is shared
-- across countries by its delivery_by_region first, and Google's weekly spend is given for the report's
-- country (its advertiser-geo-spend split), beside the all-countries figure of version 1.
-- The rule's words in analysis/assumptions.toml are the reference; this file implements them.

-- meta_ad_country_share: the share of each Meta ad's spend counted toward each country, one row per
-- (snapshot_id, ad_key, country), and the rule that gave it (country_share_rule):
--   'delivery_by_region': every region of the ad's delivery_by_region is placed in one of the ad's known
--       countries (ad_country_known): the country whose Meta report files (locations or region files of a
--       complete snapshot) name the region, when exactly one of the ad's countries does; or, with none
--       naming it, the ad's only country. Share = the country's percentages over all the ad's percentages.
--   'country_reach': else, when every known country of the ad has a reach figure: reach there / all reach.
--   'even': else 1 / the number of countries it is known to have reached.
-- Columns: snapshot_id, ad_key, country, country_share (0..1), country_share_rule.
CREATE VIEW meta_ad_country_share AS
WITH known AS (
    SELECT snapshot_id, ad_key, country, reach FROM ad_country_known WHERE platform = 'meta'
),
ad_countries AS (
    SELECT snapshot_id, ad_key, count(*) AS known_countries, min(country) AS only_country
    FROM known GROUP BY ALL
),
-- Meta's own region names per country, as its report files write them (the API uses the same names)
report_region_name AS (
    SELECT DISTINCT r.country,
        CASE r.report_kind WHEN 'locations' THEN r.location_name ELSE r.region_name END AS region
    FROM raw_meta_ad_report AS r
    JOIN mart_snapshot AS s ON s.snapshot_id = r.snapshot_id
    WHERE r.report_kind IN ('locations', 'region')
),
ad_region AS (
    SELECT a.snapshot_id, a.ad_key, entry->>'region' AS region,
        sum(TRY_CAST(entry->>'percentage' AS DOUBLE)) AS delivery_share
    FROM core_ad AS a,
        unnest(CAST(json_extract(a.platform_fields, '$.delivery_by_region') AS JSON[])) AS t(entry)
    WHERE a.platform = 'meta'
    GROUP BY ALL
),
named_in_known_country AS (
    SELECT k.snapshot_id, k.ad_key, n.region, k.country
    FROM known AS k JOIN report_region_name AS n ON n.country = k.country
),
region_placed AS (
    SELECT r.snapshot_id, r.ad_key, r.region, r.delivery_share,
        CASE
            WHEN count(DISTINCT n.country) = 1 THEN min(n.country)
            WHEN count(DISTINCT n.country) = 0 AND any_value(c.known_countries) = 1 THEN any_value(c.only_country)
        END AS country  -- NULL: the region cannot be placed
    FROM ad_region AS r
    JOIN ad_countries AS c ON c.snapshot_id = r.snapshot_id AND c.ad_key = r.ad_key
    LEFT JOIN named_in_known_country AS n
        ON n.snapshot_id = r.snapshot_id AND n.ad_key = r.ad_key AND n.region = r.region
    GROUP BY r.snapshot_id, r.ad_key, r.region, r.delivery_share
),
region_checked AS (
    SELECT *,
        sum(delivery_share) OVER ad AS all_shares,
        sum(CASE WHEN country IS NULL OR delivery_share IS NULL THEN 1 ELSE 0 END) OVER ad AS unplaced
    FROM region_placed
    WINDOW ad AS (PARTITION BY snapshot_id, ad_key)
),
by_region AS (
    SELECT snapshot_id, ad_key, country, sum(delivery_share) / any_value(all_shares) AS country_share,
        'delivery_by_region' AS country_share_rule
    FROM region_checked
    WHERE unplaced = 0 AND all_shares > 0
    GROUP BY snapshot_id, ad_key, country
),
by_reach_or_even AS (
    SELECT k.snapshot_id, k.ad_key, k.country,
        CASE WHEN count(k.reach) OVER ad = count(*) OVER ad AND sum(k.reach) OVER ad > 0
             THEN k.reach / sum(k.reach) OVER ad ELSE 1.0 / count(*) OVER ad END AS country_share,
        CASE WHEN count(k.reach) OVER ad = count(*) OVER ad AND sum(k.reach) OVER ad > 0
             THEN 'country_reach' ELSE 'even' END AS country_share_rule
    FROM known AS k
    ANTI JOIN (SELECT DISTINCT snapshot_id, ad_key FROM by_region) AS r
        ON r.snapshot_id = k.snapshot_id AND r.ad_key = k.ad_key
    WINDOW ad AS (PARTITION BY k.snapshot_id, k.ad_key)
),
final AS (
    SELECT * FROM by_region
    UNION ALL BY NAME
    SELECT * FROM by_reach_or_even
)
SELECT snapshot_id, ad_key, country, CAST(country_share AS DOUBLE) AS country_share, country_share_rule FROM final;

-- mart_meta_completeness: one row per report row of the advertisers file (complete snapshot, country,
-- period, page), with the Meta API ads of that page from the latest complete snapshot holding Meta API ads.
-- An ad's spend counts toward the row's country and period in the share
--   country_share (meta_ad_country_share) x (its delivery time inside the period) / (its delivery time),
-- the period running from period_start 00:00 to report_date 24:00 Pacific time (report_time_zone; lifetime:
-- from the ad's start). Delivery runs from delivery_start to delivery_stop; a stop at 00:00 UTC is a day
-- as Meta writes it ("2024-01-10"), so that whole UTC day counts; still running: up to fetched_at.
-- Every USD figure of a row converts at the rate of one day, the report's last day (usd_amount_date), so
-- a ratio of amounts in the same currency does not depend on the rate.
--
-- Columns (the app's completeness page reads these names):
--   report_snapshot_id, ads_snapshot_id: the snapshots of the report row and of the API ads
--   country, period, period_start, report_date, report_time_zone, page_id, page_name: the report row
--   report_currency, report_low, report_high, report_estimate (midpoint), report_below_threshold: the
--       report's disclosed total in its own currency ("<=100" is 0..100)
--   api_ads: ads of the page counted (share > 0); api_currencies: their currencies;
--   ads_other_currency: of them, in another currency than the report's (summed only in USD)
--   api_low, api_high, api_estimate: the ads in the report's currency, in that currency (api_high NULL when
--       one ad's top is open)
--   ads_split_by_region, ads_split_by_reach, ads_split_evenly: how each ad's country share was found
--   usd_amount_date, report_usd_per_unit, usd_rate_date, usd_rate_source, usd_rate_period, fx_rule_version:
--       the conversion of the report's currency (040_fx.sql); report_usd_per_unit NULL = no rate
--   report_usd_low, report_usd_high, report_usd_estimate: the report in USD (NULL without a rate)
--   api_usd_low, api_usd_high, api_usd_estimate: every counted ad in USD; NULL when any ad has no rate
--   api_ads_without_usd_rate, currencies_without_usd_rate: the ads and currencies that make that gap
--   completeness_ratio, completeness_ratio_low, completeness_ratio_high: API estimate / report estimate,
--       and API low / report high .. API high / report low; completeness_ratio_currency: the currency the
--       ratio was taken in (the report's when every ad is in it, else USD)
--   google_advertiser_ids: the Google advertiser ids of the page's entity (entity_identifier)
--   google_country_usd_low, _high, _estimate: their weekly spend (Google's USD) in the report's country,
--       over the period: week x days of the week inside the period / 7 x the country's share of the
--       advertiser's lifetime spend (advertiser-geo-spend); NULL when Google gave no per-country figure
--   google_all_countries_usd_low, _high, _estimate: the same weeks for every country (version 1's figure)
--   api_spend_basis ('derived'), report_spend_basis ('disclosed'), google_spend_basis ('derived')
--   completeness_rule_version: 2, the [completeness] version these rows follow
CREATE OR REPLACE VIEW mart_meta_completeness AS
WITH ads_snapshot AS (
    SELECT max(snapshot_id) AS ads_snapshot_id FROM mart_ad WHERE platform = 'meta' AND source = 'meta_ads_archive'
),
report AS (
    SELECT r.snapshot_id AS report_snapshot_id, r.country, r.period, r.period_start, r.report_date,
        r.time_zone AS report_time_zone, r.page_id, arg_min(r.page_name, r.row_number) AS page_name,
        r.currency AS report_currency,
        sum(r.amount_spent_low) AS report_low, sum(r.amount_spent_high) AS report_high,
        bool_or(r.amount_below_threshold) AS report_below_threshold
    FROM raw_meta_ad_report AS r
    JOIN mart_snapshot AS s ON s.snapshot_id = r.snapshot_id
    WHERE r.report_kind = 'advertisers' AND r.page_id IS NOT NULL
    GROUP BY ALL
),
report_window AS (
    SELECT *,
        (report_low + report_high) / 2 AS report_estimate,
        timezone(report_time_zone, CAST(period_start AS TIMESTAMP)) AS window_start,
        timezone(report_time_zone, CAST(report_date + 1 AS TIMESTAMP)) AS window_end
    FROM report
),
ad_raw AS (
    SELECT a.snapshot_id, a.ad_key, a.advertiser_id AS page_id, a.spend_currency, a.spend_low, a.spend_high,
        a.spend_estimate, a.delivery_start AS delivery_from,
        CASE
            WHEN a.delivery_stop IS NULL THEN a.fetched_at
            WHEN CAST(timezone('UTC', a.delivery_stop) AS TIME) = TIME '00:00:00'
                THEN a.delivery_stop + INTERVAL 1 DAY
            ELSE a.delivery_stop
        END AS delivery_until
    FROM mart_ad AS a JOIN ads_snapshot AS s ON a.snapshot_id = s.ads_snapshot_id
    WHERE a.platform = 'meta' AND a.delivery_start IS NOT NULL
),
ad AS (
    -- a stop at or before the start (or a fetch time before it) counts as one day of delivery
    SELECT * REPLACE (CASE WHEN delivery_until > delivery_from THEN delivery_until
                           ELSE delivery_from + INTERVAL 1 DAY END AS delivery_until)
    FROM ad_raw
),
ad_share AS (
    SELECT rp.report_snapshot_id, rp.country, rp.period, rp.report_date, rp.page_id, rp.report_currency,
        rp.report_date AS amount_date, a.spend_currency AS currency, a.ad_key, a.spend_low, a.spend_high,
        a.spend_estimate, cs.country_share_rule,
        cs.country_share
            * greatest(0, epoch(least(a.delivery_until, rp.window_end))
                          - epoch(greatest(a.delivery_from, coalesce(rp.window_start, a.delivery_from))))
            / (epoch(a.delivery_until) - epoch(a.delivery_from)) AS share
    FROM report_window AS rp
    JOIN ad AS a ON a.page_id = rp.page_id
    JOIN meta_ad_country_share AS cs
        ON cs.snapshot_id = a.snapshot_id AND cs.ad_key = a.ad_key AND cs.country = rp.country
),
counted AS (
    SELECT * FROM ad_share WHERE share > 0
),
priced AS (
    SELECT c.*, c.currency IS NOT DISTINCT FROM c.report_currency AS same_currency, r.usd_per_unit
    FROM counted AS c
    LEFT JOIN fx_usd_rate_at('counted') AS r ON r.currency = c.currency AND r.amount_date = c.amount_date
),
api AS (
    SELECT report_snapshot_id, country, period, report_date, page_id,
        count(*) AS api_ads,
        list_sort(list(DISTINCT currency)) AS api_currencies,
        count(*) FILTER (WHERE NOT same_currency) AS ads_other_currency,
        sum(spend_low * share) FILTER (WHERE same_currency) AS api_low,
        CASE WHEN count(spend_high) FILTER (WHERE same_currency) = count(*) FILTER (WHERE same_currency)
             THEN sum(spend_high * share) FILTER (WHERE same_currency) END AS api_high,
        sum(spend_estimate * share) FILTER (WHERE same_currency) AS api_estimate,
        count(*) FILTER (WHERE country_share_rule = 'delivery_by_region') AS ads_split_by_region,
        count(*) FILTER (WHERE country_share_rule = 'country_reach') AS ads_split_by_reach,
        count(*) FILTER (WHERE country_share_rule = 'even') AS ads_split_evenly,
        count(*) FILTER (WHERE usd_per_unit IS NULL) AS api_ads_without_usd_rate,
        list_sort(list(DISTINCT coalesce(currency, 'unknown')) FILTER (WHERE usd_per_unit IS NULL))
            AS currencies_without_usd_rate,
        CASE WHEN count(usd_per_unit) = count(*)
             THEN sum(spend_low * share * usd_per_unit) END AS api_usd_low,
        CASE WHEN count(usd_per_unit) = count(*) AND count(spend_high) = count(*)
             THEN sum(spend_high * share * usd_per_unit) END AS api_usd_high,
        CASE WHEN count(usd_per_unit) = count(*)
             THEN sum(spend_estimate * share * usd_per_unit) END AS api_usd_estimate
    FROM priced
    GROUP BY ALL
),
report_amount AS (
    SELECT DISTINCT report_currency AS currency, report_date AS amount_date FROM report
),
report_rate AS (
    SELECT * FROM fx_usd_rate_at('report_amount')
),
google_advertiser AS (
    SELECT DISTINCT page.value AS page_id, g.value AS google_advertiser_id
    FROM entity_identifier AS page
    JOIN ads_snapshot AS s ON page.snapshot_id = s.ads_snapshot_id
    JOIN entity_identifier AS g ON g.snapshot_id = page.snapshot_id AND g.entity_id = page.entity_id
    WHERE page.id_kind = 'meta_page_id' AND g.id_kind = 'google_advertiser_id'
),
google_observation AS (
    SELECT o.*
    FROM google_spend_observation AS o JOIN ads_snapshot AS s ON o.snapshot_id = s.ads_snapshot_id
),
-- an advertiser's lifetime spend per country: its country-level rows, or the sum of its subdivision rows
-- where Google gave only those (the United States)
google_geo AS (
    SELECT advertiser_id, country,
        CASE WHEN count(*) FILTER (WHERE subdivision_primary IS NULL) > 0
             THEN sum(usd_estimate) FILTER (WHERE subdivision_primary IS NULL)
             ELSE sum(usd_estimate) END AS country_usd
    FROM google_observation
    WHERE grain = 'advertiser_region_lifetime' AND country IS NOT NULL
    GROUP BY ALL
),
google_geo_total AS (
    SELECT advertiser_id, sum(country_usd) AS all_countries_usd FROM google_geo GROUP BY ALL
),
google_week AS (
    SELECT rp.report_snapshot_id, rp.country, rp.period, rp.report_date, rp.page_id, ga.google_advertiser_id,
        o.usd_low, o.usd_high, o.usd_estimate,
        greatest(0, least(o.period_end, rp.report_date)
                    - greatest(o.period_start, coalesce(rp.period_start, o.period_start)) + 1)
            / (o.period_end - o.period_start + 1) AS day_share,
        -- an advertiser with per-country figures but none here spent nothing here; without any: unknown
        coalesce(gg.country_usd, 0) / nullif(gt.all_countries_usd, 0) AS google_country_share
    FROM report AS rp
    JOIN google_advertiser AS ga ON ga.page_id = rp.page_id
    JOIN google_observation AS o ON o.advertiser_id = ga.google_advertiser_id AND o.grain = 'advertiser_week'
    LEFT JOIN google_geo_total AS gt ON gt.advertiser_id = ga.google_advertiser_id
    LEFT JOIN google_geo AS gg ON gg.advertiser_id = ga.google_advertiser_id AND gg.country = rp.country
),
google AS (
    SELECT report_snapshot_id, country, period, report_date, page_id,
        list_sort(list(DISTINCT google_advertiser_id)) AS google_advertiser_ids,
        sum(usd_low * day_share) AS google_all_countries_usd_low,
        CASE WHEN count(usd_high) = count(*) THEN sum(usd_high * day_share) END AS google_all_countries_usd_high,
        sum(usd_estimate * day_share) AS google_all_countries_usd_estimate,
        CASE WHEN count(google_country_share) = count(*)
             THEN sum(usd_low * day_share * google_country_share) END AS google_country_usd_low,
        CASE WHEN count(google_country_share) = count(*) AND count(usd_high) = count(*)
             THEN sum(usd_high * day_share * google_country_share) END AS google_country_usd_high,
        CASE WHEN count(google_country_share) = count(*)
             THEN sum(usd_estimate * day_share * google_country_share) END AS google_country_usd_estimate
    FROM google_week
    WHERE day_share > 0
    GROUP BY ALL
),
joined AS (
    SELECT rp.*, s.ads_snapshot_id, api.* EXCLUDE (report_snapshot_id, country, period, report_date, page_id),
        rr.usd_per_unit AS report_usd_per_unit, rr.amount_date AS usd_amount_date, rr.rate_date AS usd_rate_date,
        rr.rate_source AS usd_rate_source, rr.rate_period AS usd_rate_period, rr.fx_rule_version,
        g.* EXCLUDE (report_snapshot_id, country, period, report_date, page_id),
        -- the ratio needs no rate when every ad is in the report's currency (one day's rate cancels out)
        coalesce(api.api_ads, 0) > 0 AND api.ads_other_currency = 0 AS ratio_in_report_currency
    FROM report_window AS rp
    CROSS JOIN ads_snapshot AS s
    LEFT JOIN api USING (report_snapshot_id, country, period, report_date, page_id)
    LEFT JOIN report_rate AS rr ON rr.currency = rp.report_currency AND rr.amount_date = rp.report_date
    LEFT JOIN google AS g USING (report_snapshot_id, country, period, report_date, page_id)
),
final AS (
    SELECT
        report_snapshot_id, ads_snapshot_id, country, period, period_start, report_date, report_time_zone,
        page_id, page_name,
        report_currency, report_low, report_high, report_estimate, report_below_threshold,
        coalesce(api_ads, 0) AS api_ads, api_currencies, coalesce(ads_other_currency, 0) AS ads_other_currency,
        round(api_low, 2) AS api_low, round(api_high, 2) AS api_high, round(api_estimate, 2) AS api_estimate,
        coalesce(ads_split_by_region, 0) AS ads_split_by_region,
        coalesce(ads_split_by_reach, 0) AS ads_split_by_reach,
        coalesce(ads_split_evenly, 0) AS ads_split_evenly,
        usd_amount_date, report_usd_per_unit, usd_rate_date, usd_rate_source, usd_rate_period, fx_rule_version,
        round(report_low * report_usd_per_unit, 2) AS report_usd_low,
        round(report_high * report_usd_per_unit, 2) AS report_usd_high,
        round(report_estimate * report_usd_per_unit, 2) AS report_usd_estimate,
        round(api_usd_low, 2) AS api_usd_low, round(api_usd_high, 2) AS api_usd_high,
        round(api_usd_estimate, 2) AS api_usd_estimate,
        coalesce(api_ads_without_usd_rate, 0) AS api_ads_without_usd_rate,
        currencies_without_usd_rate,
        round(CASE WHEN ratio_in_report_currency THEN api_estimate / nullif(report_estimate, 0)
                   ELSE api_usd_estimate / nullif(report_estimate * report_usd_per_unit, 0) END, 4)
            AS completeness_ratio,
        round(CASE WHEN ratio_in_report_currency THEN api_low / nullif(report_high, 0)
                   ELSE api_usd_low / nullif(report_high * report_usd_per_unit, 0) END, 4)
            AS completeness_ratio_low,
        round(CASE WHEN ratio_in_report_currency THEN api_high / nullif(report_low, 0)
                   ELSE api_usd_high / nullif(report_low * report_usd_per_unit, 0) END, 4)
            AS completeness_ratio_high,
        CASE WHEN ratio_in_report_currency THEN report_currency
             WHEN coalesce(api_ads, 0) > 0 THEN 'USD' END AS completeness_ratio_currency,
        google_advertiser_ids,
        round(google_country_usd_low, 2) AS google_country_usd_low,
        round(google_country_usd_high, 2) AS google_country_usd_high,
        round(google_country_usd_estimate, 2) AS google_country_usd_estimate,
        round(google_all_countries_usd_low, 2) AS google_all_countries_usd_low,
        round(google_all_countries_usd_high, 2) AS google_all_countries_usd_high,
        round(google_all_countries_usd_estimate, 2) AS google_all_countries_usd_estimate,
        'derived' AS api_spend_basis, 'disclosed' AS report_spend_basis, 'derived' AS google_spend_basis,
        2 AS completeness_rule_version
    FROM joined
)
SELECT * FROM final;

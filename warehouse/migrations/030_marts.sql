-- 030: the marts: what the app and reports read. Views, so they always reflect core, and they show
-- complete snapshots only: a running (or interrupted) snapshot and a failed one are invisible here.
-- Within a complete snapshot a source may have failed: its ads are shown (they are what the platform
-- published) with source_status = 'failed', and nothing is inferred from them in mart_ad_changes.

CREATE VIEW mart_snapshot AS
SELECT snapshot_id, as_of, started_at, finished_at, code_version
FROM snapshot
WHERE status = 'complete';

CREATE VIEW mart_ad AS
SELECT
    a.snapshot_id,
    s.as_of,
    src.status AS source_status,
    src.scope_hash,
    a.* EXCLUDE (snapshot_id)
FROM core_ad AS a
JOIN mart_snapshot AS s ON s.snapshot_id = a.snapshot_id
JOIN snapshot_source AS src ON src.snapshot_id = a.snapshot_id AND src.source = a.source;

-- Spend per advertiser and currency. Amounts are never converted or guessed here: a NULL currency is its
-- own group. spend_high_sum is NULL as soon as one ad's bucket is open at the top (or has no high value),
-- and open_ended_ads counts those ads, so the app says "at least spend_low_sum".
-- An advertiser without an id is grouped by name (never lumped with other nameless ones).
CREATE VIEW mart_advertiser_spend AS
SELECT
    snapshot_id,
    any_value(as_of) AS as_of,
    platform,
    advertiser_id,
    arg_max(advertiser_name, fetched_at) AS advertiser_name,
    spend_currency,
    spend_basis,
    count(*) AS ads,
    count(spend_low) AS ads_with_spend,
    sum(spend_low) AS spend_low_sum,
    CASE
        WHEN count(spend_high) = count(*) THEN sum(spend_high)
    END AS spend_high_sum,
    count(*) FILTER (WHERE spend_open_ended) AS open_ended_ads,
    sum(spend_estimate) AS spend_estimate_sum,
    count(*) FILTER (WHERE source_status = 'failed') AS ads_from_failed_sources
FROM mart_ad
GROUP BY
    snapshot_id,
    platform,
    advertiser_id,
    CASE WHEN advertiser_id IS NULL THEN advertiser_name END,
    spend_currency,
    spend_basis;

-- Per complete snapshot and source: what was asked and what happened.
CREATE VIEW mart_snapshot_summary AS
SELECT
    s.snapshot_id,
    s.as_of,
    s.finished_at,
    s.code_version,
    src.source,
    src.crawl_id,
    src.status AS source_status,
    src.finish_reason,
    src.error,
    src.cursor,
    src.items_loaded,
    src.counts,
    src.scope,
    src.scope_hash,
    src.loaded_at
FROM mart_snapshot AS s
JOIN snapshot_source AS src ON src.snapshot_id = s.snapshot_id;

-- Changes of ads between two observations of the same (source, scope_hash): consecutive complete
-- snapshots in which that source completed with that scope. A snapshot where the source failed or asked
-- for a different scope is skipped, never compared: the pair after it names both snapshots
-- (from_snapshot_id, to_snapshot_id), so the gap is visible. Synthetic keys are left out (an ad without
-- an id cannot be followed from one snapshot to the next).
-- change_kind: new_ad, no_longer_returned (not yet "ended" or "removed": that needs a re-check),
-- ad_ended (returned in both, and its delivery stop time appeared: the platform says it ended),
-- spend_grew (same currency; low or high bound rose, or the top bucket opened), reach_grew (reach or
-- impressions low bound rose), text_changed (bodies, titles, descriptions or captions differ),
-- page_renamed (one row per advertiser, ad_key NULL).
CREATE VIEW mart_ad_changes AS
WITH observation AS (
    SELECT src.snapshot_id, s.as_of, src.source, src.scope_hash
    FROM snapshot_source AS src
    JOIN mart_snapshot AS s ON s.snapshot_id = src.snapshot_id
    WHERE src.status = 'complete'
),
comparison AS (
    SELECT
        lag(snapshot_id) OVER w AS from_snapshot_id,
        lag(as_of) OVER w AS from_as_of,
        snapshot_id AS to_snapshot_id,
        as_of AS to_as_of,
        source,
        scope_hash
    FROM observation
    WINDOW w AS (PARTITION BY source, scope_hash ORDER BY as_of, snapshot_id)
    QUALIFY from_snapshot_id IS NOT NULL
),
before AS (
    SELECT c.from_snapshot_id, c.to_snapshot_id, a.*
    FROM comparison AS c
    JOIN core_ad AS a ON a.snapshot_id = c.from_snapshot_id AND a.source = c.source
    WHERE NOT a.key_is_synthetic
),
after AS (
    SELECT c.from_snapshot_id, c.to_snapshot_id, a.*
    FROM comparison AS c
    JOIN core_ad AS a ON a.snapshot_id = c.to_snapshot_id AND a.source = c.source
    WHERE NOT a.key_is_synthetic
),
matched AS (
    SELECT
        coalesce(b.from_snapshot_id, n.from_snapshot_id) AS from_snapshot_id,
        coalesce(b.to_snapshot_id, n.to_snapshot_id) AS to_snapshot_id,
        coalesce(b.source, n.source) AS source,
        coalesce(b.platform, n.platform) AS platform,
        coalesce(b.ad_key, n.ad_key) AS ad_key,
        coalesce(n.advertiser_id, b.advertiser_id) AS advertiser_id,
        coalesce(n.advertiser_name, b.advertiser_name) AS advertiser_name,
        b.ad_key IS NOT NULL AS in_before,
        n.ad_key IS NOT NULL AS in_after,
        b.spend_currency AS currency_before, n.spend_currency AS currency_after,
        b.spend_low AS spend_low_before, n.spend_low AS spend_low_after,
        b.spend_high AS spend_high_before, n.spend_high AS spend_high_after,
        b.spend_open_ended AS open_ended_before, n.spend_open_ended AS open_ended_after,
        b.reach_total AS reach_before, n.reach_total AS reach_after,
        b.impressions_low AS impressions_low_before, n.impressions_low AS impressions_low_after,
        b.delivery_stop AS delivery_stop_before, n.delivery_stop AS delivery_stop_after,
        b.content_bodies AS bodies_before, n.content_bodies AS bodies_after,
        b.content_titles AS titles_before, n.content_titles AS titles_after,
        b.content_descriptions AS descriptions_before, n.content_descriptions AS descriptions_after,
        b.content_captions AS captions_before, n.content_captions AS captions_after
    FROM before AS b
    FULL OUTER JOIN after AS n
        ON n.from_snapshot_id = b.from_snapshot_id
        AND n.to_snapshot_id = b.to_snapshot_id
        AND n.platform = b.platform
        AND n.ad_key = b.ad_key
),
ad_change AS (
    SELECT *, 'new_ad' AS change_kind, NULL::JSON AS old_value,
        json_object('currency', currency_after, 'spend_low', spend_low_after,
                    'spend_high', spend_high_after) AS new_value
    FROM matched WHERE NOT in_before
    UNION ALL BY NAME
    SELECT *, 'no_longer_returned' AS change_kind,
        json_object('currency', currency_before, 'spend_low', spend_low_before,
                    'spend_high', spend_high_before) AS old_value,
        NULL::JSON AS new_value
    FROM matched WHERE NOT in_after
    UNION ALL BY NAME
    SELECT *, 'ad_ended' AS change_kind, NULL::JSON AS old_value,
        json_object('delivery_stop', delivery_stop_after) AS new_value
    FROM matched
    WHERE in_before AND in_after AND delivery_stop_before IS NULL AND delivery_stop_after IS NOT NULL
    UNION ALL BY NAME
    SELECT *, 'spend_grew' AS change_kind,
        json_object('currency', currency_before, 'spend_low', spend_low_before,
                    'spend_high', spend_high_before) AS old_value,
        json_object('currency', currency_after, 'spend_low', spend_low_after,
                    'spend_high', spend_high_after) AS new_value
    FROM matched
    WHERE in_before AND in_after
        AND currency_before IS NOT DISTINCT FROM currency_after
        AND (spend_low_after > spend_low_before
             OR spend_high_after > spend_high_before
             OR (open_ended_after AND NOT coalesce(open_ended_before, false)))
    UNION ALL BY NAME
    SELECT *, 'reach_grew' AS change_kind,
        json_object('reach', reach_before, 'impressions_low', impressions_low_before) AS old_value,
        json_object('reach', reach_after, 'impressions_low', impressions_low_after) AS new_value
    FROM matched
    WHERE in_before AND in_after
        AND (reach_after > reach_before OR impressions_low_after > impressions_low_before)
    UNION ALL BY NAME
    SELECT *, 'text_changed' AS change_kind,
        json_object('bodies', bodies_before, 'titles', titles_before,
                    'descriptions', descriptions_before, 'captions', captions_before) AS old_value,
        json_object('bodies', bodies_after, 'titles', titles_after,
                    'descriptions', descriptions_after, 'captions', captions_after) AS new_value
    FROM matched
    WHERE in_before AND in_after
        AND (bodies_before IS DISTINCT FROM bodies_after
             OR titles_before IS DISTINCT FROM titles_after
             OR descriptions_before IS DISTINCT FROM descriptions_after
             OR captions_before IS DISTINCT FROM captions_after)
),
page_name AS (
    -- the name each page had in each snapshot (the latest fetched, should a page be renamed mid-crawl)
    SELECT snapshot_id, source, platform, advertiser_id, arg_max(advertiser_name, fetched_at) AS advertiser_name
    FROM core_ad
    WHERE advertiser_id IS NOT NULL AND NOT key_is_synthetic
    GROUP BY ALL
),
page_renamed AS (
    SELECT
        c.from_snapshot_id, c.to_snapshot_id, c.source, n.platform, NULL::VARCHAR AS ad_key,
        n.advertiser_id, n.advertiser_name, 'page_renamed' AS change_kind,
        to_json(b.advertiser_name) AS old_value, to_json(n.advertiser_name) AS new_value
    FROM comparison AS c
    JOIN page_name AS b ON b.snapshot_id = c.from_snapshot_id AND b.source = c.source
    JOIN page_name AS n ON n.snapshot_id = c.to_snapshot_id AND n.source = c.source
        AND n.platform = b.platform AND n.advertiser_id = b.advertiser_id
    WHERE n.advertiser_name IS DISTINCT FROM b.advertiser_name
),
change AS (
    SELECT from_snapshot_id, to_snapshot_id, source, platform, ad_key, advertiser_id, advertiser_name,
        change_kind, old_value, new_value
    FROM ad_change
    UNION ALL BY NAME
    SELECT * FROM page_renamed
)
SELECT
    ch.from_snapshot_id,
    c.from_as_of,
    ch.to_snapshot_id,
    c.to_as_of,
    ch.source,
    c.scope_hash,
    ch.platform,
    ch.change_kind,
    ch.ad_key,
    ch.advertiser_id,
    ch.advertiser_name,
    ch.old_value,
    ch.new_value
FROM change AS ch
JOIN comparison AS c
    ON c.from_snapshot_id = ch.from_snapshot_id
    AND c.to_snapshot_id = ch.to_snapshot_id
    AND c.source = ch.source;

"""Raw → core, per item kind: the SQL that turns one (snapshot, source) of raw rows into core rows.

Run by ``warehouse.load`` inside the load's transaction, after the raw rows of that pair were written,
with the parameters ``$snapshot_id`` and ``$source``. Core's columns are documented in
``migrations/020_core.sql`` (DSA Article 39). Each kind lists its statements in ``CORE_BUILDERS``.

Meta Graph API ``ads_archive`` field meanings: developers.facebook.com/docs/graph-api/reference/archived-ad.
"""

from __future__ import annotations

from contextlib import nullcontext

import duckdb

CORE_TABLES = ("core_ad", "core_ad_country_reach", "core_ad_payer", "core_ad_country_query")
# Core tables the loader fills from every line of the items files, not from raw (raw keeps one line per
# item key): a rebuild from raw cannot remake them, so the lake carries them as it carries raw.
ITEM_LINE_TABLES = ("core_ad_country_query",)

# Meta dates are either "2019-11-03" (midnight UTC, the session is UTC) or "2019-11-03T08:29:55+0000".
_META_AD = """
INSERT INTO core_ad BY NAME
WITH ad AS (
    SELECT
        *,
        json_extract(beneficiary_payers, '$[*]') AS payer_pairs,
        json_extract(target_locations, '$[*]') AS locations
    FROM raw_meta_ads_archive
    WHERE snapshot_id = $snapshot_id AND source = $source
),
with_current_pair AS (
    SELECT
        *,
        -- the pair Meta flags current; the first one when none is flagged
        coalesce(
            list_filter(payer_pairs, lambda pair: coalesce(TRY_CAST(pair->>'current' AS BOOLEAN), false))[1],
            payer_pairs[1]
        ) AS current_pair
    FROM ad
)
SELECT
    snapshot_id,
    platform,
    ad_key,
    ad_id,
    coalesce(key_is_synthetic, ad_id IS NULL) AS key_is_synthetic,
    page_id AS advertiser_id,
    page_name AS advertiser_name,
    coalesce(current_pair->>'payer', bylines, funding_entity) AS payer_name,
    current_pair->>'beneficiary' AS beneficiary_name,
    ad_creative_bodies AS content_bodies,
    ad_creative_link_titles AS content_titles,
    ad_creative_link_descriptions AS content_descriptions,
    ad_creative_link_captions AS content_captions,
    ad_snapshot_url AS content_url,
    languages,
    TRY_CAST(ad_creation_time AS TIMESTAMPTZ) AS created_at,
    TRY_CAST(ad_delivery_start_time AS TIMESTAMPTZ) AS delivery_start,
    TRY_CAST(ad_delivery_stop_time AS TIMESTAMPTZ) AS delivery_stop,
    target_ages AS targeting_ages,
    target_gender AS targeting_gender,
    to_json(list_filter(locations, lambda loc: NOT coalesce(TRY_CAST(loc->>'excluded' AS BOOLEAN), false)))
        AS targeting_locations_included,
    to_json(list_filter(locations, lambda loc: coalesce(TRY_CAST(loc->>'excluded' AS BOOLEAN), false)))
        AS targeting_locations_excluded,
    eu_total_reach AS reach_total,
    impressions_lower AS impressions_low,
    impressions_upper AS impressions_high,
    impressions_open_ended,
    audience_size_lower AS audience_size_low,
    audience_size_upper AS audience_size_high,
    audience_size_open_ended,
    currency AS spend_currency,
    spend_lower AS spend_low,
    spend_upper AS spend_high,
    -- The point estimate of a range (DESIGN.md "Money"): the midpoint of low and high; when the bucket
    -- is open at the top (no high), the low bound itself, so the estimate never invents spend above
    -- what was disclosed; NULL when no spend was disclosed.
    CAST(CASE
        WHEN spend_lower IS NULL THEN NULL
        WHEN spend_upper IS NULL THEN spend_lower
        ELSE (CAST(spend_lower AS DECIMAL(18, 2)) + spend_upper) / 2
    END AS DECIMAL(18, 2)) AS spend_estimate,
    coalesce(spend_open_ended, spend_lower IS NOT NULL AND spend_upper IS NULL) AS spend_open_ended,
    'disclosed' AS spend_basis,
    publisher_platforms,
    NULL AS moderation_status,  -- ads_archive discloses no moderation decision
    NULL AS moderation_reason,
    -- Only what no core column carries and the marts read: the large arrays stay in raw_meta_ads_archive
    -- (same snapshot_id, source, ad_key), whence core_ad_payer (beneficiary_payers), the targeting columns
    -- (target_locations) and core_ad_country_reach (age_country_gender_reach_breakdown) are built; copying
    -- them here too was a fifth of a load's time. demographic_distribution is read from raw.
    json_object(
        'api_version', api_version,
        'page_number', page_number,
        'bylines', bylines,
        'funding_entity', funding_entity,
        'audience_size_field', audience_size_field,
        'delivery_by_region', delivery_by_region
    ) AS platform_fields,
    source,
    source_url,
    fetched_at,
    body_sha256,
    crawl_id
FROM with_current_pair
"""

# Reach per country: age_country_gender_reach_breakdown is
# [{"country": "DE", "age_gender_breakdowns": [{"age_range": "25-34", "male": 100, "female": 300, "unknown": 5}]}]
_META_COUNTRY_REACH = """
INSERT INTO core_ad_country_reach BY NAME
WITH per_country AS (
    SELECT snapshot_id, platform, ad_key, source,
        unnest(json_extract(age_country_gender_reach_breakdown, '$[*]')) AS breakdown
    FROM raw_meta_ads_archive
    WHERE snapshot_id = $snapshot_id AND source = $source
),
per_age AS (
    SELECT snapshot_id, platform, ad_key, source,
        breakdown->>'country' AS country,
        unnest(json_extract(breakdown, '$.age_gender_breakdowns[*]')) AS cell
    FROM per_country
)
SELECT snapshot_id, platform, ad_key, source, country,
    sum(coalesce(TRY_CAST(cell->>'male' AS BIGINT), 0)
        + coalesce(TRY_CAST(cell->>'female' AS BIGINT), 0)
        + coalesce(TRY_CAST(cell->>'unknown' AS BIGINT), 0)) AS reach
FROM per_age
WHERE country IS NOT NULL
GROUP BY ALL
"""

_META_PAYER = """
INSERT INTO core_ad_payer BY NAME
WITH pairs AS (
    SELECT snapshot_id, platform, ad_key, source,
        unnest(json_extract(beneficiary_payers, '$[*]')) AS pair
    FROM raw_meta_ads_archive
    WHERE snapshot_id = $snapshot_id AND source = $source
)
SELECT snapshot_id, platform, ad_key, source,
    pair->>'payer' AS payer_name,
    pair->>'beneficiary' AS beneficiary_name,
    TRY_CAST(pair->>'current' AS BOOLEAN) AS is_current,
    'beneficiary_payers' AS payer_origin
FROM pairs
UNION ALL BY NAME
SELECT snapshot_id, platform, ad_key, source,
    coalesce(bylines, funding_entity) AS payer_name,
    NULL AS beneficiary_name,
    true AS is_current,
    CASE WHEN bylines IS NOT NULL THEN 'bylines' ELSE 'funding_entity' END AS payer_origin
FROM raw_meta_ads_archive
WHERE snapshot_id = $snapshot_id AND source = $source
    AND coalesce(json_array_length(beneficiary_payers), 0) = 0
    AND coalesce(bylines, funding_entity) IS NOT NULL
"""

# The country each line's query asked for (migrations/065_meta_country.sql): an ad returned by the queries
# of three countries is three lines, one raw row, three rows here. ``{lines}`` is the table of every line's
# ITEM_LINE_COLUMNS (warehouse/load_items.py).
_META_COUNTRY_QUERY = """
INSERT INTO core_ad_country_query BY NAME
SELECT DISTINCT $snapshot_id AS snapshot_id, platform, ad_key, upper(query_country) AS country, source
FROM {lines}
WHERE query_country IS NOT NULL AND upper(query_country) <> 'ALL'
"""

# LinkedIn Ad Library (migrations/105_linkedin.sql): no spend disclosed; impressions as a range; the EU
# block's country split as percentages, turned into impression bounds per country (share x total range).
_LINKEDIN_AD = """
INSERT INTO core_ad BY NAME
SELECT snapshot_id, platform, ad_key, ad_id, false AS key_is_synthetic,
    advertiser_url AS advertiser_id, advertiser_name, payer AS payer_name, NULL AS beneficiary_name,
    CASE WHEN body_text IS NULL THEN NULL ELSE [body_text] END AS content_bodies,
    CASE WHEN headline IS NULL THEN NULL ELSE [headline] END AS content_titles,
    CASE WHEN call_to_action IS NULL THEN NULL ELSE [call_to_action] END AS content_captions,
    detail_url AS content_url, targeting_languages AS languages,
    CAST(ran_from AS TIMESTAMPTZ) AS delivery_start, CAST(ran_to AS TIMESTAMPTZ) AS delivery_stop,
    to_json(targeting_locations_included) AS targeting_locations_included,
    to_json(targeting_locations_excluded) AS targeting_locations_excluded,
    impressions_lower AS impressions_low, impressions_upper AS impressions_high, impressions_open_ended,
    'disclosed' AS spend_basis,
    json_object('page_kind', page_kind, 'ad_format', ad_format, 'posted_as', posted_as,
                'destination_url', destination_url, 'ran_text', ran_text, 'restricted_text', restricted_text,
                'impressions_text', impressions_text, 'targeting', targeting) AS platform_fields,
    source, source_url, fetched_at, body_sha256, crawl_id
FROM raw_linkedin_ad
WHERE snapshot_id = $snapshot_id AND source = $source
"""

_LINKEDIN_COUNTRY_REACH = """
INSERT INTO core_ad_country_reach BY NAME
WITH shares AS (
    SELECT snapshot_id, platform, ad_key, source, impressions_lower, impressions_upper,
        unnest(json_extract(impressions_by_country, '$[*]')) AS share
    FROM raw_linkedin_ad
    WHERE snapshot_id = $snapshot_id AND source = $source
)
SELECT snapshot_id, platform, ad_key, source, share->>'country_code' AS country, NULL AS reach,
    TRY_CAST(share->>'share_low' AS DOUBLE) AS impressions_share_low,
    TRY_CAST(share->>'share_high' AS DOUBLE) AS impressions_share_high,
    CAST(floor(impressions_lower * TRY_CAST(share->>'share_low' AS DOUBLE) / 100) AS BIGINT) AS impressions_low,
    CAST(ceil(impressions_upper * TRY_CAST(share->>'share_high' AS DOUBLE) / 100) AS BIGINT) AS impressions_high
FROM shares
WHERE share->>'country_code' IS NOT NULL
"""

_LINKEDIN_PAYER = """
INSERT INTO core_ad_payer BY NAME
SELECT snapshot_id, platform, ad_key, source, payer AS payer_name, NULL AS beneficiary_name, true AS is_current,
    'paid_for_by' AS payer_origin
FROM raw_linkedin_ad
WHERE snapshot_id = $snapshot_id AND source = $source AND payer IS NOT NULL
"""

# Statements over every item line (before the one-row-per-key step), per kind; kinds not listed have none.
ITEM_LINE_BUILDERS: dict[str, tuple[str, ...]] = {
    "meta_ad": (_META_COUNTRY_QUERY,),
}
# The columns those statements read from every line, besides source, item_kind and the item key.
ITEM_LINE_COLUMNS: dict[str, tuple[str, ...]] = {
    "meta_ad": ("platform", "query_country"),
}


# TikTok (raw_tiktok_ad): advertiser = business id and name, payer = paid_for_by; period = first/last shown
# dates; reach = unique_users_seen bounds (people, a bucket: reach_total only when exact); targeting from
# ad_group.targeting_info. TikTok discloses no spend: spend columns NULL, basis 'disclosed' for what is given.
_TIKTOK_AD = """
INSERT INTO core_ad BY NAME
SELECT
    snapshot_id, 'tiktok' AS platform, ad_key, ad_id, false AS key_is_synthetic,
    advertiser_business_id AS advertiser_id, advertiser_business_name AS advertiser_name,
    paid_for_by AS payer_name, advertiser_business_name AS beneficiary_name,
    CASE WHEN title IS NULL THEN NULL ELSE [title] END AS content_titles,
    CAST(first_shown_date AS TIMESTAMPTZ) AS delivery_start,
    CAST(last_shown_date AS TIMESTAMPTZ) AS delivery_stop,
    -- ad_group.targeting_info (detail answers): {"age": {"25-34": true, ...}, "gender": {"female": true, ...}}
    list_sort(list_filter(json_keys(targeting->'age'), lambda age: (targeting->'age'->>age) = 'true'))
        AS targeting_ages,
    CASE WHEN json_type(targeting->'gender') = 'OBJECT'
         THEN array_to_string(list_sort(list_filter(json_keys(targeting->'gender'),
                                                    lambda g: (targeting->'gender'->>g) = 'true')), ',')
         ELSE targeting->>'gender' END AS targeting_gender,
    to_json(list_transform(targeted_countries, lambda country: {'name': country, 'type': 'country'}))
        AS targeting_locations_included,
    CASE WHEN unique_users_seen_lower = unique_users_seen_upper THEN unique_users_seen_lower END AS reach_total,
    NULL AS spend_currency, NULL AS spend_low, NULL AS spend_high, NULL AS spend_estimate,
    NULL AS spend_open_ended, 'disclosed' AS spend_basis,
    CASE WHEN status_statement IS NOT NULL AND status_statement <> '' THEN status END AS moderation_status,
    nullif(status_statement, '') AS moderation_reason,
    json_object('unique_users_seen_text', unique_users_seen_text, 'unique_users_seen_lower',
                unique_users_seen_lower, 'unique_users_seen_upper', unique_users_seen_upper,
                'unique_users_seen_by_country', unique_users_seen_by_country, 'targeting', targeting,
                'status', status, 'endpoint', endpoint, 'external_url', external_url,
                'call_to_action', call_to_action, 'video_urls', video_urls) AS platform_fields,
    source, source_url, fetched_at, body_sha256, crawl_id
FROM raw_tiktok_ad
WHERE snapshot_id = $snapshot_id AND source = $source
"""

# TikTok reach by country ({"GB": "18K", "IT": "1K-10K"}): a row per country; reach (people) only when the
# figure is one number ("18K"), NULL for a bucket, as core_ad.reach_total.
_TIKTOK_COUNTRY_REACH = r"""
INSERT INTO core_ad_country_reach BY NAME
WITH countries AS (
    SELECT snapshot_id, ad_key, source, unique_users_seen_by_country AS by_country,
        unnest(json_keys(unique_users_seen_by_country)) AS country
    FROM raw_tiktok_ad
    WHERE snapshot_id = $snapshot_id AND source = $source AND json_type(unique_users_seen_by_country) = 'OBJECT'
), figures AS (
    SELECT *, upper(replace(trim(by_country->>country), ',', '')) AS figure FROM countries
)
SELECT snapshot_id, 'tiktok' AS platform, ad_key, source, country,
    CASE WHEN regexp_full_match(figure, '[0-9]+(\.[0-9]+)?[KMB]?') THEN CAST(round(
        CAST(regexp_extract(figure, '^[0-9.]+') AS DOUBLE)
        * CASE right(figure, 1) WHEN 'K' THEN 1e3 WHEN 'M' THEN 1e6 WHEN 'B' THEN 1e9 ELSE 1 END) AS BIGINT)
    END AS reach
FROM figures
"""

CORE_BUILDERS: dict[str, tuple[str, ...]] = {
    "linkedin_ad": (_LINKEDIN_AD, _LINKEDIN_COUNTRY_REACH, _LINKEDIN_PAYER),
    "meta_ad": (_META_AD, _META_COUNTRY_REACH, _META_PAYER),
    "youtube_signal": (),  # raw only: issue 5's monetisation graph reads raw_youtube_signal
    "ads_txt_record": (),  # raw only, like youtube_signal: read by issue 5's supply-chain checks
    "ads_txt_variable": (),
    "ads_txt_rejected_line": (),
    "ads_txt_fetch": (),
    "page_render": (),  # raw only: issue 5's monetisation graph reads the page_placements tables
    "page_ad_slot": (),
    "page_ad_request": (),
    "page_bid": (),
    "tiktok_ad": (_TIKTOK_AD, _TIKTOK_COUNTRY_REACH),
    "tiktok_commercial_content": (),  # raw only: creator signals for issue 5's monetisation graph  # raw only: the view ads_txt_current (migration 072) reads it
    "tiktok_advertiser": (),  # raw only: business ids and names for the advertiser graph
    "google_creative": (),  # raw only: creative text and media, joined to the bundle by creative id
}


def delete_core(con: duckdb.DuckDBPyConnection, snapshot_id: int, source: str,
                tables: tuple[str, ...] = CORE_TABLES) -> None:
    """Remove the core rows of one (snapshot, source), before they are rebuilt."""
    for table in tables:
        con.execute(f"DELETE FROM {table} WHERE snapshot_id = $snapshot_id AND source = $source",
                    {"snapshot_id": snapshot_id, "source": source})


def build_core(con: duckdb.DuckDBPyConnection, item_kind: str, snapshot_id: int, source: str, step=None) -> None:
    """Insert core rows for the raw rows of one (snapshot, source) of ``item_kind``; ``step(name)`` (a context
    manager) times each statement when given."""
    for number, statement in enumerate(CORE_BUILDERS[item_kind], 1):
        table = statement.split("INSERT INTO", 1)[1].split()[0] if "INSERT INTO" in statement else "?"
        with step(f"core statement {number} ({table})") if step else nullcontext():
            con.execute(statement, {"snapshot_id": snapshot_id, "source": source})

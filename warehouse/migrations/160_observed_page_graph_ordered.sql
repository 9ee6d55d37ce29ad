-- The observed page edges (migration 135) with deterministic evidence: its string_agg(DISTINCT ...) had no
-- ORDER BY and its any_value() picks any row, so the same snapshot could read differently from one query to
-- the next (a rebuilt warehouse compared with EXCEPT ALL, a user comparing two exports). Same columns and
-- rows; the texts now list their parts in order and the single values are the least of the group's.

CREATE OR REPLACE VIEW monetisation_page_ad_system AS
SELECT r.snapshot_id,
       'site' AS recipient_kind,
       lower(r.page_domain) AS recipient,
       r.page_url,
       coalesce(al.ad_system_domain, lower(r.ad_system_domain)) AS ad_system_domain,
       string_agg(DISTINCT lower(r.ad_system_domain), ' ' ORDER BY lower(r.ad_system_domain)) AS ad_system_seen,
       min(r.ad_system_owner) AS ad_system_owner,
       count(*) AS requests,
       min(r.vantage_country) AS vantage_country,
       'observed' AS basis,
       'raw_page_ad_request' AS evidence_table,
       string_agg(r.request_key, ' ' ORDER BY r.request_index) AS evidence_key,
       r.page_url AS evidence_url,
       string_agg(DISTINCT r.request_host || ' ' || r.request_url, '; ' ORDER BY r.request_host || ' ' || r.request_url) AS evidence,
       max(r.fetched_at) AS fetched_at
FROM raw_page_ad_request AS r
JOIN snapshot AS s ON s.snapshot_id = r.snapshot_id AND s.status = 'complete'
LEFT JOIN ad_system_alias AS al ON al.alias = lower(r.ad_system_domain)
WHERE r.ad_system_domain IS NOT NULL AND r.page_domain IS NOT NULL
GROUP BY r.snapshot_id, lower(r.page_domain), r.page_url, coalesce(al.ad_system_domain, lower(r.ad_system_domain));

CREATE OR REPLACE VIEW monetisation_page_schain AS
WITH chains AS (
    SELECT r.snapshot_id, r.page_url, r.page_domain, r.render_key, r.vantage_country, r.fetched_at,
           unnest(CAST(r.schain AS JSON[])) AS exposed
    FROM raw_page_render AS r
    JOIN snapshot AS s ON s.snapshot_id = r.snapshot_id AND s.status = 'complete'
    WHERE r.page_domain IS NOT NULL AND json_array_length(r.schain) > 0
),
nodes AS (
    SELECT chains.*, exposed ->> 'from' AS exposed_by, exposed -> 'schain' ->> 'complete' AS chain_complete,
           unnest(CAST(coalesce(exposed -> 'schain' -> 'nodes', '[]') AS JSON[])) AS node
    FROM chains
    WHERE json_type(exposed -> 'schain' -> 'nodes') = 'ARRAY'
),
named AS (
    SELECT nodes.*, lower(trim(node ->> 'asi')) AS asi, trim(node ->> 'sid') AS sid
    FROM nodes
    WHERE node ->> 'asi' IS NOT NULL AND node ->> 'sid' IS NOT NULL
)
SELECT n.snapshot_id,
       'site' AS recipient_kind,
       lower(n.page_domain) AS recipient,
       n.page_url,
       coalesce(al.ad_system_domain, n.asi) AS ad_system_domain,
       n.asi AS ad_system_seen,
       n.sid AS seller_id,
       string_agg(DISTINCT n.exposed_by, ' ' ORDER BY n.exposed_by) AS exposed_by,
       min(n.vantage_country) AS vantage_country,
       'observed' AS basis,
       'raw_page_render' AS evidence_table,
       min(n.render_key) AS evidence_key,
       n.page_url AS evidence_url,
       string_agg(DISTINCT n.exposed_by || ': ' || CAST(n.node AS VARCHAR), '; '
                  ORDER BY n.exposed_by || ': ' || CAST(n.node AS VARCHAR)) AS evidence,
       max(n.fetched_at) AS fetched_at
FROM named AS n
LEFT JOIN ad_system_alias AS al ON al.alias = n.asi
GROUP BY n.snapshot_id, lower(n.page_domain), n.page_url, coalesce(al.ad_system_domain, n.asi), n.asi, n.sid;

-- 125: observed edges of the monetisation graph from rendered pages (source page_placements, migration 085).
--
-- A site --calls--> ad system edge per complete snapshot, site (the page's host) and ad-system domain that one
-- of its rendered pages requested (a host EasyList's ad-server rules name). basis 'observed': what a page did
-- when loaded from the recorded vantage, not what anyone declares. The evidence is the requests themselves,
-- URLs without query strings (a query may identify the reader), one page per edge row.
-- Migration 120 is left as applied; monetisation_edge is replaced to add these edges as 'calls_ad_system'.

CREATE VIEW monetisation_page_ad_system AS
SELECT r.snapshot_id,
       'site' AS recipient_kind,
       lower(r.page_domain) AS recipient,
       r.page_url,
       lower(r.ad_system_domain) AS ad_system_domain,
       any_value(r.ad_system_owner) AS ad_system_owner,
       count(*) AS requests,
       any_value(r.vantage_country) AS vantage_country,
       'observed' AS basis,
       'raw_page_ad_request' AS evidence_table,
       string_agg(r.request_key, ' ' ORDER BY r.request_index) AS evidence_key,
       r.page_url AS evidence_url,
       string_agg(DISTINCT r.request_host || ' ' || r.request_url, '; ') AS evidence,
       max(r.fetched_at) AS fetched_at
FROM raw_page_ad_request AS r
JOIN snapshot AS s ON s.snapshot_id = r.snapshot_id AND s.status = 'complete'
WHERE r.ad_system_domain IS NOT NULL AND r.page_domain IS NOT NULL
GROUP BY r.snapshot_id, lower(r.page_domain), r.page_url, lower(r.ad_system_domain);

CREATE OR REPLACE VIEW monetisation_edge AS
SELECT snapshot_id, 'authorises' AS edge, recipient_kind AS from_kind, recipient AS from_id,
       'seller_account' AS to_kind, ad_system_domain || '/' || seller_id AS to_id,
       ad_system_domain, seller_id, relationship,
       basis, evidence_table, evidence_key, evidence_url, evidence, fetched_at
FROM monetisation_authorisation
UNION ALL
SELECT snapshot_id, 'belongs_to', 'seller_account', ad_system_domain || '/' || seller_id,
       'seller', coalesce(seller_domain, seller_name, '(confidential)'),
       ad_system_domain, seller_id, seller_type,
       basis, evidence_table, evidence_key, evidence_url, evidence, fetched_at
FROM monetisation_seller_account
UNION ALL
SELECT snapshot_id, 'carries_ad_slots', 'channel', recipient,
       'ad_system', ad_system_domain,
       ad_system_domain, NULL, NULL,
       basis, evidence_table, evidence_key, evidence_url, evidence, fetched_at
FROM monetisation_channel_ad_slots
UNION ALL
SELECT snapshot_id, 'calls_ad_system', recipient_kind, recipient,
       'ad_system', ad_system_domain,
       ad_system_domain, NULL, NULL,
       basis, evidence_table, evidence_key, evidence_url, evidence, fetched_at
FROM monetisation_page_ad_system;

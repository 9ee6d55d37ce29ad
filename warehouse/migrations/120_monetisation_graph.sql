-- 120: the monetisation graph (issue 5, item 6): recipient (site, app, channel) <-> ad system <-> seller account.
--
-- Views over the raw tables of migrations 070, 075 and 080, so every snapshot's graph is exactly what was
-- loaded for it and nothing has to be rebuilt. Each edge names its evidence: the raw table, the row's key
-- (an ads.txt line_key, a sellers.json entry's position, a YouTube signal_key), the URL fetched and the
-- words that say it. basis is 'disclosed' for what a party declares about itself (ads.txt, sellers.json)
-- and 'observed' for what a fetched page carried (YouTube's ad slots). Only complete snapshots count.
-- An edge says who is declared or seen in the chain of a recipient's ads; none of them proves a payment.

-- site / app --authorises--> seller account at an ad system (ads.txt, app-ads.txt). Placeholder records
-- ("no authorised sellers") authorise nobody and are left out.
CREATE VIEW monetisation_authorisation AS
SELECT r.snapshot_id,
       CASE WHEN r.file_kind = 'app-ads.txt' THEN 'app' ELSE 'site' END AS recipient_kind,
       r.domain AS recipient, r.root_domain AS recipient_root,
       lower(r.ad_system_canonical) AS ad_system_domain,
       coalesce(r.seller_account_canonical, r.seller_account_id) AS seller_id,
       r.seller_account_id AS seller_id_given,
       upper(r.relationship) AS relationship,
       r.certification_authority_id,
       'disclosed' AS basis,
       'raw_ads_txt_record' AS evidence_table,
       r.line_key AS evidence_key,
       r.source_url AS evidence_url,
       concat_ws(', ', r.ad_system_domain, r.seller_account_id, r.relationship, r.certification_authority_id)
           || coalesce(' (' || r.recovered_reason || ')', '') AS evidence,
       r.fetched_at
FROM raw_ads_txt_record AS r
JOIN snapshot AS s ON s.snapshot_id = r.snapshot_id AND s.status = 'complete'
WHERE NOT coalesce(r.is_placeholder, false) AND r.ad_system_canonical IS NOT NULL;

-- seller account --belongs to--> seller (name, type, domain) by its ad system's sellers.json.
CREATE VIEW monetisation_seller_account AS
SELECT sel.snapshot_id,
       sel.ad_system_domain,
       sel.seller_id,
       sel.name AS seller_name,
       sel.seller_type,
       sel.domain AS seller_domain,
       sel.is_confidential,
       sel.is_passthrough,
       'disclosed' AS basis,
       'raw_sellers_json_seller' AS evidence_table,
       sel.ad_system_domain || '#' || sel.seller_index AS evidence_key,
       f.source_url AS evidence_url,
       sel.entry AS evidence,
       f.fetched_at
FROM raw_sellers_json_seller AS sel
JOIN snapshot AS s ON s.snapshot_id = sel.snapshot_id AND s.status = 'complete'
JOIN raw_sellers_json_file AS f
    ON f.snapshot_id = sel.snapshot_id AND f.source = sel.source AND f.ad_system_domain = sel.ad_system_domain;

-- channel --carries ad slots--> YouTube: a watch or channel page whose player response carried ad keys.
-- "no ad slots observed" pages make no edge (they are in raw_youtube_signal).
CREATE VIEW monetisation_channel_ad_slots AS
SELECT y.snapshot_id,
       'channel' AS recipient_kind,
       y.channel_id AS recipient,
       y.channel_title,
       y.video_id,
       'youtube.com' AS ad_system_domain,
       y.ad_slots_label,
       y.ad_signals,
       'observed' AS basis,
       'raw_youtube_signal' AS evidence_table,
       y.signal_key AS evidence_key,
       y.source_url AS evidence_url,
       y.evidence,
       y.fetched_at
FROM raw_youtube_signal AS y
JOIN snapshot AS s ON s.snapshot_id = y.snapshot_id AND s.status = 'complete'
WHERE y.ad_slots_label = 'ad slots present' AND y.channel_id IS NOT NULL;

-- Every edge in one shape: from (kind, id) --edge--> to (kind, id). A seller account's id is
-- "<ad system>/<seller id>", an ad system's its domain, a seller's its sellers.json domain (or name when
-- confidential).
CREATE VIEW monetisation_edge AS
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
FROM monetisation_channel_ad_slots;

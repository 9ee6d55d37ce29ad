-- Who pays this site? The ad systems and seller accounts a site, app or channel declares (ads.txt,
-- app-ads.txt) or is seen carrying (YouTube ad slots), each with the seller's sellers.json entry, the
-- supply-chain check, and its evidence. Declared and observed chains, not proven payments.
-- $snapshot_id: a complete snapshot (NULL: the latest complete one); $recipient: a site's domain or root
-- domain, an app's developer domain, or a YouTube channel id or title.
WITH chosen AS (
    SELECT coalesce($snapshot_id, (SELECT max(snapshot_id) FROM snapshot WHERE status = 'complete')) AS snapshot_id
),
declared AS (
    SELECT a.recipient_kind, a.recipient, a.ad_system_domain, a.seller_id, a.relationship,
           sa.seller_name, sa.seller_type, sa.seller_domain, c."check" AS sellers_json_check,
           a.basis, a.evidence_table, a.evidence_key, a.evidence_url, a.evidence,
           sa.evidence AS seller_evidence, sa.evidence_url AS seller_evidence_url
    FROM monetisation_authorisation AS a
    JOIN chosen USING (snapshot_id)
    LEFT JOIN ads_txt_sellers_json_check AS c ON c.snapshot_id = a.snapshot_id AND c.line_key = a.evidence_key
    LEFT JOIN monetisation_seller_account AS sa
        ON sa.ad_system_domain = a.ad_system_domain AND sa.seller_id = a.seller_id
        AND sa.snapshot_id = c.sellers_json_snapshot_id AND sa.evidence_key = a.ad_system_domain || '#' || c.seller_index
    WHERE lower($recipient) IN (a.recipient, a.recipient_root)
),
observed AS (
    SELECT y.recipient_kind, y.recipient, y.ad_system_domain, NULL AS seller_id, NULL AS relationship,
           y.channel_title AS seller_name, NULL AS seller_type, NULL AS seller_domain,
           y.ad_slots_label AS sellers_json_check,
           y.basis, y.evidence_table, y.evidence_key, y.evidence_url, y.evidence,
           NULL AS seller_evidence, NULL AS seller_evidence_url
    FROM monetisation_channel_ad_slots AS y
    JOIN chosen USING (snapshot_id)
    WHERE $recipient IN (y.recipient, y.channel_title)
)
SELECT * FROM declared
UNION ALL
SELECT * FROM observed
ORDER BY recipient, ad_system_domain, relationship NULLS LAST, seller_id NULLS LAST, evidence_key

-- Which sites does this seller account sell? Every site and app whose ads.txt / app-ads.txt names the
-- seller id at the ad system, with the relationship, the site's owner (OWNERDOMAIN, else root domain), the
-- supply-chain check and the line that says it; pooled is true when the id is declared DIRECT by sites of
-- more than one owner (ads_txt_seller_id_pooling).
-- $snapshot_id: a complete snapshot (NULL: the latest complete one); $ad_system_domain: the ad system's
-- canonical domain (NULL: any); $seller_id: the seller account id (Google ids as pub-<digits>).
WITH chosen AS (
    SELECT coalesce($snapshot_id, (SELECT max(snapshot_id) FROM snapshot WHERE status = 'complete')) AS snapshot_id
)
SELECT a.ad_system_domain, a.seller_id, a.recipient_kind, a.recipient, a.recipient_root,
       c.owner_domain, a.relationship, c.seller_name, c.seller_type, c."check" AS sellers_json_check,
       p.seller_id IS NOT NULL AS pooled,
       a.basis, a.evidence_table, a.evidence_key, a.evidence_url, a.evidence
FROM monetisation_authorisation AS a
JOIN chosen USING (snapshot_id)
LEFT JOIN ads_txt_sellers_json_check AS c ON c.snapshot_id = a.snapshot_id AND c.line_key = a.evidence_key
LEFT JOIN ads_txt_seller_id_pooling AS p
    ON p.snapshot_id = a.snapshot_id AND p.ad_system_domain = a.ad_system_domain AND p.seller_id = a.seller_id
WHERE a.seller_id = $seller_id AND ($ad_system_domain IS NULL OR a.ad_system_domain = lower($ad_system_domain))
ORDER BY a.ad_system_domain, a.relationship, a.recipient, a.evidence_key

-- Which sites does this seller account sell? Every site and app whose ads.txt / app-ads.txt names the seller id
-- at the ad system (edge authorises, basis disclosed), with the relationship, the site's owner (OWNERDOMAIN,
-- else root domain), the supply-chain check and the line that says it; and every site whose rendered page
-- exposed the account in its supply chain (edge sells_through, basis observed: the schain node as evidence).
-- pooled is true when the id is declared DIRECT by sites of more than one owner (ads_txt_seller_id_pooling);
-- declared_and_observed when the other basis names the same site (or a page of it) and account too.
-- $snapshot_id: a complete snapshot (NULL: the latest complete one); $ad_system_domain: the ad system's
-- canonical domain (NULL: any); $seller_id: the seller account id (Google ids as pub-<digits>).
WITH chosen AS (
    SELECT coalesce($snapshot_id, (SELECT max(snapshot_id) FROM snapshot WHERE status = 'complete')) AS snapshot_id
),
declared AS (
    SELECT a.snapshot_id, 'authorises' AS edge, a.ad_system_domain, a.seller_id, a.recipient_kind, a.recipient,
           a.recipient_root, c.owner_domain, a.relationship, c.seller_name, c.seller_type,
           c."check" AS sellers_json_check, a.basis, a.evidence_table, a.evidence_key, a.evidence_url, a.evidence
    FROM monetisation_authorisation AS a
    JOIN chosen USING (snapshot_id)
    LEFT JOIN ads_txt_sellers_json_check AS c ON c.snapshot_id = a.snapshot_id AND c.line_key = a.evidence_key
    WHERE a.seller_id = $seller_id AND ($ad_system_domain IS NULL OR a.ad_system_domain = lower($ad_system_domain))
),
observed AS (
    SELECT n.snapshot_id, 'sells_through' AS edge, n.ad_system_domain, n.seller_id, n.recipient_kind, n.recipient,
           NULL AS recipient_root, NULL AS owner_domain, NULL AS relationship, sel.name AS seller_name,
           sel.seller_type,
           CASE WHEN f.ad_system_domain IS NULL THEN 'no_sellers_json'
                WHEN sel.seller_id IS NULL THEN 'seller_missing'
                ELSE 'listed' END AS sellers_json_check,
           n.basis, n.evidence_table, n.evidence_key, n.evidence_url, n.evidence
    FROM monetisation_page_schain AS n
    JOIN chosen USING (snapshot_id)
    LEFT JOIN sellers_json_file_current AS f ON f.ad_system_domain = n.ad_system_domain
    LEFT JOIN sellers_json_seller_current AS sel
        ON sel.ad_system_domain = n.ad_system_domain AND sel.seller_id = n.seller_id
    WHERE n.seller_id = $seller_id AND ($ad_system_domain IS NULL OR n.ad_system_domain = lower($ad_system_domain))
    QUALIFY row_number() OVER (PARTITION BY n.page_url, n.ad_system_domain, n.seller_id ORDER BY sel.seller_index) = 1
),
final AS (
    SELECT d.*,
           EXISTS (SELECT 1 FROM observed AS o WHERE o.ad_system_domain = d.ad_system_domain
                   AND (o.recipient IN (d.recipient, d.recipient_root) OR o.recipient LIKE '%.' || d.recipient_root))
               AS declared_and_observed
    FROM declared AS d
    UNION ALL
    SELECT o.*,
           EXISTS (SELECT 1 FROM declared AS d WHERE d.ad_system_domain = o.ad_system_domain
                   AND (o.recipient IN (d.recipient, d.recipient_root) OR o.recipient LIKE '%.' || d.recipient_root))
               AS declared_and_observed
    FROM observed AS o
)
SELECT f.snapshot_id, f.edge, f.ad_system_domain, f.seller_id, f.recipient_kind, f.recipient, f.recipient_root,
       f.owner_domain, f.relationship, f.seller_name, f.seller_type, f.sellers_json_check,
       p.seller_id IS NOT NULL AS pooled, f.declared_and_observed,
       f.basis, f.evidence_table, f.evidence_key, f.evidence_url, f.evidence
FROM final AS f
LEFT JOIN ads_txt_seller_id_pooling AS p
    ON p.snapshot_id = f.snapshot_id AND p.ad_system_domain = f.ad_system_domain AND p.seller_id = f.seller_id
ORDER BY f.ad_system_domain, f.basis, f.relationship NULLS LAST, f.recipient, f.evidence_key

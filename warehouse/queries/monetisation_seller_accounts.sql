-- The seller accounts of one snapshot, to pick one for sites_of_seller: each ad system and seller id that a
-- site's or app's ads.txt / app-ads.txt names (declared) or a rendered page exposed in its supply chain
-- (observed), with how many sites and apps do each, and how many declare it DIRECT.
-- $snapshot_id: a complete snapshot (NULL: the latest complete one).
WITH chosen AS (
    SELECT coalesce($snapshot_id, (SELECT max(snapshot_id) FROM snapshot WHERE status = 'complete')) AS snapshot_id
),
named AS (
    SELECT a.ad_system_domain, a.seller_id, a.recipient, a.relationship, a.basis
    FROM monetisation_authorisation AS a JOIN chosen USING (snapshot_id)
    UNION ALL
    SELECT n.ad_system_domain, n.seller_id, n.recipient, NULL AS relationship, n.basis
    FROM monetisation_page_schain AS n JOIN chosen USING (snapshot_id)
),
final AS (
    SELECT ad_system_domain, seller_id,
           count(DISTINCT recipient) AS recipients,
           count(DISTINCT recipient) FILTER (WHERE relationship = 'DIRECT') AS direct_recipients,
           count(DISTINCT recipient) FILTER (WHERE basis = 'disclosed') AS declaring_recipients,
           count(DISTINCT recipient) FILTER (WHERE basis = 'observed') AS observed_recipients
    FROM named
    GROUP BY ALL
)
SELECT * FROM final ORDER BY recipients DESC, ad_system_domain, seller_id

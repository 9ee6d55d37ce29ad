-- The seller accounts of one snapshot (ad system and seller id named in ads.txt / app-ads.txt), to pick one
-- for sites_of_seller: how many sites and apps declare each, as DIRECT or RESELLER.
-- $snapshot_id: a complete snapshot (NULL: the latest complete one).
WITH chosen AS (
    SELECT coalesce($snapshot_id, (SELECT max(snapshot_id) FROM snapshot WHERE status = 'complete')) AS snapshot_id
),
final AS (
    SELECT a.ad_system_domain, a.seller_id,
           count(DISTINCT a.recipient) AS recipients,
           count(DISTINCT a.recipient) FILTER (WHERE a.relationship = 'DIRECT') AS direct_recipients
    FROM monetisation_authorisation AS a
    JOIN chosen USING (snapshot_id)
    GROUP BY ALL
)
SELECT * FROM final ORDER BY recipients DESC, ad_system_domain, seller_id

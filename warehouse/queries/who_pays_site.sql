-- Who pays this site? Every edge of the monetisation graph that starts at a site, app or channel, disclosed and
-- observed side by side, each with its basis, evidence and snapshot:
--   authorises        (disclosed) the site's ads.txt / app-ads.txt names a seller account at an ad system, with
--                     the seller's sellers.json entry and the supply-chain check
--   carries_ad_slots  (observed)  a YouTube channel's pages carried ad slots
--   calls_ad_system   (observed)  a rendered page of the site requested the ad system (EasyList ad-server rules)
--   receives_bid      (observed)  a header-bidding bid the page exposed: bidder, advertiser domains, price
--   shows_ad_of       (observed)  an ad slot of the page, its ad system and the advertiser's landing domain
--   sells_through     (observed)  a supply chain node the page exposed: ad system and seller account, with the
--                                 seller's sellers.json entry
-- declared_and_observed: the other basis names the same ad system too (and, for seller accounts, the same
-- seller id), so the two kinds of evidence agree. Declared and observed chains, not proven payments.
-- $snapshot_id: a complete snapshot (NULL: the latest complete one); $recipient: a site's domain or root
-- domain (its subdomains' pages count), an app's developer domain, or a YouTube channel id or title.
WITH chosen AS (
    SELECT coalesce($snapshot_id, (SELECT max(snapshot_id) FROM snapshot WHERE status = 'complete')) AS snapshot_id
),
declared AS (
    SELECT a.snapshot_id, 'authorises' AS edge, a.recipient_kind, a.recipient, a.ad_system_domain, a.seller_id,
           a.relationship, sa.seller_name, sa.seller_type, sa.seller_domain, c."check" AS sellers_json_check,
           NULL::VARCHAR AS bidder, NULL::VARCHAR[] AS advertiser_domains,
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
channel AS (
    SELECT y.snapshot_id, 'carries_ad_slots' AS edge, y.recipient_kind, y.recipient, y.ad_system_domain,
           NULL AS seller_id, NULL AS relationship,
           y.channel_title AS seller_name, NULL AS seller_type, NULL AS seller_domain,
           y.ad_slots_label AS sellers_json_check, NULL AS bidder, NULL AS advertiser_domains,
           y.basis, y.evidence_table, y.evidence_key, y.evidence_url, y.evidence,
           NULL AS seller_evidence, NULL AS seller_evidence_url
    FROM monetisation_channel_ad_slots AS y
    JOIN chosen USING (snapshot_id)
    WHERE $recipient IN (y.recipient, y.channel_title)
),
page_calls AS (
    SELECT p.snapshot_id, 'calls_ad_system' AS edge, p.recipient_kind, p.recipient, p.ad_system_domain,
           NULL AS seller_id, NULL AS relationship, p.ad_system_owner AS seller_name, NULL AS seller_type,
           NULL AS seller_domain, NULL AS sellers_json_check, NULL AS bidder, NULL AS advertiser_domains,
           p.basis, p.evidence_table, p.evidence_key, p.evidence_url, p.evidence,
           NULL AS seller_evidence, NULL AS seller_evidence_url
    FROM monetisation_page_ad_system AS p
    JOIN chosen USING (snapshot_id)
    WHERE p.recipient = lower($recipient) OR p.recipient LIKE '%.' || lower($recipient)
),
page_bids AS (
    SELECT b.snapshot_id, 'receives_bid' AS edge, b.recipient_kind, b.recipient, b.ad_system_domain,
           NULL AS seller_id, NULL AS relationship, NULL AS seller_name, NULL AS seller_type, NULL AS seller_domain,
           NULL AS sellers_json_check, b.bidder, b.advertiser_domains,
           b.basis, b.evidence_table, b.evidence_key, b.evidence_url, b.evidence,
           NULL AS seller_evidence, NULL AS seller_evidence_url
    FROM monetisation_page_bid AS b
    JOIN chosen USING (snapshot_id)
    WHERE b.recipient = lower($recipient) OR b.recipient LIKE '%.' || lower($recipient)
),
page_slots AS (
    SELECT sl.snapshot_id, 'shows_ad_of' AS edge, sl.recipient_kind, sl.recipient, sl.ad_system_domain,
           NULL AS seller_id, NULL AS relationship, NULL AS seller_name, NULL AS seller_type, NULL AS seller_domain,
           NULL AS sellers_json_check, NULL AS bidder,
           CASE WHEN sl.landing_domain IS NOT NULL THEN [sl.landing_domain] END AS advertiser_domains,
           sl.basis, sl.evidence_table, sl.evidence_key, sl.evidence_url, sl.evidence,
           NULL AS seller_evidence, NULL AS seller_evidence_url
    FROM monetisation_page_ad_slot AS sl
    JOIN chosen USING (snapshot_id)
    WHERE sl.recipient = lower($recipient) OR sl.recipient LIKE '%.' || lower($recipient)
),
page_chain AS (
    SELECT n.snapshot_id, 'sells_through' AS edge, n.recipient_kind, n.recipient, n.ad_system_domain,
           n.seller_id, NULL AS relationship, sel.name AS seller_name, sel.seller_type, sel.domain AS seller_domain,
           CASE WHEN f.ad_system_domain IS NULL THEN 'no_sellers_json'
                WHEN sel.seller_id IS NULL THEN 'seller_missing'
                ELSE 'listed' END AS sellers_json_check,
           NULL AS bidder, NULL AS advertiser_domains,
           n.basis, n.evidence_table, n.evidence_key, n.evidence_url, n.evidence,
           sel.entry AS seller_evidence, f.source_url AS seller_evidence_url
    FROM monetisation_page_schain AS n
    JOIN chosen USING (snapshot_id)
    LEFT JOIN sellers_json_file_current AS f ON f.ad_system_domain = n.ad_system_domain
    LEFT JOIN sellers_json_seller_current AS sel
        ON sel.ad_system_domain = n.ad_system_domain AND sel.seller_id = n.seller_id
    WHERE n.recipient = lower($recipient) OR n.recipient LIKE '%.' || lower($recipient)
    QUALIFY row_number() OVER (PARTITION BY n.page_url, n.ad_system_domain, n.seller_id ORDER BY sel.seller_index) = 1
),
observed AS (
    SELECT * FROM channel
    UNION ALL SELECT * FROM page_calls
    UNION ALL SELECT * FROM page_bids
    UNION ALL SELECT * FROM page_slots
    UNION ALL SELECT * FROM page_chain
),
final AS (
    SELECT d.snapshot_id, d.edge, d.recipient_kind, d.recipient, d.ad_system_domain, d.seller_id, d.relationship,
           d.seller_name, d.seller_type, d.seller_domain, d.sellers_json_check, d.bidder, d.advertiser_domains,
           d.basis,
           EXISTS (SELECT 1 FROM observed AS o WHERE o.ad_system_domain = d.ad_system_domain
                   AND (o.seller_id IS NULL OR o.seller_id = d.seller_id)) AS declared_and_observed,
           d.evidence_table, d.evidence_key, d.evidence_url, d.evidence, d.seller_evidence, d.seller_evidence_url
    FROM declared AS d
    UNION ALL
    SELECT o.snapshot_id, o.edge, o.recipient_kind, o.recipient, o.ad_system_domain, o.seller_id, o.relationship,
           o.seller_name, o.seller_type, o.seller_domain, o.sellers_json_check, o.bidder, o.advertiser_domains,
           o.basis,
           EXISTS (SELECT 1 FROM declared AS d WHERE d.ad_system_domain = o.ad_system_domain
                   AND (o.seller_id IS NULL OR o.seller_id = d.seller_id)) AS declared_and_observed,
           o.evidence_table, o.evidence_key, o.evidence_url, o.evidence, o.seller_evidence, o.seller_evidence_url
    FROM observed AS o
)
SELECT * FROM final
ORDER BY recipient, ad_system_domain NULLS LAST, basis, edge, relationship NULLS LAST, seller_id NULLS LAST,
         bidder NULLS LAST, evidence_key

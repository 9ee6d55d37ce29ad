-- 135: every observed edge of a rendered page in the monetisation graph (source page_placements, migration 085),
-- beside the disclosed ones of ads.txt and sellers.json (migration 120), with the ad systems named alike.
--
-- Migration 125 added only the ad-system requests of a page. A page shows more: the header-bidding bids it
-- exposed (bidder, price, the advertisers' domains), its ad slots (the ad's iframe and the landing domain read
-- from its link, never clicked) and the supply chain objects (schain nodes: the ad system and the seller
-- account each hop sells through, the one observed fact that names a seller account like an ads.txt line).
-- All are basis 'observed': what the page did when loaded from the recorded vantage, not what anyone declares.
-- URLs in evidence lose their query strings (a query may identify the reader or carry a click id).
--
-- Observed and declared edges meet on the ad system's canonical domain. A page calls ib.adnxs.com, an
-- schain says asi adnxs.com, an ads.txt says appnexus.com: all three are AppNexus, whose sellers.json is at
-- appnexus.com. ad_system_alias is the alias table of spiders/parsers/ad_systems.py (the spiders apply it to
-- ads.txt records; tests/test_observed_page_graph.py holds the two copies equal, so an alias added there
-- needs a migration here). prebid_bidder_ad_system names the ad system of the Prebid.js bidder codes whose
-- adapter documentation (docs.prebid.org/dev-docs/bidders) says which exchange they call; an unknown bidder
-- code keeps no ad system rather than a guessed one.

CREATE TABLE ad_system_alias (
    alias VARCHAR PRIMARY KEY,  -- a domain as files, pages or schain nodes write it (lowercase)
    ad_system_domain VARCHAR NOT NULL  -- the canonical domain (where its sellers.json is)
);
INSERT INTO ad_system_alias VALUES
    ('googlesyndication.com', 'google.com'), ('doubleclick.net', 'google.com'), ('doubleclick.com', 'google.com'),
    ('g.doubleclick.net', 'google.com'), ('ad.doubleclick.net', 'google.com'), ('googleadservices.com', 'google.com'),
    ('admanager.google.com', 'google.com'), ('adx.google.com', 'google.com'), ('gooogle.com', 'google.com'),
    ('googel.com', 'google.com'), ('goolge.com', 'google.com'), ('google.con', 'google.com'),
    ('google,com', 'google.com'), ('google. com', 'google.com'),
    ('xandr.com', 'appnexus.com'), ('adnxs.com', 'appnexus.com'), ('apnexus.com', 'appnexus.com'),
    ('appnexsus.com', 'appnexus.com'), ('appnexus,com', 'appnexus.com'), ('appnexus.net', 'appnexus.com'),
    ('magnite.com', 'rubiconproject.com'), ('rubicon.com', 'rubiconproject.com'),
    ('rubiconprojects.com', 'rubiconproject.com'), ('rubiconproject,com', 'rubiconproject.com'),
    ('rubiconprojekt.com', 'rubiconproject.com'),
    ('pubmatic,com', 'pubmatic.com'), ('pubmatics.com', 'pubmatic.com'), ('pubmatic.co', 'pubmatic.com'),
    ('pubmatic. com', 'pubmatic.com'), ('pubmatic.con', 'pubmatic.com'),
    ('casalemedia.com', 'indexexchange.com'), ('index-exchange.com', 'indexexchange.com'),
    ('indexexhange.com', 'indexexchange.com'), ('indexexchange,com', 'indexexchange.com'),
    ('indexexchange.net', 'indexexchange.com'),
    ('openx.net', 'openx.com'), ('openx,com', 'openx.com'), ('openx.org', 'openx.com'),
    ('equativ.com', 'smartadserver.com'), ('smartadserver.fr', 'smartadserver.com'),
    ('smartadserver,com', 'smartadserver.com'),
    ('verizonmedia.com', 'yahoo.com'), ('oath.com', 'yahoo.com'), ('aol.com', 'yahoo.com'),
    ('triplelift.net', 'triplelift.com'), ('triplelift,com', 'triplelift.com'),
    ('sharethrough,com', 'sharethrough.com'),
    ('teads.com', 'teads.tv'),
    ('criteo.net', 'criteo.com'),
    ('improve-digital.com', 'improvedigital.com'), ('improvedigital,com', 'improvedigital.com'),
    ('spotx.tv', 'spotxchange.com'),
    ('aps.amazon.com', 'amazon-adsystem.com'),
    ('pulsepoint.com', 'contextweb.com'),
    ('smaato.net', 'smaato.com'),
    ('inmobi.net', 'inmobi.com');

CREATE TABLE prebid_bidder_ad_system (
    bidder VARCHAR PRIMARY KEY,  -- Prebid.js bidder code (bidderCode), lowercase
    ad_system_domain VARCHAR NOT NULL  -- canonical ad-system domain
);
INSERT INTO prebid_bidder_ad_system VALUES
    ('appnexus', 'appnexus.com'), ('rubicon', 'rubiconproject.com'), ('ix', 'indexexchange.com'),
    ('pubmatic', 'pubmatic.com'), ('openx', 'openx.com'), ('triplelift', 'triplelift.com'),
    ('criteo', 'criteo.com'), ('sharethrough', 'sharethrough.com'), ('teads', 'teads.tv'),
    ('smartadserver', 'smartadserver.com'), ('improvedigital', 'improvedigital.com'), ('smaato', 'smaato.com');

-- site page --calls--> ad system, as migration 125 with the ad system canonical (ad_system_seen: EasyList's).
CREATE OR REPLACE VIEW monetisation_page_ad_system AS
SELECT r.snapshot_id,
       'site' AS recipient_kind,
       lower(r.page_domain) AS recipient,
       r.page_url,
       coalesce(al.ad_system_domain, lower(r.ad_system_domain)) AS ad_system_domain,
       string_agg(DISTINCT lower(r.ad_system_domain), ' ') AS ad_system_seen,
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
LEFT JOIN ad_system_alias AS al ON al.alias = lower(r.ad_system_domain)
WHERE r.ad_system_domain IS NOT NULL AND r.page_domain IS NOT NULL
GROUP BY r.snapshot_id, lower(r.page_domain), r.page_url, coalesce(al.ad_system_domain, lower(r.ad_system_domain));

-- site page --receives bid from--> bidder (and its ad system when the bidder code is known). Prebid reports a
-- winning bid twice (getBidResponses and getAllWinningBids): one row per bid, the getBidResponses one kept.
CREATE VIEW monetisation_page_bid AS
SELECT b.snapshot_id,
       'site' AS recipient_kind,
       lower(b.page_domain) AS recipient,
       b.page_url,
       b.bidder,
       pb.ad_system_domain,
       b.ad_unit_code, b.cpm, b.currency, b.advertiser_domains, b.creative_id, b.deal_id, b.won,
       b.vantage_country,
       'observed' AS basis,
       'raw_page_bid' AS evidence_table,
       b.bid_key AS evidence_key,
       b.page_url AS evidence_url,
       concat_ws(', ', b.source_call || ': bidder ' || b.bidder, 'unit ' || b.ad_unit_code,
                 'cpm ' || b.cpm || coalesce(' ' || b.currency, ''),
                 'advertiser domains ' || array_to_string(b.advertiser_domains, ' '),
                 'creative ' || b.creative_id, 'deal ' || b.deal_id, CASE WHEN b.won THEN 'won' END) AS evidence,
       b.fetched_at
FROM raw_page_bid AS b
JOIN snapshot AS s ON s.snapshot_id = b.snapshot_id AND s.status = 'complete'
LEFT JOIN prebid_bidder_ad_system AS pb ON pb.bidder = lower(b.bidder)
WHERE b.page_domain IS NOT NULL AND b.bidder IS NOT NULL
QUALIFY row_number() OVER (
    PARTITION BY b.snapshot_id, b.page_url, b.bidder, b.ad_unit_code, coalesce(b.record ->> 'adId', b.bid_key)
    ORDER BY (b.source_call = 'getBidResponses') DESC, b.fetched_at DESC, b.bid_index) = 1;

-- site page --shows ad slot--> the ad's landing domain (read from its link, never clicked), served from
-- iframe_host; ad_system_domain is the ad system that host is, by the page's own ad-system requests.
CREATE VIEW monetisation_page_ad_slot AS
WITH slots AS (
    SELECT sl.*, lower(regexp_extract(sl.iframe_src, '^[a-zA-Z][a-zA-Z0-9+.-]*://([^/:?#]+)', 1)) AS iframe_host
    FROM raw_page_ad_slot AS sl
    JOIN snapshot AS s ON s.snapshot_id = sl.snapshot_id AND s.status = 'complete'
    WHERE sl.page_domain IS NOT NULL
),
served_by AS (
    SELECT DISTINCT r.snapshot_id, r.page_url, lower(r.request_host) AS request_host,
           coalesce(al.ad_system_domain, lower(r.ad_system_domain)) AS ad_system_domain
    FROM raw_page_ad_request AS r
    LEFT JOIN ad_system_alias AS al ON al.alias = lower(r.ad_system_domain)
    WHERE r.ad_system_domain IS NOT NULL
)
SELECT sl.snapshot_id,
       'site' AS recipient_kind,
       lower(sl.page_domain) AS recipient,
       sl.page_url, sl.slot_index,
       nullif(sl.iframe_host, '') AS iframe_host,
       sb.ad_system_domain,
       lower(sl.landing_domain) AS landing_domain,
       sl.landing_via, sl.width, sl.height, sl.screenshot_path, sl.vantage_country,
       'observed' AS basis,
       'raw_page_ad_slot' AS evidence_table,
       sl.slot_key AS evidence_key,
       sl.page_url AS evidence_url,
       concat_ws('; ', 'selectors ' || array_to_string(sl.selectors, ' '),
                 'iframe ' || regexp_replace(sl.iframe_src, '[?#].*$', ''),
                 'landing ' || regexp_replace(sl.landing_url, '[?#].*$', '')
                     || coalesce(' (from ' || sl.landing_via || ')', ''),
                 'screenshot ' || sl.screenshot_path) AS evidence,
       sl.fetched_at
FROM slots AS sl
LEFT JOIN served_by AS sb
    ON sb.snapshot_id = sl.snapshot_id AND sb.page_url = sl.page_url AND sb.request_host = sl.iframe_host;

-- site page --sells through--> seller account, by the supply chain objects the page exposed (SupplyChain
-- object 1.0: nodes of asi, the ad system's domain, and sid, the seller account there). One row per page and
-- (ad system, seller id); exposed_by lists where the page showed it (Prebid config, a bid request).
CREATE VIEW monetisation_page_schain AS
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
       any_value(n.vantage_country) AS vantage_country,
       'observed' AS basis,
       'raw_page_render' AS evidence_table,
       any_value(n.render_key) AS evidence_key,
       n.page_url AS evidence_url,
       string_agg(DISTINCT n.exposed_by || ': ' || CAST(n.node AS VARCHAR), '; ') AS evidence,
       max(n.fetched_at) AS fetched_at
FROM named AS n
LEFT JOIN ad_system_alias AS al ON al.alias = n.asi
GROUP BY n.snapshot_id, lower(n.page_domain), n.page_url, coalesce(al.ad_system_domain, n.asi), n.asi, n.sid;

-- Every edge in one shape (migration 125's, plus the page's bids, advertisers, slots and supply chain):
--   receives_bid      site --> bidder (ad_system_domain: the bidder's ad system when known)
--   shows_ad_of       site --> advertiser domain (a bid's advertiser domains, a slot's landing domain)
--   sells_through     site --> seller account (schain node), observed like 'authorises' is declared
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
FROM monetisation_page_ad_system
UNION ALL
SELECT snapshot_id, 'receives_bid', recipient_kind, recipient,
       'bidder', bidder,
       ad_system_domain, NULL, NULL,
       basis, evidence_table, evidence_key, evidence_url, evidence, fetched_at
FROM monetisation_page_bid
UNION ALL
SELECT snapshot_id, 'shows_ad_of', recipient_kind, recipient,
       'advertiser', advertiser_domain,
       ad_system_domain, NULL, NULL,
       basis, evidence_table, evidence_key, evidence_url, evidence, fetched_at
FROM (SELECT *, lower(unnest(advertiser_domains)) AS advertiser_domain FROM monetisation_page_bid)
UNION ALL
SELECT snapshot_id, 'shows_ad_of', recipient_kind, recipient,
       'advertiser', landing_domain,
       ad_system_domain, NULL, NULL,
       basis, evidence_table, evidence_key, evidence_url, evidence, fetched_at
FROM monetisation_page_ad_slot
WHERE landing_domain IS NOT NULL
UNION ALL
SELECT snapshot_id, 'sells_through', recipient_kind, recipient,
       'seller_account', ad_system_domain || '/' || seller_id,
       ad_system_domain, seller_id, NULL,
       basis, evidence_table, evidence_key, evidence_url, evidence, fetched_at
FROM monetisation_page_schain;

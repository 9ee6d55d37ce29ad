-- 075: IAB sellers.json 1.0 files, one per ad system (source sellers_json; issue 5, item 2).
--
-- RAW, per snapshot, exactly what each ad system published, normalised where matching needs it (the given
-- text kept beside). spiders/parsers/sellers_json.py reads each file in bounded memory; the loader
-- (warehouse/load_sellers_json.py) stages its records as JSON lines that DuckDB reads, and deletes and
-- rewrites one (snapshot, source) in one transaction, so loading the same crawl twice changes nothing.

-- One row per ad system asked for: the file's own facts, or why there is none (fetch failed, HTML page,
-- JavaScript, broken JSON). A file that breaks part-way keeps the sellers read before the break.
CREATE TABLE raw_sellers_json_file (
    snapshot_id BIGINT NOT NULL, source VARCHAR NOT NULL, crawl_id VARCHAR,
    ad_system_domain VARCHAR NOT NULL,  -- the ad system whose /sellers.json this is (lowercase host)
    source_url VARCHAR, fetched_at TIMESTAMPTZ,
    file_sha256 VARCHAR,  -- NULL when no file was fetched
    file_size BIGINT,
    not_modified BOOLEAN,  -- the server said the stored copy is current (ETag / Last-Modified)
    status VARCHAR NOT NULL CHECK (status IN ('ok', 'error')),
    error_kind VARCHAR,  -- invalid_json | html | javascript | markup | not_an_object | not_json | empty |
                         -- fetch (no file: HTTP error, robots.txt, network; the crawl's reason in error)
    error VARCHAR,  -- for the user: what was found, where, what to do
    error_line INTEGER, error_column INTEGER,  -- where broken JSON breaks
    first_bytes VARCHAR,  -- the file's first 64 characters
    version VARCHAR,  -- "1.0"; a JSON number is kept as its text
    version_given VARCHAR,  -- the JSON text as written (quotes show whether it was a string)
    contact_email VARCHAR, contact_address VARCHAR,
    identifiers VARCHAR,  -- JSON text as written, e.g. [{"name": "TAG-ID", "value": "..."}]
    ext VARCHAR,  -- JSON text as written
    other_fields JSON,  -- top-level keys outside the spec: key -> its JSON text
    sellers_count BIGINT NOT NULL,  -- entries read (all of them, or those before the error)
    notes VARCHAR[],  -- tolerated departures from the spec (numeric version, `,]`, email for contact_email)
    seller_problems JSON,  -- problem -> number of sellers flagged with it
    loaded_at TIMESTAMPTZ NOT NULL
);

-- One row per entry of a file's sellers list.
CREATE TABLE raw_sellers_json_seller (
    snapshot_id BIGINT NOT NULL, source VARCHAR NOT NULL, crawl_id VARCHAR,
    ad_system_domain VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL,
    seller_index BIGINT NOT NULL,  -- 0-based position in the list
    seller_id VARCHAR,  -- always text; a JSON number as its exact digits; outer whitespace removed
    name VARCHAR,
    domain VARCHAR,  -- host only: lowercase, no scheme, path, port or trailing dot
    domain_given VARCHAR,  -- as written
    seller_type VARCHAR,  -- PUBLISHER | INTERMEDIARY | BOTH, or the given text when it is none of them
    seller_type_given VARCHAR,
    seller_type_known BOOLEAN NOT NULL,
    is_confidential BOOLEAN,  -- NULL when the value was not understood (flagged in problems)
    is_passthrough BOOLEAN,
    comment VARCHAR,
    problems VARCHAR[],  -- seller_id_number, seller_id_whitespace, seller_type_unknown, domain_scheme, ...
    entry VARCHAR,  -- the entry's exact JSON text in the file
    loaded_at TIMESTAMPTZ NOT NULL
);

-- The current sellers.json of each ad system: its file in the latest complete snapshot that holds a
-- readable one (status ok). A later failed fetch or broken file does not hide the last good copy.
CREATE VIEW sellers_json_file_current AS
SELECT f.*
FROM raw_sellers_json_file AS f
JOIN snapshot AS s ON s.snapshot_id = f.snapshot_id AND s.status = 'complete'
WHERE f.status = 'ok'
QUALIFY row_number() OVER (PARTITION BY f.ad_system_domain ORDER BY f.snapshot_id DESC) = 1;

CREATE VIEW sellers_json_seller_current AS
SELECT s.*
FROM raw_sellers_json_seller AS s
JOIN sellers_json_file_current AS f
    ON f.snapshot_id = s.snapshot_id AND f.source = s.source AND f.ad_system_domain = s.ad_system_domain;

-- SUPPLY-CHAIN CHECKS (issue 5, item 3): ads.txt records (migration 070) against the sellers.json of their
-- ad system, as it currently stands (sellers_json_seller_current).

-- OWNERDOMAIN of each ads.txt file: the first declaration that counts; absent means the host's own domain
-- (ads.txt 1.1 §3.4.2).
CREATE VIEW ads_txt_owner_domain AS
SELECT snapshot_id, domain, file_kind, lower(trim(value)) AS owner_domain
FROM raw_ads_txt_variable
WHERE name = 'OWNERDOMAIN' AND ignored_reason IS NULL AND value IS NOT NULL AND trim(value) <> ''
QUALIFY row_number() OVER (PARTITION BY snapshot_id, domain, file_kind ORDER BY line_number) = 1;

-- One row per ads.txt record of a complete snapshot (placeholders left out). check is one of:
--   no_sellers_json  the ad system's sellers.json was not loaded (not in scope, or never readable)
--   seller_missing   the seller id is not in it
--   type_mismatch    DIRECT needs PUBLISHER or BOTH, RESELLER needs INTERMEDIARY or BOTH
--   domain_mismatch  DIRECT only: the seller's domain is neither the site's (host or root) nor its OWNERDOMAIN
--   confidential     present, type agrees, domain withheld (is_confidential)
--   ok
-- Seller ids compare exactly (ads.txt's Google ids as pub-<digits>, as Google's sellers.json writes them).
-- When a sellers.json lists one id twice, the entry that agrees best is taken.
CREATE VIEW ads_txt_sellers_json_check AS
WITH records AS (
    SELECT r.snapshot_id, r.domain, r.root_domain, r.file_kind, r.line_number, r.line_key,
           lower(r.ad_system_canonical) AS ad_system_domain, r.seller_account_id,
           coalesce(r.seller_account_canonical, r.seller_account_id) AS seller_id,
           upper(r.relationship) AS relationship,
           coalesce(o.owner_domain, r.root_domain, r.domain) AS owner_domain
    FROM raw_ads_txt_record AS r
    JOIN snapshot AS s ON s.snapshot_id = r.snapshot_id AND s.status = 'complete'
    LEFT JOIN ads_txt_owner_domain AS o
        ON o.snapshot_id = r.snapshot_id AND o.domain = r.domain AND o.file_kind = r.file_kind
    WHERE NOT coalesce(r.is_placeholder, false)
),
matched AS (
    SELECT rec.*,
           f.ad_system_domain IS NOT NULL AS sellers_json_loaded,
           f.snapshot_id AS sellers_json_snapshot_id,
           sel.seller_id IS NOT NULL AS seller_present,
           sel.seller_type, sel.name AS seller_name, sel.domain AS seller_domain, sel.is_confidential,
           sel.seller_index,
           CASE
               WHEN sel.seller_id IS NULL THEN NULL
               WHEN rec.relationship = 'DIRECT' THEN sel.seller_type IN ('PUBLISHER', 'BOTH')
               WHEN rec.relationship = 'RESELLER' THEN sel.seller_type IN ('INTERMEDIARY', 'BOTH')
           END AS type_agrees,
           CASE
               WHEN sel.seller_id IS NULL OR sel.domain IS NULL THEN NULL
               ELSE sel.domain IN (rec.domain, rec.root_domain, rec.owner_domain)
                    OR rec.domain LIKE '%.' || sel.domain
           END AS domain_agrees
    FROM records AS rec
    LEFT JOIN sellers_json_file_current AS f ON f.ad_system_domain = rec.ad_system_domain
    LEFT JOIN sellers_json_seller_current AS sel
        ON sel.ad_system_domain = rec.ad_system_domain AND sel.seller_id = rec.seller_id
    QUALIFY row_number() OVER (
        PARTITION BY rec.snapshot_id, rec.line_key
        ORDER BY type_agrees DESC NULLS LAST, domain_agrees DESC NULLS LAST, sel.seller_index
    ) = 1
),
final AS (
    SELECT *,
           CASE
               WHEN NOT sellers_json_loaded THEN 'no_sellers_json'
               WHEN NOT seller_present THEN 'seller_missing'
               WHEN NOT coalesce(type_agrees, false) THEN 'type_mismatch'
               WHEN relationship = 'DIRECT' AND seller_domain IS NULL AND coalesce(is_confidential, false)
                   THEN 'confidential'
               WHEN relationship = 'DIRECT' AND NOT coalesce(domain_agrees, false) THEN 'domain_mismatch'
               ELSE 'ok'
           END AS "check"
    FROM matched
)
SELECT * FROM final;

-- Seller-id pooling: one ad system and seller id declared DIRECT by several unrelated sites in the same
-- snapshot. Sites are related when they share an owner (OWNERDOMAIN, else the root domain), so a group
-- of sites under one OWNERDOMAIN is not pooling. The sellers.json entry, when there is one, says whose id
-- it is (an INTERMEDIARY id declared DIRECT by many sites is the classic case).
CREATE VIEW ads_txt_seller_id_pooling AS
WITH direct AS (
    SELECT snapshot_id, ad_system_domain, seller_id, root_domain, domain, owner_domain,
           seller_type, seller_domain, seller_name
    FROM ads_txt_sellers_json_check
    WHERE relationship = 'DIRECT'
),
final AS (
    SELECT snapshot_id, ad_system_domain, seller_id,
           count(DISTINCT owner_domain) AS owners,
           count(DISTINCT coalesce(root_domain, domain)) AS root_domains,
           list(DISTINCT coalesce(root_domain, domain) ORDER BY coalesce(root_domain, domain)) AS domains,
           list(DISTINCT owner_domain ORDER BY owner_domain) AS owner_domains,
           any_value(seller_type) AS seller_type,
           any_value(seller_domain) AS seller_domain,
           any_value(seller_name) AS seller_name
    FROM direct
    GROUP BY snapshot_id, ad_system_domain, seller_id
    HAVING count(DISTINCT owner_domain) > 1
)
SELECT * FROM final;

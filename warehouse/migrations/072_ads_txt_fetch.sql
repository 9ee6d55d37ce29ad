-- 072: the outcome of each ads.txt / app-ads.txt fetch (spiders/ads_txt.py), and each domain's current file.
--
-- raw_ads_txt_fetch's columns between snapshot_id and loaded_at are exactly
-- spiders.items.FIELDS['ads_txt_fetch'] (tests/test_warehouse_migrations.py holds them together); one row
-- per (snapshot, source, fetch_key), fetch_key being "<domain>/<file_kind>".
--
-- The spider keeps no state between crawls: "the last good copy" is worked out here. A 404 (status
-- not_found) says the site has no file, so it replaces an earlier copy; an error (a redirect chain too far
-- off-site, a Content-Type that is not text/plain, a failed download) says nothing about the file, so the
-- last good copy stands.

CREATE TABLE raw_ads_txt_fetch (
    snapshot_id BIGINT NOT NULL,
    item_kind VARCHAR, source VARCHAR, crawl_id VARCHAR, source_url VARCHAR, fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR, page_number INTEGER,
    fetch_key VARCHAR,  -- "<domain>/<file_kind>"
    domain VARCHAR,  -- the host the file was fetched for
    root_domain VARCHAR,  -- its registrable domain (Public Suffix List)
    file_kind VARCHAR,  -- ads.txt | app-ads.txt
    discovered_via VARCHAR,  -- configured | subdomain | inventory_partner | app_store
    discovered_from VARCHAR,  -- the domain (or store page) that named this one
    url_requested VARCHAR,
    url_final VARCHAR,
    status VARCHAR,  -- found | not_found | error
    http_status INTEGER,
    error VARCHAR,  -- what went wrong, for status error
    redirect_chain VARCHAR[],  -- every URL asked, in order
    cross_domain_hops INTEGER,  -- redirect hops that left the root domain (the second one is an error)
    content_type VARCHAR,  -- as the server sent it
    records INTEGER,  -- data records read from the file
    loaded_at TIMESTAMPTZ NOT NULL
);

-- Per domain and file kind, the latest fetch of a complete snapshot that said something about the file:
-- found or not_found. Errors are skipped, so a later failure does not erase the last good copy.
CREATE VIEW ads_txt_fetch_current AS
SELECT f.*
FROM raw_ads_txt_fetch AS f
JOIN snapshot AS s ON s.snapshot_id = f.snapshot_id AND s.status = 'complete'
WHERE f.status IN ('found', 'not_found')
QUALIFY row_number() OVER (PARTITION BY f.domain, f.file_kind ORDER BY f.snapshot_id DESC, f.fetched_at DESC) = 1;

-- The records of each domain's last good copy (none when the latest decisive answer was a 404).
CREATE VIEW ads_txt_current AS
SELECT r.*
FROM raw_ads_txt_record AS r
JOIN ads_txt_fetch_current AS f
    ON f.snapshot_id = r.snapshot_id AND f.source = r.source AND f.domain = r.domain
    AND f.file_kind = r.file_kind AND f.status = 'found';

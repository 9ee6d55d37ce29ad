-- 070: ads.txt and app-ads.txt (IAB ads.txt 1.1), one raw table per item kind of spiders/parsers/ads_txt.py.
--
-- The columns between snapshot_id and loaded_at are exactly spiders.items.FIELDS[kind], in order and
-- type (tests/test_warehouse_migrations.py holds them together). One row per (snapshot, source, line_key):
-- line_key is "<domain>/<file_kind>#<line_number>", so every line of every file fetched is one row in
-- exactly one of the three tables (or none: blank and comment-only lines). No core rows yet: issue 5's
-- supply-chain checks and monetisation graph read these tables.

CREATE TABLE raw_ads_txt_record (
    snapshot_id BIGINT NOT NULL,
    item_kind VARCHAR, source VARCHAR, crawl_id VARCHAR, source_url VARCHAR, fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR, page_number INTEGER,
    line_key VARCHAR,
    domain VARCHAR,  -- the host the file was fetched for
    root_domain VARCHAR,  -- its registrable domain (Public Suffix List)
    file_kind VARCHAR,  -- ads.txt | app-ads.txt
    line_number INTEGER,
    ad_system_domain VARCHAR,  -- as given
    ad_system_canonical VARCHAR,  -- alias and typo table applied
    seller_account_id VARCHAR,  -- exactly as given
    seller_account_canonical VARCHAR,  -- Google publisher ids as pub-<digits>
    relationship VARCHAR,  -- DIRECT | RESELLER
    certification_authority_id VARCHAR,
    extensions VARCHAR[],
    is_placeholder BOOLEAN,  -- IAB's "no authorised sellers" record (ads.txt 1.1 §3.2.1)
    recovered_reason VARCHAR,  -- what was repaired in a near-miss line; NULL for a well-formed one
    loaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE raw_ads_txt_variable (
    snapshot_id BIGINT NOT NULL,
    item_kind VARCHAR, source VARCHAR, crawl_id VARCHAR, source_url VARCHAR, fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR, page_number INTEGER,
    line_key VARCHAR,
    domain VARCHAR,
    root_domain VARCHAR,
    file_kind VARCHAR,
    line_number INTEGER,
    name VARCHAR,  -- uppercased variable name
    value VARCHAR,  -- %-decoded
    country VARCHAR,  -- MANAGERDOMAIN's optional country
    ignored_reason VARCHAR,  -- why the declaration has no effect; NULL when it counts
    loaded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE raw_ads_txt_rejected_line (
    snapshot_id BIGINT NOT NULL,
    item_kind VARCHAR, source VARCHAR, crawl_id VARCHAR, source_url VARCHAR, fetched_at TIMESTAMPTZ,
    body_sha256 VARCHAR, page_number INTEGER,
    line_key VARCHAR,
    domain VARCHAR,
    root_domain VARCHAR,
    file_kind VARCHAR,
    line_number INTEGER,
    raw_line VARCHAR,  -- the line as decoded, comment included
    reason VARCHAR,  -- why it is neither a record nor a variable
    loaded_at TIMESTAMPTZ NOT NULL
);

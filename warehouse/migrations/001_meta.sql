-- 001: the warehouse's own bookkeeping (DESIGN.md "The warehouse", Snapshots).
--
-- schema_version: one row per migration applied, with the sha256 of the file as it was applied, so a
-- migration edited after release is caught instead of silently diverging between warehouses.
-- snapshot: one run of `adtrail snapshot` (or `adtrail load`); visible to readers only once complete.
-- snapshot_source: what each source asked for (scope, terms hashed) and what happened to it.

CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY,  -- the number the migration file starts with
    name VARCHAR NOT NULL,  -- the file name, e.g. 010_raw.sql
    sha256 VARCHAR NOT NULL,  -- of the file's bytes when it was applied
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE SEQUENCE snapshot_id_seq START 1;

CREATE TABLE snapshot (
    snapshot_id BIGINT PRIMARY KEY DEFAULT nextval('snapshot_id_seq'),
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ,
    -- The date the run stands for. The demo runs on a simulated clock (run N is N weeks after a fixed
    -- start), so this is not always the date of started_at.
    as_of DATE NOT NULL,
    status VARCHAR NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'complete', 'failed')),
    code_version VARCHAR,
    error VARCHAR  -- why a snapshot was marked failed (what happened, what to do)
);

CREATE TABLE snapshot_source (
    snapshot_id BIGINT NOT NULL,
    source VARCHAR NOT NULL,  -- spider name, e.g. meta_ads_archive
    crawl_id VARCHAR NOT NULL,
    manifest_sha256 VARCHAR NOT NULL,  -- of manifest.json's bytes: the same crawl loaded twice is a no-op
    scope JSON,  -- what was asked: countries, dates, search terms as sha256 (never the terms)
    scope_hash VARCHAR,  -- history compares only snapshots whose (source, scope_hash) both completed
    status VARCHAR NOT NULL CHECK (status IN ('complete', 'failed')),
    finish_reason VARCHAR,  -- e.g. finished, token_expired, retries_exhausted
    error VARCHAR,  -- message for the user from the crawl: what happened, what to do
    cursor VARCHAR,  -- redacted URL of the next page not fetched
    counts JSON,  -- the crawl's problem counters (pages, items, http_429, truncated_body, ...)
    items_loaded BIGINT NOT NULL,  -- rows in raw after keeping one per item key
    loaded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (snapshot_id, source)
);

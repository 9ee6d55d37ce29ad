-- 090: Meta's Ad Library Report files (source meta_ad_report), imported from the user's downloads
-- (adtrail import meta-report; the reader is spiders/parsers/meta_report.py, the loader
-- warehouse/load_meta_report.py). Disclosed aggregates: Meta's authoritative grain for flows is the ad
-- (ads_archive); these totals are used to check how complete the API-derived figures are (DESIGN.md "Money").
--
-- One row per CSV row, every row of every file. Amounts in whole units of `currency` (from the header
-- "Amount spent (EUR)"): an exact amount has low = high; Meta's "≤100" is kept as the bucket low 0,
-- high 100 with amount_below_threshold, never as 100. Dates are Pacific time (America/Los_Angeles): the
-- file name's date is the last day covered (report_date); period_start = report_date - (days - 1), NULL for
-- "lifetime" (all dates). Loading the same file into the same snapshot again replaces its rows (keyed by
-- file_sha256).

CREATE TABLE raw_meta_ad_report (
    snapshot_id BIGINT NOT NULL,
    source VARCHAR NOT NULL,  -- meta_ad_report
    crawl_id VARCHAR,  -- "import-<sha256 prefix of the files imported together>"
    source_url VARCHAR,  -- file:// URL of the imported file
    file_name VARCHAR NOT NULL,  -- the zip or CSV as imported
    file_sha256 VARCHAR NOT NULL,  -- of the imported file's bytes
    member VARCHAR NOT NULL,  -- the CSV inside the zip (or the CSV itself)
    row_number BIGINT NOT NULL,  -- 1-based, within the member
    report_kind VARCHAR NOT NULL CHECK (report_kind IN ('advertisers', 'locations', 'region')),
    country VARCHAR NOT NULL,  -- ISO 3166-1 alpha-2, from the file name
    period VARCHAR NOT NULL,  -- yesterday, last_7_days, last_30_days, last_90_days, lifetime
    report_date DATE NOT NULL,  -- last day covered, Pacific time
    period_start DATE,  -- first day covered, Pacific time; NULL for lifetime
    time_zone VARCHAR NOT NULL,  -- America/Los_Angeles
    region_name VARCHAR,  -- region files: the region (from the file name); e.g. "Wallonia"
    region_code VARCHAR,  -- its ISO 3166-2 code through analysis/regions.csv; NULL when the table has none
    page_id VARCHAR,  -- advertisers and region files
    page_name VARCHAR,  -- as Meta wrote it (look-alike letters and all: analysis/normalise.py matches them)
    disclaimer VARCHAR,  -- the "paid for by" line, or "These ads ran without a disclaimer"
    location_name VARCHAR,  -- locations file: region name as Meta writes it, or "Unknown"
    location_code VARCHAR,  -- its ISO 3166-2 code; NULL for "Unknown" or a name the table lacks
    currency VARCHAR NOT NULL,  -- ISO 4217, from the amount column's header
    amount_spent_text VARCHAR,  -- as written: "84970" or "≤100"
    amount_spent_low BIGINT,  -- currency units; 0 for "≤100"
    amount_spent_high BIGINT,  -- 100 for "≤100"
    amount_below_threshold BOOLEAN,  -- the amount was Meta's "≤100" bucket
    number_of_ads BIGINT,  -- advertisers file: "Number of ads in Library"
    spend_basis VARCHAR NOT NULL DEFAULT 'disclosed',
    loaded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

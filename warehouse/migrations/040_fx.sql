-- 040: exchange rates and the conversion to US dollars (DESIGN.md "Money"; issue 3, fx_rates).
--
-- Amounts stay in their own currency everywhere; USD is computed when a query asks, by an ASOF join to
-- the latest rate on or before the amount's date. So a rate loaded later fills a gap, and a changed rule
-- (analysis/assumptions.toml, installed by analysis.fx.install_fx_rule) applies to all history, without
-- rewriting a row. A missing rate is NULL, never 0.

-- Every rate as its source published it, one row per distinct value: loading the same file twice adds
-- nothing, and a revised value (a newer World Bank release) is a new row; the newest loaded is current.
CREATE TABLE fx_rate (
    source VARCHAR NOT NULL,  -- 'ecb' | 'worldbank' | 'user'
    series VARCHAR NOT NULL,  -- the source's series: EXR.D.INR.EUR.SP00.A, PA.NUS.FCRF.BGD, 'user'
    currency VARCHAR NOT NULL,  -- ISO 4217 (withdrawn codes such as DEM kept as published)
    base VARCHAR NOT NULL CHECK (base IN ('EUR', 'USD')),
    rate_date DATE NOT NULL,  -- the day; for a yearly average, 1 January of its year
    rate DOUBLE NOT NULL CHECK (rate > 0),  -- units of currency per 1 base
    rate_text VARCHAR NOT NULL,  -- the figure exactly as published
    precision VARCHAR NOT NULL CHECK (precision IN ('daily', 'yearly_average')),
    reference BOOLEAN NOT NULL,  -- the series conversions use for this currency (World Bank: one economy)
    loaded_at TIMESTAMPTZ NOT NULL,
    provenance JSON NOT NULL,  -- {file, file_sha256, source_url, published, economy, economy_name, line}
    PRIMARY KEY (source, series, currency, base, rate_date, rate)
);

-- The rate files loaded, for the sources page and for tracing a rate to its file.
CREATE TABLE fx_rate_file (
    file_sha256 VARCHAR PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,  -- 'ecb' | 'worldbank' | 'user'
    source_url VARCHAR,
    published VARCHAR,  -- the source's own date for the file (World Bank "Last Updated Date")
    rates BIGINT NOT NULL,  -- rates in the file
    rates_added BIGINT NOT NULL,  -- of those, new to the warehouse when it was first loaded
    loaded_at TIMESTAMPTZ NOT NULL
);

-- The conversion rule in force, from analysis/assumptions.toml (one row; replaced when the file's
-- version changes). Rates are chosen per currency in source order: the first source whose latest rate on
-- or before the date is still valid (rate_date + valid_for > the date).
CREATE TABLE fx_rule (
    version INTEGER NOT NULL,
    rule_date DATE NOT NULL,
    rule_text VARCHAR NOT NULL,
    installed_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE fx_rule_source (
    currency VARCHAR NOT NULL,  -- ISO 4217, or '*' for every currency not listed
    source VARCHAR NOT NULL,
    source_rank INTEGER NOT NULL,  -- 1 = tried first
    PRIMARY KEY (currency, source)
);
CREATE TABLE fx_rule_validity (
    precision VARCHAR PRIMARY KEY,
    valid_for INTERVAL NOT NULL  -- how long after its rate_date a rate may stand for a later day
);
CREATE TABLE fx_rule_citation (
    source VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    citation_url VARCHAR,
    read_on DATE,
    note VARCHAR
);

-- The current value of every rate: the newest loaded row per key.
CREATE VIEW fx_rate_current AS
SELECT * EXCLUDE (loaded_order)
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY source, series, currency, base, rate_date ORDER BY loaded_at DESC, rate_text
    ) AS loaded_order
    FROM fx_rate
)
WHERE loaded_order = 1;

-- US dollars per unit of each currency, per source and date. USD-based rates invert; EUR-based rates
-- cross with the same source's USD per EUR of the same date (USD per EUR / C per EUR); the euro itself is
-- the USD per EUR. A direct USD quote wins over a cross rate of the same source and date.
CREATE VIEW fx_usd_rate AS
WITH current_reference AS (
    SELECT * FROM fx_rate_current WHERE reference
),
usd_per_eur AS (
    SELECT source, rate_date, rate AS usd_per_base
    FROM current_reference
    WHERE base = 'EUR' AND currency = 'USD'
),
candidates AS (
    SELECT source, currency, rate_date, precision, base AS rate_base,
           rate AS currency_per_base, 1.0::DOUBLE AS usd_per_base, 1.0 / rate AS usd_per_unit
    FROM current_reference
    WHERE base = 'USD' AND currency <> 'USD'
    UNION ALL
    SELECT c.source, c.currency, c.rate_date, c.precision, c.base,
           c.rate, u.usd_per_base, u.usd_per_base / c.rate
    FROM current_reference AS c
    JOIN usd_per_eur AS u ON u.source = c.source AND u.rate_date = c.rate_date
    WHERE c.base = 'EUR' AND c.currency <> 'USD'
    UNION ALL
    SELECT source, 'EUR', rate_date, precision, base, 1.0, rate, rate
    FROM current_reference
    WHERE base = 'EUR' AND currency = 'USD'
)
SELECT *
FROM candidates
QUALIFY row_number() OVER (
    PARTITION BY source, currency, rate_date ORDER BY rate_base = 'USD' DESC, usd_per_unit
) = 1;

-- fx_usd_rate_at('a table, view or CTE with currency and amount_date'): one row per distinct
-- (currency, amount_date) with usd_per_unit (NULL where no source has a valid rate: a gap), and what the
-- figure rests on: rate_date, rate_source, rate_precision, rate_period ('2022-07-08' or '2022 average'),
-- rate_base, currency_per_base, usd_per_base, fx_rule_version. USD converts to itself (source 'identity').
CREATE MACRO fx_usd_rate_at(amounts) AS TABLE
WITH wanted AS (
    SELECT DISTINCT currency, CAST(amount_date AS DATE) AS amount_date
    FROM query_table(amounts)
),
listed AS (
    SELECT DISTINCT currency FROM fx_rule_source WHERE currency <> '*'
),
source_order AS (
    SELECT w.currency, w.amount_date, s.source, s.source_rank
    FROM wanted AS w
    LEFT JOIN listed AS l ON l.currency = w.currency
    JOIN fx_rule_source AS s ON s.currency = coalesce(l.currency, '*')
    WHERE w.currency IS NOT NULL AND w.amount_date IS NOT NULL
),
latest_per_source AS (
    SELECT o.currency, o.amount_date, o.source_rank, r.* EXCLUDE (currency)
    FROM source_order AS o
    ASOF JOIN fx_usd_rate AS r
        ON r.currency = o.currency AND r.source = o.source AND o.amount_date >= r.rate_date
),
chosen AS (
    SELECT p.*
    FROM latest_per_source AS p
    JOIN fx_rule_validity AS v ON v.precision = p.precision
    WHERE p.amount_date < p.rate_date + v.valid_for
    QUALIFY row_number() OVER (PARTITION BY p.currency, p.amount_date ORDER BY p.source_rank) = 1
)
SELECT
    w.currency,
    w.amount_date,
    CASE WHEN w.currency = 'USD' THEN 1.0 ELSE c.usd_per_unit END AS usd_per_unit,
    CASE WHEN w.currency = 'USD' THEN w.amount_date ELSE c.rate_date END AS rate_date,
    CASE WHEN w.currency = 'USD' THEN 'identity' ELSE c.source END AS rate_source,
    CASE WHEN w.currency = 'USD' THEN 'exact' ELSE c.precision END AS rate_precision,
    CASE
        WHEN w.currency = 'USD' THEN CAST(w.amount_date AS VARCHAR)
        WHEN c.precision = 'yearly_average' THEN CAST(year(c.rate_date) AS VARCHAR) || ' average'
        ELSE CAST(c.rate_date AS VARCHAR)
    END AS rate_period,
    CASE WHEN w.currency = 'USD' THEN 'USD' ELSE c.rate_base END AS rate_base,
    CASE WHEN w.currency = 'USD' THEN 1.0 ELSE c.currency_per_base END AS currency_per_base,
    CASE WHEN w.currency = 'USD' THEN 1.0 ELSE c.usd_per_base END AS usd_per_base,
    (SELECT max(version) FROM fx_rule) AS fx_rule_version
FROM wanted AS w
LEFT JOIN chosen AS c ON c.currency = w.currency AND c.amount_date = w.amount_date;

-- fx_to_usd('a table, view or CTE with currency, amount_date and amount'): every row as it was, plus
-- amount_usd (NULL where there is no rate) and the columns of fx_usd_rate_at that say what it rests on.
CREATE MACRO fx_to_usd(amounts) AS TABLE
SELECT
    a.*,
    a.amount * r.usd_per_unit AS amount_usd,
    r.usd_per_unit, r.rate_date, r.rate_source, r.rate_precision, r.rate_period,
    r.rate_base, r.currency_per_base, r.usd_per_base, r.fx_rule_version
FROM query_table(amounts) AS a
LEFT JOIN fx_usd_rate_at(amounts) AS r
    ON r.currency = a.currency AND r.amount_date = CAST(a.amount_date AS DATE);

-- 110: advertisers across platforms (DESIGN.md "Scores, entities and evidence", "Entities").
--
-- The same organisation appears as a Meta page, a Google advertiser id, a TikTok business id, a Snap
-- organisation, a "paid for by" line. analysis/entities.py resolves one snapshot at a time:
-- identifiers are proof and merge automatically (the same platform id; the same registration number, e.g.
-- Google's Public_IDs_List "EIN ID 46-3931666" or a Brazilian CNPJ; the same verified domain); names are
-- not proof: two names that match (their confusables skeleton, analysis/normalise.py, is equal or very
-- close) become an entity_candidate with its reason and confidence, and merge only once a person confirms
-- it (adtrail entities review) or an override file says so. Payer, beneficiary and agency are roles of an
-- identifier, never merged into the advertiser by paying for its ads.

-- Every identifier a snapshot holds, and the record it was seen on: identifiers of one record (a Google
-- advertiser and its registration numbers; a page and the registration number a platform gives for it)
-- belong together. Platform ids come from core_ad.advertiser_id; registration numbers and verified domains
-- from Google's advertiser stats and, for sources that disclose them, from core_ad.platform_fields keys
-- 'registration_number' and 'verified_domain'; "paid for by" lines from core_ad_payer and the Meta report's
-- disclaimer. Values are as written: analysis/entities.py builds the comparable key.
CREATE MACRO entity_identifier_observed(p_snapshot_id) AS TABLE
WITH advertiser AS (
    SELECT DISTINCT platform,
        CASE platform WHEN 'meta' THEN 'meta_page_id' WHEN 'google' THEN 'google_advertiser_id'
                      WHEN 'tiktok' THEN 'tiktok_business_id' WHEN 'snap' THEN 'snap_organisation' END AS id_kind,
        CASE WHEN platform = 'snap' THEN coalesce(advertiser_id, advertiser_name) ELSE advertiser_id END AS value,
        advertiser_name AS name,
        platform_fields->>'registration_number' AS registration_number,
        platform_fields->>'verified_domain' AS verified_domain
    FROM core_ad
    WHERE snapshot_id = p_snapshot_id AND platform IN ('meta', 'google', 'tiktok', 'snap')
),
advertiser_record AS (
    SELECT platform || ':' || id_kind || ':' || value AS record_key, * FROM advertiser WHERE value IS NOT NULL
),
google_public_id AS (  -- "EIN ID 46-3931666, FEC ID C00495861": scheme, " ID ", the number
    SELECT s.advertiser_id, s.advertiser_name,
        regexp_extract(trim(part), '^([A-Z][A-Z0-9]*) ID (\S+)$', 1) AS scheme,
        regexp_extract(trim(part), '^([A-Z][A-Z0-9]*) ID (\S+)$', 2) AS number
    FROM raw_google_advertiser_stats AS s, unnest(string_split(s.public_ids_list, ',')) AS t(part)
    WHERE s.snapshot_id = p_snapshot_id AND s.advertiser_id IS NOT NULL
)
SELECT record_key, platform, id_kind, value, 'advertiser' AS role, name, 'core_ad' AS seen_in
FROM advertiser_record
UNION
SELECT record_key, platform, 'registration_number', registration_number, 'advertiser', name, 'core_ad'
FROM advertiser_record WHERE registration_number IS NOT NULL
UNION
SELECT record_key, platform, 'verified_domain', verified_domain, 'advertiser', name, 'core_ad'
FROM advertiser_record WHERE verified_domain IS NOT NULL
UNION
SELECT 'google:google_advertiser_id:' || advertiser_id, 'google', 'google_advertiser_id', advertiser_id,
    'advertiser', advertiser_name, 'raw_google_advertiser_stats'
FROM raw_google_advertiser_stats WHERE snapshot_id = p_snapshot_id AND advertiser_id IS NOT NULL
UNION
SELECT 'google:google_advertiser_id:' || advertiser_id, 'google', 'registration_number', scheme || ':' || number,
    'advertiser', advertiser_name, 'raw_google_advertiser_stats'
FROM google_public_id WHERE scheme <> ''
UNION
SELECT 'meta:meta_page_id:' || page_id, 'meta', 'meta_page_id', page_id, 'advertiser', page_name, 'raw_meta_ad_report'
FROM raw_meta_ad_report WHERE snapshot_id = p_snapshot_id AND page_id IS NOT NULL
UNION
SELECT platform || ':payer:' || payer_name, platform, 'paid_for_by', payer_name, 'payer', payer_name, 'core_ad_payer'
FROM core_ad_payer WHERE snapshot_id = p_snapshot_id AND payer_name IS NOT NULL
UNION
SELECT platform || ':beneficiary:' || beneficiary_name, platform, 'paid_for_by', beneficiary_name, 'beneficiary',
    beneficiary_name, 'core_ad_payer'
FROM core_ad_payer WHERE snapshot_id = p_snapshot_id AND beneficiary_name IS NOT NULL
UNION
SELECT 'meta:payer:' || disclaimer, 'meta', 'paid_for_by', disclaimer, 'payer', disclaimer, 'raw_meta_ad_report'
FROM raw_meta_ad_report
WHERE snapshot_id = p_snapshot_id AND disclaimer IS NOT NULL AND disclaimer <> 'These ads ran without a disclaimer';

-- One organisation in one snapshot: entity_id is derived from its smallest identifier key, so the same
-- organisation keeps its id from one snapshot to the next while its identifiers stay.
CREATE TABLE entity (
    snapshot_id BIGINT NOT NULL,
    entity_id VARCHAR NOT NULL,  -- "E" + 16 hex digits
    display_name VARCHAR,  -- an advertiser name of the entity as a platform wrote it (original kept)
    platforms VARCHAR[],
    roles VARCHAR[],  -- the roles its identifiers were seen in
    identifiers INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, entity_id)
);

CREATE TABLE entity_identifier (
    snapshot_id BIGINT NOT NULL,
    entity_id VARCHAR NOT NULL,
    identifier_key VARCHAR NOT NULL,  -- what is compared, e.g. "registration_number:EIN:463931666"
    platform VARCHAR NOT NULL,  -- where it was seen (a registration number seen on two platforms: two rows)
    id_kind VARCHAR NOT NULL CHECK (id_kind IN ('meta_page_id', 'google_advertiser_id', 'tiktok_business_id',
        'snap_organisation', 'registration_number', 'verified_domain', 'paid_for_by')),
    value VARCHAR NOT NULL,  -- as written
    role VARCHAR NOT NULL CHECK (role IN ('advertiser', 'payer', 'beneficiary', 'agency')),
    name VARCHAR,  -- the name shown with it, as written
    joined_by VARCHAR NOT NULL,  -- why it is in this entity: 'identifier', 'confirmed_candidate', 'override'
    PRIMARY KEY (snapshot_id, identifier_key, platform, role)
);

-- Name matches, kept across snapshots: a decision (confirmed, rejected) holds for every later snapshot.
CREATE SEQUENCE entity_candidate_id START 1;
CREATE TABLE entity_candidate (
    candidate_id BIGINT PRIMARY KEY DEFAULT nextval('entity_candidate_id'),
    identifier_a VARCHAR NOT NULL,  -- identifier keys, identifier_a < identifier_b
    identifier_b VARCHAR NOT NULL,
    name_a VARCHAR,
    name_b VARCHAR,
    reason VARCHAR NOT NULL,  -- in words: which names matched and how
    confidence DOUBLE NOT NULL CHECK (confidence > 0 AND confidence < 1),  -- never 1: a name is no proof
    status VARCHAR NOT NULL DEFAULT 'candidate' CHECK (status IN ('candidate', 'confirmed', 'rejected')),
    first_snapshot_id BIGINT,
    last_snapshot_id BIGINT,
    decided_at TIMESTAMPTZ,
    decided_by VARCHAR,  -- 'review' (adtrail entities review) or 'override:<file name>'
    UNIQUE (identifier_a, identifier_b)
);

-- The user's entity_overrides.csv rows (adtrail entities import-overrides): merge two identifiers, split
-- one out of what joined it, confirm or reject a name match. Applied in override_id order.
CREATE SEQUENCE entity_override_id START 1;
CREATE TABLE entity_override (
    override_id BIGINT PRIMARY KEY DEFAULT nextval('entity_override_id'),
    action VARCHAR NOT NULL CHECK (action IN ('merge', 'split', 'confirm', 'reject')),
    identifier_a VARCHAR NOT NULL,
    identifier_b VARCHAR,  -- NULL for a split of one identifier
    note VARCHAR,
    file_name VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,  -- 1-based data row of the file
    imported_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (file_sha256, row_number)
);

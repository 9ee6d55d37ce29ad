-- Name matches between entities (entity_candidate) with their reason and confidence, kept across snapshots.
-- $status: 'candidate' (awaiting review), 'confirmed', 'rejected', or NULL for all; $search: part of either
-- name or identifier, case-insensitive (NULL: any). Decisions are taken in the command line (adtrail
-- entities review, an overrides file), never by a reader.
SELECT candidate_id, name_a, identifier_a, name_b, identifier_b, reason, confidence, status,
       first_snapshot_id, last_snapshot_id, decided_at, decided_by
FROM entity_candidate
WHERE ($status IS NULL OR status = $status)
    AND ($search IS NULL
         OR contains(lower(concat_ws(' ', name_a, identifier_a, name_b, identifier_b)), lower($search)))
ORDER BY confidence DESC, candidate_id

-- Advertisers across platforms: each entity of one snapshot with its identifiers, one row per identifier
-- (platform id, registration number, verified domain, "paid for by" line), its role and why it joined.
-- $snapshot_id: a complete snapshot; $search: part of a name or identifier, case-insensitive (NULL: any);
-- $platforms: entities seen on any of these platforms (NULL: any).
WITH wanted AS (
    SELECT DISTINCT e.entity_id
    FROM entity AS e
    JOIN entity_identifier AS i USING (snapshot_id, entity_id)
    WHERE e.snapshot_id = $snapshot_id
        AND ($platforms IS NULL OR len(list_intersect(e.platforms, $platforms)) > 0)
        AND ($search IS NULL
             OR contains(lower(coalesce(e.display_name, '')), lower($search))
             OR contains(lower(coalesce(i.name, '')), lower($search))
             OR contains(lower(i.value), lower($search))
             OR contains(lower(i.identifier_key), lower($search)))
),
final AS (
    SELECT e.entity_id, e.display_name, e.platforms, e.roles, e.identifiers,
           len(e.platforms) AS platform_count,
           i.platform, i.id_kind, i.value, i.role, i.name, i.identifier_key, i.joined_by
    FROM entity AS e
    JOIN wanted USING (entity_id)
    JOIN entity_identifier AS i USING (snapshot_id, entity_id)
    WHERE e.snapshot_id = $snapshot_id
)
SELECT * FROM final
ORDER BY platform_count DESC, identifiers DESC, display_name, entity_id, platform, role, id_kind, value

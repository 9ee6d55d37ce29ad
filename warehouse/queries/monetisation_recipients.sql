-- The sites, apps and channels of one snapshot's monetisation graph (monetisation_edge), to pick one for
-- who_pays_site: each with its edges, by basis, and a label (a channel's title).
-- $snapshot_id: a complete snapshot (NULL: the latest complete one).
WITH chosen AS (
    SELECT coalesce($snapshot_id, (SELECT max(snapshot_id) FROM snapshot WHERE status = 'complete')) AS snapshot_id
),
titles AS (
    SELECT recipient, any_value(channel_title) AS channel_title
    FROM monetisation_channel_ad_slots JOIN chosen USING (snapshot_id)
    GROUP BY recipient
),
final AS (
    SELECT e.from_kind AS recipient_kind, e.from_id AS recipient, t.channel_title,
           count(*) AS edges,
           count(*) FILTER (WHERE e.basis = 'disclosed') AS disclosed_edges,
           count(*) FILTER (WHERE e.basis = 'observed') AS observed_edges,
           count(DISTINCT e.ad_system_domain) AS ad_systems
    FROM monetisation_edge AS e
    JOIN chosen USING (snapshot_id)
    LEFT JOIN titles AS t ON t.recipient = e.from_id AND e.from_kind = 'channel'
    WHERE e.from_kind IN ('site', 'app', 'channel')
    GROUP BY ALL
)
SELECT * FROM final ORDER BY recipient_kind DESC, recipient

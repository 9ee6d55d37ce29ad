-- What a warehouse says about itself (migration 060_explorer.sql): one row per label, e.g. ('demo', 'true')
-- for a warehouse made by adtrail demo (warehouse.demo_marker.mark_demo).
SELECT key, value, labelled_at
FROM warehouse_label
ORDER BY key

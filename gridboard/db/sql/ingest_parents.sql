-- ingest_parents: (unit_id, "县 / 镇街 / 社区" path) of units at $levels that new grids may go under, in tree order.
WITH RECURSIVE walk(unit_id, path, ids, depth) AS (
    SELECT unit_id, name, [unit_id], 0 FROM units WHERE parent_id IS NULL
    UNION ALL
    SELECT u.unit_id, w.path || ' / ' || u.name, list_append(w.ids, u.unit_id), w.depth + 1
    FROM walk w JOIN units u ON u.parent_id = w.unit_id
    WHERE list_contains($levels, u.level) AND w.depth < 12
)
SELECT unit_id, path FROM walk ORDER BY ids

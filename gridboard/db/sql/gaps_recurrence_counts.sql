-- gaps_recurrence_counts: recurring cases (gaps_recurrence.sql) per group of the scope.
-- Fragments, filled by gridboard.gaps from fixed texts: scope (a scope_*.sql), grid_of, recurring.
WITH scope AS (
    {scope}
),
grid_of AS (
    {grid_of}
),
recurring AS (
    {recurring}
)
SELECT grp, count(*) AS recurring
FROM recurring
GROUP BY grp
ORDER BY grp

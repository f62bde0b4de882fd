-- kpi_funnel: the closed loop over the cohort, one count per stage, evaluated at $as_of:
-- reported → dispatched → responded → closed → surveyed → satisfied. Responded, closed,
-- surveyed and satisfied count exactly as kpis.sql counts them (responded, closed, surveyed,
-- satisfied), so the funnel and the tiles can never disagree.
-- Fragments, filled by gridboard.kpi_views from fixed texts: scope and cohort as in kpis.sql.
WITH scope AS (
    {scope}
),
cohort AS (
    {cohort}
)
SELECT
    count(*) AS reported,
    count(*) FILTER (WHERE k.dispatched_at <= $as_of) AS dispatched,
    count(*) FILTER (WHERE k.responded_at <= $as_of) AS responded,
    count(*) FILTER (WHERE k.closed_at <= $as_of) AS closed,
    count(k.satisfaction) AS surveyed,
    count(*) FILTER (WHERE k.satisfaction IN ('satisfied', 'basic')) AS satisfied
FROM cohort AS k

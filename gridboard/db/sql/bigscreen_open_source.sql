-- bigscreen_open_source: every case that can be open at a time from $since on (fragment): the
-- backlog (bigscreen_backlog.sql, registered by gridboard.bigscreen as the view bigscreen_backlog)
-- and the cases reported since $since, read with zone-map pruning on reported_at. Used as a CTE
-- named cases in front of deadline_graded.sql, so the DESIGN.md deadline grading stays in one place.
SELECT * FROM bigscreen_backlog
UNION ALL BY NAME
SELECT case_id, unit_id, category, subcategory, title, source, department, reported_at, due_at,
       closed_at, status, supervised, reporter_phone
FROM main.cases
WHERE reported_at >= $since
